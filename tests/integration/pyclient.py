#!/usr/bin/python3
"""An independent WebSocket client (Debian's python3-websockets) for the relay's integration tests.

usage: pyclient.py URL echo|realtime

echo:     against an echo upstream: text (with non-ASCII), binary (every byte value), an empty
          message, a 200 KB message, a ping answered by a pong, then a normal close.
realtime: against upstream-sim's realtime mode: session.created, session.update ->
          session.updated, response.create -> response.created, deltas, response.done.

Prints one JSON object on stdout on success ({"ok": true, ...}) and exits 0; on any failure
prints the reason on stderr and exits 1.
"""

import asyncio
import json
import sys

import websockets

TIMEOUT = 10


async def recv(ws):
    return await asyncio.wait_for(ws.recv(), TIMEOUT)


async def echo(ws, result):
    for message in ["hello from python", "h\u00e9llo \u2713 \U0001F30A", "", "x" * 200_000,
                    bytes(range(256)), b"", bytes(70_000)]:
        await ws.send(message)
        got = await recv(ws)
        if type(got) is not type(message) or got != message:
            raise AssertionError(f"echo of a {type(message).__name__} of {len(message)} "
                                 f"came back as a {type(got).__name__} of {len(got)}")
    result["echoed"] = 7
    pong = await ws.ping(b"py-ping")
    await asyncio.wait_for(pong, TIMEOUT)
    result["pong"] = True


async def realtime(ws, result):
    types = []

    async def next_event():
        message = await recv(ws)
        if not isinstance(message, str):
            raise AssertionError("the realtime upstream sent a binary message")
        event = json.loads(message)
        types.append(event["type"])
        return event

    if (await next_event())["type"] != "session.created":
        raise AssertionError(f"first event was {types[-1]}")
    await ws.send(json.dumps({"type": "session.update", "session": {"instructions": "be brief"}}))
    event = await next_event()
    if event["type"] != "session.updated" or event["session"]["instructions"] != "be brief":
        raise AssertionError(f"expected session.updated, got {event}")
    await ws.send(json.dumps({"type": "response.create"}))
    deltas = 0
    while (await next_event())["type"] != "response.done":
        if types[-1] == "response.audio.delta":
            deltas += 1
    result["deltas"] = deltas
    result["types"] = types


async def main():
    url, mode = sys.argv[1], sys.argv[2]
    result = {"ok": True, "mode": mode}
    async with websockets.connect(url, compression=None, max_size=None,
                                  open_timeout=TIMEOUT, close_timeout=TIMEOUT) as ws:
        result["revision"] = ws.response_headers.get("X-Blueshift-Revision")
        result["session"] = ws.response_headers.get("X-Blueshift-Session")
        await (echo(ws, result) if mode == "echo" else realtime(ws, result))
        await ws.close(1000, "done")
        result["close_code"] = ws.close_code
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except Exception as e:  # noqa: BLE001 - any failure is the test's failure
        print(f"pyclient: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
