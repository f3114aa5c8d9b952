#!/usr/bin/env bash
# Benchmarks the Blueshift relay against nginx and against a direct connection, in one run, with
# the same echo upstream behind all three. See bench/README.md for what each number means.
#
# Environment (all optional):
#   BUILD_DIR             build tree with bin/blueshift-server and bin/blueshift-wsload (build)
#   BENCH_WARMUP          seconds of traffic before each measurement (1)
#   BENCH_DURATION        seconds measured per scenario (4)
#   BENCH_ROUNDS          rounds of the latency and throughput scenarios; the table shows the
#                         median of the rounds (3)
#   BENCH_IDLE_SESSIONS   idle sessions held in the memory scenario (5000)
#   BENCH_TARGETS         which of "direct nginx relay" to measure (all three)
#   BENCH_PROXY_CPU       core the proxy is pinned to (0)
#   BENCH_LOAD_CPU        core the load generator and the echo upstream are pinned to (1)
#   BENCH_NICE            niceness for every benchmark process, e.g. -20 on a shared machine
#                         (needs root or CAP_SYS_NICE); unset: inherited
#   BENCH_NGINX_BUFFER    proxy_buffer_size for nginx, e.g. 64k (nginx's default: one page)
#   BENCH_OUT             JSON results file (bench/results/latest.json)
#   BENCH_KEEP_TMP        1: keep the temporary directory with every process's log
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
build=${BUILD_DIR:-$root/build}
warmup=${BENCH_WARMUP:-1}
duration=${BENCH_DURATION:-4}
rounds=${BENCH_ROUNDS:-3}
idle_sessions=${BENCH_IDLE_SESSIONS:-5000}
targets=${BENCH_TARGETS:-direct nginx relay}
proxy_cpu=${BENCH_PROXY_CPU:-0}
load_cpu=${BENCH_LOAD_CPU:-1}
out=${BENCH_OUT:-$here/results/latest.json}

server=$build/bin/blueshift-server
wsload=$build/bin/blueshift-wsload

die() { echo "run.sh: $*" >&2; exit 1; }
note() { echo "run.sh: $*" >&2; }

for exe in "$server" "$wsload"; do
    [[ -x $exe ]] || die "$exe is missing: build first (cmake -S . -B build -G Ninja && ninja -C build)"
done
nginx_bin=$(command -v nginx || true)
[[ -n $nginx_bin ]] || nginx_bin=/usr/sbin/nginx
[[ $targets != *nginx* || -x $nginx_bin ]] || die "nginx not found (apt-get install nginx-light)"
command -v python3 >/dev/null || die "python3 is needed for the report"

# Pinning: the proxy alone on one core, the generator and the upstream on another, so that a
# proxy's single thread is what limits the proxied figures.
pin_proxy=()
pin_load=()
if command -v taskset >/dev/null && (($(nproc) >= 2)); then
    pin_proxy=(taskset -c "$proxy_cpu")
    pin_load=(taskset -c "$load_cpu")
else
    note "warning: taskset missing or fewer than 2 cores: nothing is pinned, figures are less meaningful"
fi
# Other work on the machine (a compiler, a test run) steals the pinned cores and shows up as
# millisecond tails and halved throughput; a lower niceness makes the benchmark processes win.
if [[ -n ${BENCH_NICE:-} ]] && [[ -n $(nice -n "$BENCH_NICE" true 2>&1) ]]; then
    note "warning: cannot set niceness $BENCH_NICE (not root?); running at the inherited one"
