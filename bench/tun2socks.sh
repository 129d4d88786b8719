#!/usr/bin/env bash
# tun2socks.sh: `fdlink tun2socks --direct` side by side with the kernel-only
# path and with a gVisor-netstack tun2socks, on the same namespaces, load
# tool and run.
#
# Topology (two private namespaces the script creates and deletes):
#   client ns: TUN t2s0 (made by the tun2socks under test), veth v-cli
#              198.18.1.1/24; 198.18.2.0/24 routed into t2s0, and packets
#              marked 0x1 routed by table 100 via 198.18.1.2 (the veth).
#   server ns: veth v-srv 198.18.1.2/24 and 198.18.2.1/32 on lo, with an
#              iperf3 server (port 5201) and a `t2sload serve` echo server
#              (port 7000).
# Rows: kernel (the client reaches 198.18.2.1 over the veth, no TUN: the
# ceiling), fdlink (offloads on), fdlink-nooffload (--no-offload),
# fdlink-pcap (capture on, into /dev/null), fdlink-pcap-filtered (capture
# on with a filter nothing matches: the sniffer's per-packet check without
# writing), gvisor (bench/peers/gvisor-tun2socks). Each rep runs every row
# once, rows in a rotated order.
#
# Per row and rep: iperf3 single stream client->server (fwd) and
# server->client (rev, -R) throughput; connections per second of short
# request/response connections (`t2sload cps`: connect, send --size bytes,
# read them back, close; --conc workers); the tun2socks process's CPU
# (utime+stime from /proc/PID/stat) over each of those; its RSS before and
# with --idle connections held open (`t2sload idle`).
#
# Usage: bench/tun2socks.sh [--reps 3] [--seconds 5] [--idle 1000]
#          [--conc 4] [--size 100] [--rows LIST] [--build-dir DIR]
#          [--no-build] [--fdlink PATH] [--raw FILE] [--json FILE]
#          [--profile DIR]
#   --rows LIST      comma-separated subset of the rows above
#   --build-dir DIR  the build directory holding (or to hold) the fdlink
#                    tool (default: the default preset's build/default)
#   --no-build       do not build fdlink (use the one in the build dir)
#   --fdlink PATH    use this fdlink binary (implies --no-build)
#   --raw FILE       keep every row's JSON line in FILE
#   --json FILE      write the summary (medians and ratios) as JSON to FILE
#   --profile DIR    afterwards, profile the fdlink and gvisor rows under
#                    iperf3 (perf record -e cpu-clock -g, one run per
#                    direction) and write perf reports into DIR (flat:
#                    ROW-DIR.txt; with call chains: ROW-DIR-callers.txt)
# Needs root (namespaces, TUN). Prints the table on stdout (Markdown).
set -euo pipefail

root_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
reps=3
seconds=5
idle_n=1000
conc=4
size=100
rows_arg="kernel,fdlink,fdlink-nooffload,fdlink-pcap,fdlink-pcap-filtered,gvisor"
build_dir=""
build=1
fdlink=""
raw_out=""
json_out=""
profile_dir=""

usage_error() {
  echo "tun2socks.sh: $1 (see --help)" >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case "$1" in
    --reps) reps="${2:-}"; shift 2 ;;
    --seconds) seconds="${2:-}"; shift 2 ;;
    --idle) idle_n="${2:-}"; shift 2 ;;
    --conc) conc="${2:-}"; shift 2 ;;
    --size) size="${2:-}"; shift 2 ;;
    --rows) rows_arg="${2:-}"; shift 2 ;;
    --build-dir) build_dir="${2:-}"; shift 2 ;;
    --no-build) build=0; shift ;;
    --fdlink) fdlink="${2:-}"; build=0; shift 2 ;;
    --raw) raw_out="${2:-}"; shift 2 ;;
    --json) json_out="${2:-}"; shift 2 ;;
    --profile) profile_dir="${2:-}"; shift 2 ;;
    -h|--help) sed -n '2,42p' "$0"; exit 0 ;;
    *) usage_error "unknown argument $1" ;;
  esac
