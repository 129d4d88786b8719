#!/usr/bin/env bash
# run_spin.sh: model-checks model/endpoint.pml with spin.
#
# Usage: run_spin.sh fixed|ring|prefix|bites|startfail_under_mu|ring_mutants <workdir>
#   fixed   every configuration of the fixed lifecycle must verify with 0
#           errors (no invalid end state, no assertion violated); prints the
#           state counts of each.
#   prefix  gVisor's pre-fix ordering (-DGVISOR_PREFIX) must deadlock: spin
#           must report an invalid end state and write a trail; prints the
#           blocked threads and the last steps of the trail.
#   bites   sanity check: with a stop-flag check removed from the loop (or
#           from the processor) spin must report the delivery assertion.
#   startfail_under_mu  the start failure as it was before issue 9 (the wait
#           for the started threads with mu_ held, -DSTART_FAIL_UNDER_MU)
#           with a callback that calls IsAttached: spin must report an
#           invalid end state (deadlock).
#   ring    the ring modes' configuration (-DRING=1) must verify with 0
#           errors, A4 included.
#   ring_mutants  the ring modes' mutants (-DRING=1): a ring Wait that
#           ignores the stop eventfd must deadlock (invalid end state); a
#           lent frame that holds no ring reference must violate A4 (the
#           ring freed while a packet still points into it).
# The verifier is generated, built and run in <workdir>/<config>/ (created;
# any previous content of those subdirectories is removed), never in the
# source tree. Exits 0 only when the expected outcome was seen.
set -euo pipefail

usage() {
  echo "usage: $0 fixed|ring|prefix|bites|startfail_under_mu|ring_mutants <workdir>" >&2
  exit 2
}
[[ $# -eq 2 ]] || usage
mode=$1
workdir=$2
case "$mode" in fixed | ring | prefix | bites | startfail_under_mu | ring_mutants) ;; *) usage ;; esac

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
model="$here/endpoint.pml"
[[ -f "$model" ]] || { echo "run_spin.sh: $model not found" >&2; exit 1; }

# --- tools ---------------------------------------------------------------
need_pkg() { # need_pkg <command> <debian package>
  command -v "$1" >/dev/null 2>&1 && return 0
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "run_spin.sh: $1 not found; installing the Debian package $2" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >&2
  fi
  command -v "$1" >/dev/null 2>&1 && return 0
  echo "run_spin.sh: $1 not found; install it (as root) with: apt-get update && apt-get install -y $2" >&2
  exit 1
}
need_pkg spin spin
CC=${CC:-}
if [[ -z "$CC" ]]; then
  if command -v gcc >/dev/null 2>&1; then CC=gcc; else need_pkg cc gcc; CC=cc; fi
fi

