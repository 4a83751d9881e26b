# SPDX-License-Identifier: GPL-2.0-or-later
"""A private network namespace on the host for one test, so that tap devices
and addresses a test creates never touch the host's own network."""
import os
import subprocess


class NetnsError(Exception):
    pass


class NetNamespace:
    """A fresh network namespace, held open by a small process that exits
    when close() is called or when the test process goes away (its stdin is
    a pipe from us). Whatever was created inside dies with the namespace once
    the holder and every process started with `enter` have exited.

    As root a plain network namespace is used; otherwise also a user
    namespace with the caller mapped to root, which gives the capabilities
    ip(8) needs inside it."""

    def __init__(self):
        unshare = ["unshare", "--net"]
        nsenter = ["--net"]
        if os.geteuid() != 0:
            unshare = ["unshare", "--user", "--map-root-user", "--net"]
            nsenter = ["--user", "--net"]
        self.holder = subprocess.Popen(
            [*unshare, "sh", "-c", "echo ready && exec cat >/dev/null"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if self.holder.stdout.readline() != b"ready\n":
            self.holder.kill()
            _, err = self.holder.communicate()
            raise NetnsError(f"{' '.join(unshare)} failed: {err.decode(errors='replace')}")
        pid = self.holder.pid
        if os.readlink(f"/proc/{pid}/ns/net") == os.readlink("/proc/self/ns/net"):
            self.close()
            raise NetnsError("the holder process is still in the host's network namespace")
        # Prefix for a command that should run inside the namespace.
        self.enter = ["nsenter", f"--target={pid}", *nsenter]

    def run(self, *args, timeout=60):
        """Runs a command inside the namespace; returns its stdout."""
        proc = subprocess.run([*self.enter, *args], capture_output=True, text=True,
                              timeout=timeout)
        if proc.returncode != 0:
            raise NetnsError(f"{' '.join(args)} exited {proc.returncode}: {proc.stderr}")
        return proc.stdout

    def popen(self, *args, **kwargs):
        return subprocess.Popen([*self.enter, *args], **kwargs)

    def close(self):
        if self.holder.poll() is None:
            self.holder.stdin.close()
            try:
                self.holder.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.holder.kill()
        self.holder.wait()
        self.holder.stdout.close()
        self.holder.stderr.close()
