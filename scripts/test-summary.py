#!/usr/bin/env python3
"""Counts individual test cases across meson test logs (GoogleTest and Python
unittest output) and prints one summary line per suite and a total.

Usage: test-summary.py LOG[:LABEL]... [--step NAME=ok|failed]...
A --step is a step of the test run that is not a meson test (a build): it
counts as one case, and a failed one is named in the total line."""
import argparse
import json
import re
import sys


def cases(entry):
    """(passed, failed) test cases in one meson test's output."""
    out = (entry.get("stdout") or "") + (entry.get("stderr") or "")
    ok = entry.get("result") == "OK"
    m = re.search(r"\[==========\] (\d+) tests? from .* ran", out)
    if m:
        total = int(m.group(1))
        failed = len(re.findall(r"^\[  FAILED  \] \S+\.\S+", out, re.M)) // 2 if not ok else 0
        return total - failed, failed
    m = re.search(r"^Ran (\d+) tests?", out, re.M)
    if m:
        total = int(m.group(1))
        fm = re.search(r"FAILED \(([^)]*)\)", out)
        failed = sum(int(n) for n in re.findall(r"=(\d+)", fm.group(1))) if fm else 0
        skipped = re.search(r"skipped=(\d+)", out)
        return total - failed - (int(skipped.group(1)) if skipped else 0), failed
    return (1, 0) if ok else (0, 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("logs", nargs="*", metavar="LOG[:LABEL]")
    ap.add_argument("--step", action="append", default=[], metavar="NAME=ok|failed")
    args = ap.parse_args()
    per_suite = {}
    bad = False
    for arg in args.logs:
        path, _, prefix = arg.partition(":")
        try:
            lines = open(path).read().splitlines()
        except OSError as e:
            print(f"cannot read {path}: {e}")
            bad = True
            continue
        for line in lines:
            entry = json.loads(line)
            # meson names a test "project:suite / name"; a label overrides it
            suite = prefix or entry["name"].split(" / ")[0].split(":")[-1]
            passed, failed = cases(entry)
            p, f = per_suite.get(suite, (0, 0))
            per_suite[suite] = (p + passed, f + failed)
    steps = []
    for arg in args.step:
        name, _, result = arg.rpartition("=")
        if not name or result not in ("ok", "failed"):
            ap.error(f"--step {arg}: want NAME=ok or NAME=failed")
        steps.append((name, result == "ok"))
    total_p = sum(p for p, _ in per_suite.values()) + sum(ok for _, ok in steps)
    total_f = sum(f for _, f in per_suite.values()) + sum(not ok for _, ok in steps)
    print()
    for suite, (p, f) in sorted(per_suite.items()):
        print(f"  {suite:12s} {p} passed, {f} failed")
    for name, ok in steps:
        print(f"  {name}: {'ok' if ok else 'FAILED'}")
    failed_steps = [name for name, ok in steps if not ok]
    print(f"{total_p} passed, {total_f} failed"
          + "".join(f"; {name} FAILED (its error is shown above)" for name in failed_steps))
    return 1 if (total_f or bad or not total_p) else 0


if __name__ == "__main__":
    sys.exit(main())
