#!/usr/bin/python3
"""The reference deployment's FastAPI WebSocket proxy, as a revision: a client WebSocket at /ws
bridged to an upstream WebSocket ($UPSTREAM_URL, e.g. an Azure OpenAI realtime deployment; here
upstream-sim), /healthz 200, listening on $HOST:$PORT. Text and binary frames go both ways; a
close on either side closes the other with its code.
"""

import asyncio
import json
import os

import uvicorn
import websockets
from fastapi import FastAPI, WebSocket, WebSocketDisconnect
from fastapi.responses import PlainTextResponse

app = FastAPI()
upstream_url = os.environ["UPSTREAM_URL"]


@app.get("/healthz", response_class=PlainTextResponse)
async def healthz():
    return "ok\n"


@app.websocket("/ws")
async def relay(client: WebSocket):
    await client.accept()
    try:
        upstream = await websockets.connect(upstream_url, max_size=16 * 1024 * 1024)
    except Exception:  # noqa: BLE001 - any failure to reach the upstream is a 1011
        await client.close(code=1011)
        return

    async def client_to_upstream():
        try:
            while True:
                message = await client.receive()
                if message["type"] == "websocket.disconnect":
                    await upstream.close(code=message.get("code", 1000))
                    return
                if message.get("text") is not None:
                    await upstream.send(message["text"])
                elif message.get("bytes") is not None:
                    await upstream.send(message["bytes"])
        except (WebSocketDisconnect, websockets.ConnectionClosed):
            return

    async def upstream_to_client():
        try:
            async for message in upstream:
                if isinstance(message, str):
                    await client.send_text(message)
                else:
                    await client.send_bytes(message)
            await client.close(code=upstream.close_code or 1000)
        except (WebSocketDisconnect, RuntimeError, websockets.ConnectionClosed):
            return

    tasks = [asyncio.create_task(client_to_upstream()), asyncio.create_task(upstream_to_client())]
    await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for task in tasks:
        task.cancel()
    await upstream.close()


if __name__ == "__main__":
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8000"))
    print(json.dumps({"event": "server.started", "listen": f"{host}:{port}", "port": port}), flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
