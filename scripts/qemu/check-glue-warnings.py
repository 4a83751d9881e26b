#!/usr/bin/env python3
"""Recompiles sriovnic's QEMU glue with -Wall -Wextra -Werror (syntax only).

QEMU's own build compiles it with QEMU's warning set and without -Werror.
QEMU's headers are passed as system headers here, so only our files are
held to the stricter set."""
import json
import shlex
import subprocess
import sys

build_dir = sys.argv[1]
failed = False
checked = 0
with open(f"{build_dir}/compile_commands.json") as f:
    commands = json.load(f)
for entry in commands:
    if "/sriovnic/qemu/" not in entry["file"] or not entry["file"].endswith(".c"):
        continue
    args = shlex.split(entry["command"])
    cmd = []
    skip = False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg in ("-o", "-MQ", "-MF"):
            skip = True
            continue
        if arg in ("-MD", "-c"):
            continue
        if arg.startswith("-I") and "sriovnic" not in arg:
            cmd += ["-isystem", arg[2:]]
            continue
        cmd.append(arg)
    cmd += ["-fsyntax-only", "-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter"]
    result = subprocess.run(cmd, cwd=entry["directory"], capture_output=True, text=True)
    checked += 1
    if result.returncode:
        failed = True
        sys.stderr.write(result.stderr)
if not checked:
    sys.exit("no sriovnic glue sources in compile_commands.json")
sys.exit(1 if failed else 0)
