#!/usr/bin/env python3
"""Turns the JSON lines bench/run.sh collected into the results table and a JSON file.

Each scenario's figure is the median of its rounds; the JSON file keeps every round.
"""

import argparse
import datetime
import json
import statistics
import sys

TARGETS = ["direct", "nginx", "relay"]

# (key, label, unit, scenario, extractor, higher_is_better)
METRICS = [
    ("rtt_p50_us", "round trip p50, 1 conn x 64 B", "us", "latency_1x64",
     lambda r: r["p50_us"], False),
    ("rtt_p99_us", "round trip p99, 1 conn x 64 B", "us", "latency_1x64",
     lambda r: r["p99_us"], False),
    ("msgs_50x4k", "messages/s, 50 conns x 4 KiB text", "msg/s", "throughput_50x4k",
     lambda r: r["messages_per_s"], True),
    ("msgs_8x64k", "messages/s, 8 conns x 64 KiB binary", "msg/s", "throughput_8x64k",
     lambda r: r["messages_per_s"], True),
    # When the load side saturates first, messages/s stops telling proxies apart; the CPU time
    # each message cost the proxy still does. A proxy with spare CPU reads smaller batches per
    # wake-up and pays more per message than flat out: compare proxies at similar rates.
    ("cpu_us_50x4k", "proxy CPU per message, 50 x 4 KiB", "us/msg", "throughput_50x4k",
     lambda r: r["cpu_percent"]["proxy"] * 1e4 / r["messages_per_s"], False),
    ("cpu_us_8x64k", "proxy CPU per message, 8 x 64 KiB", "us/msg", "throughput_8x64k",
     lambda r: r["cpu_percent"]["proxy"] * 1e4 / r["messages_per_s"], False),
    ("rss_per_idle_kib", "proxy RSS per idle session", "KiB", "idle",
     lambda r: r["proxy_rss_bytes_per_session"] / 1024.0
     if "proxy_rss_bytes_per_session" in r else None, False),
    ("idle_p99_none_us", "active p99, no idle sessions", "us", "idle",
     lambda r: r["baseline"]["p99_us"], False),
    ("idle_p99_held_us", "active p99, idle sessions held", "us", "idle",
     lambda r: r["loaded"]["p99_us"], False),
    ("idle_p99_ratio", "  held / none", "x", "idle",
     lambda r: r["loaded"]["p99_us"] / r["baseline"]["p99_us"]
     if r["baseline"]["p99_us"] else None, False),
]

# key: (description, check on the metrics dict) -> (value shown, pass)
GOALS = [
    ("msgs_50x4k", "relay >= 1.0x nginx messages/s at 50 x 4 KiB",
     lambda m: ratio(m, "msgs_50x4k"), lambda v: v >= 1.0),
    ("msgs_8x64k", "relay >= 0.8x nginx messages/s at 8 x 64 KiB",
     lambda m: ratio(m, "msgs_8x64k"), lambda v: v >= 0.8),
    ("rtt_p99_us", "relay p99 round trip <= 1.25x nginx's",
     lambda m: ratio(m, "rtt_p99_us"), lambda v: v <= 1.25),
    ("rss_per_idle_kib", "relay RSS per idle session <= 24 KiB",
     lambda m: m["rss_per_idle_kib"].get("relay"), lambda v: v <= 24),
    ("idle_p99_ratio", "relay p99 with idle sessions held <= 1.3x its p99 with none",
     lambda m: m["idle_p99_ratio"].get("relay"), lambda v: v <= 1.3),
]


def ratio(metrics, key):
    row = metrics[key]
    if row.get("relay") is None or not row.get("nginx"):
        return None
    return row["relay"] / row["nginx"]


