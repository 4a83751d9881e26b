# SPDX-License-Identifier: GPL-2.0-or-later
"""Boot a Debian kernel with the sriovnic test initramfs under TCG and run
shell commands in it over the serial port (see tests/guest/init)."""
import base64
import os
import re
import socket
import time

from qemu_machine import Machine, QemuError

GUEST_DIR = os.environ.get("SRIOVNIC_GUEST_DIR", "")


class GuestError(Exception):
    pass


class Guest:
    def __init__(self, devices, name="guest", mem="512M", extra=(), incoming=None,
                 boot_timeout=120, guest_dir=None, wrapper=()):
        guest_dir = guest_dir or GUEST_DIR
        if not guest_dir:
            raise GuestError("SRIOVNIC_GUEST_DIR is not set")
        args = ["-M", "q35", "-accel", "tcg", "-m", mem, "-smp", "1",
                "-kernel", os.path.join(guest_dir, "vmlinuz"),
                "-initrd", os.path.join(guest_dir, "initramfs.cpio"),
                "-append", "console=ttyS0 quiet loglevel=3 panic=-1",
                "-no-reboot", *devices, *extra]
        if incoming:
            args += ["-incoming", incoming]
        self.machine = Machine(args, qtest=False, name=name, serial=True,
                               wrapper=wrapper)
        self.name = name
        self.serial = self.machine.serial
        self.buf = b""
        self.console = []  # every line the guest printed, for failure reports
        if not incoming:
            try:
                self.expect(r"@@READY (\S+)", boot_timeout)
            except BaseException:
                self.machine.kill()  # the caller never gets an object to clean up
                raise

    @property
    def qmp(self):
        return self.machine.qmp

    def kill(self):
        self.machine.kill()

    def _readline(self, deadline):
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise GuestError(f"{self.name}: timed out; console so far:\n" +
                                 "\n".join(self.console[-40:]))
            self.serial.settimeout(left)
            try:
                chunk = self.serial.recv(65536)
            except socket.timeout:
                continue
            if not chunk:
                raise GuestError(f"{self.name}: serial closed; console:\n" +
                                 "\n".join(self.console[-40:]) + "\n" + self.machine.log())
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        text = line.decode(errors="replace").rstrip("\r")
        self.console.append(text)
        return text

    def expect(self, pattern, timeout):
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern)
        while True:
            m = rx.search(self._readline(deadline))
            if m:
                return m

    def run(self, script, timeout=60, check=True):
        """Run a shell snippet in the guest; returns (status, output)."""
        encoded = base64.b64encode(script.encode()).decode()
        self.serial.sendall(f'eval "$(echo {encoded} | base64 -d)"\n'.encode())
        deadline = time.monotonic() + timeout
        while self._readline(deadline) != "@@BEGIN":
            pass
        out = []
        while True:
            line = self._readline(deadline)
            m = re.fullmatch(r"@@END (\d+)", line)
            if m:
                status = int(m.group(1))
                break
            out.append(line)
        output = "\n".join(out)
        if check and status != 0:
            raise GuestError(f"{self.name}: '{script}' exited {status}:\n{output}")
        return status, output

    def sh(self, script, timeout=60):
        return self.run(script, timeout)[1]


__all__ = ["Guest", "GuestError", "QemuError"]
