#!/usr/bin/env python3
"""tun2socks_summary.py: medians and ratios of bench/tun2socks.sh's rows.

Usage: tun2socks_summary.py RAW.jsonl [--json SUMMARY.json]

RAW.jsonl has one JSON object per row and rep (see bench/tun2socks.sh).
Prints Markdown tables (medians per row; ratios against the targets of
issue 13) and, with --json, writes the same figures as one JSON object.
Exits 1 when no row produced a measurement.
"""
import json
import statistics
import sys

ORDER = ["kernel", "fdlink", "fdlink-nooffload", "fdlink-pcap",
         "fdlink-pcap-filtered", "gvisor"]
METRICS = ["fwd_gbps", "rev_gbps", "cps", "cps_p50_ms", "cpu_fwd_s",
           "cpu_rev_s", "cpu_cps_s", "rss_base_kib", "rss_idle_kib"]

# (name, numerator row, denominator row, metrics, target, what it says)
RATIOS = [
    ("fdlink / gvisor", "fdlink", "gvisor",
     {"fwd_gbps": 4.0, "rev_gbps": 4.0, "cps": 2.0}),
    ("fdlink / kernel", "fdlink", "kernel",
     {"fwd_gbps": 0.5, "rev_gbps": 0.5, "cps": None}),
    ("capture filtered-out / no capture", "fdlink-pcap-filtered", "fdlink",
     {"fwd_gbps": 0.98, "rev_gbps": 0.98, "cps": 0.98}),
    ("capture on (/dev/null) / no capture", "fdlink-pcap", "fdlink",
     {"fwd_gbps": None, "rev_gbps": None, "cps": None}),
    ("--no-offload / offloads on", "fdlink-nooffload", "fdlink",
     {"fwd_gbps": None, "rev_gbps": None, "cps": None}),
]


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(v, digits=2):
    if v is None:
        return "–"
    if abs(v) >= 100:
        return f"{v:.0f}"
    return f"{v:.{digits}f}"


def main():
    args = sys.argv[1:]
    if not args or args[0].startswith("-"):
        print(__doc__, file=sys.stderr)
        return 2
    json_out = None
    if len(args) == 3 and args[1] == "--json":
        json_out = args[2]
    elif len(args) != 1:
        print("tun2socks_summary.py: expected RAW.jsonl [--json FILE]", file=sys.stderr)
        return 2
    lines = [json.loads(l) for l in open(args[0]) if l.strip().startswith("{")]
    by_row = {}
    for r in lines:
        by_row.setdefault(r["row"], []).append(r)
    rows = [r for r in ORDER if r in by_row]

    summary = {"rows": {}, "ratios": [], "errors": []}
    for row in rows:
        runs = [r for r in by_row[row] if "error" not in r]
        summary["errors"] += [r for r in by_row[row] if "error" in r]
        if not runs:
            continue
        m = {k: median([r.get(k) for r in runs]) for k in METRICS}
        secs = runs[0]["seconds"]
        m["reps"] = len(runs)
        m["seconds"] = secs
        m["idle_n"] = runs[0]["idle_n"]
        m["cmd"] = runs[0]["cmd"]
        m["cps_errors"] = sum(r.get("cps_errors", 0) for r in runs)
        m["exits"] = sorted({r["exit"] for r in runs})
        m["idle_ok"] = all(r.get("idle_ok") is not False for r in runs)
        # CPU as cores busy over each measurement, and per unit of work.
        for k in ("fwd", "rev", "cps"):
            c = m[f"cpu_{k}_s"]
            m[f"cpu_{k}_cores"] = None if c is None else c / secs
        for k in ("fwd", "rev"):
            c, g = m[f"cpu_{k}_s"], m[f"{k}_gbps"]
            m[f"cpu_s_per_gb_{k}"] = (None if c is None or not g
                                      else c / (g * secs / 8))
        # RSS figures from the reps whose idle connections all opened, the
        # growth per connection taken within each rep.
        held = [r for r in runs if r.get("idle_ok") and r.get("rss_idle_kib") is not None
                and r.get("rss_base_kib") is not None and r["idle_n"]]
        m["rss_reps"] = len(held)
        if held:
            m["rss_base_kib"] = median([r["rss_base_kib"] for r in held])
            m["rss_idle_kib"] = median([r["rss_idle_kib"] for r in held])
        m["kib_per_idle_conn"] = median(
            [(r["rss_idle_kib"] - r["rss_base_kib"]) / r["idle_n"] for r in held])
        summary["rows"][row] = m

    if not summary["rows"]:
        print("tun2socks_summary.py: no row produced a measurement", file=sys.stderr)
        return 1

    R = summary["rows"]
    print("| row | fwd Gbit/s | rev Gbit/s | conn/s | conn p50 ms | CPU cores fwd / rev / cps "
          "| CPU s per GB fwd / rev | RSS MiB base / idle | KiB per idle conn |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        if row not in R:
            continue
        m = R[row]
        mib = lambda k: None if m[k] is None else m[k] / 1024
        print(f"| {row} | {fmt(m['fwd_gbps'])} | {fmt(m['rev_gbps'])} | {fmt(m['cps'])} "
              f"| {fmt(m['cps_p50_ms'])} "
              f"| {fmt(m['cpu_fwd_cores'])} / {fmt(m['cpu_rev_cores'])} / {fmt(m['cpu_cps_cores'])} "
              f"| {fmt(m['cpu_s_per_gb_fwd'])} / {fmt(m['cpu_s_per_gb_rev'])} "
              f"| {fmt(mib('rss_base_kib'), 1)} / {fmt(mib('rss_idle_kib'), 1)} "
              f"| {fmt(m['kib_per_idle_conn'], 1)} |")
    print()
    print("| ratio | fwd | rev | conn/s | target |")
    print("|---|---:|---:|---:|---|")
    for name, num, den, targets in RATIOS:
        if num not in R or den not in R:
            continue
        cells, entry = [], {"name": name, "num": num, "den": den}
        for k in ("fwd_gbps", "rev_gbps", "cps"):
            a, b = R[num][k], R[den][k]
            v = a / b if a is not None and b else None
            entry[k] = v
            t = targets.get(k)
            mark = "" if v is None or t is None else (" ✓" if v >= t else " ✗")
            cells.append(fmt(v) + mark)
        shown = [f"{k.split('_')[0]} ≥ {t}" for k, t in targets.items() if t is not None]
        entry["targets"] = targets
        summary["ratios"].append(entry)
        print(f"| {name} | {' | '.join(cells)} | {', '.join(shown) or '–'} |")
    print()
    for row in rows:
        if row in R:
            m = R[row]
            print(f"- `{row}`: `{m['cmd'] or 'kernel path over the veth, no TUN'}`; "
                  f"{m['reps']} reps, exits {m['exits']}, cps errors {m['cps_errors']}, "
                  f"idle connections {'ok' if m['idle_ok'] else 'FAILED in some reps'}"
                  f" (RSS from {m['rss_reps']} reps)")
    for e in summary["errors"]:
        print(f"- `{e['row']}` rep {e['rep']}: {e['error']}")
    if json_out:
        with open(json_out, "w") as f:
            json.dump(summary, f, indent=1)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
