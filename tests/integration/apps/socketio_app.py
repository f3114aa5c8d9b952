#!/usr/bin/python3
"""A Chainlit-shaped Socket.IO app, as a user deploys it as a revision: python-socketio 5 /
Engine.IO 4 under uvicorn, Socket.IO served at /ws/socket.io (Chainlit's path), /healthz 200,
listening on $HOST:$PORT as the platform tells it.

On connect it emits "hello" with {"revision": $CONTAINER_APP_REVISION}, and answers
"blueshift-echo" emits with an ack carrying the same data, as a Chainlit app answers its
client's events. Environment:
  SIO_PING_INTERVAL / SIO_PING_TIMEOUT  seconds (default: Engine.IO's 25 / 20)
  SIO_AUTH_TOKEN                        when set, CONNECT needs auth {"token": <it>} (else
                                        CONNECT_ERROR "not authorized")
  SIO_REVISION_HEADER                   when set, the upgrade's 101 carries this header with the
                                        revision (as an app may set one for attribution)
"""

import json
import os
import sys

import socketio
import uvicorn

revision = os.environ.get("CONTAINER_APP_REVISION", "local")
token = os.environ.get("SIO_AUTH_TOKEN")

sio = socketio.AsyncServer(
    async_mode="asgi",
    cors_allowed_origins="*",
    ping_interval=float(os.environ.get("SIO_PING_INTERVAL", "25")),
    ping_timeout=float(os.environ.get("SIO_PING_TIMEOUT", "20")),
    logger=False,
    engineio_logger=False,
)


@sio.event
async def connect(sid, environ, auth):
    if token is not None and (not isinstance(auth, dict) or auth.get("token") != token):
        raise socketio.exceptions.ConnectionRefusedError("not authorized")
    await sio.emit("hello", {"revision": revision}, to=sid)


@sio.on("blueshift-echo")
async def echo(sid, data):
    return data


async def health(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    status = 200 if scope["path"] in ("/healthz", "/readyz") else 404
    body = b"ok\n" if status == 200 else b"not found\n"
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


inner = socketio.ASGIApp(sio, other_asgi_app=health, socketio_path="/ws/socket.io")
header = os.environ.get("SIO_REVISION_HEADER")


async def app(scope, receive, send):
    if header and scope["type"] == "websocket":
        async def send_with_header(message):
            if message["type"] == "websocket.accept":
                message = dict(message)
                message["headers"] = list(message.get("headers") or []) + [
                    (header.lower().encode(), revision.encode())]
            await send(message)
        return await inner(scope, receive, send_with_header)
    return await inner(scope, receive, send)


if __name__ == "__main__":
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8000"))
    print(json.dumps({"event": "server.started", "listen": f"{host}:{port}", "port": port,
                      "revision": revision}), flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", lifespan="on")
    sys.exit(0)
