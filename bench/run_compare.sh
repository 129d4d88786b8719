#!/usr/bin/env bash
# run_compare.sh: fdlink's receive path side by side with the system-call
# limit and with gVisor's fdbased endpoint, on the same fds and workload.
#
# It installs its Debian packages when run as root (otherwise prints the
# apt-get line), builds the fdlink tool and the Go peer (into a temporary
# directory), then for every case runs `fdlink bench` (limit + fdlink) and
# the gVisor peer alternately --reps times, and prints per case the medians
# and the ratios fdlink/limit and fdlink/gVisor.
#
# Usage: bench/run_compare.sh [--reps N] [--seconds S] [--kind K]...
#          [--mode M]... [--size N]... [--detach-cycles N]
#          [--build-dir DIR] [--no-build] [--raw FILE]
#   --build-dir DIR  build fdlink in DIR (RelWithDebInfo, g++) instead of the
#                    `default` preset's build/default
#   --no-build       use an fdlink already built in the build dir
#   --raw FILE       also keep every JSON line (with "rep") in FILE
set -euo pipefail

root_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
reps=3
seconds=1.0
detach_cycles=200
kinds=()
modes=()
sizes=()
build_dir=""
build=1
raw_out=""

while [ $# -gt 0 ]; do
  case "$1" in
    --reps) reps="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --kind) kinds+=("$2"); shift 2 ;;
    --mode) modes+=("$2"); shift 2 ;;
    --size) sizes+=("$2"); shift 2 ;;
    --detach-cycles) detach_cycles="$2"; shift 2 ;;
    --build-dir) build_dir="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    --raw) raw_out="$2"; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "run_compare.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

