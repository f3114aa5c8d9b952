#!/usr/bin/env python3
"""Crash-and-restart soak of the local platform (`blueshift-server local`).

Each cycle starts the platform on a state directory that persists across cycles, checks that
every change acknowledged before (a 2xx response fully received) came back, checks that the
ingress serves a WebSocket from a revision that should get it, opens live sessions, takes one
step of a blue/green rollout (new revision, 50/50, 100/0, deactivate the old one) and SIGKILLs
the platform at a moment chosen by a seeded RNG: while the request is in flight, while the new
revision's long-running operation is in progress, right after a traffic shift, or during the
drain that a deactivation starts. After the kill it checks that every process the platform
started (the replicas and the demo's upstream-sim) is gone within a few seconds.

    python3 bench/soak.py --bin build/bin --cycles 50 [--seed N] [--out DIR]

Python standard library only (the WebSocket client is a few lines of its own: Debian 12's
python3-websockets is 10.4, which has no websockets.sync). Only 127.0.0.1. Exit status 0 when
nothing acknowledged was lost, every restart served on the same ingress port, no platform
process outlived a kill and no session was misrouted; 1 otherwise; 2 for a usage error.
"""

import argparse
import atexit
import base64
import collections
import hashlib
import http.client
import json
import os
import random
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

APP = "demo"
APPS_PATH = "/subscriptions/local/resourceGroups/local/providers/Microsoft.App/containerApps"
APP_PATH = APPS_PATH + "/" + APP

START_TIMEOUT = 20.0        # spawn -> server.started
SERVE_TIMEOUT = 10.0        # server.started -> a good 101 through the ingress
READY_TIMEOUT = 20.0        # every active revision Provisioned again
HTTP_TIMEOUT = 10.0         # any admin request
ORPHAN_DEADLINE = 5.0       # SIGKILL -> no process of the platform left
LIVE_SESSIONS = 20
SESSION_LIFETIME = 120.0    # a live session never outlives this, whatever happens
STOP_TIMEOUT = 45.0         # the final graceful stop (SIGTERM), then SIGKILL
BINARY_WAIT = 600.0         # blueshift-server missing or being rewritten by a build

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

# ---------------------------------------------------------------------------------------------
# Clean-up: every process this script started (directly, or through the platform) is killed at
# exit, by pid, whatever the way out.

_platforms = []          # Popen objects of `local`
_marker = None           # TMPDIR given to the platform: every process it starts inherits it


def marked_pids(marker):
    """Live (non-zombie) processes whose environment has TMPDIR=marker: the platform, its
    replicas (the platform passes TMPDIR through) and the demo's upstream-sim."""
    if not marker:
        return []
    needle = b"\0TMPDIR=" + os.fsencode(marker) + b"\0"
    found = []
    me = os.getpid()
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) == me:
            continue
        try:
            with open(f"/proc/{d}/environ", "rb") as f:
                env = f.read()
        except OSError:
            continue
        if needle in b"\0" + env + b"\0":
            found.append(int(d))
    return found


def proc_info(pid):
    info = {"pid": pid}
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            info["cmdline"] = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
            info["state"], info["ppid"] = fields[0], int(fields[1])
        with open(f"/proc/{pid}/environ", "rb") as f:
            for var in f.read().split(b"\0"):
                if var.startswith((b"CONTAINER_APP_REVISION=", b"CONTAINER_APP_REPLICA_NAME=")):
                    k, _, v = var.decode(errors="replace").partition("=")
                    info[k] = v
    except OSError:
        info["state"] = "gone"
    info["listening"] = listening_ports(pid)
    return info


def listening_ports(pid):
    """TCP ports in LISTEN held by pid (through /proc/PID/fd and /proc/net/tcp{,6})."""
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if link.startswith("socket:["):
                inodes.add(link[8:-1])
    except OSError:
        return []
    ports = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    parts = line.split()
                    if parts[3] == "0A" and parts[9] in inodes:
                        ports.append(int(parts[1].rsplit(":", 1)[1], 16))
        except (OSError, StopIteration):
            pass
    return sorted(set(ports))


def kill_everything():
    for p in _platforms:
        if p.poll() is None:
            try:
                p.kill()
                p.wait(5)
            except (OSError, subprocess.TimeoutExpired):
                pass
    for pid in marked_pids(_marker):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def _on_signal(signo, _frame):
    raise SystemExit(128 + signo)


# ---------------------------------------------------------------------------------------------
# A minimal WebSocket client (RFC 6455): the handshake, masked control frames, frame reading.

class WsError(Exception):
    pass


def ws_handshake(host, port, path, timeout):
    """Opens a WebSocket. Returns (socket or None, status, headers, bytes read past the head);
    the socket is None unless the answer is 101. Raises OSError or WsError."""
    deadline = time.monotonic() + timeout
    s = socket.create_connection((host, port), timeout=timeout)
    try:
        key = base64.b64encode(os.urandom(16)).decode()
        s.sendall((f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                   f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                   f"Sec-WebSocket-Version: 13\r\n\r\n").encode())
        buf = b""
        while b"\r\n\r\n" not in buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise WsError("no response head within %.1f s" % timeout)
            s.settimeout(left)
            chunk = s.recv(4096)
            if not chunk:
                raise WsError("connection closed before the response head")
            buf += chunk
            if len(buf) > 65536:
                raise WsError("response head over 64 KiB")
        head, rest = buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        if status != 101:
            s.close()
            return None, status, headers, rest
        accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
        if headers.get("sec-websocket-accept") != accept:
            raise WsError("wrong Sec-WebSocket-Accept")
        return s, status, headers, rest
    except BaseException:
        s.close()
        raise


