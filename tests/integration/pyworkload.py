#!/usr/bin/python3
"""A user's own workload, as the revision supervisor runs it: plain HTTP on 127.0.0.1:$PORT.

GET /env answers the process environment as JSON; GET /crash exits with code 3 at once; every
other path (/readyz included, so the supervisor falls back to TCP readiness) answers 404.
Prints one JSON line on stdout when it listens (server.started); http.server logs each request
on stderr.

--ignore-sigterm: SIGTERM does nothing, so only SIGKILL ends it.
--listen-delay SECONDS: waits before listening, a slow start.
"""

import argparse
import json
import os
import signal
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/env":
            body = json.dumps(dict(os.environ)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif self.path == "/crash":
            sys.stdout.flush()
            os._exit(3)
        else:
            self.send_error(404)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ignore-sigterm", action="store_true")
    parser.add_argument("--listen-delay", type=float, default=0)
    args = parser.parse_args()

    if args.ignore_sigterm:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    time.sleep(args.listen_delay)
    port = int(os.environ["PORT"])
    server = HTTPServer(("127.0.0.1", port), Handler)
    print(json.dumps({"event": "server.started", "port": port,
                      "replica": os.environ.get("CONTAINER_APP_REPLICA_NAME")}), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