elif [[ -n ${BENCH_NICE:-} ]]; then
    pin_proxy=(nice -n "$BENCH_NICE" "${pin_proxy[@]}")
    pin_load=(nice -n "$BENCH_NICE" "${pin_load[@]}")
    # With autogroups (the default on many distributions) the CPU is shared between sessions
    # before niceness counts, so a compile in another terminal still gets half of a core. The
    # run therefore has a session of its own, and that session's autogroup gets the niceness.
    if [[ -e /proc/self/autogroup ]]; then
        if [[ -z ${BENCH_OWN_SESSION:-} ]] && command -v setsid >/dev/null; then
            BENCH_OWN_SESSION=1 setsid --wait "$0" "$@" &
            child=$!
            trap 'kill -TERM "$child" 2>/dev/null' INT TERM
            status=0
            wait "$child" || status=$?
            # A trapped signal ends wait early; the child still cleans up before it exits.
            while kill -0 "$child" 2>/dev/null; do
                wait "$child" || status=$?
            done
            exit "$status"
        fi
        echo "$BENCH_NICE" >/proc/self/autogroup 2>/dev/null ||
            note "warning: cannot set the autogroup's niceness; other sessions still compete"
    fi
fi

# 5,000 sessions through a proxy cost it two descriptors each, and one each to the generator
# and to the upstream. nginx starts closing connections that wait for a request once fewer than
# 1/16 of worker_connections are free, so it gets that much headroom.
nginx_connections=$((2 * idle_sessions * 17 / 16 + 512))
need_fds=$((nginx_connections + 100))
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

tmp=$(mktemp -d "${TMPDIR:-/tmp}/blueshift-bench.XXXXXX")
pids=()
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        stop "$pid"
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

stop() {
    local pid=$1
    kill "$pid" 2>/dev/null || true
    # The relay drains on SIGTERM; a benchmark has no use for that.
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    forget_pid "$pid"
}

# Prints the port of the server.started line a blueshift-server writes once it listens.
started_port() {
    local log=$1 pid=$2
    for _ in $(seq 100); do
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

# The one echo upstream every target talks to.
"${pin_load[@]}" "$server" upstream-sim --mode echo --listen 127.0.0.1:0 --threads 1 \
    >"$tmp/echo.log" 2>&1 &
echo_pid=$!
pids+=("$echo_pid")
echo_port=$(started_port "$tmp/echo.log" "$echo_pid") || die "the echo upstream did not start"

proxy_pid=0
proxy_url=
start_target() {
    local target=$1 tag=$2
    proxy_pid=0
    case $target in
    direct)
        proxy_url="ws://127.0.0.1:$echo_port/ws"
        ;;
    relay)
        # A short grace period: stopping a relay that still holds sessions (an interrupted
        # run) should not wait out the default 25 s drain window.
        "${pin_proxy[@]}" "$server" relay --listen 127.0.0.1:0 --upstream "ws://127.0.0.1:$echo_port/" \
            --threads 1 --revision bench --replica bench --grace-seconds 3 \
            >"$tmp/relay.$tag.log" 2>&1 &
        proxy_pid=$!
        pids+=("$proxy_pid")
        local port
        port=$(started_port "$tmp/relay.$tag.log" "$proxy_pid") || die "the relay did not start"
        proxy_url="ws://127.0.0.1:$port/ws"
        ;;
    nginx)
        local port dir=$tmp/nginx.$tag buffer=
        port=$(free_port)
        mkdir -p "$dir"
        # Upgraded connections go through proxy_buffer_size buffers; nginx insists the others
        # stay consistent with it.
        [[ -n ${BENCH_NGINX_BUFFER:-} ]] &&
            buffer="proxy_buffer_size $BENCH_NGINX_BUFFER; proxy_buffers 4 $BENCH_NGINX_BUFFER; proxy_busy_buffers_size $BENCH_NGINX_BUFFER;"
        local nofile=$fds
        [[ $nofile == unlimited ]] && nofile=$need_fds
        cat >"$dir/nginx.conf" <<EOF