def ws_send(sock, opcode, payload=b""):
    mask = os.urandom(4)
    n = len(payload)
    head = bytes([0x80 | opcode])
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack("!H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack("!Q", n)
    sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))


def ws_close_quietly(sock, code=1000):
    try:
        ws_send(sock, 0x8, struct.pack("!H", code))
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


class FrameReader:
    def __init__(self, sock, rest):
        self.sock = sock
        self.buf = bytearray(rest)

    def _fill(self, n, stop, deadline):
        """True once n bytes are buffered; False on EOF; None when stopped or past deadline."""
        while len(self.buf) < n:
            if stop.is_set() or time.monotonic() > deadline:
                return None
            self.sock.settimeout(0.25)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                continue
            if not chunk:
                return False
            self.buf += chunk
        return True

    def next(self, stop, deadline):
        """(opcode, payload), or ("eof", None), or ("stopped", None)."""
        r = self._fill(2, stop, deadline)
        if r is not True:
            return ("eof" if r is False else "stopped"), None
        b1 = self.buf[1]
        n = b1 & 0x7F
        hl = 2 + (2 if n == 126 else 8 if n == 127 else 0) + (4 if b1 & 0x80 else 0)
        r = self._fill(hl, stop, deadline)
        if r is not True:
            return ("eof" if r is False else "stopped"), None
        if n == 126:
            n = struct.unpack_from("!H", self.buf, 2)[0]
        elif n == 127:
            n = struct.unpack_from("!Q", self.buf, 2)[0]
        r = self._fill(hl + n, stop, deadline)
        if r is not True:
            return ("eof" if r is False else "stopped"), None
        opcode = self.buf[0] & 0x0F
        payload = bytes(self.buf[hl:hl + n])
        del self.buf[:hl + n]
        return opcode, payload


class LiveSession(threading.Thread):
    """One WebSocket through the ingress, held open until the platform dies, a close frame
    arrives, or stop is set. Records the revision of its 101 and how it ended."""

    def __init__(self, host, port, label, stop):
        super().__init__(daemon=True)
        self.host, self.port, self.label, self.stop = host, port, label, stop
        self.opened = threading.Event()
        self.status = None
        self.revision = None
        self.error = None
        self.end = None           # eof, close, stopped, error
        self.close_code = None
        self.closed_at = None

    def run(self):
        path = "/ws" + (f"?blueshift-label={urllib.parse.quote(self.label)}" if self.label else "")
        try:
            sock, self.status, headers, rest = ws_handshake(self.host, self.port, path, 10.0)
        except (OSError, WsError, ValueError, IndexError) as e:
            self.error = f"{type(e).__name__}: {e}"
            self.end = "error"
            self.opened.set()
            return
        self.revision = headers.get("x-blueshift-revision")
        self.opened.set()
        if sock is None:
            self.end = "refused"
            return
        reader = FrameReader(sock, rest)
        deadline = time.monotonic() + SESSION_LIFETIME
        try:
            while True:
                op, payload = reader.next(self.stop, deadline)
                if op == "eof":
                    self.end = "eof"
                    break
                if op == "stopped":
                    self.end = "stopped"
                    ws_close_quietly(sock)
                    break
                if op == 0x8:
                    self.close_code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 \
                        else 1005
                    self.closed_at = time.monotonic()
                    self.end = "close"
                    ws_close_quietly(sock, 1000)
                    break
                if op == 0x9:
                    ws_send(sock, 0xA, payload)
        except OSError as e:
            self.end = "eof" if isinstance(e, (ConnectionResetError, BrokenPipeError)) \
                else "error"
            if self.end == "error":
                self.error = f"{type(e).__name__}: {e}"
        finally:
            try:
                sock.close()
            except OSError:
                pass


# ---------------------------------------------------------------------------------------------
# The admin API

class Admin:
    def __init__(self, base_url, token):
        u = urllib.parse.urlsplit(base_url)
        self.host, self.port = u.hostname, u.port
        self.token = token

    def connection(self, timeout=HTTP_TIMEOUT):
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def headers(self, body):
        h = {"Authorization": "Bearer " + self.token}
        if body is not None:
            h["Content-Type"] = "application/json"
        return h

    def call(self, method, path, body=None, timeout=HTTP_TIMEOUT):
        """(status, headers, parsed JSON or None). Raises OSError/HTTPException."""
        conn = self.connection(timeout)
        try:
            data = None if body is None else json.dumps(body).encode()
            if method == "POST" and data is None:
                data = b""
            conn.request(method, path, body=data, headers=self.headers(body))
            resp = conn.getresponse()
            raw = resp.read()
            return resp.status, dict(resp.getheaders()), (json.loads(raw) if raw else None)
        finally:
            conn.close()


