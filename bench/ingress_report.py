#!/usr/bin/env python3
"""Turns the JSON lines bench/ingress.sh collected into the results table and a JSON file.

Each scenario's figure is the median of its rounds; the JSON file keeps every round. Modelled on
bench/report.py (the relay benchmark's report), with the ingress's targets and columns.
"""

import argparse
import datetime
import json
import statistics
import sys

TARGETS = ["direct", "nginx", "haproxy", "ingress", "ingress-relay"]
HEADINGS = {"ingress-relay": "ingress+relay"}


def idle_ratio(r):
    base = r["baseline"]["p99_us"]
    return r["loaded"]["p99_us"] / base if base else None


def cpu_us_per(r, rate_key):
    """Microseconds of proxy CPU per message or session: independent of what limited the rate."""
    proxy = r["cpu_percent"].get("proxy")
    rate = r[rate_key]
    return proxy / 100.0 / rate * 1e6 if proxy is not None and rate else None


# (key, label, unit, scenario, extractor)
METRICS = [
    ("rtt_p50_us", "round trip p50, 1 conn x 64 B", "us", "latency_1x64", lambda r: r["p50_us"]),
    ("rtt_p99_us", "round trip p99, 1 conn x 64 B", "us", "latency_1x64", lambda r: r["p99_us"]),
    ("rtt_p99_overhead_us", "  p99 minus direct p99, same round", "us", None, None),
    ("msgs_50x4k", "messages/s, 50 conns x 4 KiB text", "msg/s", "throughput_50x4k",
     lambda r: r["messages_per_s"]),
    ("cpu_per_msg_us", "  proxy CPU per message", "us", "throughput_50x4k",
     lambda r: cpu_us_per(r, "messages_per_s")),
    ("setup_per_s", "new sessions/s (open+upgrade+close)", "/s", "setup",
     lambda r: r["sessions_per_s"]),
    ("cpu_per_session_us", "  proxy CPU per new session", "us", "setup",
     lambda r: cpu_us_per(r, "sessions_per_s")),
    ("setup_open_p50_us", "  connect to 101, p50", "us", "setup", lambda r: r["open_p50_us"]),
    ("setup_open_p99_us", "  connect to 101, p99", "us", "setup", lambda r: r["open_p99_us"]),
    ("idle_p99_none_us", "active p99, no idle sessions", "us", "idle",
     lambda r: r["baseline"]["p99_us"]),
    ("idle_p99_held_us", "active p99, idle sessions held", "us", "idle",
     lambda r: r["loaded"]["p99_us"]),
    ("idle_p99_ratio", "  held / none", "x", "idle", idle_ratio),
    ("rss_per_idle_kib", "proxy RSS per idle session", "KiB", "idle",
     lambda r: r["proxy_rss_bytes_per_session"] / 1024.0
     if "proxy_rss_bytes_per_session" in r else None),
]
HIGHER_IS_BETTER = {"msgs_50x4k", "setup_per_s"}
NO_RATIO = {"idle_p99_ratio", "rtt_p99_overhead_us"}


def ratio(metrics, key, a, b):
    row = metrics.get(key, {})
    if row.get(a) is None or not row.get(b):
        return None
    return row[a] / row[b]


GOALS = [
    ("msgs_50x4k", "ingress >= 1.0x HAProxy messages/s at 50 x 4 KiB",
     lambda m: ratio(m, "msgs_50x4k", "ingress", "haproxy"), lambda v: v >= 1.0, "x"),
    ("rtt_p99_overhead_us", "ingress p99 overhead <= HAProxy's (p99 - direct p99)",
     lambda m: (m["rtt_p99_overhead_us"].get("ingress"), m["rtt_p99_overhead_us"].get("haproxy")),
     lambda v: v[0] <= v[1], "pair"),
    ("idle_p99_ratio", "ingress+relay p99 with idle sessions held <= 1.3x with none",
     lambda m: m["idle_p99_ratio"].get("ingress-relay"), lambda v: v <= 1.3, "x"),
]


