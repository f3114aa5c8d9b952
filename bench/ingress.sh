#!/usr/bin/env bash
# Benchmarks the local platform's ingress (blueshift-server local) against nginx and HAProxy and
# a direct connection, in one run, all four in front of the same echo upstream; then holds idle
# sessions through the ingress and the relay behind it and measures an active session's p99 with
# and without them. See "The ingress next to nginx and HAProxy" in bench/README.md.
#
# Environment (all optional):
#   BUILD_DIR               build tree with bin/blueshift-server and bin/blueshift-wsload (build)
#   BENCH_WARMUP            seconds of traffic before each throughput, setup, idle measurement (1)
#   BENCH_DURATION          seconds measured per throughput, setup and idle scenario (3)
#   BENCH_ROUNDS            rounds of the throughput and setup scenarios; the table shows the
#                           median of the rounds (3)
#   BENCH_LATENCY_ROUNDS    rounds of the latency scenario, run first and interleaved across the
#                           targets, so that each round compares them under the same background (9)
#   BENCH_LATENCY_DURATION  seconds measured per latency round, after half a second of warmup (1)
#   BENCH_TARGETS           which of "direct nginx haproxy ingress ingress-relay" to measure
#                           (all five)
#   BENCH_SCENARIOS         which of "latency throughput setup" to run each round (all three)
#   BENCH_SETUP_CONCURRENCY sessions opened and closed at a time in the setup scenario (16)
#   BENCH_IDLE_SESSIONS     idle sessions held in the idle scenario (8000)
#   BENCH_IDLE_TARGETS      targets of the idle scenario (ingress-relay; empty: none)
#   BENCH_PROXY_CPU         core the proxies are pinned to (0)
#   BENCH_LOAD_CPU          core the load generator and the echo upstream are pinned to (1)
#   BENCH_NICE              niceness for every benchmark process, e.g. -20 on a shared machine
#                           (needs root or CAP_SYS_NICE); unset: inherited
#   BENCH_OUT               JSON results file (bench/results/ingress-latest.json)
#   BENCH_KEEP_TMP          1: keep the temporary directory with every process's log
#   BENCH_LOCAL_WRAPPER     words put before "blueshift-server local", for profiling the ingress,
#                           e.g. "valgrind --tool=callgrind --separate-threads=yes
#                           --callgrind-out-file=/tmp/cg.out" (the figures are then meaningless)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
build=${BUILD_DIR:-$root/build}
[[ $build == /* ]] || build=$root/$build
warmup=${BENCH_WARMUP:-1}
duration=${BENCH_DURATION:-3}
rounds=${BENCH_ROUNDS:-3}
latency_rounds=${BENCH_LATENCY_ROUNDS:-9}
latency_duration=${BENCH_LATENCY_DURATION:-1}
targets=${BENCH_TARGETS:-direct nginx haproxy ingress ingress-relay}
scenarios=${BENCH_SCENARIOS:-latency throughput setup}
setup_concurrency=${BENCH_SETUP_CONCURRENCY:-16}
idle_sessions=${BENCH_IDLE_SESSIONS:-8000}
idle_targets=${BENCH_IDLE_TARGETS-ingress-relay}
proxy_cpu=${BENCH_PROXY_CPU:-0}
load_cpu=${BENCH_LOAD_CPU:-1}
out=${BENCH_OUT:-$here/results/ingress-latest.json}
read -r -a local_wrapper <<<"${BENCH_LOCAL_WRAPPER:-}"

server=$build/bin/blueshift-server
wsload=$build/bin/blueshift-wsload

die() {
    echo "ingress.sh: $*" >&2
    exit 1
}
note() { echo "ingress.sh: $*" >&2; }

for exe in "$server" "$wsload"; do
    [[ -x $exe ]] || die "$exe is missing: build first (cmake -S . -B build -G Ninja && ninja -C build)"
done
nginx_bin=$(command -v nginx || true)
[[ -n $nginx_bin ]] || nginx_bin=/usr/sbin/nginx
haproxy_bin=$(command -v haproxy || true)
[[ -n $haproxy_bin ]] || haproxy_bin=/usr/sbin/haproxy
[[ " $targets $idle_targets " != *" nginx "* || -x $nginx_bin ]] || die "nginx not found (apt-get install nginx-light)"
[[ " $targets $idle_targets " != *" haproxy "* || -x $haproxy_bin ]] || die "haproxy not found (apt-get install haproxy)"
command -v python3 >/dev/null || die "python3 is needed for the admin API calls and the report"
command -v curl >/dev/null || die "curl is needed for the admin API"

# Pinning: every proxy alone on one core (the ingress and the relay behind it share that core),
# the generator and the echo upstream on another.
pin_proxy=()
pin_load=()
can_pin=0
if command -v taskset >/dev/null && (($(nproc) >= 2)); then
    pin_proxy=(taskset -c "$proxy_cpu")
    pin_load=(taskset -c "$load_cpu")
    can_pin=1
else
    note "warning: taskset missing or fewer than 2 cores: nothing is pinned, figures are less meaningful"
fi
# Other work on the machine steals the pinned cores; a lower niceness makes the benchmark win.
if [[ -n ${BENCH_NICE:-} ]] && [[ -n $(nice -n "$BENCH_NICE" true 2>&1) ]]; then
    note "warning: cannot set niceness $BENCH_NICE (not root?); running at the inherited one"
elif [[ -n ${BENCH_NICE:-} ]]; then
    pin_proxy=(nice -n "$BENCH_NICE" "${pin_proxy[@]}")
    pin_load=(nice -n "$BENCH_NICE" "${pin_load[@]}")
    # With autogroups, CPU is shared between sessions before niceness counts: the run gets a
    # session of its own, and that session's autogroup gets the niceness (as bench/run.sh does).
    if [[ -e /proc/self/autogroup ]]; then
        if [[ -z ${BENCH_OWN_SESSION:-} ]] && command -v setsid >/dev/null; then
            BENCH_OWN_SESSION=1 setsid --wait "$0" "$@" &
            child=$!
            trap 'kill -TERM "$child" 2>/dev/null' INT TERM
            status=0
            wait "$child" || status=$?
            while kill -0 "$child" 2>/dev/null; do
                wait "$child" || status=$?
            done
            exit "$status"
        fi
        echo "$BENCH_NICE" >/proc/self/autogroup 2>/dev/null ||
            note "warning: cannot set the autogroup's niceness; other sessions still compete"
    fi
fi

# Descriptors: the ingress holds two per idle session, and so does the relay behind it (each a
# process of its own); nginx or HAProxy in the idle scenario need two per session plus headroom.
need_fds=$((2 * idle_sessions * 17 / 16 + 600))
hard=$(ulimit -Hn)
if [[ $hard != unlimited ]] && ((hard < need_fds)); then
    ulimit -Hn "$need_fds" 2>/dev/null || true
    hard=$(ulimit -Hn)
fi
if [[ $hard == unlimited ]]; then
    ulimit -n "$need_fds" 2>/dev/null || true
else
    ulimit -n "$hard"
fi
fds=$(ulimit -n)
if [[ $fds != unlimited ]] && ((fds < need_fds)); then
    die "ulimit -n is $fds; $idle_sessions idle sessions need $need_fds (raise the hard limit, or lower BENCH_IDLE_SESSIONS)"
fi
[[ $fds == unlimited ]] && fds=$need_fds

# The ingress admits at most 4,096 connections per client address (as a cloud ingress limits a
# client), so the idle sessions come from several loopback addresses, 2,000 or fewer each.
idle_sources=
for ((i = 0; i < (idle_sessions + 1999) / 2000; i++)); do
    idle_sources+="${idle_sources:+,}127.0.0.$((2 + i))"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/blueshift-ingress-bench.XXXXXX")
pids=()
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    # The local platform first: it stops its replicas itself (SIGTERM, then SIGKILL).
    if [[ -n ${local_pid:-} ]]; then
        stop "$local_pid" 100
    fi
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        stop "$pid" 50
    done
    if [[ ${BENCH_KEEP_TMP:-0} == 1 ]]; then
        note "logs kept in $tmp"
    else
        rm -rf "$tmp"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

forget_pid() {
    local keep=() pid
    for pid in "${pids[@]}"; do
        [[ $pid == "$1" ]] || keep+=("$pid")
    done
    pids=("${keep[@]}")
}

# stop PID [TENTHS]: SIGTERM, then SIGKILL after TENTHS tenths of a second.
stop() {
    local pid=$1 tenths=${2:-50}
    kill "$pid" 2>/dev/null || true
    for ((t = 0; t < tenths; t++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    forget_pid "$pid"
}

# Prints the port of the server.started line a blueshift-server writes once it listens.
started_port() {
    local log=$1 pid=$2 port
    for _ in $(seq 200); do
        if port=$(grep -m1 '"event":"server.started"' "$log" 2>/dev/null | grep -o '"port":[0-9]*' | cut -d: -f2) &&
            [[ -n $port ]]; then
            echo "$port"
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    cat "$log" >&2 || true
    return 1
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_listening() {
    local port=$1 pid=$2
    for _ in $(seq 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# upgrades PORT PATH: true once a WebSocket upgrade on 127.0.0.1:PORT answers 101.
upgrades() {
    python3 - "$1" "$2" <<'EOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
s.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
           % sys.argv[2]).encode())
head = s.recv(4096)
sys.exit(0 if head.startswith(b"HTTP/1.1 101") else 1)
EOF
}

wait_upgrades() {
    local port=$1 path=$2
    for _ in $(seq 150); do
        upgrades "$port" "$path" 2>/dev/null && return 0
        sleep 0.2
    done
    return 1
}

# replica_event APP EVENT FIELD: FIELD of the newest EVENT the local platform logged for APP.
replica_event() {
    python3 - "$tmp/local.log" "$1" "$2" "$3" <<'EOF'
import json, sys
log, app, event, field = sys.argv[1:]
found = None
for line in open(log, errors="replace"):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if e.get("event") == event and e.get("app") == app and field in e:
        found = e[field]
if found is None:
    sys.exit(1)
print(found)
EOF
}

wait_replica_event() {
    local value
    for _ in $(seq 300); do
        if value=$(replica_event "$@" 2>/dev/null); then
            echo "$value"
            return 0
        fi
        kill -0 "$local_pid" 2>/dev/null || break
        sleep 0.1
    done
    tail -n 20 "$tmp/local.log" >&2 || true
    return 1
}

# ---------------------------------------------------------------------------------------------
# The local platform, with two apps: "bench-echo", whose one replica is the echo upstream every
# target talks to, and "bench-relay", whose one replica is the relay in front of that same echo.
# Everything of the platform (admin API, supervisor, both ingresses' threads) starts on the
# proxy core; the echo replica is then moved to the load core.
"${pin_proxy[@]}" "${local_wrapper[@]}" "$server" local --admin 127.0.0.1:0 --state-dir "$tmp/state" \
    --ingress-threads 1 --idle-timeout 86400 >"$tmp/local.log" 2>&1 &
local_pid=$!
admin_port=$(started_port "$tmp/local.log" "$local_pid") || die "blueshift-server local did not start"
token=$(cat "$tmp/state/admin-token")
apps=http://127.0.0.1:$admin_port/subscriptions/local/resourceGroups/local/providers/Microsoft.App/containerApps
# The token goes to curl on stdin (a header file), never on a command line.
api() {
    local method=$1 url=$2 body=${3:-}
    local args=(-sS --fail-with-body -X "$method" -H @- -H 'Content-Type: application/json' "$url")
    [[ -n $body ]] && args+=(-d "$body")
    printf 'Authorization: Bearer %s\n' "$token" | curl "${args[@]}"
}
# app_json COMMAND_JSON_OR_NULL ARGS_JSON ENV_JSON: an app with one replica and an ingress.
app_json() {
    python3 - "$@" <<'EOF'
import json, sys
command, args, env = (json.loads(a) for a in sys.argv[1:])
container = {"name": "bench", "image": "blueshift/bench:local", "args": args, "env": env}
if command:
    container["command"] = command
print(json.dumps({
    "location": "local",
    "properties": {
        "configuration": {
            "activeRevisionsMode": "Single",
            "ingress": {"external": True, "targetPort": 8080, "transport": "auto"},
        },
        "template": {
            "revisionSuffix": "bench",
            "terminationGracePeriodSeconds": 5,
            "containers": [container],
            "scale": {"minReplicas": 1, "maxReplicas": 1},
        },
    },
}))
EOF
}
ingress_port() {
    api GET "$apps/$1" | python3 -c '
import json, sys
print(json.load(sys.stdin)["properties"]["configuration"]["ingress"]["fqdn"].rsplit(":", 1)[1])'
}

# The echo upstream: upstream-sim's per-session log lines go to /dev/null rather than through
# the platform's journal, which would otherwise work on the proxy core during every target.
echo_command=$(python3 -c 'import json, sys; print(json.dumps(["sh", "-c", sys.argv[1]]))' \
    "exec '$server' upstream-sim --mode echo --threads 1 --listen 127.0.0.1:\$PORT >/dev/null")
api PUT "$apps/bench-echo" "$(app_json "$echo_command" '[]' '[]')" >"$tmp/put-echo.json" ||
    { cat "$tmp/put-echo.json" >&2; die "could not create app bench-echo"; }
echo_pid=$(wait_replica_event bench-echo replica.started pid) || die "the echo replica did not start"
echo_port=$(wait_replica_event bench-echo replica.started port) || die "the echo replica has no port"
pids+=("$echo_pid")
wait_replica_event bench-echo replica.ready app >/dev/null || die "the echo replica never became ready"
((can_pin)) && taskset -a -p -c "$load_cpu" "$echo_pid" >/dev/null
ingress_echo_port=$(ingress_port bench-echo) || die "no ingress for bench-echo"

relay_pid=
ingress_relay_port=
if [[ " $targets $idle_targets " == *" ingress-relay "* ]]; then
    # The default workload (no command) is the relay; one event-loop thread, like every proxy
    # here. It stays on the proxy core with the ingress (see README).
    env_json=$(python3 -c 'import json, sys; print(json.dumps([{"name": "UPSTREAM_URL", "value": sys.argv[1]}]))' \
        "ws://127.0.0.1:$echo_port/")
    api PUT "$apps/bench-relay" "$(app_json null '["--threads", "1"]' "$env_json")" >"$tmp/put-relay.json" ||
        { cat "$tmp/put-relay.json" >&2; die "could not create app bench-relay"; }
    relay_pid=$(wait_replica_event bench-relay replica.started pid) || die "the relay replica did not start"
    pids+=("$relay_pid")
    wait_replica_event bench-relay replica.ready app >/dev/null || die "the relay replica never became ready"
    ((can_pin)) && taskset -a -p -c "$proxy_cpu" "$relay_pid" >/dev/null
    ingress_relay_port=$(ingress_port bench-relay) || die "no ingress for bench-relay"
    wait_upgrades "$ingress_relay_port" /ws || die "no upgrade through the ingress to the relay"
fi
wait_upgrades "$ingress_echo_port" /ws || die "no upgrade through the ingress to the echo replica"
# The platform process is pinned as a whole; say so if some thread escaped.
if ((can_pin)); then
    taskset -a -p -c "$proxy_cpu" "$local_pid" >/dev/null
fi

# ---------------------------------------------------------------------------------------------
# nginx and HAProxy, each one process with one thread, started once for the whole run.
nginx_connections=$((2 * idle_sessions * 17 / 16 + 512))
nginx_pid=0
nginx_port=
start_nginx() {
    local dir=$tmp/nginx
    nginx_port=$(free_port)
    mkdir -p "$dir"
    cat >"$dir/nginx.conf" <<EOF
# Generated by bench/ingress.sh: one unprivileged worker in the foreground, WebSocket proxying only.
daemon off;
master_process off;
worker_processes 1;
worker_rlimit_nofile $fds;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events {
    worker_connections $nginx_connections;
}
http {
    access_log off;
    client_body_temp_path $dir/client_body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    map \$http_upgrade \$connection_upgrade {
        default upgrade;
        '' close;
    }
    server {
        listen 127.0.0.1:$nginx_port backlog=4096;
        location / {
            proxy_pass http://127.0.0.1:$echo_port;
            proxy_http_version 1.1;
            proxy_set_header Upgrade \$http_upgrade;
            proxy_set_header Connection \$connection_upgrade;
            proxy_set_header Host \$host;
            proxy_read_timeout 1h;
            proxy_send_timeout 1h;
        }
    }
}
EOF
    "${pin_proxy[@]}" "$nginx_bin" -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" \
        >"$dir/stdout.log" 2>&1 &
    nginx_pid=$!
    pids+=("$nginx_pid")
    wait_listening "$nginx_port" "$nginx_pid" || {
        cat "$dir/error.log" >&2
        die "nginx did not start"
    }
}

haproxy_pid=0
haproxy_port=
start_haproxy() {
    local dir=$tmp/haproxy maxconn=$((idle_sessions + 1000))
    haproxy_port=$(free_port)
    mkdir -p "$dir"
    cat >"$dir/haproxy.cfg" <<EOF
# Generated by bench/ingress.sh: one process, one thread, in the foreground; HTTP mode, in which
# HAProxy passes WebSocket upgrades and then tunnels the bytes.
global
    nbthread 1
    maxconn $maxconn
    pidfile $dir/haproxy.pid
defaults
    mode http
    maxconn $maxconn
    timeout connect 5s
    timeout client 1h
    timeout server 1h
    timeout http-request 10s
    # Upgraded connections are tunnels; their idle timeout is this one.
    timeout tunnel 1h
frontend ws
    bind 127.0.0.1:$haproxy_port backlog 4096
    default_backend echo
backend echo
    server echo 127.0.0.1:$echo_port
EOF
    "$haproxy_bin" -c -q -f "$dir/haproxy.cfg" || die "haproxy rejected its generated configuration"
    "${pin_proxy[@]}" "$haproxy_bin" -db -f "$dir/haproxy.cfg" >"$dir/stdout.log" 2>&1 &
    haproxy_pid=$!
    pids+=("$haproxy_pid")
    wait_listening "$haproxy_port" "$haproxy_pid" || {
        cat "$dir/stdout.log" >&2
        die "haproxy did not start"
    }
}

[[ " $targets $idle_targets " == *" nginx "* ]] && start_nginx
[[ " $targets $idle_targets " == *" haproxy "* ]] && start_haproxy

# target_url TARGET / target_pids TARGET: where the generator connects, whose CPU it reports.
proxy_url=
proxy_pids=
select_target() {
    case $1 in
    direct) proxy_url="ws://127.0.0.1:$echo_port/ws" proxy_pids= ;;
    nginx) proxy_url="ws://127.0.0.1:$nginx_port/ws" proxy_pids=$nginx_pid ;;
    haproxy) proxy_url="ws://127.0.0.1:$haproxy_port/ws" proxy_pids=$haproxy_pid ;;
    ingress) proxy_url="ws://127.0.0.1:$ingress_echo_port/ws" proxy_pids=$local_pid ;;
    ingress-relay) proxy_url="ws://127.0.0.1:$ingress_relay_port/ws" proxy_pids=$local_pid,$relay_pid ;;
    *) die "unknown target '$1' (direct nginx haproxy ingress ingress-relay)" ;;
    esac
}

results=$tmp/results.jsonl
: >"$results"

# run_load TARGET SCENARIO ROUND WARMUP DURATION wsload-options...
run_load() {
    local target=$1 scenario=$2 round=$3
    local args=(--url "$proxy_url" --label "$target" --warmup "$4" --duration "$5"
        --upstream-pid "$echo_pid")
    shift 5
    args+=("$@")
    [[ -n $proxy_pids ]] && args+=(--proxy-pid "$proxy_pids")
    local json err=$tmp/wsload.err
    if json=$("${pin_load[@]}" "$wsload" "${args[@]}" 2>"$err"); then
        printf '{"target":"%s","scenario":"%s","round":%d,"result":%s}\n' \
            "$target" "$scenario" "$round" "$json" >>"$results"
    else
        local why
        why=$(tail -n 1 "$err" | python3 -c 'import json, sys; print(json.dumps(sys.stdin.read().strip()))')
        note "$target $scenario failed: $(tail -n 1 "$err")"
        printf '{"target":"%s","scenario":"%s","round":%d,"error":%s}\n' \
            "$target" "$scenario" "$round" "$why" >>"$results"
    fi
    cat "$err" >&2
}

started=$(date +%s)
note "echo upstream (pid $echo_pid) on port $echo_port; targets: $targets; scenarios: $scenarios"

read -r -a target_list <<<"$targets"
n=${#target_list[@]}
# Latency first, in many short rounds: a tail is what background work on the machine disturbs
# most, and it comes and goes within seconds. Each round measures every target back to back, so
# the report can compare them round by round.
if [[ " $scenarios " == *" latency "* ]]; then
    note "latency: $latency_rounds round(s) of 0.5+$latency_duration s per target"
    for ((round = 1; round <= latency_rounds; round++)); do
        for ((i = 0; i < n; i++)); do
            # Rotating the order keeps a slow first or last slot from always landing on one target.
            target=${target_list[$(((i + round - 1) % n))]}
            select_target "$target"
            run_load "$target" latency_1x64 "$round" 0.5 "$latency_duration" --mode latency --size 64
        done
    done
fi
for ((round = 1; round <= rounds; round++)); do
    [[ " $scenarios " == *" throughput "* || " $scenarios " == *" setup "* ]] || break
    for ((i = 0; i < n; i++)); do
        target=${target_list[$(((i + round - 1) % n))]}
        note "round $round/$rounds: $target (${warmup}+${duration} s per scenario)"
        select_target "$target"
        # 32 messages of 4 KiB in flight per connection, as in bench/run.sh.
        if [[ " $scenarios " == *" throughput "* ]]; then
            run_load "$target" throughput_50x4k "$round" "$warmup" "$duration" \
                --mode throughput --connections 50 --size 4096 --window 32
        fi
        if [[ " $scenarios " == *" setup "* ]]; then
            run_load "$target" setup "$round" "$warmup" "$duration" \
                --mode setup --connections "$setup_concurrency"
        fi
    done
done

read -r -a idle_list <<<"$idle_targets"
for target in "${idle_list[@]}"; do
    note "idle sessions: $target ($idle_sessions from $idle_sources)"
    select_target "$target"
    run_load "$target" idle 1 "$warmup" "$duration" \
        --mode idle --size 64 --idle "$idle_sessions" --source "$idle_sources"
done

note "finished in $(($(date +%s) - started)) s"

mkdir -p "$(dirname "$out")"
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$root" status --porcelain -- core server 2>/dev/null | head -c1 || true)
[[ -n $dirty ]] && commit="$commit+uncommitted"
python3 "$here/ingress_report.py" "$results" --out "$out" --proxy-cpu "$proxy_cpu" --load-cpu "$load_cpu" \
    --meta "commit=$commit" \
    --meta "nginx=$("$nginx_bin" -v 2>&1 | sed 's/^nginx version: //')" \
    --meta "haproxy=$("$haproxy_bin" -v 2>&1 | head -n1 | awk '{print $3}')" \
    --meta "kernel=$(uname -r)" \
    --meta "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//') x $(nproc)" \
    --meta "pinning=proxies (ingress and relay together) on core $proxy_cpu, generator and echo on core $load_cpu" \
    --meta "warmup_s=$warmup" --meta "duration_s=$duration" --meta "rounds=$rounds" \
    --meta "latency_rounds=$latency_rounds" --meta "latency_duration_s=$latency_duration" \
    --meta "setup_concurrency=$setup_concurrency" \
    --meta "idle_sessions=$idle_sessions" --meta "nice=${BENCH_NICE:-inherited}"
