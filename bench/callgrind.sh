#!/usr/bin/env bash
# Counts the relay's instructions per forwarded frame: the relay runs under callgrind, the echo
# upstream and blueshift-wsload natively, for a fixed time; the relay's own bridge.completed
# events say how many frames it forwarded. Instruction counts do not depend on what else runs on
# the machine, so this compares builds where bench/run.sh's figures are too noisy.
#
# Usage: bench/callgrind.sh [text4k|binary64k]
# Environment (all optional):
#   BUILD_DIR           build tree with bin/blueshift-server and bin/blueshift-wsload (build)
#   CALLGRIND_SECONDS   seconds of traffic (10)
#   CALLGRIND_OUT       directory for callgrind.out and the logs (a new temporary directory)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
build=${BUILD_DIR:-$root/build}
scenario=${1:-text4k}
seconds=${CALLGRIND_SECONDS:-10}
out=${CALLGRIND_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/blueshift-callgrind.XXXXXX")}
server=$build/bin/blueshift-server
wsload=$build/bin/blueshift-wsload

die() { echo "callgrind.sh: $*" >&2; exit 1; }
for exe in "$server" "$wsload"; do
    [[ -x $exe ]] || die "$exe is missing: build first"
done
command -v valgrind >/dev/null || die "valgrind is needed (apt-get install valgrind)"
case $scenario in
text4k) load=(--mode throughput --connections 50 --size 4096 --window 32) ;;
binary64k) load=(--mode throughput --connections 8 --size 65536 --binary --window 4) ;;
*) die "unknown scenario '$scenario' (text4k or binary64k)" ;;
esac
mkdir -p "$out"

pids=()
cleanup() {
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
}
trap cleanup EXIT

started_port() {
    local log=$1 port
    for _ in $(seq 300); do
        port=$(grep -m1 '"event":"server.started"' "$log" 2>/dev/null | grep -o '"port":[0-9]*' | cut -d: -f2) || true
        [[ -n $port ]] && { echo "$port"; return 0; }
        sleep 0.1
    done
    return 1
}

"$server" upstream-sim --mode echo --listen 127.0.0.1:0 --threads 1 >"$out/echo.log" 2>&1 &
echo_pid=$!
pids+=("$echo_pid")
echo_port=$(started_port "$out/echo.log") || die "the echo upstream did not start"

valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.out" \
    "$server" relay --listen 127.0.0.1:0 --upstream "ws://127.0.0.1:$echo_port/" --threads 1 \
    --revision bench --replica bench --grace-seconds 3 >"$out/relay.log" 2>"$out/valgrind.log" &
relay_pid=$!
pids+=("$relay_pid")
port=$(started_port "$out/relay.log") || die "the relay did not start under valgrind"

"$wsload" --url "ws://127.0.0.1:$port/ws" "${load[@]}" --warmup 0 --duration "$seconds" \
    >"$out/wsload.json" 2>"$out/wsload.err" || die "wsload failed: $(tail -n 1 "$out/wsload.err")"
# The sessions end when wsload exits; SIGTERM then stops the idle relay and callgrind writes.
sleep 1
kill -TERM "$relay_pid"
wait "$relay_pid" || true
kill "$echo_pid" 2>/dev/null || true
wait "$echo_pid" 2>/dev/null || true

python3 - "$out" <<'EOF'
import json, re, subprocess, sys

out = sys.argv[1]
frames = {"messages_to_upstream": 0, "messages_to_client": 0}
for line in open(out + "/relay.log"):
    try:
        event = json.loads(line)
    except ValueError:
        continue
    if event.get("event") == "bridge.completed":
        for key in frames:
            frames[key] += int(event.get(key, 0))
total_frames = sum(frames.values())
if total_frames == 0:
    sys.exit("callgrind.sh: the relay forwarded nothing")

text = subprocess.run(["callgrind_annotate", "--threshold=99", out + "/callgrind.out"],
                      capture_output=True, text=True, check=True).stdout
text = text.split("Auto-annotated source")[0]
total = 0
rows = []
for line in text.splitlines():
    m = re.match(r"\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*)$", line)
    if not m:
        continue
    ir = int(m.group(1).replace(",", ""))
    what = m.group(2)
    if what.startswith("PROGRAM TOTALS"):
        total = ir
        continue
    # "file:function [object]" -> function
    name = re.sub(r"\s*\[[^\]]*\]$", "", what.split(":", 1)[-1])
    name = re.sub(r"\(.*", "", name)
    rows.append((ir, name))

merged = {}
for ir, name in rows:
    merged[name] = merged.get(name, 0) + ir  # intrinsics are attributed to their header
print(f"frames forwarded: {total_frames:,} ({frames['messages_to_upstream']:,} to the upstream, "
      f"{frames['messages_to_client']:,} to the client)")
print(f"relay instructions: {total:,} in all, {total / total_frames:,.0f} per forwarded frame "
      "(start-up and handshakes included)")
print("largest self costs, instructions per forwarded frame:")
for name, ir in sorted(merged.items(), key=lambda kv: -kv[1])[:8]:
    print(f"  {ir / total_frames:10,.0f}  {100 * ir / total:5.1f}%  {name}")
print(f"callgrind output: {out}/callgrind.out")
EOF
