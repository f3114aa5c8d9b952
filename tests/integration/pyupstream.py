#!/usr/bin/python3
"""An echo upstream built on Debian's python3-websockets, for the relay's integration tests.

It can answer the upgrade late (--handshake-delay-ms), which leaves a window in which the
relay has accepted its client but its upstream is not open yet. Logs one JSON object per line
on stdout, like blueshift-server: server.started (with the port), handshake.request,
connection.opened, message (every message it received, in order) and connection.closed.
"""

import argparse
import asyncio
import json
import sys

import websockets


def log(event, **fields):
    print(json.dumps({"event": event, **fields}), flush=True)


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--handshake-delay-ms", type=int, default=0)
    args = parser.parse_args()

    async def process_request(path, headers):
        log("handshake.request", path=path)
        if args.handshake_delay_ms:
            await asyncio.sleep(args.handshake_delay_ms / 1000)
        return None  # go on with the upgrade

    async def handler(ws):
        log("connection.opened")
        while True:
            try:
                message = await ws.recv()
            except websockets.ConnectionClosed:
                break  # only once every message received before the close was returned
            if isinstance(message, str):
                log("message", type="text", data=message)
            else:
                log("message", type="binary", data=message.hex())
            try:
                await ws.send(message)
            except websockets.ConnectionClosed:
                pass  # the peer closed first; keep logging what it sent before its close
        log("connection.closed", code=ws.close_code, reason=ws.close_reason)

    async with websockets.serve(handler, "127.0.0.1", 0, process_request=process_request,
                                compression=None, max_size=None) as server:
        log("server.started", port=server.sockets[0].getsockname()[1])
        await asyncio.Future()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
