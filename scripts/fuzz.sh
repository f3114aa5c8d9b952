#!/usr/bin/env bash
# Builds the libFuzzer targets in fuzz/ with clang (ASan, UBSan, coverage) and runs each for a
# while, one line per target. Exits non-zero if a target crashed, timed out or ran out of memory,
# naming the input that did it and the command that reproduces it.
#
#   scripts/fuzz.sh [--seconds N] [--jobs J] [target...]
#
#   --seconds N   how long each target runs (default 30)
#   --jobs J      how many targets run at once (default 1; each takes one core)
#   target        framechecker, httpmessage, planparser, affinitycookie, model, socketio (default: all)
#
# The build goes to build-fuzz/ (BLUESHIFT_FUZZ_BUILD_DIR overrides it). Each target's corpus
# lives in <build>/work/<target>/corpus: the seeds of fuzz/corpus/<target>/ are copied there
# and what the fuzzer finds accumulates over runs; the source tree is only read. The inputs in
# fuzz/regressions/<target>/ run first, every time. Installs nothing: scripts/bootstrap.sh
# installs the packages (scripts/debian-packages).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${BLUESHIFT_FUZZ_BUILD_DIR:-$here/build-fuzz}
all_targets=(framechecker httpmessage planparser affinitycookie model socketio)
seconds=30
jobs=1
targets=()

usage() {
    sed -n '6,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

while (($#)); do
    case $1 in
    --seconds) seconds=${2:?}; shift 2 ;;
    --jobs) jobs=${2:?}; shift 2 ;;
    -h | --help) usage ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; usage ;;
    *)
        [[ " ${all_targets[*]} " == *" $1 "* ]] || { echo "fuzz.sh: no target '$1'" >&2; usage; }
        targets+=("$1"); shift ;;
    esac
