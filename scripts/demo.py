#!/usr/bin/env python3
"""The sriovnic demo: boot a Linux guest with -device sriovnic, bring up the
PF with DHCP through -netdev user, create VFs with the guest's drivers,
administer one with ip link, stream TCP between two VFs and live-migrate the
guest to a second QEMU process in the middle of the stream. On the
destination, the synthetic channel (-device sriovnic-synth, paired with VF 2)
takes over: its netdev gets an address, the host allows SR-IOV over QMP and
VF 2 joins it as a slave, then the host revokes the VF (a request the guest's
driver answers) and pings go on through the synthetic path until the VF is
offered again.

The channel starts with sriov=off on both sides, so the guest migrates on
the synthetic path and the VF is offered only after the migration, when the
host's policy on the destination allows it."""
import os
import sys
import textwrap
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "lib"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "guest"))
from guest import Guest  # noqa: E402
from netlib import (LOAD_DRIVERS, ethtool_stats, into_netns, netdev_of,  # noqa: E402
                    pf_netdev, set_numvfs, vf_netdevs, wait_for)

SYNTH_BDF = "0000:02:00.0"
VF2_BDF = "0000:01:00.3"
DEVICES = ["-netdev", "user,id=n0",
           "-device", "pcie-root-port,id=rp0,bus=pcie.0,chassis=1,addr=0x2",
           "-device", "sriovnic,bus=rp0,id=nic0,vfs=8,netdev=n0,mac=52:54:00:12:34:56",
           "-device", "pcie-root-port,id=rp1,bus=pcie.0,chassis=2,addr=0x3",
           "-device", "sriovnic-synth,bus=rp1,id=synth0,pf=nic0,vf=2,"
                      "mac=02:53:52:00:03:01,sriov=off"]


def step(title):
    print(f"\n=== {title}", flush=True)


def show(text):
    print(textwrap.indent(text.rstrip(), "    "), flush=True)


def channel(g):
    return g.qmp("query-sriovnic")[0]["channels"][0]


def wait_channel(g, state, timeout=30):
    deadline = time.monotonic() + timeout
    while (ch := channel(g))["state"] != state:
        if time.monotonic() > deadline:
            raise RuntimeError(f"channel never reached {state}: {ch}")
        time.sleep(0.1)
    return ch


def show_reasons(ch):
    show(f"query-sriovnic: channel {ch['id']} state {ch['state']}, "
         f"rx-via-vf {str(ch['rx-via-vf']).lower()}"
         + (", reasons:" if ch.get("reasons") else ", no reasons"))
    for r in ch.get("reasons", []):
        show(f"  [{r['code']}] {r['text']}")


def show_events(g, since):
    for e in g.machine.events[since:]:
        if e["event"] != "SRIOVNIC_DATAPATH_CHANGED":
            continue
        d = e["data"]
        why = f" ({d['revoke-reason']})" if "revoke-reason" in d else ""
        after = (f"{d['since-previous-us']} us after the previous change"
                 if "since-previous-us" in d else "the channel's first change")
        show(f"SRIOVNIC_DATAPATH_CHANGED {d['old-state']:>9} -> {d['new-state']:<9} "
             f"cause {d['cause']}{why}, {after}")


def synthetic_part(g, pf):
    step("the synthetic channel (sriovnic-synth paired with VF 2, sriov=off): "
         "load sriovnic_synth, DHCP on its netdev (the PF steps aside)")
    g.sh("insmod /lib/modules/sriovnic/sriovnic_synth.ko")
    synth = netdev_of(g, SYNTH_BDF)
    g.sh(f"ip addr flush dev {pf} && ip link set {synth} up && "
         f"udhcpc -i {synth} -n -q -t 10 >/dev/null 2>&1", timeout=90)
    show(g.sh(f"ip -br addr show {synth}"))
    show_reasons(channel(g))

    step("QMP sriovnic-set-policy sriov-allowed=true: VF 2 is offered, "
         "joins as a slave and carries the traffic")
    mark = len(g.machine.events)
    g.qmp("sriovnic-set-policy", **{"id": "synth0", "sriov-allowed": True})
    vf = wait_for(g, f"ls /sys/bus/pci/devices/{VF2_BDF}/net/", r"\S").strip()
    wait_for(g, f"ip link show {vf}", rf"SLAVE.*master {synth}")
    wait_for(g, f"ethtool -S {synth}", r"data_path_vf: 1\b")
    wait_channel(g, "vf")
    show_events(g, mark)
    show(g.sh(f"ip -br link show {vf}"))
    before = ethtool_stats(g, synth)
    show(g.sh("ping -c 5 -W 2 10.0.2.2 | tail -2"))
    after = ethtool_stats(g, synth)
    show(f"ethtool -S {synth}: data_path_vf {after['data_path_vf']}, through the VF "
         f"{after['vf_rx_packets'] - before['vf_rx_packets']} received / "
         f"{after['vf_tx_packets'] - before['vf_tx_packets']} sent, synthetic "
         f"{after['rx_packets'] - before['rx_packets']} / "
         f"{after['tx_packets'] - before['tx_packets']}")

    step("QMP sriovnic-revoke reason=admin (a request) under a ping stream")
    g.sh("ping -i 0.1 -c 30 -W 1 10.0.2.2 > /tmp/ping.log 2>&1 &")
    g.sh("sleep 1")
    before = ethtool_stats(g, synth)
    mark = len(g.machine.events)
    g.qmp("sriovnic-revoke", id="synth0", reason="admin")
    ch = wait_channel(g, "synthetic")
    wait_for(g, f"ethtool -S {synth}", r"data_path_vf: 0\b")
    show_events(g, mark)
    show_reasons(ch)
    out = wait_for(g, "cat /tmp/ping.log", r"packets received", timeout=60)
    after = ethtool_stats(g, synth)
    show(out.splitlines()[-2])
    show(f"ethtool -S {synth}: data_path_vf {after['data_path_vf']}, synthetic path "
         f"{after['rx_packets'] - before['rx_packets']} received / "
         f"{after['tx_packets'] - before['tx_packets']} sent, through the VF "
         f"{after['vf_rx_packets'] - before['vf_rx_packets']} received")

    step("QMP sriovnic-offer: VF 2 is back")
    mark = len(g.machine.events)
    g.qmp("sriovnic-offer", id="synth0")
    wait_for(g, f"ethtool -S {synth}", r"data_path_vf: 1\b")
    ch = wait_channel(g, "vf")
    show_events(g, mark)
    show_reasons(ch)
    before = ethtool_stats(g, synth)
    show(g.sh("ping -c 5 -W 2 10.0.2.2 | tail -2"))
    after = ethtool_stats(g, synth)
    show(f"through the VF: {after['vf_rx_packets'] - before['vf_rx_packets']} received / "
         f"{after['vf_tx_packets'] - before['vf_tx_packets']} sent")


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

        synthetic_part(dst, pf)
        print("\ndemo finished")
    finally:
        src.kill()
        if dst:
            dst.kill()


if __name__ == "__main__":
    main()