class InFlight(threading.Thread):
    """A mutating request whose answer races the SIGKILL. `acked` is True only when a 2xx
    response was received whole (headers and the full Content-Length body)."""

    def __init__(self, admin, method, path, body):
        super().__init__(daemon=True)
        self.admin, self.method, self.path, self.body = admin, method, path, body
        self.sent = threading.Event()
        self.status = None
        self.headers = {}
        self.response = None
        self.error = None
        self.acked = False
        self.sent_at = None
        self.answered_at = None

    def run(self):
        conn = self.admin.connection()
        try:
            data = b"" if self.body is None else json.dumps(self.body).encode()
            conn.request(self.method, self.path, body=data, headers=self.admin.headers(self.body))
            self.sent_at = time.monotonic()
            self.sent.set()
            resp = conn.getresponse()
            raw = resp.read()          # IncompleteRead if the body was cut
            self.answered_at = time.monotonic()
            self.status = resp.status
            self.headers = dict(resp.getheaders())
            self.response = json.loads(raw) if raw else None
            self.acked = 200 <= resp.status < 300
        except (OSError, http.client.HTTPException, ValueError) as e:
            self.error = f"{type(e).__name__}: {e}"
        finally:
            self.sent.set()
            conn.close()


# ---------------------------------------------------------------------------------------------
# The platform process

