#!/usr/bin/env python3
"""check_torture_mode.py TOOL MODE SECONDS: runs `TOOL torture --mode MODE
--seconds SECONDS --json` and checks its result: exit 0, one JSON object on
the last line with "ok": true, packets delivered, and the mode in effect:
MODE itself with no fallback reason, or (io_uring only) readv with an
"io_uring: ..." reason (the kernel or the build lacks the mode; the reason
is printed). packet_mmap runs on the torture's veth link.
Exit 0 when all hold; 1 with one line per problem otherwise."""
import json
import subprocess
import sys


def main():
    tool, mode, seconds = sys.argv[1:4]
    cmd = [tool, "torture", "--mode", mode, "--seconds", seconds, "--json"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    sys.stderr.write(p.stderr)
    problems = []
    if p.returncode != 0:
        problems.append(f"exit {p.returncode}")
    lines = p.stdout.strip().splitlines()
    try:
        j = json.loads(lines[-1])
    except (IndexError, ValueError) as e:
        print(f"no JSON result ({e}): {p.stdout!r}")
        return 1
    print(json.dumps(j))
    if j.get("ok") is not True:
        problems.append(f"ok is {j.get('ok')}")
    if j.get("mode") != mode:
        problems.append(f"mode {j.get('mode')} != {mode}")
    if not j.get("packets", 0) > 0:
        problems.append("no packet delivered")
    want_link = "veth" if mode == "packet_mmap" else "socketpair"
    if j.get("link") != want_link:
        problems.append(f"link {j.get('link')} != {want_link}")
    used, why = j.get("mode_in_use"), j.get("mode_fallback")
    if used == mode and why == "":
        pass
    elif mode == "io_uring" and used == "readv" and why.startswith("io_uring:"):
        print(f"io_uring fell back to readv: {why}")
    else:
        problems.append(f"mode in use {used} (fallback '{why}'), not {mode}")
    for q in problems:
        print(f"check_torture_mode: {q}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
