#!/usr/bin/python3
"""An Engine.IO server that breaks the protocol on purpose, for the harness's bad-input tests
(python3-websockets; listens on 127.0.0.1:$PORT, prints a server.started JSON line).

--mode silent       the open packet (pingInterval/pingTimeout 300 ms), the namespace CONNECT,
                    then never a ping: the client must give up at 600 ms as heartbeat-timeout
--mode no-open      accepts the WebSocket and sends nothing: bounded by the connect timeout
--mode refuse       CONNECT_ERROR {"message": "not authorized"} for the namespace
--mode malformed    an open packet without pingInterval
--mode disconnect   connects the namespace, then DISCONNECT ("41") after 200 ms
--mode binary       a binary event with one attachment, then an unannounced binary frame
"""

import argparse
import asyncio
import json
import os

import websockets

OPEN = {"sid": "fake", "upgrades": [], "pingInterval": 300, "pingTimeout": 300,
        "maxPayload": 1000000}


async def handler(ws, mode):
    if mode == "no-open":
        await asyncio.sleep(3600)
        return
    if mode == "malformed":
        await ws.send("0" + json.dumps({"sid": "fake", "pingTimeout": 300}))
        await asyncio.sleep(3600)
        return
    await ws.send("0" + json.dumps(OPEN))
    first = await ws.recv()  # "40" or "40{auth}"
    if mode == "refuse":
        await ws.send('44{"message":"not authorized"}')
        await asyncio.sleep(3600)
        return
    await ws.send('40{"sid":"x"}')
    if mode == "disconnect":
        await asyncio.sleep(0.2)
        await ws.send("41")
    elif mode == "binary":
        await ws.send('451-["file",{"_placeholder":true,"num":0}]')
        await ws.send(b"\x01\x02")
        await ws.send(b"\x03")
    del first
    await asyncio.sleep(3600)


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", required=True,
                        choices=["silent", "no-open", "refuse", "malformed", "disconnect",
                                 "binary"])
    args = parser.parse_args()
    port = int(os.environ.get("PORT", "0"))

    async def serve(ws, path=None):
        try:
            await handler(ws, args.mode)
        except websockets.ConnectionClosed:
            pass

    async with websockets.serve(serve, "127.0.0.1", port) as server:
        bound = server.sockets[0].getsockname()[1]
        print(json.dumps({"event": "server.started", "port": bound}), flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main())