# Generated by bench/run.sh: one unprivileged worker in the foreground, WebSocket proxying only.
daemon off;
master_process off;
worker_processes 1;
worker_rlimit_nofile $nofile;
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
        listen 127.0.0.1:$port backlog=4096;
        location / {
            proxy_pass http://127.0.0.1:$echo_port;
            proxy_http_version 1.1;
            proxy_set_header Upgrade \$http_upgrade;
            proxy_set_header Connection \$connection_upgrade;
            proxy_set_header Host \$host;
            # Idle sessions must outlive the measurement (nginx's default is 60 s).
            proxy_read_timeout 1h;
            proxy_send_timeout 1h;
            $buffer
        }
    }
}
EOF
        "${pin_proxy[@]}" "$nginx_bin" -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" \
            >"$dir/stdout.log" 2>&1 &
        proxy_pid=$!
        pids+=("$proxy_pid")
        wait_listening "$port" "$proxy_pid" || { cat "$dir/error.log" >&2; die "nginx did not start"; }
        proxy_url="ws://127.0.0.1:$port/ws"
        ;;
    *)
        die "unknown target '$target'"
        ;;
    esac
}

stop_target() {
    if ((proxy_pid > 0)); then
        stop "$proxy_pid"
        proxy_pid=0
    fi
}

results=$tmp/results.jsonl
: >"$results"

# run_load TARGET SCENARIO ROUND wsload-options...
run_load() {
    local target=$1 scenario=$2 round=$3
    shift 3
    local args=(--url "$proxy_url" --label "$target" --warmup "$warmup" --duration "$duration"
        --upstream-pid "$echo_pid" "$@")
    ((proxy_pid > 0)) && args+=(--proxy-pid "$proxy_pid")
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
note "echo upstream on port $echo_port; targets: $targets; $rounds round(s) of ${warmup}+${duration} s per scenario"

read -r -a target_list <<<"$targets"
for ((round = 1; round <= rounds; round++)); do
    # Rotating the order keeps a slow first or last slot from always landing on one target.
    n=${#target_list[@]}
    for ((i = 0; i < n; i++)); do
        target=${target_list[$(((i + round - 1) % n))]}
        note "round $round/$rounds: $target"
        start_target "$target" "r$round"
        # Windows of 128 KiB and 256 KiB per connection: enough for a direct connection to run
        # well beyond any proxy, small enough to stay under the relay's 256 KiB backpressure mark.
        run_load "$target" latency_1x64 "$round" --mode latency --size 64
        run_load "$target" throughput_50x4k "$round" --mode throughput --connections 50 --size 4096 --window 32
        run_load "$target" throughput_8x64k "$round" --mode throughput --connections 8 --size 65536 --binary --window 4
        stop_target
    done
done

# Memory and the idle sessions' effect on latency: a fresh proxy each, so that what earlier
# scenarios left in its heap does not hide what the sessions cost.
for target in "${target_list[@]}"; do
    note "idle sessions: $target ($idle_sessions)"
    start_target "$target" idle
    run_load "$target" idle "1" --mode idle --size 64 --idle "$idle_sessions"
    stop_target
done

note "finished in $(($(date +%s) - started)) s"

mkdir -p "$(dirname "$out")"
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
# Outside a git checkout (an unpacked archive) there is no status to read; that must not end the
# run before the report.
dirty=$(git -C "$root" status --porcelain -- core server 2>/dev/null | head -c1 || true)
[[ -n $dirty ]] && commit="$commit+uncommitted"
python3 "$here/report.py" "$results" --out "$out" --proxy-cpu "$proxy_cpu" --load-cpu "$load_cpu" \
    --meta "commit=$commit" \
    --meta "nginx=$("$nginx_bin" -v 2>&1 | sed 's/^nginx version: //')" \
    --meta "kernel=$(uname -r)" \
    --meta "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//') x $(nproc)" \
    --meta "pinning=proxy on core $proxy_cpu, generator and upstream on core $load_cpu" \
    --meta "warmup_s=$warmup" --meta "duration_s=$duration" --meta "rounds=$rounds" \
    --meta "idle_sessions=$idle_sessions" --meta "nice=${BENCH_NICE:-inherited}" \
    --meta "nginx_proxy_buffer_size=${BENCH_NGINX_BUFFER:-default}"
