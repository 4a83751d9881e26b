# SPDX-License-Identifier: GPL-2.0-or-later
"""A QEMU process for the tests: QMP, the qtest protocol, and PCI
configuration and MMIO access through q35's ECAM window.

Process management, QMP and the qtest protocol are QEMU's own Python
packages (`qemu.machine.QEMUMachine`, `qemu.machine.qtest.QEMUQtestMachine`,
`qemu.qmp.legacy.QEMUMonitorProtocol` underneath), taken from the QEMU source
tree the binary under test was built from: SRIOVNIC_QEMU is
`.../qemu-10.0.2/build/qemu-system-x86_64`, the packages are in
`.../qemu-10.0.2/python`. They need nothing beyond the standard library, so
the tests still run with Debian's /usr/bin/python3 alone. What is ours here
is the test-facing interface on top: QMP errors as exceptions, typed memory
and port accessors on qtest, migration, and config space through ECAM.
"""
import asyncio
import os
import shutil
import sys
import tempfile
import time

QEMU = os.environ.get("SRIOVNIC_QEMU", "")
# QEMU's python/ directory: the source tree is the build directory's parent.
QEMU_PYTHON = (os.path.join(os.path.dirname(os.path.dirname(os.path.realpath(QEMU))), "python")
               if QEMU else "")

_import_error = None
if QEMU_PYTHON and QEMU_PYTHON not in sys.path:
    sys.path.insert(0, QEMU_PYTHON)
try:
    from qemu.machine import QEMUMachine
    from qemu.machine.machine import AbnormalShutdown, VMLaunchFailure
    from qemu.machine.qtest import QEMUQtestMachine
    from qemu.qmp import QMPError
    import qemu.machine
    # `qemu` is a namespace package: a regular one installed elsewhere would win.
    if not qemu.machine.__file__.startswith(QEMU_PYTHON + os.sep):
        raise ImportError(f"qemu.machine comes from {qemu.machine.__file__}")
except ImportError as e:  # reported when a Machine is made, like a missing SRIOVNIC_QEMU
    _import_error = e
    QEMUMachine = QEMUQtestMachine = object

# q35: the MCH's PCIEXBAR register, and where we place the ECAM window.
MCH_PCIEXBAR = 0x60
ECAM_BASE = 0xB0000000


class QemuError(Exception):
    pass


class _Hooks:
    """What we add to QEMUMachine's launch, through the hooks its own
    subclasses use: the QMP and qtest sockets get a timeout (QEMUMachine
    waits forever), so a hung QEMU fails the test instead of stalling the
    whole run."""

    io_timeout = None

    def _post_launch(self):
        super()._post_launch()
        self._qmp.settimeout(self.io_timeout)
        if getattr(self, "_qtest", None) is not None:
            self._qtest.settimeout(self.io_timeout)

    @property
    def popen(self):
        return self._popen


class _Process(_Hooks, QEMUMachine):
    pass


class _QtestProcess(_Hooks, QEMUQtestMachine):
    pass


class Machine:
    """One QEMU process. With qtest=True it runs the qtest accelerator and
    accepts qtest commands (memory and I/O port access, no guest CPU).
    With serial=True the first serial port is a socket, `serial`.
    `wrapper` is a command prefix QEMU is run under, e.g. NetNamespace.enter."""

    def __init__(self, args, qtest=True, name="vm", timeout=60, serial=False, wrapper=()):
        if not QEMU:
            raise QemuError("SRIOVNIC_QEMU is not set")
        if _import_error is not None:
            raise QemuError(f"QEMU's Python packages (qemu.machine, qemu.qmp) are not in "
                            f"{QEMU_PYTHON}: {_import_error}")
        self.name = name
        self.timeout = timeout
        # Ours and QEMU's per-process files (QEMUMachine's temporary directory
        # with QEMU's output, and the migration socket) live here.
        self.dir = tempfile.mkdtemp(prefix=f"sriovnic-{name}-")
        self.events = []
        cls = _QtestProcess if qtest else _Process
        # QEMUMachine adds -display none, -vga none and its QMP (and qtest,
        # and console) sockets; -nodefaults keeps the machine as bare as the
        # tests describe it.
        self._vm = cls(QEMU, args=["-nodefaults", *args], wrapper=list(wrapper),
                       name=name, base_temp_dir=self.dir)
        self._vm.io_timeout = timeout
        if serial:
            self._vm.set_console()
        self.log_path = os.path.join(self._vm.log_dir, f"{name}.log")
        try:
            self._vm.launch()
        except VMLaunchFailure as e:
            shutil.rmtree(self.dir, ignore_errors=True)
            raise QemuError(f"{name}: QEMU did not start ({e.__cause__!r}), exit code "
                            f"{e.exitcode}:\n{e.output}") from e
        self.serial = self._vm.console_socket if serial else None

    # --- process -------------------------------------------------------
    @property
    def proc(self):
        """The QEMU process (a subprocess.Popen; None once it is gone)."""
        return self._vm.popen

    def log(self):
        """What QEMU printed so far (all of it, also once it is gone)."""
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:  # shut down: QEMUMachine removed the file, kept its text
            return self._vm.get_log() or ""

    def kill(self):
        self._vm.kill()
        shutil.rmtree(self.dir, ignore_errors=True)

    def quit(self):
        try:
            self._vm.shutdown(timeout=10)
        except AbnormalShutdown:
            pass  # killed instead
        self.kill()

    # --- QMP ----------------------------------------------------------
    def _collect_events(self):
        self.events.extend(self._vm.get_qmp_events(wait=False))

    def qmp_raw(self, command, **arguments):
        """The whole response to `command` (arguments passed as given, not
        renamed); events that arrived meanwhile are appended to `events`."""
        try:
            resp = self._vm.qmp(command, args_dict=arguments)
        except (QMPError, EOFError, OSError, asyncio.TimeoutError) as e:
            raise QemuError(f"{self.name}: QMP {command}: {e!r}: {self.log()}") from e
        finally:
            self._collect_events()
        return resp

    def qmp(self, command, **arguments):
        resp = self.qmp_raw(command, **arguments)
        if "error" in resp:
            raise QemuError(f"{command}: {resp['error']['desc']}")
        return resp["return"]

    def hmp(self, line):
        return self.qmp("human-monitor-command", **{"command-line": line})

    def migrate_to(self, dst, timeout=60, uri=None):
        """Live-migrates this machine to `dst` (started with -incoming defer)
        over `uri` (default a unix socket; e.g. tcp:IP:PORT between the
        hosts of netns.TwoHosts); returns query-migrate's final answer."""
        uri = uri or f"unix:{dst.dir}/migrate.sock"
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
        """Sends one qtest command; returns what follows "OK" in the answer.
        (No test intercepts IRQs, so the answer is always the next line.)"""
        try:
            resp = self._vm.qtest(line)
        except OSError as e:  # socket.timeout included
            raise QemuError(f"{self.name}: qtest '{line}': {e!r}: {self.log()}") from e
        if not resp:
            raise QemuError(f"{self.name}: qtest connection closed: {self.log()}")
        resp = resp.strip()
        if resp == "OK" or resp.startswith("OK "):
            return resp[3:]
        raise QemuError(f"qtest '{line}': {resp}")

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
