#!/usr/bin/env bash
# Blueshift set-up: installs the Debian packages that are missing, builds, then either starts
# the product (run) or runs every test (test). Safe to run again: it only installs what is
# missing and only rebuilds what changed.
#
#   scripts/bootstrap.sh run    build and start Blueshift on this machine
#   scripts/bootstrap.sh test   build and run the whole test suite (what CI runs)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mode=${1:-run}
build_dir=${BLUESHIFT_BUILD_DIR:-$here/build}

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# Build and test dependencies, all from Debian 12's archive.
packages=(
    cmake ninja-build g++ pkg-config
    qt6-base-dev qt6-websockets-dev qt6-charts-dev libssl-dev
    openssl curl procps util-linux
    clang-format
    python3 python3-websockets nginx-light haproxy
    nodejs
    fonts-dejavu-core
)
# Debian's nodejs ships npm separately; NodeSource's nodejs contains it and conflicts with it.
command -v npm >/dev/null || packages+=(npm)

install_missing() {
    local missing=()
    for p in "${packages[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
            missing+=("$p")
        fi
    done
    if ((${#missing[@]} == 0)); then
        say "all ${#packages[@]} Debian packages present"
        return
    fi
    say "installing ${#missing[@]} missing Debian packages: ${missing[*]}"
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { echo "need root or sudo to install: ${missing[*]}" >&2; exit 1; }
        sudo=(sudo)
    fi
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    # Debian starts nginx and haproxy as services on install; the tests run their own.
    for svc in nginx haproxy; do
        if command -v systemctl >/dev/null && systemctl is-active --quiet "$svc" 2>/dev/null; then
            "${sudo[@]}" systemctl stop "$svc" || true
        fi
    done
}

build() {
    local werror=OFF
    [ "${CI:-}" = "true" ] && werror=ON
    say "configuring in $build_dir"
    cmake -S "$here" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DBLUESHIFT_WERROR=$werror >/dev/null
    say "building"
    cmake --build "$build_dir" --parallel "$(nproc)"
}

# Reads the "port" of a process's server.started JSON line from its log.
wait_port() {
    local log=$1 pid=$2
    for _ in $(seq 1 100); do
        if ! kill -0 "$pid" 2>/dev/null; then
            cat "$log" >&2
            return 1
        fi
        local port
        port=$(grep -m1 '"event":"server.started"' "$log" 2>/dev/null | sed -n 's/.*"port":\([0-9]*\).*/\1/p')
        if [ -n "$port" ]; then
            echo "$port"
            return 0
        fi
        sleep 0.1
    done
    return 1
}

run_product() {
    local bin=$build_dir/bin state
    state=$(mktemp -d "${TMPDIR:-/tmp}/blueshift.XXXXXX")
    local listen=${BLUESHIFT_LISTEN:-127.0.0.1:8080}
    "$bin/blueshift-server" upstream-sim --listen 127.0.0.1:0 --log-format json >"$state/upstream-sim.log" &
    local sim=$!
    local sim_port
    sim_port=$(wait_port "$state/upstream-sim.log" $sim) || { echo "upstream-sim did not start" >&2; exit 1; }
    # Fall back to any free port when 8080 is taken.
    if (exec 3<>"/dev/tcp/${listen%:*}/${listen##*:}") 2>/dev/null; then
        listen=${listen%:*}:0
    fi
    "$bin/blueshift-server" relay --listen "$listen" --revision demo--blue \
        --upstream "ws://127.0.0.1:$sim_port/openai/realtime" --grace-seconds 10 --log-format text \
        > >(tee "$state/relay.log") &
    local relay=$!
    trap 'kill -TERM $relay 2>/dev/null; wait $relay 2>/dev/null; kill $sim 2>/dev/null; wait $sim 2>/dev/null' EXIT INT TERM
    local relay_port=""
    for _ in $(seq 1 100); do
        relay_port=$(grep -m1 'server.started' "$state/relay.log" 2>/dev/null | sed -n 's/.* port=\([0-9]*\).*/\1/p')
        [ -n "$relay_port" ] && break
        kill -0 $relay 2>/dev/null || { echo "the relay did not start" >&2; exit 1; }
        sleep 0.1
    done
    local host=${listen%:*}
    cat >&2 <<TXT

Blueshift relay (revision demo--blue) in front of upstream-sim (realtime stand-in):
  WebSocket   ws://$host:$relay_port/ws
  health      http://$host:$relay_port/healthz   readiness http://$host:$relay_port/readyz
  metrics     http://$host:$relay_port/metrics
  try it      /usr/bin/python3 -m websockets ws://$host:$relay_port/ws
              then type {"type":"response.create"}
Logs are in $state. Ctrl-C drains the relay (close 1001) and stops both.

TXT
    wait $relay
}

run_tests() {
    # node's ws, a reference client for the integration tests, pinned by package-lock.json.
    if [ ! -d "$here/tests/node/node_modules" ]; then
        say "installing node's ws for the tests"
        npm ci --prefix "$here/tests/node" --no-audit --no-fund >/dev/null
    fi
    say "running the test suite"
    cd "$build_dir"
    exec ctest --output-on-failure --timeout 600
}

case "$mode" in
run)
    install_missing
    build
    run_product
    ;;
test)
    install_missing
    build
    run_tests
    ;;
*)
    echo "usage: $0 run|test" >&2
    exit 2
    ;;
esac
