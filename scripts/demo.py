#!/usr/bin/env python3
"""The sriovnic demo. Two hosts on one machine (network namespaces, as
tests/lib/netns.py's TwoHosts builds them): a guest on host A with
-device sriovnic (its uplink a tap on a segment both hosts reach, where a
traffic peer runs) and a synthetic channel (-device sriovnic-synth) paired
with VF 2. The guest's drivers bring up the PF, create VFs and administer
one with ip link; VF 2 joins the synthetic netdev as its slave, the host
revokes and offers it over QMP; then, while a UDP sequence stream and a TCP
stream run between the guest and the peer, the guest is live-migrated to
host B with failover: the source revokes the VF and holds the migration
until the guest switched to the synthetic path, the destination offers its
own VF once the VM runs. The timeline of those steps comes from both QEMUs'
QMP events; the stream is measured at the peer (kernel timestamps) and
plotted with the steps marked."""
import os
import sys
import textwrap
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "lib"))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "guest"))
from netlib import (LOAD_DRIVERS, ethtool_stats, netdev_of, pf_netdev,  # noqa: E402
                    set_numvfs, wait_for)
from netns import TwoHosts  # noqa: E402
from traffic import GuestStream, udp_lost  # noqa: E402
import demo_timeline  # noqa: E402

SYNTH_BDF = "0000:02:00.0"
VF2_BDF = "0000:01:00.3"
PF_IP = "10.50.0.20"
SYNTH_IP = "10.50.0.10"
PEER = TwoHosts.PEER_IP
# The card and its channel; each host adds its own -netdev (its tap).
CARD = ["-device", "pcie-root-port,id=rp0,bus=pcie.0,chassis=1,addr=0x2",
        "-device", "sriovnic,bus=rp0,id=nic0,vfs=8,netdev=n0,mac=52:54:00:12:34:56",
        "-device", "pcie-root-port,id=rp1,bus=pcie.0,chassis=2,addr=0x3",
        "-device", "sriovnic-synth,bus=rp1,id=synth0,pf=nic0,vf=2,"
                   "mac=02:53:52:00:03:01,max-mtu=9000"]
BEFORE_S = 1.0   # the stream runs this long before the migration
AFTER_S = 1.0    # and this long after the guest is back on the VF
OUT_DIR = os.environ.get("SRIOVNIC_DEMO_DIR", os.path.join(HERE, "..", "build", "demo"))


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
        time.sleep(0.05)
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


def pf_and_vfs(g):
    step("the PF and its SR-IOV capability (lspci)")
    out = g.sh("lspci -vv -d 5352:0001")
    show("\n".join(ln for ln in out.splitlines()
                   if "Capabilities" in ln or "VFs" in ln or ln.startswith("01:")))

    step(f"load the PF, VF and synth drivers; the PF on the segment as {PF_IP}, "
         f"ping the peer {PEER}")
    g.sh(LOAD_DRIVERS + " && insmod /lib/modules/sriovnic/sriovnic_synth.ko")
    pf = pf_netdev(g)
    g.sh(f"ip addr add {PF_IP}/24 dev {pf} && ip link set {pf} up")
    show(g.sh(f"ip -br addr show {pf}; ping -c 2 -W 2 {PEER} | tail -2"))
    return pf


def synthetic_netdev(g, pf):
    step(f"the synthetic netdev (sriovnic-synth, paired with VF 2) at MTU 9000 as {SYNTH_IP} "
         "(the PF steps aside); create 4 VFs and administer VF 0 with ip link")
    synth = netdev_of(g, SYNTH_BDF)
    g.sh(f"ip addr flush dev {pf} && ip link set {synth} mtu 9000 && "
         f"ip addr add {SYNTH_IP}/24 dev {synth} && ip link set {synth} up")
    mark = len(g.machine.events)
    set_numvfs(g, 4)
    g.sh(f"ip link set {pf} vf 0 mac 02:00:00:00:00:10 max_tx_rate 400 && sleep 0.2")
    show(g.sh(f"ip link show {pf}"))

    step("VF 2 was offered with the VFs: it joins the synthetic netdev as its slave")
    vf = wait_for(g, f"ls /sys/bus/pci/devices/{VF2_BDF}/net/ 2>/dev/null; true", r"\S").strip()
    wait_for(g, f"ip link show {vf}", rf"SLAVE.*master {synth}")
    wait_for(g, f"ethtool -S {synth}", r"data_path_vf: 1\b")
    show_reasons(wait_channel(g, "vf"))
    show_events(g, mark)
    show(g.sh(f"ip link show {vf} | head -1; ping -c 2 -s 8000 -W 2 {PEER} | tail -2"))
    return synth, vf


def revoke_and_offer(g, synth):
    step("QMP sriovnic-revoke reason=admin (a request) under a ping stream, then sriovnic-offer")
    g.sh(f"ping -i 0.05 -c 30 -W 1 {PEER} > /tmp/ping.log 2>&1 &")
    g.sh("sleep 0.3")
    before = ethtool_stats(g, synth)
    mark = len(g.machine.events)
    g.qmp("sriovnic-revoke", id="synth0", reason="admin")
    ch = wait_channel(g, "synthetic")
    wait_for(g, f"ethtool -S {synth}", r"data_path_vf: 0\b")
    show_events(g, mark)
    show_reasons(ch)
    g.sh("sleep 0.3")
    mark = len(g.machine.events)
    g.qmp("sriovnic-offer", id="synth0")
    ch = wait_channel(g, "vf")
    wait_for(g, f"ethtool -S {synth}", r"data_path_vf: 1\b")
    show_events(g, mark)
    show_reasons(ch)
    out = wait_for(g, "cat /tmp/ping.log", r"packets received", timeout=60)
    after = ethtool_stats(g, synth)
    show(out.splitlines()[-2])
    show(f"ethtool -S {synth} during the pings: synthetic path "
         f"{after['rx_packets'] - before['rx_packets']} received / "
         f"{after['tx_packets'] - before['tx_packets']} sent, through the VF "
         f"{after['vf_rx_packets'] - before['vf_rx_packets']} / "
         f"{after['vf_tx_packets'] - before['vf_tx_packets']}")