workdir=$(realpath -m "$workdir")
# Never into the source tree itself (a build directory inside it is fine).
root=$(dirname "$here")
for d in "$root"/model "$root"/src "$root"/include "$root"/tests "$root"/docs; do
  if [[ "$workdir" == "$root" || "$workdir/" == "$d"/* ]]; then
    echo "run_spin.sh: refusing to write pan files into the source tree ($workdir)" >&2
    exit 1
  fi
done
mkdir -p "$workdir"

# --- one verification ----------------------------------------------------
# run_pan <name> <pan run flags> <cc flags> <spin -D flags...>: leaves the
# verifier's output in $workdir/<name>/pan.out and its directory in $dir.
DEPTH=10000
dir=
run_pan() {
  local name=$1 runflags=$2 ccflags=$3
  shift 3
  dir="$workdir/$name"
  rm -rf "$dir"
  mkdir -p "$dir"
  cp "$model" "$dir/endpoint.pml"
  (cd "$dir" && spin "$@" -a endpoint.pml >spin.log 2>&1) || {
    echo "run_spin.sh: spin -a failed for $name:" >&2
    cat "$dir/spin.log" >&2
    exit 1
  }
  # shellcheck disable=SC2086  # the flag lists are split on purpose
  (cd "$dir" && "$CC" -O2 -w -DSAFETY -DMEMLIM=2048 $ccflags -o pan pan.c \
      >cc.log 2>&1) || {
    echo "run_spin.sh: compiling pan.c failed for $name:" >&2
    cat "$dir/cc.log" >&2
    exit 1
  }
  # shellcheck disable=SC2086
  (cd "$dir" && ./pan -m$DEPTH $runflags >pan.out 2>&1) || true
  if grep -q "max search depth too small" "$dir/pan.out"; then
    echo "run_spin.sh: $name: search depth $DEPTH too small" >&2
    exit 1
  fi
  if grep -q "out of memory" "$dir/pan.out"; then
    echo "run_spin.sh: $name: out of memory (limit 2048 MB)" >&2
    exit 1
  fi
  if ! grep -q "errors: " "$dir/pan.out"; then
    echo "run_spin.sh: $name: pan printed no result:" >&2
    tail -20 "$dir/pan.out" >&2
    exit 1
  fi
}

errors() { sed -n 's/.*errors: \([0-9][0-9]*\).*/\1/p' "$dir/pan.out" | head -1; }

# The configurations (docs/CONCURRENCY.md explains the bounds).
INLINE=(-DPROCESSORS=1 -DCYCLES=2 -DNPKT=2 -DBATCH=2 -DSEND_FDS=1
        -DCLOSE_FDS=2 -DCB_DETACH=1 -DDETACHER=2)
PROCESSORS=(-DPROCESSORS=2 -DCYCLES=1 -DNPKT=2 -DBATCH=2 -DQCAP=1
            -DSEND_FDS=1 -DCLOSE_FDS=2 -DCB_DETACH=1 -DDETACHER=1)
BATCHES=(-DPROCESSORS=2 -DCYCLES=1 -DNPKT=2 -DBATCH=2 -DQCAP=2
         -DSEND_FDS=1 -DCLOSE_FDS=2 -DCB_DETACH=1 -DDETACHER=0)
STARTFAIL=(-DPROCESSORS=1 -DCYCLES=2 -DNPKT=2 -DBATCH=2 -DSEND_FDS=1
           -DCLOSE_FDS=2 -DCB_DETACH=1 -DCB_QUERY=1 -DSTART_FAIL=1 -DDETACHER=1)
STARTFAIL_PROCESSORS=(-DPROCESSORS=2 -DCYCLES=1 -DNPKT=2 -DBATCH=2 -DQCAP=1
                      -DSEND_FDS=1 -DCLOSE_FDS=2 -DCB_DETACH=1 -DCB_QUERY=1
                      -DSTART_FAIL=1 -DDETACHER=0)
UNDER_MU=(-DSTART_FAIL_UNDER_MU -DPROCESSORS=1 -DCYCLES=1 -DNPKT=2 -DBATCH=2
          -DSEND_FDS=1 -DCLOSE_FDS=2 -DCB_DETACH=0 -DCB_QUERY=1 -DSTART_FAIL=1
          -DDETACHER=0)
# The ring modes (packet_mmap, io_uring): inline delivery, one ring slot
# per fd (so the ring runs dry), a stack that keeps packets past detach and
# destruction.
RING=(-DRING=1 -DRSLOTS=1 -DPROCESSORS=1 -DCYCLES=2 -DNPKT=2 -DBATCH=2
      -DSEND_FDS=1 -DCLOSE_FDS=2 -DCB_DETACH=1 -DDETACHER=1)
PREFIX=(-DGVISOR_PREFIX -DPROCESSORS=1 -DCYCLES=2 -DNPKT=2 -DBATCH=2
        -DSEND_FDS=1 -DCLOSE_FDS=2)

print_counts() {
  grep -E "State-vector|states, stored|states, matched|transitions \(|atomic steps|total actual memory|elapsed time" \
    "$dir/pan.out" | sed 's/^[[:space:]]*/    /'
}

verify_fixed() { # verify_fixed <name> <flags...>
  local name=$1
  shift
  run_pan "$name" "" "" "$@"
  local e
  e=$(errors)
  echo "== fixed/$name: spin $*"
  print_counts
  if [[ "$e" != 0 ]]; then
    echo "run_spin.sh: fixed/$name: spin found $e error(s):" >&2
    grep -E "^pan:" "$dir/pan.out" >&2 || true
    (cd "$dir" && spin -t -p "$@" endpoint.pml 2>&1 | tail -40) >&2 || true
    exit 1
  fi
  if grep -q "Search not completed" "$dir/pan.out"; then
    echo "run_spin.sh: fixed/$name: search not completed" >&2
    exit 1
  fi
}

# expect_bite <name> <flags...>: the broken model must violate A1.
expect_bite() {
  local name=$1
  shift
  run_pan "$name" "" "" "$@"
  local e
  e=$(errors)
  echo "== bites/$name: spin $*"
  grep -E "^pan:1:" "$dir/pan.out" | sed 's/^/    /' || true
  if [[ "$e" == 0 ]] || ! grep -q "assertion violated (dispatcher_alive" "$dir/pan.out"; then
    echo "run_spin.sh: bites/$name: the broken model passed: the model does not bite" >&2
    exit 1
  fi
  [[ -f "$dir/endpoint.pml.trail" ]] || {
    echo "run_spin.sh: bites/$name: no trail written" >&2
    exit 1
  }
}

# expect_ring_mutant <name> <switch> <pan output pattern> <message>: the
# ring configuration with -D<switch> must fail with that pan output.
expect_ring_mutant() {
  run_pan "$1" "" "" "${RING[@]}" "-D$2"
  local e
  e=$(errors)
  echo "== ring_mutants/$1: spin ${RING[*]} -D$2"
  grep -E "^pan:1:" "$dir/pan.out" | sed 's/^/    /' || true
  if [[ -z "$e" || "$e" == 0 ]] || ! grep -q "$3" "$dir/pan.out"; then
    echo "run_spin.sh: ring_mutants/$1: $4" >&2
    exit 1
  fi
}

case "$mode" in
fixed)
  verify_fixed inline "${INLINE[@]}"
  verify_fixed processors "${PROCESSORS[@]}"
  verify_fixed batches "${BATCHES[@]}"
  verify_fixed startfail "${STARTFAIL[@]}"
  verify_fixed startfail_processors "${STARTFAIL_PROCESSORS[@]}"
  echo "fixed: 0 errors in every configuration"
  ;;
ring)
  verify_fixed ring "${RING[@]}"
  echo "ring: 0 errors"
  ;;