done
[[ "$reps" =~ ^[1-9][0-9]*$ ]] || usage_error "--reps must be a positive integer"
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || usage_error "--seconds must be a whole number of seconds >= 1"
[[ "$idle_n" =~ ^[0-9]+$ ]] || usage_error "--idle must be a count (0 skips the RSS step)"
[[ "$conc" =~ ^[1-9][0-9]*$ ]] || usage_error "--conc must be a positive integer"
[[ "$size" =~ ^[1-9][0-9]*$ ]] || usage_error "--size must be a positive integer"
IFS=, read -r -a rows <<<"$rows_arg"
for r in "${rows[@]}"; do
  case "$r" in
    kernel|fdlink|fdlink-nooffload|fdlink-pcap|fdlink-pcap-filtered|gvisor) ;;
    *) usage_error "unknown row '$r'; use kernel, fdlink, fdlink-nooffload, fdlink-pcap, fdlink-pcap-filtered, gvisor" ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "tun2socks.sh: needs root (namespaces and a TUN device)" >&2; exit 1; }

# Packages: the build's own plus iperf3, Go, gVisor's packaged source and
# python3 for the summary.
"$root_dir/scripts/deps.sh" iperf3 golang-go golang-gvisor-gvisor-dev python3 iproute2 >&2

needs_fdlink=0
for r in "${rows[@]}"; do [[ "$r" == fdlink* ]] && needs_fdlink=1; done
if [ $needs_fdlink -eq 1 ] && [ -z "$fdlink" ]; then
  [ -n "$build_dir" ] || build_dir="$root_dir/build/default"
  if [ $build -eq 1 ]; then
    if [ "$build_dir" = "$root_dir/build/default" ]; then
      (cd "$root_dir" && cmake --preset default >/dev/null &&
        cmake --build --preset default --target fdlink_tool) >&2
    else
      (cmake -S "$root_dir" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null &&
        cmake --build "$build_dir" --target fdlink_tool) >&2
    fi
  fi
  fdlink="$build_dir/fdlink"
fi
if [ $needs_fdlink -eq 1 ]; then
  [ -x "$fdlink" ] || { echo "tun2socks.sh: no fdlink tool at $fdlink" >&2; exit 1; }
fi

