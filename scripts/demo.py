#!/usr/bin/env python3
"""The sriovnic demo: boot a Linux guest with -device sriovnic, show the PF and
its SR-IOV capability, create VFs, put a value in a VF's register, live-migrate
the guest to a second QEMU process and show the VFs and the value there."""
import os
import sys
import textwrap

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "lib"))
from guest import Guest  # noqa: E402

DEVICES = ["-device", "pcie-root-port,id=rp0,bus=pcie.0,chassis=1,addr=0x2",
           "-device", "sriovnic,bus=rp0,id=nic0,vfs=8,mac=52:54:00:12:34:56"]


def step(title):
    print(f"\n=== {title}")


def show(text):
    print(textwrap.indent(text.rstrip(), "    "))


def main():
    step("boot a Debian 6.12 guest (TCG) with: " + " ".join(DEVICES))
    src = Guest(DEVICES, name="demo-src")
    dst = None
    try:
        show(src.sh("uname -r"))
        step("the PF as the guest sees it (lspci -vv -d 5352:0001)")
        out = src.sh("lspci -vv -d 5352:0001")
        show("\n".join(ln for ln in out.splitlines()
                       if not ln.startswith("\t\t") or "VFs" in ln or "VF offset" in ln))

        step("bind pci-pf-stub and create 4 VFs: echo 4 > sriov_numvfs")
        show(src.sh("modprobe pci-pf-stub; echo 5352 0001 > "
                    "/sys/bus/pci/drivers/pci-pf-stub/new_id; "
                    "pf=$(lspci -D -n -d 5352:0001 | cut -d' ' -f1); "
                    "echo 4 > /sys/bus/pci/devices/$pf/sriov_numvfs; lspci -nn -d 5352:"))

        step("enable the VF at 01:00.2 and write its SCRATCH register (BAR0 + 0x18)")
        show(src.sh("vf=0000:01:00.2; setpci -s $vf COMMAND=0x6; "
                    "bar=$(head -1 /sys/bus/pci/devices/$vf/resource | cut -d' ' -f1); "
                    "devmem $((bar + 0x18)) 32 0xC0FFEE; "
                    "echo FUNC=$(devmem $((bar + 0x0C)) 32) SCRATCH=$(devmem $((bar + 0x18)) 32)"))

        step("live-migrate to a second QEMU process")
        dst = Guest(DEVICES, name="demo-dst", incoming="defer")
        uri = f"unix:{dst.machine.dir}/migrate.sock"
        dst.qmp("migrate-incoming", uri=uri)
        src.qmp("migrate", uri=uri)
        info = src.machine.wait_migration(timeout=120)
        show(f"migration {info['status']} in {info.get('total-time', '?')} ms, "
             f"downtime {info.get('downtime', '?')} ms")

        step("on the destination: the same VFs, and 01:00.2 still holds its value")
        show(dst.sh("cat /sys/bus/pci/devices/0000:01:00.0/sriov_numvfs; lspci -nn -d 5352:; "
                    "vf=0000:01:00.2; "
                    "bar=$(head -1 /sys/bus/pci/devices/$vf/resource | cut -d' ' -f1); "
                    "echo FUNC=$(devmem $((bar + 0x0C)) 32) SCRATCH=$(devmem $((bar + 0x18)) 32)"))
        print("\ndemo finished")
    finally:
        src.kill()
        if dst:
            dst.kill()


if __name__ == "__main__":
    main()