bites)
  expect_bite loop "${INLINE[@]}" -DBREAK_LOOP_STOP_CHECK
  expect_bite processor "${BATCHES[@]}" -DBREAK_PROC_STOP_CHECK
  echo "bites: each broken model violates the delivery assertion"
  ;;
ring_mutants)
  expect_ring_mutant ring_wait_ignores_stop BREAK_RING_WAIT_STOP \
    "invalid end state" "a ring Wait without the stop eventfd passed; expected a deadlock"
  expect_ring_mutant ring_frame_without_ref BREAK_RING_REF \
    "assertion violated .*ring_freed" "a frame without a ring reference passed; expected the A4 assertion"
  echo "ring_mutants: each broken ring model is rejected"
  ;;
startfail_under_mu)
  run_pan startfail_under_mu "" "" "${UNDER_MU[@]}"
  e=$(errors)
  echo "== startfail_under_mu: spin ${UNDER_MU[*]}"
  if [[ -z "$e" || "$e" == 0 ]] || ! grep -q "invalid end state" "$dir/pan.out"; then
    echo "run_spin.sh: startfail_under_mu: no deadlock found; the wait under mu_ was expected to deadlock" >&2
    grep -E "^pan:" "$dir/pan.out" >&2 || true
    exit 1
  fi
  echo "deadlock: spin reports an invalid end state (errors: $e) for the wait under mu_"
  ;;
prefix)
  # -DREACH with -i: iterative search for the shortest trail.
  run_pan prefix "-i" "-DREACH" "${PREFIX[@]}"
  e=$(errors)
  echo "== prefix: spin ${PREFIX[*]}"
  if [[ -z "$e" || "$e" == 0 ]]; then
    echo "run_spin.sh: prefix: spin found no error; the pre-fix ordering was expected to deadlock" >&2
    print_counts >&2
    exit 1
  fi
  if ! grep -q "invalid end state" "$dir/pan.out"; then
    echo "run_spin.sh: prefix: spin found an error that is not a deadlock:" >&2
    grep -E "^pan:" "$dir/pan.out" >&2 || true
    exit 1
  fi
  [[ -f "$dir/endpoint.pml.trail" ]] || {
    echo "run_spin.sh: prefix: no trail written" >&2
    exit 1
  }
  (cd "$dir" && spin -t -p "${PREFIX[@]}" endpoint.pml >trail.txt 2>&1) || true
  steps=$(grep -E "^[[:space:]]*[0-9]+:[[:space:]]+proc" "$dir/trail.txt" | tail -1 |
    awk '{print $1}' | tr -d ':')
  echo "deadlock: spin reports an invalid end state (errors: $e); shortest trail: $steps steps"
  echo "blocked threads at the end of the trail ($dir/trail.txt):"
  # The trail ends with one line per process; those without an action and
  # not in a valid end state are the blocked ones.
  found_rlock=0
  while IFS= read -r line; do
    lineno=$(sed -n 's/.*endpoint\.pml:\([0-9][0-9]*\) .*/\1/p' <<<"$line")
    src=$(sed -n "${lineno}p" "$dir/endpoint.pml" | sed 's/^[[:space:]]*//')
    proc=$(sed -E 's/^[[:space:]]*[0-9]+:[[:space:]]+//; s/[[:space:]]+/ /g' <<<"$line")
    echo "    $proc  at: $src"
    if [[ "$src" == *"mu_.RLock()"* ]]; then found_rlock=1; fi
  done < <(grep -E "^[[:space:]]*[0-9]+:[[:space:]]+proc[[:space:]]+[0-9]+ .*\(state [0-9]+\)[[:space:]]*$" \
             "$dir/trail.txt" | grep -v ":init:")
  echo "last steps of the trail:"
  grep -E "^[[:space:]]*[0-9]+:[[:space:]]+proc[[:space:]]+[0-9]+ \(.*\[" "$dir/trail.txt" |
    grep -v ":init:" | tail -14 | sed 's/^[[:space:]]*/    /'
  if [[ $found_rlock != 1 ]]; then
    echo "run_spin.sh: prefix: the deadlock found is not the RLock-vs-Detach one" >&2
    exit 1
  fi
  ;;
esac