def fmt(value, unit):
    if value is None:
        return "-"
    if unit == "msg/s":
        return f"{value:,.0f}"
    if unit == "x":
        return f"{value:.2f}x"
    if unit == "KiB":
        return f"{value:.1f}"
    if unit == "us/msg":
        return f"{value:.2f}"
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
    meta.setdefault("date", datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"))

    metrics = {}
    spread = {}
    for key, label, unit, scenario, extract, _ in METRICS:
        row, rng = {}, {}
        for target in TARGETS:
            values = []
            for run in runs:
                if run["target"] != target or run["scenario"] != scenario or "result" not in run:
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
        r = ratio(metrics, key) if key != "idle_p99_ratio" else None
        if r is not None:
            row["relay_vs_nginx"] = r

    width = 44
    lines = []
    header = f"{'metric':<{width}} {'direct':>12} {'nginx':>12} {'relay':>12} {'relay/nginx':>12}"
    lines.append(header)
    lines.append("-" * len(header))
    for key, label, unit, *_ in METRICS:
        row = metrics[key]
        shown_unit = "" if unit == "x" else f" ({unit})"
        ratio_text = fmt(row.get("relay_vs_nginx"), "x") if key != "idle_p99_ratio" else "-"
        lines.append(f"{(label + shown_unit):<{width}} {fmt(row.get('direct'), unit):>12} "
                     f"{fmt(row.get('nginx'), unit):>12} {fmt(row.get('relay'), unit):>12} "
                     f"{ratio_text:>12}")

    goals = []
    lines.append("")
    lines.append("targets:")
    for key, text, value_of, check in GOALS:
        try:
            value = value_of(metrics)
        except KeyError:
            value = None
        passed = None if value is None else bool(check(value))
        goals.append({"metric": key, "goal": text, "value": value, "pass": passed})
        verdict = {True: "PASS", False: "FAIL", None: "n/a "}[passed]
        shown = "-" if value is None else (f"{value:.1f} KiB" if key == "rss_per_idle_kib"
                                           else f"{value:.2f}x")
        lines.append(f"  {verdict}  {text:<62} {shown}")

    # The generator must not be the limit: the direct figure is what the generator and the
    # upstream manage on their core with no proxy at all, and during proxied throughput the
    # proxy's core should be the saturated one.
    lines.append("")
    lines.append("load check (medians; CPU in % of one core; direct = the load side's own ceiling):")
    for scenario, key in (("throughput_50x4k", "msgs_50x4k"), ("throughput_8x64k", "msgs_8x64k")):
        direct = metrics[key].get("direct")
        parts = [f"{t} {direct / metrics[key][t]:.1f}x" for t in ("nginx", "relay")
                 if direct and metrics[key].get(t)]
        if parts:
            lines.append(f"  {scenario}: direct runs at " + ", ".join(parts) + " the proxied rate")
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
            verdict = ""
            proxy = med("proxy")
            load = core_busy[args.load_cpu] if args.load_cpu < len(core_busy) else None
            if proxy is None:
                verdict = "-> the load side's ceiling"
            elif proxy >= 95:
                verdict = "-> proxy-bound"
            elif load is not None and load >= 95:
                verdict = "-> load side saturated too: possibly a lower bound for this proxy"
            else:
                verdict = "-> neither core saturated"
            lines.append(f"    {target:<7} proxy {pct(proxy)}  generator {pct(med('generator'))}  "
                         f"upstream {pct(med('upstream'))}  busy: {core_text}  {verdict}")

    noisy = []
    for run in runs:
        res = run.get("result")
        if not res:
            continue
        for part in ([res] if "cpu_percent" in res else [res.get("baseline", {}), res.get("loaded", {})]):
            cpu = part.get("cpu_percent")
            if not cpu or "cores_busy" not in cpu:
                continue
            cores = cpu["cores_busy"]
            # A direct run leaves the proxy's core to others, which does not disturb it.
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
        lines.append("      with BENCH_NICE it yields to the benchmark, without it figures may be off:")
        lines.extend("  " + n for n in noisy[:6])
        if len(noisy) > 6:
            lines.append(f"  ... and {len(noisy) - 6} more")

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
                lo, hi, n = spread[key][target]
                parts.append(f"{target} {fmt(lo, unit)} .. {fmt(hi, unit)}")
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