class Platform:
    def __init__(self, server, state_dir, log_dir, run, marker):
        self.server, self.state_dir, self.run = server, state_dir, run
        self.stdout_path = os.path.join(log_dir, f"run-{run:03d}.stdout.jsonl")
        self.stderr_path = os.path.join(log_dir, f"run-{run:03d}.stderr")
        self.marker = marker
        self.proc = None
        self.started = None
        self.started_event = threading.Event()
        self.tail = collections.deque(maxlen=40)
        self.spawned_at = None
        self.started_at = None
        self.binary_waits = 0

    def start(self):
        env = dict(os.environ)
        env["TMPDIR"] = self.marker
        env.pop("UPSTREAM_URL", None)
        self._stderr = open(self.stderr_path, "wb")
        # The binary may be replaced by a build while the soak runs: wait for it (bounded).
        give_up = time.monotonic() + BINARY_WAIT
        while True:
            try:
                self.spawned_at = time.monotonic()
                self.proc = subprocess.Popen(
                    [self.server, "local", "--admin", "127.0.0.1:0", "--state-dir",
                     self.state_dir, "--demo", "--log-format", "json"],
                    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._stderr,
                    env=env, start_new_session=True)
                break
            except OSError as e:   # ENOENT, EACCES, ETXTBSY while the linker writes it
                if time.monotonic() > give_up:
                    raise
                self.binary_waits += 1
                time.sleep(1)
        _platforms.append(self.proc)
        threading.Thread(target=self._read, daemon=True).start()
        deadline = self.spawned_at + START_TIMEOUT
        while not self.started_event.wait(0.05):
            if self.proc.poll() is not None:
                return f"exited with status {self.proc.returncode} before server.started"
            if time.monotonic() > deadline:
                return f"no server.started within {START_TIMEOUT:.0f} s"
        return None

    def _read(self):
        with open(self.stdout_path, "wb") as log:
            for line in self.proc.stdout:
                log.write(line)
                log.flush()
                self.tail.append(line.decode(errors="replace").rstrip())
                if self.started is None:
                    try:
                        o = json.loads(line)
                    except ValueError:
                        continue
                    if o.get("event") == "server.started":
                        self.started = o
                        self.started_at = time.monotonic()
                        self.started_event.set()

    def stderr_tail(self, lines=15):
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read().decode(errors="replace").splitlines()[-lines:]
        except OSError:
            return []

    def sigkill(self):
        try:
            os.kill(self.proc.pid, signal.SIGKILL)
        except OSError:
            pass
        killed_at = time.monotonic()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            pass
        self._stderr.close()
        return killed_at

    def stop_gracefully(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(STOP_TIMEOUT)
            graceful = True
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
            graceful = False
        self._stderr.close()
        return graceful, self.proc.returncode


# ---------------------------------------------------------------------------------------------
# The model: what the platform must show after a restart

def label_of(revision):
    return revision.split("--", 1)[1]


class Model:
    """The traffic list and every revision's active flag, as last acknowledged."""

    def __init__(self, traffic, revisions):
        self.traffic = [tuple(t) for t in traffic]          # (revisionName, weight, label)
        self.revisions = collections.OrderedDict(revisions)  # name -> active, creation order

    def copy(self):
        return Model(self.traffic, self.revisions)

    def __eq__(self, other):
        return self.traffic == other.traffic and dict(self.revisions) == dict(other.revisions)

    def active(self):
        return [n for n, a in self.revisions.items() if a]

    def weights(self):
        w = collections.Counter()
        for name, weight, _ in self.traffic:
            w[name] += weight
        return w

    def serving(self):
        """Revisions a plain connection may land on: active with weight > 0."""
        w = self.weights()
        return {n for n in self.active() if w[n] > 0}

    def labels(self):
        """label -> revision, for labels whose revision is active (the others are not routed)."""
        active = set(self.active())
        return {l: n for n, _, l in self.traffic if l and n in active}

    def apply(self, step):
        m = self.copy()
        kind, arg = step
        if kind == "create":
            m.revisions[arg] = True
        elif kind == "traffic":
            m.traffic = [tuple(t) for t in arg]
        elif kind == "deactivate":
            m.revisions[arg] = False
        return m

    def describe(self):
        return {"traffic": [list(t) for t in self.traffic], "revisions": dict(self.revisions)}


def observe(admin):
    """The platform's view: (Model, revision list with their own fields, list of problems)."""
    st, _, app = admin.call("GET", APP_PATH)
    if st != 200:
        raise RuntimeError(f"GET app: {st} {app}")
    st, _, revs = admin.call("GET", APP_PATH + "/revisions")
    if st != 200:
        raise RuntimeError(f"GET revisions: {st} {revs}")
    traffic = []
    for t in app["properties"]["configuration"]["ingress"].get("traffic", []):
        name = "@latest" if t.get("latestRevision") else t.get("revisionName", "")
        traffic.append((name, t.get("weight", 0), t.get("label", "")))
    revisions = collections.OrderedDict()
    for r in revs["value"]:
        revisions[r["name"]] = bool(r["properties"].get("active"))
    model = Model(traffic, revisions)
    # The revisions' own trafficWeight and labels must agree with the app's traffic list.
    problems = []
    w = model.weights()
    for r in revs["value"]:
        p = r["properties"]
        want_w = w[r["name"]] if p.get("active") else 0
        want_l = sorted(l for n, _, l in traffic if l and n == r["name"])
        if p.get("trafficWeight", 0) != want_w or sorted(p.get("labels", [])) != want_l:
            problems.append(f"{r['name']}: trafficWeight {p.get('trafficWeight')} labels "
                            f"{p.get('labels', [])}, the app's traffic says {want_w} {want_l}")
    return model, revs["value"], problems


def next_step(model, cycle):
    """The next step of the blue/green cycle from where the platform stands."""
    active = model.active()
    w = model.weights()
    newest = active[-1] if active else None
    idle_old = [n for n in active[:-1] if w[n] == 0]
    if len(active) > 2 or (len(active) == 2 and idle_old):
        if idle_old:
            return "deactivate", ("deactivate", idle_old[0])
        return "shift", ("traffic", [(n, 100 if n == newest else 0, label_of(n))
                                     for n in active])
    if len(active) <= 1:
        suffix = f"r{cycle}"
        while f"{APP}--{suffix}" in model.revisions:
            suffix += "x"
        return "create", ("create", f"{APP}--{suffix}")
    old, new = active
    if w[new] == 0:
        return "shift", ("traffic", [(old, 50, label_of(old)), (new, 50, label_of(new))])
    return "shift", ("traffic", [(old, 0, label_of(old)), (new, 100, label_of(new))])


def request_for(step):
    kind, arg = step
    if kind == "create":
        return "PATCH", APP_PATH, {"properties": {"template": {
            "revisionSuffix": label_of(arg),
            "containers": [{"name": "relay", "image": "blueshift/relay:local"}]}}}
    if kind == "traffic":
        return "PATCH", APP_PATH, {"properties": {"configuration": {"ingress": {"traffic": [
            {"revisionName": n, "weight": wt, "label": l} for n, wt, l in arg]}}}}
    return "POST", f"{APP_PATH}/revisions/{arg}/deactivate", None


# ---------------------------------------------------------------------------------------------

def percentile(values, p):
    if not values:
        return None
    s = sorted(values)
    return s[max(0, min(len(s) - 1, int(round(p / 100.0 * len(s) + 0.5)) - 1))]


class Soak:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.server = os.path.join(args.bin, "blueshift-server")
        self.out = args.out
        self.state_dir = os.path.join(self.out, "state")
        self.log_dir = os.path.join(self.out, "logs")
        self.marker = os.path.join(self.out, "tmp")
        for d in (self.state_dir, self.log_dir, self.marker):
            os.makedirs(d, exist_ok=True)
        self.journal = open(os.path.join(self.out, "cycles.jsonl"), "a")
        self.model = None
        self.pending = None          # a step sent but not acknowledged: may or may not be there
        self.unchecked = []          # acknowledged steps not yet checked after a restart
        self.run_no = 0
        # Figures
        self.kills = collections.Counter()          # (phase, detail) -> n
        self.acked = 0
        self.checked = 0
        self.lost = []
        self.unacked = collections.Counter()        # applied / not applied / unknown
        self.restarts = 0
        self.serve_times = []
        self.failed_serve = []
        self.label_checks = 0
        self.label_failures = []
        self.not_ready = []
        self.inconsistent = []
        self.orphans = []
        self.orphan_gone_ms = []
        self.sessions = collections.Counter()
        self.misrouted = []
        self.step_errors = []
        self.start_failures = []
        self.drain_closes = 0
        self.drain_sessions_at_kill = 0
        self.fqdn = None
        self.port_changes = []
        self.drain_probes = 0

    # -- one platform run ------------------------------------------------------------------

    def start_platform(self):
        self.run_no += 1
        self.restarts += 1
        p = Platform(self.server, self.state_dir, self.log_dir, self.run_no, self.marker)
        error = p.start()
        if p.binary_waits:
            print(f"  (waited {p.binary_waits} s for {self.server} to be rewritten)", flush=True)
        if error:
            p.sigkill()
            self.start_failures.append({"run": self.run_no, "error": error,
                                        "stderr": p.stderr_tail(), "stdout": list(p.tail)[-5:]})
            self.failed_serve.append({"run": self.run_no, "why": error})
            return None, None
        started = p.started
        with open(os.path.join(self.state_dir, "admin-token")) as f:
            token = f.read().strip()
        admin = Admin(started["admin"], token)
        fqdn = next(a["fqdn"] for a in started["apps"] if a["app"] == APP)
        # The same ingress port after every restart, as the platform promises.
        if self.fqdn is None:
            self.fqdn = fqdn
        elif fqdn != self.fqdn:
            self.port_changes.append({"run": self.run_no, "was": self.fqdn, "now": fqdn})
            self.fqdn = fqdn
        host, port = fqdn.rsplit(":", 1)
        p.ingress = (host.strip("[]"), int(port))
        return p, admin

    def verify(self, p, admin, rec):
        """Checks the restored state against the model; adopts the pending step if it landed."""
        observed, revs, problems = observe(admin)
        rec["observed"] = observed.describe()
        if problems:
            self.inconsistent.append({"run": self.run_no, "problems": problems})
            rec["inconsistent"] = problems
        if self.model is None:
            self.model = observed
            rec["verify"] = "initial"
            return revs
        if observed == self.model:
            rec["verify"] = "ok"
            if self.pending:
                self.unacked["not applied"] += 1
                rec["pending"] = "not applied"
        elif self.pending and observed == self.model.apply(self.pending):
            rec["verify"] = "ok+pending"
            self.unacked["applied"] += 1
            rec["pending"] = "applied"
            self.model = observed
        else:
            lost = self.diff(self.model, observed)
            self.lost.append({"run": self.run_no, "cycle": rec["cycle"],
                              "acknowledged": self.model.describe(),
                              "pending": self.pending, "observed": observed.describe(),
                              "differences": lost, "stderr_previous_run": self.prev_stderr,
                              "unchecked_steps": list(self.unchecked)})
            rec["verify"] = "LOST"
            rec["differences"] = lost
            self.model = observed    # go on from what is there
        self.checked += len(self.unchecked)
        self.unchecked = []
        self.pending = None
        return revs

    def diff(self, want, got):
        out = []
        for name, active in want.revisions.items():
            if name not in got.revisions:
                out.append(f"revision {name} (active={active}) is missing")
            elif got.revisions[name] != active:
                out.append(f"revision {name}: active={got.revisions[name]}, acknowledged {active}")
        for name in got.revisions:
            if name not in want.revisions and not (self.pending and self.pending[1] == name):
                out.append(f"revision {name} was never requested")
        if want.traffic != got.traffic:
            out.append(f"traffic {got.traffic}, acknowledged {want.traffic}")
        return out

    def check_serving(self, p, rec):
        """A 101 through the ingress from a revision that should take it, within SERVE_TIMEOUT
        of server.started; then one per label. Returns the time from spawn to the first 101."""
        host, port = p.ingress
        serving = self.model.serving()
        deadline = p.started_at + SERVE_TIMEOUT
        attempts, last = 0, None
        while time.monotonic() < deadline:
            attempts += 1
            try:
                sock, status, headers, _ = ws_handshake(
                    host, port, "/ws", max(0.5, min(3.0, deadline - time.monotonic())))
            except (OSError, WsError, ValueError, IndexError) as e:
                last = f"{type(e).__name__}: {e}"
                time.sleep(0.05)
                continue
            if sock is None:
                last = f"HTTP {status}"
                time.sleep(0.05)
                continue
            served_at = time.monotonic()
            ws_close_quietly(sock)
            rev = headers.get("x-blueshift-revision")
            if rev not in serving:
                self.misrouted.append({"run": self.run_no, "where": "restart check",
                                       "revision": rev, "serving": sorted(serving)})
                last = f"101 from {rev}, which should get no traffic"
                time.sleep(0.05)
                continue
            t = served_at - p.spawned_at
            self.serve_times.append(t)
            rec["served_after_s"] = round(t, 3)
            rec["served_by"] = rev
            break
        else:
            self.failed_serve.append({"run": self.run_no, "cycle": rec["cycle"],
                                      "why": f"no good 101 in {SERVE_TIMEOUT:.0f} s after "
                                             f"server.started ({attempts} attempts, last: {last})",
                                      "stderr": p.stderr_tail()})
            rec["served_after_s"] = None
            return False
        for label, rev in sorted(self.model.labels().items()):
            self.label_checks += 1
            ok, last, end = False, None, time.monotonic() + SERVE_TIMEOUT
            while time.monotonic() < end:
                try:
                    sock, status, headers, _ = ws_handshake(
                        host, port, f"/ws?blueshift-label={label}", 3.0)
                except (OSError, WsError, ValueError, IndexError) as e:
                    last = f"{type(e).__name__}: {e}"
                    time.sleep(0.05)
                    continue
                if sock is None:
                    last = f"HTTP {status}"
                    time.sleep(0.05)
                    continue
                ws_close_quietly(sock)
                got = headers.get("x-blueshift-revision")
                if got == rev:
                    ok = True
                    break
                last = f"101 from {got}"
                break
            if not ok:
                self.label_failures.append({"run": self.run_no, "label": label,
                                            "expected": rev, "last": last})
        return True

    def wait_ready(self, admin, rec):
        deadline = time.monotonic() + READY_TIMEOUT
        t0 = time.monotonic()
        while True:
            _, _, revs = admin.call("GET", APP_PATH + "/revisions")
            waiting = [r["name"] for r in revs["value"] if r["properties"].get("active")
                       and r["properties"].get("provisioningState") != "Provisioned"]
            if not waiting:
                rec["ready_after_s"] = round(time.monotonic() - t0, 3)
                return True
            if time.monotonic() > deadline:
                self.not_ready.append({"run": self.run_no, "revisions": waiting})
                rec["not_ready"] = waiting
                return False
            time.sleep(0.1)

    # -- the step and the kill -------------------------------------------------------------

    def open_sessions(self, p, labels_for_old):
        stop = threading.Event()
        host, port = p.ingress
        sessions = []
        for i in range(LIVE_SESSIONS):
            label = labels_for_old if (labels_for_old and i % 2 == 0) else None
            s = LiveSession(host, port, label, stop)
            s.start()
            sessions.append(s)
        for s in sessions:
            s.opened.wait(12)
        return sessions, stop

    def account_sessions(self, sessions, stop, model_at_open, killed_at, rec):
        stop.set()
        for s in sessions:
            s.join(5)
        serving, labels = model_at_open.serving(), model_at_open.labels()
        by_rev = collections.Counter()
        ends = collections.Counter()
        for s in sessions:
            self.sessions["opened"] += 1
            if s.status == 101:
                self.sessions["101"] += 1
                by_rev[s.revision] += 1
                want = {labels.get(s.label)} if s.label else serving
                if s.revision not in want:
                    self.misrouted.append({"run": self.run_no, "where": "live session",
                                           "label": s.label, "revision": s.revision,
                                           "expected": sorted(x for x in want if x)})
            else:
                self.sessions["not 101"] += 1
                rec.setdefault("session_failures", []).append(
                    {"label": s.label, "status": s.status, "error": s.error})
            end = s.end or "running"
            if s.end == "close":
                end = f"close {s.close_code}" + (" before kill" if killed_at and s.closed_at
                                                 and s.closed_at < killed_at else "")
                if s.close_code == 1001 and s.closed_at and killed_at \
                        and s.closed_at < killed_at:
                    self.drain_closes += 1
            ends[end] += 1
        rec["sessions"] = {"by_revision": dict(by_rev), "ended": dict(ends)}

    def do_step(self, p, admin, cycle, rec):
        phase, step = next_step(self.model, cycle)
        kind = step[0]
        if kind == "create":
            mode = self.rng.choices(["inflight", "lro", "after"], [0.35, 0.5, 0.15])[0]
        elif kind == "traffic":
            mode = self.rng.choice(["inflight", "after"])
        else:
            mode = self.rng.choices(["inflight", "drain"], [0.4, 0.6])[0]
        # Delays are drawn here, whatever happens, so that the sequence depends on the seed only.
        # Answers take 4-20 ms (traffic, deactivate) and 10-55 ms (create: a fork and two
        # fsyncs) on the test machine: kills in these windows land on both sides of the answer.
        inflight_delay = self.rng.uniform(0, 0.040 if kind == "create" else 0.015)
        lro_delay = self.rng.uniform(0, 0.03)
        after_delay = self.rng.uniform(0, 0.5)
        drain_delay = self.rng.uniform(0.05, 1.5)
        rec.update({"step": [kind, step[1]], "mode": mode})

        model_at_open = self.model
        old_label = label_of(step[1]) if kind == "deactivate" else None
        sessions, stop = self.open_sessions(p, old_label)
        # Before the step: scanning /proc takes milliseconds, which must not shift the kill.
        descendants = [proc_info(x) for x in marked_pids(self.marker)]

        method, path, body = request_for(step)
        t = InFlight(admin, method, path, body)
        killed_at = None
        t.start()
        if mode == "inflight":
            t.sent.wait(HTTP_TIMEOUT)
            time.sleep(inflight_delay)
            killed_at = p.sigkill()
            t.join(HTTP_TIMEOUT + 2)
            label = {"create": "create", "traffic": "shift", "deactivate": "deactivate-drain"}[kind]
            detail = "in flight, acknowledged" if t.acked else "in flight, not acknowledged"
            rec["kill_after_send_ms"] = round(inflight_delay * 1000, 2)
        else:
            t.join(HTTP_TIMEOUT + 2)
            if kind == "create" and not t.acked:
                killed_at = p.sigkill()
                label, detail = "create", "after a failed request"
            elif kind == "create":
                op_url = t.headers.get("Azure-AsyncOperation", "")
                op_path = urllib.parse.urlsplit(op_url).path
                if mode == "lro":
                    time.sleep(lro_delay)
                else:
                    end = time.monotonic() + READY_TIMEOUT
                    while time.monotonic() < end:
                        _, _, op = admin.call("GET", op_path)
                        if op and op.get("status") != "InProgress":
                            break
                        time.sleep(0.05)
                    time.sleep(after_delay)
                op_status = None
                try:
                    _, _, op = admin.call("GET", op_path)
                    op_status = op.get("status") if op else None
                except (OSError, http.client.HTTPException):
                    pass
                killed_at = p.sigkill()
                rec["operation_status_at_kill"] = op_status
                if op_status == "InProgress":
                    label, detail = "LRO", "operation in progress"
                else:
                    label, detail = "create", f"after the operation ({op_status})"
            elif kind == "traffic":
                time.sleep(after_delay)
                killed_at = p.sigkill()
                label, detail = "shift", "after the response"
            else:
                # Out of routing at once: a new connection for its label must not reach it.
                probe = self.probe_label(p, old_label, step[1], rec) if t.acked else 0.0
                time.sleep(max(0.0, drain_delay - probe))
                draining = sum(1 for s in sessions if s.label and s.status == 101
                               and s.end is None)
                killed_at = p.sigkill()
                self.drain_sessions_at_kill += draining
                label, detail = "deactivate-drain", "during the drain"
                rec["label_sessions_open_at_kill"] = draining
        self.kills[(label, detail)] += 1
        rec["phase"] = label
        rec["kill"] = detail
        rec["acked"] = t.acked
        rec["status"] = t.status
        if t.answered_at and t.sent_at:
            rec["response_ms"] = round((t.answered_at - t.sent_at) * 1000, 2)
        if t.error:
            rec["request_error"] = t.error
        if t.acked:
            self.acked += 1
            self.model = self.model.apply(step)
            self.unchecked.append([cycle, step])
        elif t.status is None:
            self.pending = step
        else:
            self.step_errors.append({"run": self.run_no, "step": step, "status": t.status,
                                     "response": t.response})
        rec["processes_before_step"] = [{"pid": d["pid"], "cmd": d.get("cmdline", "")[:80],
                                     "listening": d["listening"]} for d in descendants]
        self.account_sessions(sessions, stop, model_at_open, killed_at, rec)
        self.after_kill(killed_at, rec)

    def probe_label(self, p, label, deactivated, rec):
        t0 = time.monotonic()
        host, port = p.ingress
        try:
            sock, status, headers, _ = ws_handshake(
                host, port, f"/ws?blueshift-label={label}", 3.0)
            if sock:
                ws_close_quietly(sock)
            got = headers.get("x-blueshift-revision")
        except (OSError, WsError, ValueError, IndexError) as e:
            status, got = f"{type(e).__name__}: {e}", None
        rec["label_probe_after_deactivate"] = {"status": status, "revision": got}
        self.drain_probes += 1
        if got == deactivated:
            self.misrouted.append({"run": self.run_no, "where": "new connection for the label "
                                   "of a deactivated revision", "label": label,
                                   "revision": got})
        return time.monotonic() - t0

    def after_kill(self, killed_at, rec):
        """Every process the platform started must be gone within ORPHAN_DEADLINE."""
        while True:
            left = marked_pids(self.marker)
            now = time.monotonic()
            if not left:
                ms = (now - killed_at) * 1000
                self.orphan_gone_ms.append(ms)
                rec["children_gone_after_ms"] = round(ms, 1)
                return
            if now - killed_at > ORPHAN_DEADLINE:
                infos = [proc_info(x) for x in left]
                self.orphans.append({"run": self.run_no, "processes": infos})
                rec["orphans"] = infos
                for x in left:
                    try:
                        os.kill(x, signal.SIGKILL)
                    except OSError:
                        pass
                time.sleep(0.5)
                return
            time.sleep(0.01)

    # -- the whole soak --------------------------------------------------------------------

    def cycle(self, cycle, final=False):
        rec = {"cycle": cycle, "run": self.run_no + 1}
        self.prev_stderr = getattr(self, "last_stderr", [])
        p, admin = self.start_platform()
        rec["run"] = self.run_no
        if p is None:
            rec["start_failed"] = self.start_failures[-1]
            self.after_kill(time.monotonic(), rec)
            self.log(rec)
            self.last_stderr = self.start_failures[-1]["stderr"]
            return False
        try:
            self.verify(p, admin, rec)
            self.check_serving(p, rec)
            self.wait_ready(admin, rec)
            if final:
                graceful, code = p.stop_gracefully()
                rec["final_stop"] = {"graceful": graceful, "status": code}
                self.after_kill(time.monotonic(), rec)
            else:
                self.do_step(p, admin, cycle, rec)
        except (OSError, http.client.HTTPException, RuntimeError, KeyError, ValueError) as e:
            rec["error"] = f"{type(e).__name__}: {e}"
            self.step_errors.append({"run": self.run_no, "cycle": cycle, "error": rec["error"],
                                     "stderr": p.stderr_tail()})
            if p.proc.poll() is None:
                self.after_kill(p.sigkill(), rec)
        self.last_stderr = p.stderr_tail()
        self.log(rec)
        return True

    def log(self, rec):
        self.journal.write(json.dumps(rec, default=str) + "\n")
        self.journal.flush()
        brief = (f"cycle {rec['cycle']:>3}  {rec.get('verify', '-'):<13.13} "
                 f"served {rec.get('served_after_s', '-')!s:>6} s  "
                 f"{rec.get('phase', '-'):<16} {rec.get('kill', rec.get('final_stop', '')) !s:<32.32} "
                 f"acked={rec.get('acked', '-')!s:<5} gone {rec.get('children_gone_after_ms', '-')} ms")
        if rec.get("error") or rec.get("start_failed") or rec.get("differences"):
            brief += "  !! " + str(rec.get("error") or rec.get("start_failed")
                                   or rec.get("differences"))[:200]
        print(brief, flush=True)

    def run(self):
        consecutive_start_failures = 0
        for c in range(1, self.args.cycles + 1):
            ok = self.cycle(c)
            consecutive_start_failures = 0 if ok else consecutive_start_failures + 1
            if consecutive_start_failures >= 3:
                print("three restarts in a row failed: stopping", flush=True)
                break
        # One more start that only checks, then a graceful stop.
        self.cycle(self.args.cycles + 1, final=True)
        return self.summary()

    def summary(self):
        by_phase = collections.OrderedDict((k, collections.Counter()) for k in
                                           ("create", "shift", "deactivate-drain", "LRO"))
        for (phase, detail), n in self.kills.items():
            by_phase.setdefault(phase, collections.Counter())[detail] += n
        failed = bool(self.lost or self.failed_serve or self.orphans or self.misrouted
                      or self.port_changes)
        lines = []
        lines.append(f"soak: {self.args.cycles} cycles (seed {self.args.seed}), "
                     f"{self.restarts} starts of {self.server}; state and logs in {self.out}")
        lines.append("kills per phase:")
        for phase, details in by_phase.items():
            parts = ", ".join(f"{d} {n}" for d, n in sorted(details.items()))
            lines.append(f"  {phase:<17} {sum(details.values()):>3}" + (f"  ({parts})" if parts
                                                                        else ""))
        lines.append(f"acknowledged changes: {self.acked}, checked after a restart: "
                     f"{self.checked}, lost: {len(self.lost)}")
        lines.append(f"unacknowledged changes: {sum(self.unacked.values())} (found applied "
                     f"{self.unacked['applied']}, not applied {self.unacked['not applied']})")
        st = self.serve_times
        lines.append(
            f"restarts: {self.restarts}, failed to serve: {len(self.failed_serve)}, ingress "
            f"port changed: {len(self.port_changes)}; spawn to first 101 through the ingress: "
            f"p50 {statistics.median(st):.3f} s, max {max(st):.3f} s" if st else
            f"restarts: {self.restarts}, failed to serve: {len(self.failed_serve)}, ingress "
            f"port changed: {len(self.port_changes)}")
        lines.append(f"label routes checked after restarts: {self.label_checks}, failed: "
                     f"{len(self.label_failures)}; revisions not ready within "
                     f"{READY_TIMEOUT:.0f} s: {len(self.not_ready)}; revision views disagreeing "
                     f"with the traffic list: {len(self.inconsistent)}")
        og = self.orphan_gone_ms
        lines.append(
            f"platform children after a kill: all gone in p50 {statistics.median(og):.0f} ms, "
            f"max {max(og):.0f} ms; left beyond {ORPHAN_DEADLINE:.0f} s: {len(self.orphans)}"
            if og else f"platform children left beyond {ORPHAN_DEADLINE:.0f} s: "
                       f"{len(self.orphans)}")
        lines.append(f"live sessions: {self.sessions['opened']} opened, {self.sessions['101']} "
                     f"got 101, {self.sessions['not 101']} did not, misrouted "
                     f"{len(self.misrouted)}")
        lines.append(f"kills during a drain: sessions still open on the draining revision "
                     f"{self.drain_sessions_at_kill} (1001 before the kill: {self.drain_closes}); "
                     f"new connections for its label after the deactivation: "
                     f"{self.drain_probes}, reached it: "
                     f"{sum(1 for m in self.misrouted if 'deactivated' in m['where'])}")
        if self.step_errors:
            lines.append(f"step errors (the script's or the API's): {len(self.step_errors)}")
        lines.append("result: " + ("FAIL" if failed else "PASS"))
        text = "\n".join(lines)
        print("\n" + text, flush=True)
        details = {"lost": self.lost, "failed_serve": self.failed_serve,
                   "orphans": self.orphans, "misrouted": self.misrouted,
                   "label_failures": self.label_failures, "not_ready": self.not_ready,
                   "inconsistent": self.inconsistent, "step_errors": self.step_errors,
                   "port_changes": self.port_changes,
                   "start_failures": self.start_failures}
        for k, v in details.items():
            if v:
                print(f"\n{k}:\n" + json.dumps(v, indent=2, default=str)[:6000], flush=True)
        with open(os.path.join(self.out, "summary.json"), "w") as f:
            json.dump({"text": text, "serve_times_s": st, "children_gone_ms": og,
                       "kills": {f"{a}: {b}": n for (a, b), n in self.kills.items()},
                       "acked": self.acked, "checked": self.checked,
                       "unacked": dict(self.unacked), **details}, f, indent=2, default=str)
        return 1 if failed else 0


def main():
    global _marker
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default="build/bin", help="directory with blueshift-server")
    ap.add_argument("--cycles", type=int, default=50)
    ap.add_argument("--seed", type=int, default=None, help="RNG seed (default: random, printed)")
    ap.add_argument("--out", default=None,
                    help="keep state, logs and cycles.jsonl here (default: a temporary "
                         "directory, removed at the end unless something failed)")
    args = ap.parse_args()
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1 << 31)
    server = os.path.join(args.bin, "blueshift-server")
    if not os.access(server, os.X_OK):
        print(f"soak: {server} is not an executable", file=sys.stderr)
        return 2
    temporary = args.out is None
    args.out = os.path.abspath(args.out or tempfile.mkdtemp(prefix="blueshift-soak-"))
    os.makedirs(args.out, exist_ok=True)
    _marker = os.path.join(args.out, "tmp")
    atexit.register(kill_everything)
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, _on_signal)
    print(f"soak: seed {args.seed}, {args.cycles} cycles, out {args.out}", flush=True)
    status = 1
    try:
        status = Soak(args).run()
    finally:
        kill_everything()
        if temporary and status == 0:
            shutil.rmtree(args.out, ignore_errors=True)
        elif temporary:
            print(f"soak: kept {args.out} for inspection", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
