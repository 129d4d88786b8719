#!/usr/bin/env python3
"""check_model_tie.py ROOT: ties model/endpoint.pml to the endpoint's code.

The code marks each lifecycle step with a trailing comment
"// model: <function>.<step>" (src/link/fdbased/endpoint.cc); the model
names the statement that models it with "code: <function>.<step>" in a
comment. This check fails when
  - the two lists, per function and in order, differ (a step added,
    removed or reordered on one side only);
  - a marker sits on a code line that does not do its step (the lock line
    must take mu_, a wait line must call WaitForThreads, ...), or a model
    comment on a statement that does not model it;
  - a wait or join is not after the end of the scope that holds mu_ (the
    "unlock" marker's closing brace must end the "lock" marker's scope, and
    every wait after it must be outside that scope).
So reordering lock, stop and wait in src/ without changing the model fails.
Exit 0 when tied; 1 with one line per problem otherwise.
"""
import re
import sys

CODE_FILES = [
    "src/link/fdbased/endpoint.cc",
    "src/link/fdbased/packet_mmap_reader.cc",
    "src/link/fdbased/packet_ring.cc",
    "src/link/fdbased/uring_rx.cc",
]
MODEL_FILE = "model/endpoint.pml"

# What a marked code line must contain, by step.
CODE_STEP = {
    "lock": r"MutexLock l\(&mu_\)",
    "unlock": r"^\s*}\s*//",
    "retire": r"RetireLocked\(",
    "start": r"->Start\(\)",
    "wait": r"WaitForThreads\((?!.*join)",
    "join": r"WaitForThreads\(.*join=\*/true",
    "reap": r"\bReap\(\);",
    "fail_reap": r"\bReap\(\);",
    "detach": r"\bDetach\(\);",
    "close": r"\bClose\(\);",
    # The ring modes (RING=1): a ring reader's Wait polls the stop eventfd
    # too; a lent frame takes a ring reference, its release drops it, the
    # last one frees the ring.
    "poll": r"(PollTwo|QueuePoll)\([^;]*\bstop_fd\b",
    "ref": r"\bRef\(\);",
    "unref": r"\bUnref\(\);",
    "free": r"\bdelete this;",
}
# What the modelling statement (its line) must contain, by step.
MODEL_STEP = {
    "lock": r"MU_FREE|mu_w = true|reap_body",
    "unlock": r"mu_w = false|reap_body",
    "retire": r"SIGNAL_STOP",
    "start": r"start_threads",
    "wait": r"IDLE_OTHER",
    "join": r"reaped\[",
    "reap": r"reap_body",
    "fail_reap": r"reap_body",
    "detach": r"detach_other",
    "close": r"detach_other",
    "poll": r"RING_WAIT_WAKES",
    "ref": r"ring_refs\[",
    "unref": r"ring_unref\(",
    "free": r"ring_freed\[[a-z]+\] = true",
}

MARK = re.compile(r"//\s*model:\s*([a-z_]+)\.([a-z_]+)")
MODEL_MARK = re.compile(r"code:\s*([a-z_]+)\.([a-z_]+)")


def strip(line):
    """The line without comments and string or char literals."""
    line = re.sub(r'"(\\.|[^"\\])*"', '""', line)
    line = re.sub(r"'(\\.|[^'\\])*'", "''", line)
    return line.split("//", 1)[0]


def code_markers(root, problems):
    out = []  # (function, step, file, line number, depth before, after)
    for rel in CODE_FILES:
        depth = 0
        with open(f"{root}/{rel}") as f:
            for n, line in enumerate(f, 1):
                before = depth
                s = strip(line)
                depth += s.count("{") - s.count("}")
                for fn, step in MARK.findall(line):
                    out.append((fn, step, rel, n, before, depth))
                    pat = CODE_STEP.get(step)
                    if pat is None:
                        problems.append(f"{rel}:{n}: unknown step '{step}'")
                    elif not re.search(pat, line):
                        problems.append(
                            f"{rel}:{n}: marker {fn}.{step} is on a line that "
                            f"does not do it (expected /{pat}/): "
                            f"{line.strip()}")
    return out


def model_markers(root, problems):
    out = []
    with open(f"{root}/{MODEL_FILE}") as f:
        for n, line in enumerate(f, 1):
            for fn, step in MODEL_MARK.findall(line):
                out.append((fn, step))
                pat = MODEL_STEP.get(step)
                if pat is None or not re.search(pat, line):
                    problems.append(
                        f"{MODEL_FILE}:{n}: 'code: {fn}.{step}' is not on a "
                        f"statement that models it: {line.strip()}")
    return out


def check_scopes(markers, problems):
    """Per function: the unlock brace ends the lock scope; waits after it."""
    by_fn = {}
    for m in markers:
        by_fn.setdefault(m[0], []).append(m)
    for fn, ms in by_fn.items():
        lock = next((m for m in ms if m[1] == "lock"), None)
        if lock is None:
            continue
        lock_depth = lock[4]  # Depth of the scope the MutexLock lives in.
        unlock = next((m for m in ms if m[1] == "unlock"), None)
        if unlock is not None and not unlock[5] < lock_depth:
            problems.append(
                f"{unlock[2]}:{unlock[3]}: {fn}.unlock does not close the "
                f"scope that {fn}.lock (line {lock[3]}) holds mu_ in")
        for m in ms:
            if m[1] in ("wait", "join") and m[3] > lock[3]:
                if m[4] >= lock_depth:
                    problems.append(
                        f"{m[2]}:{m[3]}: {fn}.{m[1]} waits inside the scope "
                        f"that holds mu_ (taken at line {lock[3]})")
                if unlock is not None and m[3] < unlock[3]:
                    problems.append(
                        f"{m[2]}:{m[3]}: {fn}.{m[1]} comes before "
                        f"{fn}.unlock (line {unlock[3]})")


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    problems = []
    code = code_markers(root, problems)
    model = model_markers(root, problems)
    check_scopes(code, problems)
    seq = lambda ms: {fn: [s for f, s, *_ in ms if f == fn]
                      for fn in dict.fromkeys(m[0] for m in ms)}
    c, m = seq(code), seq(model)
    for fn in sorted(set(c) | set(m)):
        if c.get(fn) != m.get(fn):
            problems.append(
                f"{fn}: code steps {c.get(fn, [])} != model steps "
                f"{m.get(fn, [])}")
    if not code or not model:
        problems.append("no markers found")
    for p in problems:
        print(p)
    if problems:
        print(f"check_model_tie: {len(problems)} problem(s)")
        return 1
    print(f"check_model_tie: {len(code)} code steps in {len(c)} functions "
          f"match the model")
    return 0


if __name__ == "__main__":
    sys.exit(main())