work="$(mktemp -d)"
ns_cli="t2sb-cli-$$"
ns_srv="t2sb-srv-$$"
bg_pids=()
cleanup() {
  local p
  for p in "${bg_pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${bg_pids[@]}"; do wait "$p" 2>/dev/null || true; done
  ip netns del "$ns_cli" 2>/dev/null || true
  ip netns del "$ns_srv" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Go programs, GOPATH mode against Debian's packaged sources (offline).
gobuild() {
  (cd "$1" && GOPATH=/usr/share/gocode GO111MODULE=off GOFLAGS= GOPROXY=off \
    go build -o "$2" .) >&2
}
echo "building t2sload and the gVisor peer (gVisor $(dpkg-query -W -f='${Version}' golang-gvisor-gvisor-dev 2>/dev/null))" >&2
gobuild "$root_dir/bench/t2sload" "$work/t2sload"
for r in "${rows[@]}"; do
  if [ "$r" = gvisor ]; then gobuild "$root_dir/bench/peers/gvisor-tun2socks" "$work/gvisor_tun2socks"; fi
done

in_cli() { ip netns exec "$ns_cli" "$@"; }
in_srv() { ip netns exec "$ns_srv" "$@"; }

ip netns add "$ns_cli"
ip netns add "$ns_srv"
ip link add v-cli netns "$ns_cli" type veth peer name v-srv netns "$ns_srv"
in_cli ip link set lo up
in_cli ip addr add 198.18.1.1/24 dev v-cli
in_cli ip link set v-cli up
in_srv ip link set lo up
in_srv ip addr add 198.18.1.2/24 dev v-srv
in_srv ip addr add 198.18.2.1/32 dev lo
in_srv ip link set v-srv up
in_cli ip rule add fwmark 0x1 lookup 100
in_cli ip route add 198.18.2.0/24 via 198.18.1.2 dev v-cli table 100
# Short connections at thousands a second: reuse TIME_WAIT ports for new
# connects (the client's and the tun2socks' outbound ones) and widen the
# range; replies arrive on the TUN, so no reverse-path filter.
in_cli sysctl -qw net.ipv4.tcp_tw_reuse=1 "net.ipv4.ip_local_port_range=1024 65000" \
  net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
# Room for --idle connections on both sides of the tun2socks.
hard_nofile="$(ulimit -Hn)"
[ "$hard_nofile" = unlimited ] && hard_nofile=65536
[ "$hard_nofile" -gt 65536 ] && hard_nofile=65536
ulimit -n "$hard_nofile"
[ "$hard_nofile" -gt $((idle_n * 2 + 100)) ] ||
  { echo "tun2socks.sh: --idle $idle_n needs more open files than the hard limit $hard_nofile" >&2; exit 1; }

# Background processes run under `ip netns exec` directly (not through a
# function, which would fork a subshell), so $! is the program's own pid.
ip netns exec "$ns_srv" iperf3 -s -p 5201 >"$work/iperf3-server.log" 2>&1 &
bg_pids+=($!)
ip netns exec "$ns_srv" "$work/t2sload" serve --listen 0.0.0.0:7000 >"$work/serve.out" 2>&1 &
bg_pids+=($!)

# wait_for FILE PATTERN SECONDS PID: until FILE has a line matching PATTERN;
# fails when PID dies first or time runs out.
wait_for() {
  local i
  for i in $(seq 1 $(($3 * 20))); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    kill -0 "$4" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}
wait_for "$work/serve.out" ready 10 "${bg_pids[-1]}" || { echo "tun2socks.sh: echo server did not start" >&2; exit 1; }
for i in $(seq 1 100); do
  in_srv bash -c 'exec 3<>/dev/tcp/127.0.0.1/5201' 2>/dev/null && break
  sleep 0.05
done

clk_tck="$(getconf CLK_TCK)"
# cpu_s PID: utime+stime of PID in seconds (fields 14 and 15, after comm).
cpu_s() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || { echo 0; return; }
  stat="${stat##*) }"
  read -r -a f <<<"$stat"
  # f[0] is field 3 (state): utime is field 14 = f[11], stime f[12].
  python3 -c "print(($((f[11] + f[12])))/$clk_tck)"
}
rss_kib() {
  local v
  v="$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status" 2>/dev/null)"
  echo "${v:-null}"
}

row_cmd() {
  case "$1" in
    fdlink) echo "$fdlink tun2socks --tun t2s0 --direct --fwmark 1" ;;
    fdlink-nooffload) echo "$fdlink tun2socks --tun t2s0 --direct --fwmark 1 --no-offload" ;;
    fdlink-pcap) echo "$fdlink tun2socks --tun t2s0 --direct --fwmark 1 --pcap /dev/null" ;;
    fdlink-pcap-filtered) echo "$fdlink tun2socks --tun t2s0 --direct --fwmark 1 --pcap /dev/null --pcap-filter udp_port_9" ;;
    gvisor) echo "$work/gvisor_tun2socks --tun t2s0 --fwmark 1" ;;
    kernel) echo "" ;;
  esac
}

# shown_cmd ROW: the row's command as the tables print it.
shown_cmd() {
  local c
  c="$(row_cmd "$1")"
  c="${c//$work\//}"
  c="${c//$root_dir\//}"
  echo "${c//udp_port_9/\'udp port 9\'}"
}

# start_row ROW: starts the row's tun2socks in the client namespace (sets
# t2s_pid), waits for its ready line, brings the TUN up and routes the
# destinations into it; the kernel row routes them over the veth.
t2s_pid=0
start_row() {
  local cmd
  cmd="$(row_cmd "$1")"
  if [ -z "$cmd" ]; then
    t2s_pid=0
    in_cli ip route replace 198.18.2.0/24 via 198.18.1.2 dev v-cli
    return 0
  fi
  # The filter's spaces would not survive word splitting: written with _.
  local argv
  read -r -a argv <<<"$cmd"
  argv=("${argv[@]//udp_port_9/udp port 9}")
  : >"$work/t2s.out"
  ip netns exec "$ns_cli" "${argv[@]}" >"$work/t2s.out" 2>"$work/t2s.err" &
  t2s_pid=$!
  if ! wait_for "$work/t2s.out" ready 20 "$t2s_pid"; then
    echo "tun2socks.sh: $1 did not print ready:" >&2
    cat "$work/t2s.out" "$work/t2s.err" >&2
    kill -TERM "$t2s_pid" 2>/dev/null || true
    wait "$t2s_pid" 2>/dev/null || true
    return 1
  fi
  in_cli ip link set t2s0 up
  in_cli ip route replace 198.18.2.0/24 dev t2s0
}

