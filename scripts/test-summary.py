#!/usr/bin/env python3
"""Counts individual test cases across meson test logs (GoogleTest and Python
unittest output) and prints one summary line per suite and a total."""
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
    per_suite = {}
    bad = False
    for arg in sys.argv[1:]:
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
    total_p = sum(p for p, _ in per_suite.values())
    total_f = sum(f for _, f in per_suite.values())
    print()
    for suite, (p, f) in sorted(per_suite.items()):
        print(f"  {suite:12s} {p} passed, {f} failed")
    print(f"{total_p} passed, {total_f} failed")
    return 1 if (total_f or bad or not total_p) else 0


if __name__ == "__main__":
    sys.exit(main())
