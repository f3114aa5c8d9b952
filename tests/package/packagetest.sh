#!/usr/bin/env bash
# Builds the packages, checks what they hold, installs the .debs on this machine, runs the
# installed programs, and removes them again. Part of the README's test command.
#   packagetest.sh BUILD_DIR SOURCE_DIR VERSION
set -euo pipefail

build=$(cd "$1" && pwd)
source=$(cd "$2" && pwd)
version=$3
work=$(mktemp -d /tmp/blueshift-package.XXXXXX)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }

as_root=()
if [ "$(id -u)" -ne 0 ]; then
    sudo -n true 2>/dev/null || fail "installing the .deb needs root or password-less sudo"
    as_root=(sudo -n)
fi

step "cpack"
(cd "$build" && cpack -G "DEB;TGZ" -B "$work/out" >"$work/cpack.log" 2>&1) ||
    { cat "$work/cpack.log"; fail "cpack failed"; }
server_deb=$(ls "$work"/out/blueshift-server_"$version"_*.deb)
gui_deb=$(ls "$work"/out/blueshift_"$version"_*.deb)
tgz=$(ls "$work"/out/blueshift-"$version"-*.tar.gz)
ls -l "$work"/out/*.deb "$work"/out/*.tar.gz

step "contents"
for deb in "$server_deb" "$gui_deb"; do
    dpkg-deb -c "$deb" >"$work/list"
    if grep -E 'tst_|/tests?/|CMakeFiles|\.o$|\.a$' "$work/list"; then
        fail "$(basename "$deb") holds build or test files"
    fi
    mkdir -p "$work/x" && dpkg-deb -x "$deb" "$work/x"
done
for f in usr/bin/blueshift-server usr/bin/blueshift usr/share/man/man1/blueshift-server.1.gz \
         usr/share/man/man1/blueshift.1.gz lib/systemd/system/blueshift-relay.service \
         etc/blueshift/relay.env etc/blueshift/upstream-headers \
         usr/share/applications/io.github.blueshift.Blueshift.desktop \
         usr/share/metainfo/io.github.blueshift.Blueshift.metainfo.xml \
         usr/share/icons/hicolor/scalable/apps/blueshift.svg \
         usr/share/icons/hicolor/48x48/apps/blueshift.png \
         usr/share/blueshift/plans/blue-green.json; do
    [ -e "$work/x/$f" ] || fail "$f is missing from the packages"
done
desktop-file-validate "$work/x/usr/share/applications/io.github.blueshift.Blueshift.desktop" ||
    fail "the desktop entry does not validate"
appstreamcli validate --no-net "$work/x/usr/share/metainfo/io.github.blueshift.Blueshift.metainfo.xml" ||
    fail "the AppStream metainfo does not validate"
[ "$(stat -c %a "$work/x/etc/blueshift/upstream-headers")" = 600 ] ||
    fail "/etc/blueshift/upstream-headers is not mode 0600"
# No build path may leak into what users install.
if grep -rlF -e "$build" -e "$source" "$work/x"; then
    fail "build paths inside the packages"
fi
dpkg-deb -f "$gui_deb" Depends | grep -q "blueshift-server (= $version)" ||
    fail "blueshift does not depend on blueshift-server $version"
server_depends=$(dpkg-deb -f "$server_deb" Depends)
echo "blueshift-server Depends: $server_depends"
echo "$server_depends" | grep -q libqt6core6 || fail "shlibdeps did not compute the Qt dependency"
if echo "$server_depends" | grep -Eq 'libqt6widgets|libqt6charts'; then
    fail "blueshift-server depends on Qt Widgets or Charts"
fi
tar -tzf "$tgz" >"$work/tlist"
grep -q '/bin/blueshift-server$' "$work/tlist" || fail "the .tar.gz lacks blueshift-server"
if grep -E 'tst_|CMakeFiles' "$work/tlist"; then fail "the .tar.gz holds test files"; fi

step "lintian"
if command -v lintian >/dev/null; then
    lintian --fail-on error,warning --suppress-tags-from-file /dev/null "$server_deb" "$gui_deb"
else
    fail "lintian is not installed"
fi

step "install"
"${as_root[@]}" dpkg -i "$server_deb" "$gui_deb" || "${as_root[@]}" apt-get -f install -y
[ "$(/usr/bin/blueshift-server --version)" = "blueshift-server $version" ] ||
    fail "installed blueshift-server --version: $(/usr/bin/blueshift-server --version)"
/usr/bin/blueshift --version | grep -q "$version" || fail "installed blueshift --version"

step "installed relay in front of upstream-sim"
/usr/bin/blueshift-server upstream-sim --listen 127.0.0.1:0 --mode echo >"$work/sim.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q '"port"' "$work/sim.log" && break; sleep 0.1; done
sim_port=$(grep -o '"port":[0-9]*' "$work/sim.log" | head -1 | cut -d: -f2)
[ -n "$sim_port" ] || { cat "$work/sim.log"; fail "upstream-sim did not start"; }
/usr/bin/blueshift-server relay --listen 127.0.0.1:0 --upstream "ws://127.0.0.1:$sim_port/" \
    --revision pkg--test >"$work/relay.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q '"server.started"' "$work/relay.log" && break; sleep 0.1; done
relay_port=$(grep '"server.started"' "$work/relay.log" | grep -o '"port":[0-9]*' | head -1 |
    cut -d: -f2)
[ -n "$relay_port" ] || { cat "$work/relay.log"; fail "the relay did not start"; }
/usr/bin/python3 - "$relay_port" <<'PY'
import asyncio, sys
import websockets

async def main(port):
    async with websockets.connect(f"ws://127.0.0.1:{port}/ws", open_timeout=5) as ws:
        await ws.send("hello through the installed relay")
        reply = await asyncio.wait_for(ws.recv(), 5)
        assert reply == "hello through the installed relay", reply
        assert ws.response_headers["X-Blueshift-Revision"] == "pkg--test"

asyncio.run(main(int(sys.argv[1])))
print("echo through the installed relay: ok")
PY

step "installed console: --screenshot offscreen"
export HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" XDG_STATE_HOME="$work/home/.state"
mkdir -p "$HOME"
admin_port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# No display: --screenshot renders offscreen by itself. The console starts the installed
# blueshift-server local --demo as its platform, and stops it before it exits.
env -u DISPLAY -u WAYLAND_DISPLAY -u QT_QPA_PLATFORM timeout 120 /usr/bin/blueshift \
    --screenshot "$work/shot.png" --after 3 --admin "http://127.0.0.1:$admin_port" \
    --state-dir "$work/state"
pgrep -f "blueshift-server local --admin 127.0.0.1:$admin_port" && fail "the console left its platform running"
[ -s "$work/shot.png" ] || fail "blueshift --screenshot wrote no image"
file "$work/shot.png" | grep -q 'PNG image' || fail "the screenshot is not a PNG"

step "systemd unit"
if command -v systemd-analyze >/dev/null; then
    systemd-analyze verify /lib/systemd/system/blueshift-relay.service
else
    echo "systemd-analyze is not available: unit not verified"
fi

step "uninstall"
"${as_root[@]}" dpkg --purge blueshift blueshift-server
for f in /usr/bin/blueshift /usr/bin/blueshift-server /lib/systemd/system/blueshift-relay.service \
         /etc/blueshift /usr/share/blueshift; do
    [ ! -e "$f" ] || fail "$f is left after dpkg --purge"
done
echo "packages: ok"
