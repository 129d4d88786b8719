#!/usr/bin/env bash
# run_mutation.sh SRC_DIR BUILD_DIR MUTATION CHECK [ARG]
#
# Applies tests/mutation/MUTATION.patch to a scratch copy of SRC_DIR/src and
# SRC_DIR/include and asserts that CHECK rejects the mutated code. MUTATION
# "none" applies nothing and asserts that CHECK accepts the real code (the
# control: a check that rejects everything proves nothing).
#
# CHECK is one of
#   tsa            clang -fsyntax-only -Wthread-safety -Werror on each .cc
#                  the patch touches: must fail with "cannot call function
#                  'WaitForThreads' while mutex 'mu_' is held" (or the
#                  diagnostic in MUTATION.diag, when that file exists).
#   lockdep SCEN   builds lockdep_probe against the mutated .cc files and
#                  the rest of BUILD_DIR's libfdlink.a (only the touched
#                  files are compiled) and runs `lockdep_probe SCEN` under a
#                  60 s timeout: must exit 3 (lockdep report), not hang.
#   tests FILTER   relinks BUILD_DIR's fdlink_link_tests with the mutated
#                  objects and runs the tests matching FILTER (5 min
#                  limit): at least one must fail.
#   tie            runs model/check_model_tie.py on the scratch tree: must
#                  fail (the markers no longer describe the model's order).
# BUILD_DIR must be a configured and built lockdep build with clang (the
# asan preset: its compile_commands.json gives the flags).
set -euo pipefail
src=$(cd "$1" && pwd); build=$(cd "$2" && pwd); mutation=$3; check=$4
arg=${5:-}
here=$src/tests/mutation
work=$(mktemp -d /tmp/fdlink-mutation.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp -r "$src/src" "$src/include" "$work/"
mkdir -p "$work/model" "$work/tests"
cp "$src/model/"* "$work/model/"

touched=()
if [[ $mutation != none ]]; then
  patch -s -d "$work" -p1 <"$here/$mutation.patch"
  mapfile -t touched < <(sed -n 's#^+++ b/\([^[:space:]]*\).*#\1#p' \
    "$here/$mutation.patch")
else
  touched=(src/link/fdbased/endpoint.cc src/link/fdbased/attachment.cc
           src/lwip/netif_adapter.cc)
fi
expect_diag="cannot call function 'WaitForThreads' while mutex 'mu_' is held"
if [[ -f $here/$mutation.diag ]]; then expect_diag=$(cat "$here/$mutation.diag"); fi
lwip_cflags=$(pkg-config --cflags lwip)
cc_files=()
for f in "${touched[@]}"; do [[ $f == *.cc ]] && cc_files+=("$f"); done
# A header change needs every .cc of the library that includes it.
for f in "${touched[@]}"; do
  if [[ $f == src/*.h ]]; then
    inc=${f#src/}
    while read -r user; do
      rel=${user#"$work/"}
      [[ " ${cc_files[*]} " == *" $rel "* ]] || cc_files+=("$rel")
    done < <(grep -rl "#include \"$inc\"" "$work/src" --include=*.cc)
  fi
done

expect_reject() {  # expect_reject <rc of the check> <what>
  if [[ $mutation == none ]]; then
    [[ $1 -eq 0 ]] || { echo "FAIL: $2 rejects the real code"; exit 1; }
    echo "PASS: $2 accepts the real code"
  else
    [[ $1 -ne 0 ]] || { echo "FAIL: $2 accepted mutation $mutation"; exit 1; }
    echo "PASS: $2 rejects mutation $mutation"
  fi
}

# flags_for FILE: the asan build's compile flags for a library file, with
# the include paths pointed at the scratch tree and no -o/-c.
flags_for() {
  python3 - "$build/compile_commands.json" "$src" "$work" "$1" <<'PY'
import json, shlex, sys
db, src, work, rel = sys.argv[1:]
for e in json.load(open(db)):
    if e["file"] == f"{src}/{rel}":
        args = shlex.split(e["command"])[1:]
        out, skip = [], False
        for a in args:
            if skip: skip = False; continue
            if a in ("-o", "-c"): skip = True; continue
            out.append(a.replace(f"-I{src}/", f"-I{work}/"))
        print(" ".join(shlex.quote(a) for a in out))
        break
else:
    sys.exit(f"no compile command for {rel}")
PY
}

compile_objects() {  # compiles cc_files into $work/obj; prints nothing
  mkdir -p "$work/obj"
  for f in "${cc_files[@]}"; do
    flags=$(flags_for "$f")
    # The analysis is the tsa check's job; here the mutant must build.
    eval clang++ "$flags" -Wno-thread-safety -c "$work/$f" \
      -o "$work/obj/$(basename "$f").o"
  done
  cp "$build/libfdlink.a" "$work/libfdlink.a"
  for f in "${cc_files[@]}"; do ar d "$work/libfdlink.a" "$(basename "$f").o"; done
}

case $check in
  tsa)
    rc=0; out=""
    for f in "${cc_files[@]}"; do
      if ! o=$(clang++ -std=c++20 -fsyntax-only -Wall -Wextra -Wthread-safety \
                 -Werror -I"$work/include" -I"$work/src" $lwip_cflags \
                 "$work/$f" 2>&1); then
        rc=1; out+=$o$'\n'
      fi
    done
    if [[ $mutation != none ]]; then
      grep -qF "$expect_diag" \
        <<<"$out" || { echo "FAIL: not the expected diagnostic:"; echo "$out"; exit 1; }
      grep -m1 "error:" <<<"$out"
    fi
    expect_reject $rc "-Wthread-safety"
    ;;
  lockdep)
    compile_objects
    flags=$(flags_for src/link/fdbased/endpoint.cc)
    eval clang++ "$flags" -I"$src/tests" -c "$here/lockdep_probe.cc" \
      -o "$work/obj/lockdep_probe.o"
    clang++ -fsanitize=address,undefined -o "$work/lockdep_probe" \
      "$work/obj/"*.o "$work/libfdlink.a" "$build/tests/libfdlink_test_main.a" \
      "$work/libfdlink.a" -lmnl $(pkg-config --libs lwip liburing) -pthread
    set +e
    timeout 60 "$work/lockdep_probe" "$arg" 2>"$work/stderr"
    rc=$?
    set -e
    [[ $rc -ne 124 ]] || { echo "FAIL: lockdep_probe hung"; exit 1; }
    [[ $rc -eq 0 || $rc -eq 3 ]] || {
      echo "FAIL: lockdep_probe failed (exit $rc)"; cat "$work/stderr"; exit 1; }
    grep -A3 "lockdep report" "$work/stderr" | head -8 || true
    expect_reject $rc "lockdep"
    ;;
  tests)
    compile_objects
    cmd=$(ninja -C "$build" -t commands tests/fdlink_link_tests | tail -1)
    cmd=${cmd//libfdlink.a/$work/libfdlink.a}
    cmd=${cmd/-o tests\/fdlink_link_tests/-o $work/link_tests $work/obj/*.o}
    (cd "$build" && eval "$cmd")
    set +e
    timeout 300 "$work/link_tests" --gtest_filter="$arg" >"$work/out" 2>&1
    rc=$?
    set -e
    grep -E "^\[  FAILED  \]|: Failure$|WATCHDOG|ERROR: AddressSanitizer|^lockdep: " \
      "$work/out" | head -6 || true
    echo "last test started: $(grep -E '^\[ RUN' "$work/out" | tail -1)"
    [[ $rc -ne 124 ]] || echo "(the tests hung and were stopped)"
    expect_reject $rc "the endpoint tests"
    ;;
  tie)
    set +e
    python3 "$work/model/check_model_tie.py" "$work" >"$work/out" 2>&1
    rc=$?
    set -e
    tail -3 "$work/out"
    expect_reject $rc "the model tie check"
    ;;
  *) echo "unknown check $check"; exit 2 ;;
esac
