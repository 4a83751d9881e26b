# SPDX-License-Identifier: GPL-2.0-or-later
"""A small client for a QEMU process: QMP, the qtest protocol, and PCI
configuration and MMIO access through q35's ECAM window.

Only the Python standard library is used, so tests run with Debian's
/usr/bin/python3 and nothing else.
"""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time

QEMU = os.environ.get("SRIOVNIC_QEMU", "")

# q35: the MCH's PCIEXBAR register, and where we place the ECAM window.
MCH_PCIEXBAR = 0x60
ECAM_BASE = 0xB0000000


class QemuError(Exception):
    pass


class Machine:
    """One QEMU process. With qtest=True it runs the qtest accelerator and
    accepts qtest commands (memory and I/O port access, no guest CPU).
    `wrapper` is a command prefix QEMU is run under, e.g. NetNamespace.enter."""

    def __init__(self, args, qtest=True, name="vm", timeout=60, serial=False, wrapper=()):
        if not QEMU:
            raise QemuError("SRIOVNIC_QEMU is not set")
        self.name = name
        self.timeout = timeout
        self.dir = tempfile.mkdtemp(prefix=f"sriovnic-{name}-")
        self.qmp_path = os.path.join(self.dir, "qmp.sock")
        self.qtest_path = os.path.join(self.dir, "qtest.sock")
        self.log_path = os.path.join(self.dir, "qemu.log")
        self.events = []
        self._qtest = None
        self._qmp = None
        listen_qmp = self._listen(self.qmp_path)
        listen_qtest = self._listen(self.qtest_path) if qtest else None
        self.serial_path = os.path.join(self.dir, "serial.sock")
        listen_serial = self._listen(self.serial_path) if serial else None
        self.serial = None
        cmd = [*wrapper, QEMU, "-nodefaults", "-display", "none",
               "-qmp", f"unix:{self.qmp_path}"]
        if serial:
            cmd += ["-chardev", f"socket,id=serial0,path={self.serial_path}",
                    "-serial", "chardev:serial0"]
        if qtest:
            cmd += ["-machine", "accel=qtest", "-qtest", f"unix:{self.qtest_path}"]
        cmd += list(args)
        self.cmd = cmd
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                     stdout=self._log, stderr=subprocess.STDOUT)
        try:
            if qtest:
                self._qtest = self._accept(listen_qtest).makefile("rw", buffering=1)
            if serial:
                self.serial = self._accept(listen_serial)
            self._qmp_sock = self._accept(listen_qmp)
            self._qmp = self._qmp_sock.makefile("rw", buffering=1)
            self._qmp_read()  # greeting
            self.qmp("qmp_capabilities")
        except Exception:
            self.kill()
            raise

    # --- process -------------------------------------------------------
    def _listen(self, path):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(path)
        s.listen(1)
        s.settimeout(self.timeout)
        return s

    def _accept(self, listener):
        try:
            conn, _ = listener.accept()
        except socket.timeout:
            raise QemuError(f"{self.name}: QEMU did not connect: {self.log()}")
        finally:
            listener.close()
        conn.settimeout(self.timeout)
        return conn

    def log(self):
        self._log.flush()
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self._log.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def quit(self):
        try:
            self.qmp("quit")
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        self.kill()

    # --- QMP ----------------------------------------------------------
    def _qmp_read(self):
        line = self._qmp.readline()
        if not line:
            raise QemuError(f"{self.name}: QMP connection closed: {self.log()}")
        return json.loads(line)

    def qmp_raw(self, command, **arguments):
        msg = {"execute": command}
        if arguments:
            msg["arguments"] = arguments
        self._qmp.write(json.dumps(msg) + "\n")
        while True:
            resp = self._qmp_read()
            if "event" in resp:
                self.events.append(resp)
                continue
            return resp

    def qmp(self, command, **arguments):
        resp = self.qmp_raw(command, **arguments)
        if "error" in resp:
            raise QemuError(f"{command}: {resp['error']['desc']}")
        return resp["return"]

    def hmp(self, line):
        return self.qmp("human-monitor-command", **{"command-line": line})

    def migrate_to(self, dst, timeout=60):
        """Live-migrates this machine to `dst` (started with -incoming defer)
        over a unix socket; returns query-migrate's final answer."""
        uri = f"unix:{dst.dir}/migrate.sock"
        dst.qmp("migrate-incoming", uri=uri)
        self.qmp("migrate", uri=uri)
        return self.wait_migration(timeout)

    def wait_migration(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            info = self.qmp("query-migrate")
            status = info.get("status")
            if status == "completed":
                return info
            if status in ("failed", "cancelled"):
                raise QemuError(f"migration {status}: {info.get('error-desc')}")
            time.sleep(0.05)
        raise QemuError("migration did not complete in time")

    # --- qtest --------------------------------------------------------
    def qtest(self, line):
        self._qtest.write(line + "\n")
        while True:
            resp = self._qtest.readline()
            if not resp:
                raise QemuError(f"{self.name}: qtest connection closed: {self.log()}")
            resp = resp.strip()
            if resp.startswith("IRQ"):
                continue
            if not resp.startswith("OK"):
                raise QemuError(f"qtest '{line}': {resp}")
            return resp[3:]

    def read(self, addr, size):
        op = {1: "readb", 2: "readw", 4: "readl", 8: "readq"}[size]
        return int(self.qtest(f"{op} {addr:#x}"), 16)

    def write(self, addr, size, value):
        op = {1: "writeb", 2: "writew", 4: "writel", 8: "writeq"}[size]
        self.qtest(f"{op} {addr:#x} {value:#x}")

    def outl(self, port, value):
        self.qtest(f"outl {port:#x} {value:#x}")

    def inl(self, port):
        return int(self.qtest(f"inl {port:#x}"), 16)

    # --- PCI configuration space -------------------------------------
    def enable_ecam(self):
        """Program q35's PCIEXBAR as firmware would (256 buses at ECAM_BASE)."""
        def cf8(off):
            return 0x80000000 | (off & 0xFC)
        self.outl(0xCF8, cf8(MCH_PCIEXBAR + 4))
        self.outl(0xCFC, 0)
        self.outl(0xCF8, cf8(MCH_PCIEXBAR))
        self.outl(0xCFC, ECAM_BASE | 1)

    @staticmethod
    def ecam(bus, devfn, off):
        return ECAM_BASE + (bus << 20) + (devfn << 12) + off

    def cfg_read(self, bus, devfn, off, size=4):
        return self.read(self.ecam(bus, devfn, off), size)

    def cfg_write(self, bus, devfn, off, value, size=4):
        self.write(self.ecam(bus, devfn, off), size, value)


def find_ext_cap(m, bus, devfn, cap_id):
    off = 0x100
    seen = set()
    while off and off not in seen:
        seen.add(off)
        hdr = m.cfg_read(bus, devfn, off)
        if hdr & 0xFFFF == cap_id:
            return off
        off = (hdr >> 20) & 0xFFC
    return None


def find_cap(m, bus, devfn, cap_id):
    off = m.cfg_read(bus, devfn, 0x34, 1)
    seen = set()
    while off and off not in seen:
        seen.add(off)
        if m.cfg_read(bus, devfn, off, 1) == cap_id:
            return off
        off = m.cfg_read(bus, devfn, off + 1, 1)
    return None