done
((${#targets[@]})) || targets=("${all_targets[@]}")
[[ $seconds =~ ^[1-9][0-9]*$ && $jobs =~ ^[1-9][0-9]*$ ]] || usage

say() { printf '==> %s\n' "$*" >&2; }
missing() {
    echo "fuzz.sh: $1 is missing: install the Debian package $2 (scripts/bootstrap.sh does)" >&2
    exit 1
}

command -v clang++ >/dev/null || missing clang++ clang
command -v cmake >/dev/null || missing cmake cmake
command -v ninja >/dev/null || missing ninja ninja-build
# clang without compiler-rt compiles, then fails to link -fsanitize=fuzzer: find out up front.
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char *, unsigned long) { return 0; }' \
    >"$probe/probe.cpp"
if ! clang++ -fsanitize=fuzzer,address,undefined "$probe/probe.cpp" -o "$probe/probe" \
    2>"$probe/err"; then
    cat "$probe/err" >&2
    missing "clang's libFuzzer runtime (libclang_rt.fuzzer)" \
        "libclang-rt-$(clang++ -dumpversion | cut -d. -f1)-dev"
fi

if [ ! -f "$build_dir/build.ninja" ]; then
    say "configuring $build_dir"
    CXX=clang++ cmake -S "$here/fuzz" -B "$build_dir" -G Ninja
fi
say "building $(printf 'fuzz_%s ' "${targets[@]}")"
build_start=$SECONDS
cmake --build "$build_dir" --target "${targets[@]/#/fuzz_}"
say "built in $((SECONDS - build_start)) s"

# libFuzzer's -timeout is wall-clock time: a run under nice on a machine busy with builds can sit
# unscheduled for longer than that (seen here: 10 to 14 s on inputs that take 5 ms, at 0.4% CPU).
# A timeout counts only if its input, run alone, takes 10 s of CPU time; otherwise the run goes
# on, from the same corpus, for the time that is left.
timeout_reproduces() {
    local bin=$1 input=$2 cpu TIMEFORMAT='%3U %3S'
    cpu=$({ time "$bin" -timeout=600 -rss_limit_mb=2048 -runs=1 "$input" >/dev/null 2>&1; } 2>&1 |
        awk '{ print int($1 + $2) }') || true
    ((${cpu:-0} >= 10))
}

# Runs one target; leaves its summary line in <work>/summary, its exit status in <work>/rc and
# libFuzzer's output in <work>/fuzz.log.
run_target() {
    local t=$1 work=$build_dir/work/$1 bin=$build_dir/fuzz_$1
    local corpus=$work/corpus artifacts=$work/artifacts log=$work/fuzz.log
    mkdir -p "$corpus" "$artifacts"
    rm -rf "$artifacts"/* "$work/summary" "$work/rc" "$work/unconfirmed"
    : >"$log"
    cp -n "$here/fuzz/corpus/$t"/* "$corpus"/ 2>/dev/null || true
    local before
    before=$(find "$corpus" -type f | wc -l)
    local args=(-rss_limit_mb=2048 -timeout=10 -print_final_stats=1 -artifact_prefix="$artifacts/")
    [ -f "$here/fuzz/$t.dict" ] && args+=(-dict="$here/fuzz/$t.dict")
    # New units go to the first directory only; the regressions are read, never written.
    local dirs=("$corpus")
    [ -d "$here/fuzz/regressions/$t" ] && dirs+=("$here/fuzz/regressions/$t")

    local rc=0 start=$SECONDS deadline=$((SECONDS + seconds)) left crash="" unconfirmed=0
    while left=$((deadline - SECONDS)); ((left > 0)); do
        rc=0
        "$bin" -max_total_time="$left" "${args[@]}" "${dirs[@]}" >>"$log" 2>&1 || rc=$?
        ((rc != 0)) || break
        crash=$(find "$artifacts" -maxdepth 1 -type f | head -1)
        if [[ $crash == */timeout-* ]] && ! timeout_reproduces "$bin" "$crash"; then
            mkdir -p "$work/unconfirmed"
            mv "$crash" "$work/unconfirmed/"
            echo "fuzz.sh: the timeout above did not reproduce; going on" >>"$log"
            crash="" unconfirmed=$((unconfirmed + 1)) rc=0
            continue
        fi
        break
    done

    local runs elapsed cov after crashes
    runs=$(awk '/^stat::number_of_executed_units:/ { n += $2 } END { print n + 0 }' "$log")
    elapsed=$((SECONDS - start > 0 ? SECONDS - start : 1))
    cov=$({ grep -o 'cov: [0-9]* ft: [0-9]*' "$log" || true; } | tail -1)
    after=$(find "$corpus" -type f | wc -l)
    crashes=$(find "$artifacts" -maxdepth 1 -type f | wc -l)
    local line
    line=$(printf '%-15s %11s execs in %4d s (%6d/s)  %-20s  corpus %5d  new units %4d  crashes %d' \
        "$t" "$runs" "$elapsed" "$((runs / elapsed))" "${cov:-cov: ? ft: ?}" "$after" \
        "$((after - before))" "$crashes")
    ((unconfirmed == 0)) ||
        line+=$'\n'"  $unconfirmed timeout(s) that did not reproduce alone: $work/unconfirmed"
    if ((rc != 0)); then
        # The harness's or a sanitizer's own words first, libFuzzer's summary otherwise.
        local why
        why=$({ grep -E 'invariant failed|runtime error|ERROR: AddressSanitizer' "$log" ||
            grep -E 'ERROR: ' "$log" || echo 'see the log'; } | tail -1 | cut -c1-200)
        line+=$'\n'"  FAILED (exit $rc): $why"
        line+=$'\n'"  log:        $log"
        if [ -n "$crash" ]; then
            local known
            for known in "$here/fuzz/regressions/$t"/*; do
                [ -f "$known" ] && cmp -s "$known" "$crash" &&
                    line+=$'\n'"  known:      ${known#"$here"/} (not fixed yet)"
            done
            line+=$'\n'"  input:      $crash"
            line+=$'\n'"  reproduce:  $bin $crash"
            line+=$'\n'"  minimise:   $bin -minimize_crash=1 -runs=100000 $crash"
        fi
    fi
    printf '%s\n' "$line" >"$work/summary"
    echo "$rc" >"$work/rc"
}

say "running ${#targets[@]} target(s) for ${seconds} s each, ${jobs} at a time"
for t in "${targets[@]}"; do
    while (($(jobs -rp | wc -l) >= jobs)); do
        wait -n || true
    done
    run_target "$t" &
done
wait
failed=0
for t in "${targets[@]}"; do
    cat "$build_dir/work/$t/summary" 2>/dev/null || echo "$t: no result (see $build_dir/work/$t)"
    [ "$(cat "$build_dir/work/$t/rc" 2>/dev/null)" = 0 ] || failed=1
done
if ((failed)); then
    echo "fuzz.sh: a target failed (above: the input and how to reproduce it)" >&2
    exit 1
fi
