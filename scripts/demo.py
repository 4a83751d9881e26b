#!/usr/bin/env python3
"""The sriovnic demo: boot a Linux guest with -device sriovnic, bring up the
PF with DHCP through -netdev user, create VFs with the guest's drivers,
administer one with ip link, stream TCP between two VFs and live-migrate the
guest to a second QEMU process in the middle of the stream."""
import os
import sys
import textwrap

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "lib"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "guest"))
from guest import Guest  # noqa: E402
from netlib import LOAD_DRIVERS, into_netns, pf_netdev, set_numvfs, vf_netdevs  # noqa: E402

DEVICES = ["-netdev", "user,id=n0",
           "-device", "pcie-root-port,id=rp0,bus=pcie.0,chassis=1,addr=0x2",
           "-device", "sriovnic,bus=rp0,id=nic0,vfs=8,netdev=n0,mac=52:54:00:12:34:56"]


def step(title):
    print(f"\n=== {title}", flush=True)


def show(text):
    print(textwrap.indent(text.rstrip(), "    "), flush=True)


def main():
    step("boot a Debian 6.12 guest (TCG) with: " + " ".join(DEVICES))
    src = Guest(DEVICES, name="demo-src")
    dst = None
    try:
        show(src.sh("uname -r"))
        step("the PF and its SR-IOV capability (lspci)")
        out = src.sh("lspci -vv -d 5352:0001")
        show("\n".join(ln for ln in out.splitlines()
                       if "Capabilities" in ln or "VFs" in ln or ln.startswith("01:")))

        step("load the PF and VF drivers, DHCP on the PF through -netdev user")
        src.sh(LOAD_DRIVERS)
        pf = pf_netdev(src)
        src.sh(f"ip link set {pf} up && udhcpc -i {pf} -n -q -t 10 >/dev/null 2>&1", timeout=90)
        show(src.sh(f"ip -br addr show {pf}; ping -c 2 -W 2 10.0.2.2 | tail -2"))

        step("create 4 VFs and administer VF 0: echo 4 > sriov_numvfs; ip link set ... vf 0 ...")
        set_numvfs(src, 4)
        src.sh(f"ip link set {pf} vf 0 mac 02:00:00:00:00:10 max_tx_rate 400 && sleep 0.3")
        show(src.sh(f"ip link show {pf}"))
        vfs = vf_netdevs(src, 2)
        into_netns(src, "a", vfs[0], "192.168.50.1/24", mtu=9000)
        into_netns(src, "b", vfs[1], "192.168.50.2/24", mtu=9000)

        step("TCP from VF 0 to VF 1 (inside the card), migrating after 3 s of 8")
        src.sh("ip netns exec b iperf3 -s -D -1 -p 5201")
        src.sh("ip netns exec a iperf3 -c 192.168.50.2 -p 5201 -t 8 > /tmp/iperf.log 2>&1 &")
        src.sh("sleep 3")
        dst = Guest(DEVICES, name="demo-dst", incoming="defer")
        info = src.machine.migrate_to(dst.machine, timeout=120)
        show(f"migration {info['status']} in {info.get('total-time', '?')} ms, "
             f"downtime {info.get('downtime', '?')} ms")

        step("on the destination: the stream finished, VF settings and MTU are intact")
        dst.sh("while pidof iperf3 >/dev/null; do sleep 0.5; done", timeout=60)
        show(dst.sh("tail -4 /tmp/iperf.log"))
        show(dst.sh(f"ip link show {pf} | grep 'vf 0 '; ip -n a link show {vfs[0]} | head -1"))
        print("\ndemo finished")
    finally:
        src.kill()
        if dst:
            dst.kill()


if __name__ == "__main__":
    main()