is_root=0
[ "$(id -u)" -eq 0 ] && is_root=1
[ ${#kinds[@]} -eq 0 ] && { kinds=(seqpacket dgram gro); [ $is_root -eq 1 ] && kinds+=(tun tun-offload tun-tx); }
[ ${#modes[@]} -eq 0 ] && modes=(readv recvmmsg)
[ ${#sizes[@]} -eq 0 ] && sizes=(64 1400)

# Packages: the build's own (scripts/deps.sh) plus Go, gVisor's packaged
# source (its -dev dependencies come along) and python3 for the summary.
"$root_dir/scripts/deps.sh" golang-go golang-gvisor-gvisor-dev python3

# fdlink tool.
if [ -z "$build_dir" ]; then
  build_dir="$root_dir/build/default"
  if [ $build -eq 1 ]; then
    (cd "$root_dir" && cmake --preset default >/dev/null &&
      cmake --build --preset default --target fdlink_tool)
  fi
elif [ $build -eq 1 ]; then
  cmake -S "$root_dir" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER=g++ >/dev/null
  cmake --build "$build_dir" --target fdlink_tool
fi
fdlink="$build_dir/fdlink"
[ -x "$fdlink" ] || { echo "run_compare.sh: no fdlink tool at $fdlink" >&2; exit 1; }

# The Go peer, built in GOPATH mode against Debian's gVisor source.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "building the gVisor peer (gVisor $(dpkg-query -W -f='${Version}' golang-gvisor-gvisor-dev))" >&2
(cd "$root_dir/bench/peers/gvisor" &&
  GOPATH=/usr/share/gocode GO111MODULE=off GOFLAGS= go build -o "$work/gvisor_peer" .)
peer="$work/gvisor_peer"

raw="$work/raw.jsonl"
: >"$raw"
echo "date $(date -u +%Y-%m-%dT%H:%MZ); cpu $(lscpu | sed -n 's/^Model name: *//p' | head -1);" \
  "$(nproc) cpus; kernel $(uname -r); load $(cut -d' ' -f1-3 /proc/loadavg)" >&2

# run_one IMPL KIND MODE SIZE REP: one invocation, its lines tagged with rep.
run_one() {
  local impl="$1" kind="$2" mode="$3" size="$4" rep="$5" out
  if [ "$impl" = fdlink ]; then
    # A failed case (a run with no packets) still prints its lines: keep them.
    out="$("$fdlink" bench --json --kind "$kind" --mode "$mode" --size "$size" \
      --seconds "$seconds" --detach-cycles "$detach_cycles")" ||
      echo "  fdlink bench exited $? on $kind/$mode/$size" >&2
  else
    out="$("$peer" --kind "$kind" --mode "$mode" --size "$size" \
      --seconds "$seconds" --detach-cycles "$detach_cycles")"
  fi
  # Each line also says the 1-minute load average when its invocation ended.
  out="$(printf '%s\n' "$out" | sed "s/}\$/,\"load1\":$(cut -d' ' -f1 /proc/loadavg)}/")"
  printf '%s\n' "$out" | sed "s/}\$/,\"rep\":$rep}/" >>"$raw"
}

for kind in "${kinds[@]}"; do
  for mode in "${modes[@]}"; do
    if [ "$kind" != seqpacket ] && [ "$kind" != dgram ] && [ "$kind" != gro ] &&
      [ "$mode" = recvmmsg ]; then
      continue  # A TUN fd is not a socket: both endpoints read it with readv.
    fi
    if [ "$kind" = gro ] && [ "$mode" = readv ]; then
      continue  # GRO merges within one recvmmsg batch.
    fi
    for size in "${sizes[@]}"; do
      for rep in $(seq 1 "$reps"); do
        echo "  $kind/$mode/$size rep $rep/$reps (load $(cut -d' ' -f1 /proc/loadavg))" >&2
        # gVisor of 2022-12 has no TUN offloads: those kinds are fdlink's
        # alone (limit and fdlink with and without offload, in one run).
        if [ "$kind" = tun-offload ] || [ "$kind" = tun-tx ] || [ "$kind" = gro ]; then
          run_one fdlink "$kind" "$mode" "$size" "$rep"
          continue
        fi
        # Alternate which goes first so drift favours neither.
        if [ $((rep % 2)) -eq 1 ]; then
          run_one fdlink "$kind" "$mode" "$size" "$rep"
          run_one gvisor "$kind" "$mode" "$size" "$rep"
        else
          run_one gvisor "$kind" "$mode" "$size" "$rep"
          run_one fdlink "$kind" "$mode" "$size" "$rep"
        fi
      done
    done
  done
done
echo "load after the run: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
[ -n "$raw_out" ] && cp "$raw" "$raw_out"

python3 - "$raw" <<'EOF'
import json, statistics, sys
from collections import defaultdict

rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip().startswith("{")]
tp, det = defaultdict(list), defaultdict(list)
cases = []
for r in rows:
    case = (r["kind"], r["mode"], r["size"])
    if case not in cases:
        cases.append(case)
    key = case + (r["impl"], r["processors"], r.get("offload", "none"),
                  r.get("delivery", "none"))
    # delivery already says "+gro" for GRO rows.
    tp[key].append(r)
    if "detach_p50_us" in r:
        det[key].append(r)

def med(xs, f):
    vals = [f(x) for x in xs if f(x) is not None]
    return statistics.median(vals) if vals else float("nan")

def fmt1(v):
    return "" if v != v else f"{v:.1f}"

def fmt_allocs(v):
    return "-" if v != v else f"{v:.3f}"

def by_rep(key):
    return {r["rep"]: r["pps"] for r in tp.get(key, [])}

def base(case, impl):
    # The no-offload row of `impl` with one processor.
    return case + (impl, 1, "none", "wire" if impl in ("fdlink", "gvisor") else "none")

def paired(num_key, den_key):
    # Median over reps of the ratio within each rep (runs next to each other).
    num, den = by_rep(num_key), by_rep(den_key)
    rs = [num[k] / den[k] for k in num if k in den and den[k] > 0]
    return statistics.median(rs) if rs else None

print("\n## Throughput (medians over reps; ratios are medians of each rep's own ratio)\n")
print("Mpkt/s counts wire packets (a super-packet as its segments); seg/read is")
print("wire packets per frame read; bound is the most frequent bottleneck over reps;")
print("load is the median 1-minute load average at the end of each invocation.\n")
print("| kind | mode | size | impl | delivery | offload | proc | Mpkt/s | Gbit/s | payload Gbit/s | seg/read | GRO ratio | CPU s/Mpkt | CPU share | allocs/pkt | lost % | bound | x limit | x no offload (tun-tx: x write()) | x gVisor | load |")
print("|---|---|---:|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|")
order = {"limit": 0, "write": 0, "fdlink": 1, "gvisor": 2}
for case in cases:
    keys = sorted((k for k in tp if k[:3] == case),
                  key=lambda k: (k[5] == "none", order[k[3]], k[6], k[4]))
    for k in keys:
        rs = tp[k]
        pps = med(rs, lambda r: r["pps"])
        lost = med(rs, lambda r: r.get("lost_pct", 100.0 * (r["sent"] - r["received"]) / r["sent"] if r["sent"] else 0.0))
        bounds = [r.get("bottleneck", "?") for r in rs]
        bound = max(set(bounds), key=bounds.count)
        xl = xg = xn = ""
        if k[3] == "fdlink":
            v = med(rs, lambda r: r.get('ratio_to_limit'))
            xl = f"{v:.2f}" if v == v else ""
            v = med(rs, lambda r: r.get("ratio_to_no_offload", r.get("ratio_to_per_packet_writes")))
            xn = f"{v:.2f}" if v == v else ""
        if k[3] == "gvisor":
            v = paired(k, base(case, "limit"))
            xl = f"{v:.2f}" if v is not None else ""
        if k[3] == "fdlink" and k[5] == "none":
            v = paired(k, base(case, "gvisor"))
            xg = f"{v:.2f}" if v is not None else ""
        print(f"| {k[0]} | {k[1]} | {k[2]} | {k[3]} | {k[6]} | {k[5]} | {k[4]} | {pps / 1e6:.3f} | "
              f"{med(rs, lambda r: r['gbps']):.2f} | {med(rs, lambda r: r.get('payload_gbps')):.2f} | "
              f"{med(rs, lambda r: r.get('gso_segments_per_read')):.1f} | "
              f"{fmt1(med(rs, lambda r: r.get('gro_ratio') or None))} | "
              f"{med(rs, lambda r: r['cpu_s_per_mpkt']):.2f} | "
              f"{med(rs, lambda r: r.get('rx_cpu_share')):.2f} | "
              f"{fmt_allocs(med(rs, lambda r: r['allocs_per_pkt']))} | {lost:.1f} | {bound} | {xl} | {xn} | {xg} | "
              f"{med(rs, lambda r: r.get('load1')):.1f} |")

print("\n## Detach latency under flood (median over reps of each rep's p50/p99; max of maxima)\n")
print("Last delivery: how long after Attach(nullptr)/Attach(nil) was called the dispatcher still got a packet.\n")
print("| kind | mode | size | impl | proc | samples | p50 us | p99 us | max us | last delivery p99 us | last delivery max us |")
print("|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|")
for case in cases:
    for k in sorted((k for k in det if k[:3] == case), key=lambda k: (k[3], k[4], k[5], k[6])):
        rs = det[k]
        print(f"| {k[0]} | {k[1]} | {k[2]} | {k[3]} | {k[4]} | {sum(r['detach_cycles'] for r in rs)} | "
              f"{med(rs, lambda r: r['detach_p50_us']):.0f} | {med(rs, lambda r: r['detach_p99_us']):.0f} | "
              f"{max(r['detach_max_us'] for r in rs):.0f} | "
              f"{med(rs, lambda r: r.get('last_delivery_p99_us')):.0f} | "
              f"{max(r.get('last_delivery_max_us', float('nan')) for r in rs):.0f} |")
EOF