# stop_row: SIGTERM, then the exit status into t2s_rc (124 when it took
# over 5 s). Not in a command substitution: only this shell can wait.
t2s_rc=0
stop_row() {
  t2s_rc=0
  [ "$t2s_pid" -ne 0 ] || return 0
  kill -TERM "$t2s_pid" 2>/dev/null || true
  local i
  for i in $(seq 1 100); do
    kill -0 "$t2s_pid" 2>/dev/null || break
    sleep 0.05
  done
  if kill -0 "$t2s_pid" 2>/dev/null; then
    kill -KILL "$t2s_pid" 2>/dev/null || true
    wait "$t2s_pid" 2>/dev/null || true
    t2s_rc=124
    return 0
  fi
  wait "$t2s_pid" 2>/dev/null || t2s_rc=$?
}

# iperf_gbps JSONFILE: received throughput of an iperf3 -J run.
iperf_gbps() {
  python3 -c 'import json,sys
try:
    d = json.load(open(sys.argv[1]))
    print(round(d["end"]["sum_received"]["bits_per_second"] / 1e9, 3))
except Exception:
    print(0)' "$1"
}

cpu_or_null() { [ "$t2s_pid" -ne 0 ] && cpu_s "$t2s_pid" || echo null; }
delta() { python3 -c "import sys; a,b=sys.argv[1:]; print('null' if 'null' in (a,b) else round(float(b)-float(a),3))" "$1" "$2"; }

raw="$work/raw.jsonl"
: >"$raw"
echo "date $(date -u +%Y-%m-%dT%H:%MZ); cpu $(lscpu | sed -n 's/^Model name: *//p' | head -1);" \
  "$(nproc) cpus; kernel $(uname -r); load $(cut -d' ' -f1-3 /proc/loadavg)" >&2

