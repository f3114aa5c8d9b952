#!/usr/bin/env bash
# Blueshift set-up: installs the Debian packages that are missing, builds, then either starts
# the product (run) or runs every test (test). Safe to run again: it only installs what is
# missing and only rebuilds what changed.
#
#   scripts/bootstrap.sh run    build and start Blueshift on this machine (the console; without
#                               a display, the local platform and its demo app headless)
#   scripts/bootstrap.sh test   build and run the whole test suite (what CI runs)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mode=${1:-run}
build_dir=${BLUESHIFT_BUILD_DIR:-$here/build}

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# Build, test and run-time dependencies from Debian 12's archive: the one list.
packages=()
while read -r package unless_command _; do
    [ -n "$package" ] || continue
    [ -n "$unless_command" ] && command -v "$unless_command" >/dev/null && continue
    packages+=("$package")
done < <(sed -e 's/#.*//' "$here/scripts/debian-packages")

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
    # Without systemd (a container, a chroot) their init scripts started them.
    for svc in nginx haproxy; do
        if command -v systemctl >/dev/null && systemctl is-active --quiet "$svc" 2>/dev/null; then
            "${sudo[@]}" systemctl stop "$svc" || true
        elif [ -x "/etc/init.d/$svc" ] && pgrep -x "$svc" >/dev/null; then
            "${sudo[@]}" "/etc/init.d/$svc" stop >/dev/null || true
        fi
    done
}

build() {
    # The same configuration for run and test, so that switching between them rebuilds nothing;
    # -Werror everywhere, since the one supported compiler is Debian 12's.
    say "configuring in $build_dir"
    cmake -S "$here" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DBLUESHIFT_WERROR=ON >/dev/null
    say "building"
    cmake --build "$build_dir" --parallel "$(nproc)"
}

run_product() {
    local bin=$build_dir/bin
    local state=${BLUESHIFT_STATE_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/blueshift/local}
    local admin=${BLUESHIFT_ADMIN:-127.0.0.1:8081}
    if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -z "${BLUESHIFT_HEADLESS:-}" ]; then
        # The console connects to the platform at $admin, or starts `blueshift-server local
        # --demo` itself when none answers, and stops it again when its window closes.
        say "starting the Blueshift console"
        exec "$bin/blueshift" --admin "http://$admin" --state-dir "$state"
    fi
    say "no display: starting the local platform headless (the console needs a desktop session)"
    local log
    log=$(mktemp "${TMPDIR:-/tmp}/blueshift-local.XXXXXX")
    # Fall back to any free port when 8081 is taken.
    if (exec 3<>"/dev/tcp/${admin%:*}/${admin##*:}") 2>/dev/null; then
        admin=${admin%:*}:0
    fi
    "$bin/blueshift-server" local --demo --admin "$admin" --state-dir "$state" --log-format text \
        > >(tee "$log") &
    local platform=$!
    # Ctrl-C reaches the platform itself (it is in the terminal's foreground process group) and
    # starts its graceful stop; a second signal from here would cut the drain short, so INT only
    # waits. TERM (or an error here) passes one TERM on.
    trap 'wait $platform 2>/dev/null' INT
    trap 'kill -TERM $platform 2>/dev/null; wait $platform 2>/dev/null' EXIT TERM
    local line=""
    for _ in $(seq 1 100); do
        line=$(grep -m1 'server.started' "$log" 2>/dev/null || true)
        [ -n "$line" ] && break
        kill -0 $platform 2>/dev/null || { echo "the local platform did not start" >&2; exit 1; }
        sleep 0.1
    done
    local admin_url ingress
    admin_url=$(sed -n 's/.* admin=\([^ ]*\).*/\1/p' <<<"$line")
    ingress=$(sed -n 's/.*"app":"demo","fqdn":"\([^"]*\)".*/\1/p' <<<"$line")
    cat >&2 <<TXT

Blueshift local platform, with app "demo" (revision demo--blue: the relay in front of
upstream-sim, a realtime stand-in):
  sessions     ws://$ingress/ws        (a revision by label: ws://$ingress/ws?blueshift-label=blue)
  admin API    $admin_url   token: $state/admin-token
  try it       /usr/bin/python3 -m websockets ws://$ingress/ws   then type {"type":"response.create"}
  roll out     see "A blue/green rollout by hand" in README.md
State lives in $state. Ctrl-C stops the platform: replicas drain (close 1001) first.

TXT
    wait $platform
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