def migrate_with_failover(topo, g, synth):
    step(f"live migration with failover, host A -> host B, under a UDP stream (1000 packets/s "
         f"each way) and a TCP stream with the peer {PEER}")
    peer = topo.traffic_peer(SYNTH_IP)
    stream = GuestStream(g, PEER)
    peer.wait_connected()
    dst = topo.host_b.guest(topo.host_b.netdev() + CARD, name="demo-b", incoming="defer")
    for m in (g.machine, dst.machine):
        m.qmp("migrate-set-capabilities",
              capabilities=[{"capability": "events", "state": True}])
    time.sleep(BEFORE_S)
    marks = {"src": len(g.machine.events), "dst": len(dst.machine.events)}
    show(f"stream running, migrating to {topo.host_b.migration_uri()} "
         f"(the hosts' own link); the guest is on VF 2")
    info = g.machine.migrate_to(dst.machine, uri=topo.host_b.migration_uri(), timeout=120)
    g.machine.qmp("query-status")  # collects the source's last events
    stream.follow(dst)
    wait_channel(dst, "vf")
    wait_for(dst, f"ethtool -S {synth}", r"data_path_vf: 1\b")
    src_events = g.machine.events[marks["src"]:]
    g.kill()
    time.sleep(AFTER_S)
    peer.quiesce()
    guest_report = stream.stop()
    report = peer.stop()
    events = {"src": src_events, "dst": dst.machine.events[marks["dst"]:]}
    return dst, info, events, guest_report, report


def print_timeline(info, events, guest_report, report):
    offset = demo_timeline.realtime_to_monotonic_offset()
    steps = demo_timeline.find_steps(events, offset)
    if "start" not in steps:
        raise RuntimeError(f"no MIGRATION setup event from the source: {events['src']}")
    step("timeline (QMP event timestamps, relative to the migration's start)")
    for line in demo_timeline.timeline_lines(steps, info):
        show(line)
    t0 = steps["start"][0]
    udp, tcp = guest_report["udp"], guest_report["tcp"]
    gap, at = demo_timeline.longest_gap(report.udp_times, report.start_ns, report.stop_ns)
    show(f"UDP guest -> peer: {udp['sent']} sent, {udp_lost(udp['sent'], report.udp()['unique'])} "
         f"lost, longest gap {gap / 1e6:.1f} ms (from {(at - t0) / 1e6:+.1f} ms; "
         f"peer's receive timestamps)")
    if "resume" in steps:
        first = next((t for t in report.udp_times if t > steps["resume"][0]), None)
        if first is not None:
            show(f"UDP guest -> peer: first packet from the destination at "
                 f"{(first - t0) / 1e6:+.1f} ms, {(first - steps['resume'][0]) / 1e6:.1f} ms "
                 f"after it runs")
    show(f"UDP peer -> guest: {report.udp_sent} sent, {udp_lost(report.udp_sent, udp['unique'])} "
         f"lost")
    show(f"TCP: {'unbroken' if not (tcp['broken'] or report.tcp['broken']) else 'BROKEN'}, "
         f"{'intact' if not (tcp['corrupt'] or report.tcp['corrupt']) else 'CORRUPT'}, "
         f"longest stall at the peer {report.tcp_stall_ms():.1f} ms")
    return steps


def write_plot(steps, report):
    os.makedirs(OUT_DIR, exist_ok=True)
    stem = os.path.join(os.path.realpath(OUT_DIR), "failover")
    try:
        paths = demo_timeline.plot(
            stem, report.udp_times, (report.tcp_times, report.tcp_sizes), steps,
            report.udp_times[0] - 100_000_000, report.udp_times[-1] + 100_000_000,
            "sriovnic: live migration with failover under a 1000 packets/s UDP stream "
            "(guest \u2192 peer) and a TCP stream")
    except ImportError as e:
        print(f"\nno plot: matplotlib cannot be imported ({e}); install python3-matplotlib "
              f"(apt-get install --no-install-recommends python3-matplotlib) and run the "
              f"demo again", flush=True)
        return
    print(f"\nplot of packets per {demo_timeline.BIN_MS} ms with the switch points: "
          + " and ".join(paths), flush=True)


def main():
    started = time.monotonic()
    topo = TwoHosts()
    try:
        step("two hosts on one machine (network namespaces): host A, host B, a traffic peer; "
             "boot a Debian 6.12 guest (TCG) on host A with: " + " ".join(CARD))
        g = topo.host_a.guest(topo.host_a.netdev() + CARD, name="demo-a")
        show(g.sh("uname -r"))
        pf = pf_and_vfs(g)
        synth, vf = synthetic_netdev(g, pf)
        revoke_and_offer(g, synth)
        dst, info, events, guest_report, report = migrate_with_failover(topo, g, synth)
        steps = print_timeline(info, events, guest_report, report)

        step("on host B: VF 2 is the slave again at MTU 9000, VF 0's settings came along")
        show(dst.sh(f"ip link show {vf} | head -1; ip link show {pf} | grep 'vf 0 '"))
        show_reasons(channel(dst))
        write_plot(steps, report)
        print(f"\ndemo finished in {time.monotonic() - started:.0f} s", flush=True)
    finally:
        topo.close()


if __name__ == "__main__":
    main()