def fmt(value, unit):
    if value is None:
        return "-"
    if unit == "us" and value < 10:
        return f"{value:.2f}"
    if unit in ("msg/s", "/s"):
        return f"{value:,.0f}"
    if unit == "x":
        return f"{value:.2f}x"
    return f"{value:.1f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("--out", required=True)
    ap.add_argument("--meta", action="append", default=[], help="key=value")
    ap.add_argument("--proxy-cpu", type=int, default=0)
    ap.add_argument("--load-cpu", type=int, default=1)
    args = ap.parse_args()

    runs = [json.loads(line) for line in open(args.results) if line.strip()]
    meta = dict(kv.split("=", 1) for kv in args.meta)
    meta.setdefault("date", datetime.datetime.now(datetime.timezone.utc)
                    .isoformat(timespec="seconds"))

    metrics, spread = {}, {}
    for key, _, _, scenario, extract in METRICS:
        row, rng = {}, {}
        if scenario is not None:
            for target in TARGETS:
                values = []
                for run in runs:
                    if (run["target"] != target or run["scenario"] != scenario
                            or "result" not in run):
                        continue
                    try:
                        v = extract(run["result"])
                    except (KeyError, TypeError, ZeroDivisionError):
                        v = None
                    if v is not None:
                        values.append(v)
                if values:
                    row[target] = statistics.median(values)
                    rng[target] = (min(values), max(values), len(values))
        metrics[key] = row
        spread[key] = rng
    # The proxy's own share of the tail: in each latency round (every target measured back to
    # back) its p99 minus the direct path's; the median of those differences. Pairing within a
    # round cancels most of what background load adds to both.
    p99s = {}
    for run in runs:
        if run["scenario"] == "latency_1x64" and "result" in run:
            p99s[(run["target"], run["round"])] = run["result"]["p99_us"]
    for target in TARGETS:
        if target == "direct":
            continue
        diffs = [p99 - p99s[("direct", rnd)] for (t, rnd), p99 in p99s.items()
                 if t == target and ("direct", rnd) in p99s]
        if diffs:
            metrics["rtt_p99_overhead_us"][target] = statistics.median(diffs)
            spread["rtt_p99_overhead_us"][target] = (min(diffs), max(diffs), len(diffs))

    shown = [t for t in TARGETS if any(t in metrics[k] for k in metrics)]
    width = 42
    cols = "".join(f" {HEADINGS.get(t, t):>13}" for t in shown)
    header = f"{'metric':<{width}}{cols} {'ingr/nginx':>11} {'ingr/HAProxy':>12}"
    lines = [header, "-" * len(header)]
    for key, label, unit, *_ in METRICS:
        row = metrics[key]
        if not row:
            continue
        shown_unit = "" if unit == "x" else f" ({unit})"
        cells = "".join(f" {fmt(row.get(t), unit):>13}" for t in shown)
        r1 = r2 = None
        if key not in NO_RATIO:
            r1 = ratio(metrics, key, "ingress", "nginx")
            r2 = ratio(metrics, key, "ingress", "haproxy")
        lines.append(f"{(label + shown_unit):<{width}}{cells} {fmt(r1, 'x'):>11} "
                     f"{fmt(r2, 'x'):>12}")
    lines.append("(ratios: the ingress figure divided by the other proxy's; for latency and CPU, lower is better)")

    goals = []
    lines.append("")
    lines.append("targets:")
    for key, text, value_of, check, kind in GOALS:
        try:
            value = value_of(metrics)
            if kind == "pair" and (value[0] is None or value[1] is None):
                value = None
        except KeyError:
            value = None
        passed = None if value is None else bool(check(value))
        goals.append({"metric": key, "goal": text, "value": value, "pass": passed})
        verdict = {True: "PASS", False: "FAIL", None: "n/a "}[passed]
        if value is None:
            text_value = "-"
        elif kind == "pair":
            text_value = f"{value[0]:.1f} us vs {value[1]:.1f} us"
        else:
            text_value = f"{value:.2f}x"
        lines.append(f"  {verdict}  {text:<62} {text_value}")

    lines.append("")
    lines.append("load check (medians; CPU in % of one core; direct = the load side's own "
                 "ceiling):")
    for scenario, key in (("throughput_50x4k", "msgs_50x4k"), ("setup", "setup_per_s")):
        direct = metrics[key].get("direct")
        parts = [f"{HEADINGS.get(t, t)} {direct / metrics[key][t]:.1f}x" for t in TARGETS
                 if t != "direct" and direct and metrics[key].get(t)]
        if parts:
            lines.append(f"  {scenario}: direct runs at " + ", ".join(parts) +
                         " the proxied rate")
        for target in TARGETS:
            cpus = [r["result"]["cpu_percent"] for r in runs
                    if r["target"] == target and r["scenario"] == scenario and "result" in r]
            if not cpus:
                continue

            def med(name):
                vals = [c[name] for c in cpus if name in c]
                return statistics.median(vals) if vals else None

            def pct(v):
                return "    -" if v is None else f"{v:4.0f}%"

            cores = [c.get("cores_busy", []) for c in cpus]
            core_busy = [statistics.median(c[i] for c in cores if len(c) > i)
                         for i in range(max(len(c) for c in cores))]
            core_text = " ".join(f"core{i} {b:3.0f}%" for i, b in enumerate(core_busy))
            proxy = med("proxy")
            load = core_busy[args.load_cpu] if args.load_cpu < len(core_busy) else None
            if proxy is None:
                verdict = "-> the load side's ceiling"
            elif proxy >= 95:
                verdict = "-> proxy-bound"
            elif load is not None and load >= 95:
                verdict = "-> load side saturated: possibly a lower bound for this proxy"
            else:
                verdict = "-> neither core saturated"
            lines.append(f"    {HEADINGS.get(target, target):<13} proxy {pct(proxy)}  "
                         f"generator {pct(med('generator'))}  upstream {pct(med('upstream'))}  "
                         f"busy: {core_text}  {verdict}")

    noisy = []
    for run in runs:
        res = run.get("result")
        if not res:
            continue
        parts = [res] if "cpu_percent" in res else [res.get("baseline", {}),
                                                   res.get("loaded", {})]
        for part in parts:
            cpu = part.get("cpu_percent")
            if not cpu or "cores_busy" not in cpu:
                continue
            cores = cpu["cores_busy"]
            ours = {args.load_cpu: cpu.get("generator", 0) + cpu.get("upstream", 0)}
            if "proxy" in cpu:
                ours[args.proxy_cpu] = cpu["proxy"]
            for core, own in ours.items():
                if core < len(cores) and cores[core] - own > 25:
                    noisy.append(f"{run['target']} {run['scenario']} round {run['round']}: "
                                 f"core{core} {cores[core]:.0f}% busy, ours {own:.0f}%")
    if noisy:
        lines.append("")
        lines.append("note: other work ran on the pinned cores during these measurements "
                     "(busy beyond the benchmark's own processes);")
        lines.append("      with BENCH_NICE it yields to the benchmark, without it figures may "
                     "be off:")
        lines.extend("  " + n for n in noisy[:8])
        if len(noisy) > 8:
            lines.append(f"  ... and {len(noisy) - 8} more")

    idle = [r for r in runs if r["scenario"] == "idle" and "result" in r]
    for r in idle:
        res = r["result"]
        lines.append("")
        lines.append(f"idle scenario, {HEADINGS.get(r['target'], r['target'])}: "
                     f"{res.get('idle_sessions')} sessions opened in "
                     f"{res.get('open_seconds')} s, {res.get('idle_sessions_open_at_end'):.0f} "
                     f"still open at the end; active p50 {res['baseline']['p50_us']} -> "
                     f"{res['loaded']['p50_us']} us, p99.9 {res['baseline']['p999_us']} -> "
                     f"{res['loaded']['p999_us']} us")

    errors = [r for r in runs if "error" in r]
    if errors:
        lines.append("")
        lines.append("failed runs:")
        for r in errors:
            lines.append(f"  {r['target']} {r['scenario']} round {r['round']}: {r['error']}")

    lines.append("")
    lines.append("rounds (min .. max):")
    for key, label, unit, *_ in METRICS:
        parts = []
        for target in TARGETS:
            if target in spread[key] and spread[key][target][2] > 1:
                lo, hi, _ = spread[key][target]
                parts.append(f"{HEADINGS.get(target, target)} {fmt(lo, unit)} .. "
                             f"{fmt(hi, unit)}")
        if parts:
            lines.append(f"  {label.strip()}: " + "; ".join(parts))

    lines.append("")
    lines.append("  ".join(f"{k}: {v}" for k, v in meta.items()))
    text = "\n".join(lines)
    print(text)

    with open(args.out, "w") as f:
        json.dump({"meta": meta, "metrics": metrics, "goals": goals, "table": text,
                   "noise_warnings": noisy, "runs": runs}, f, indent=1)
        f.write("\n")
    print(f"\nwritten: {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