# run_row ROW REP: one row's measurements, one JSON line into $raw.
run_row() {
  local row="$1" rep="$2" fwd rev c0 c1 c2 c3 cps_json rss0=null rss1=null rc
  if ! start_row "$row"; then
    echo "{\"row\":\"$row\",\"rep\":$rep,\"error\":\"did not start\"}" >>"$raw"
    return
  fi
  c0="$(cpu_or_null)"
  in_cli iperf3 -c 198.18.2.1 -p 5201 -t "$seconds" -J >"$work/fwd.json" 2>&1 || true
  c1="$(cpu_or_null)"
  in_cli iperf3 -c 198.18.2.1 -p 5201 -t "$seconds" -R -J >"$work/rev.json" 2>&1 || true
  c2="$(cpu_or_null)"
  cps_json="$(in_cli "$work/t2sload" cps --dst 198.18.2.1:7000 --seconds "$seconds" \
    --conc "$conc" --size "$size" 2>"$work/cps.err")" || true
  [ -n "$cps_json" ] || cps_json='{"conns":0}'
  c3="$(cpu_or_null)"
  local idle_ok=null
  if [ "$idle_n" -gt 0 ]; then
    # fdlink's NAT keeps a closed flow's entry for 2 s (tcp_linger), and a
    # SYN that reuses such a 4-tuple (the client's TIME_WAIT ports, reused
    # under tcp_tw_reuse) is answered with RST: let the cps step's entries
    # expire first, so this step measures idle connections only.
    sleep 3
    [ "$t2s_pid" -ne 0 ] && rss0="$(rss_kib "$t2s_pid")"
    : >"$work/idle.out"
    ip netns exec "$ns_cli" "$work/t2sload" idle --dst 198.18.2.1:7000 --n "$idle_n" >"$work/idle.out" 2>"$work/idle.err" &
    local idle_pid=$!
    if wait_for "$work/idle.out" ready 60 "$idle_pid"; then
      idle_ok=true
      sleep 0.2
      [ "$t2s_pid" -ne 0 ] && rss1="$(rss_kib "$t2s_pid")"
    else
      idle_ok=false
      echo "  idle connections failed on $row: $(tail -1 "$work/idle.err")" >&2
    fi
    kill -TERM "$idle_pid" 2>/dev/null || true
    wait "$idle_pid" 2>/dev/null || true
  fi
  stop_row
  rc="$t2s_rc"
  local stopped=""
  [ "$t2s_pid" -ne 0 ] && stopped="$(tail -n 3 "$work/t2s.out" | tr '\n"\\' '   ')"
  python3 - "$row" "$rep" "$(iperf_gbps "$work/fwd.json")" "$(iperf_gbps "$work/rev.json")" \
    "$cps_json" "$(delta "$c0" "$c1")" "$(delta "$c1" "$c2")" "$(delta "$c2" "$c3")" \
    "$rss0" "$rss1" "$idle_n" "$idle_ok" "$rc" "$seconds" "$(shown_cmd "$row")" "$stopped" \
    >>"$raw" <<'EOF'
import json, sys
a = sys.argv[1:]
num = lambda s: None if s == "null" else float(s)
cps = json.loads(a[4])
print(json.dumps({
    "row": a[0], "rep": int(a[1]), "fwd_gbps": float(a[2]), "rev_gbps": float(a[3]),
    "cps": round(cps.get("cps", 0), 1), "cps_errors": cps.get("errors", 0),
    "cps_p50_ms": cps.get("p50_ms"), "cps_p99_ms": cps.get("p99_ms"),
    "cpu_fwd_s": num(a[5]), "cpu_rev_s": num(a[6]), "cpu_cps_s": num(a[7]),
    "rss_base_kib": num(a[8]), "rss_idle_kib": num(a[9]), "idle_n": int(a[10]),
    "idle_ok": None if a[11] == "null" else a[11] == "true", "exit": int(a[12]),
    "seconds": int(a[13]), "cmd": a[14], "stopped": a[15].strip(),
}))
EOF
  tail -n 1 "$raw" >&2
}

for rep in $(seq 1 "$reps"); do
  n=${#rows[@]}
  for k in $(seq 0 $((n - 1))); do
    row="${rows[$(((k + rep - 1) % n))]}"
    echo "rep $rep/$reps: $row (load $(cut -d' ' -f1 /proc/loadavg))" >&2
    run_row "$row" "$rep"
  done
done
echo "load after the run: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

if [ -n "$profile_dir" ]; then
  mkdir -p "$profile_dir"
  for row in "${rows[@]}"; do
    [ "$row" = fdlink ] || [ "$row" = gvisor ] || continue
    start_row "$row" || continue
    for dir in fwd rev; do
      flag=""
      [ "$dir" = rev ] && flag="-R"
      perf record -e cpu-clock -F 999 -g -p "$t2s_pid" -o "$work/perf.data" \
        -- sleep "$seconds" >/dev/null 2>&1 &
      perf_pid=$!
      in_cli iperf3 -c 198.18.2.1 -p 5201 -t "$seconds" $flag -J >"$work/prof.json" 2>&1 || true
      wait "$perf_pid" || true
      perf report -i "$work/perf.data" --stdio --no-children --percent-limit 0.5 \
        --sort dso,symbol -g none 2>/dev/null >"$profile_dir/$row-$dir.txt" || true
      perf report -i "$work/perf.data" --stdio --no-children --percent-limit 2 \
        --sort symbol -g caller,0.5,callee,function,percent 2>/dev/null \
        >"$profile_dir/$row-$dir-callers.txt" || true
      echo "profiled $row $dir at $(iperf_gbps "$work/prof.json") Gbit/s: $profile_dir/$row-$dir.txt" >&2
    done
    stop_row
  done
fi

[ -n "$raw_out" ] && cp "$raw" "$raw_out"
python3 "$root_dir/bench/tun2socks_summary.py" "$raw" ${json_out:+--json "$json_out"}
