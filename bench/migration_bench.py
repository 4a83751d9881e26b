#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Live migration benchmark, printed (never asserted): one guest kernel
migrated from host A to host B of netns.TwoHosts (two network namespaces
on this machine, migration over TCP on the hosts' own link) while
traffic.py's streams run between it and the peer (UDP 1000 packets/s and
a paced TCP stream, each way), in four configurations (migration_configs.py):

  (a) plain migration, sriovnic's PF only;
  (b) sriovnic failover: synthetic channel + VF 0, the synth driver bonded;
  (c) QEMU's virtio-net failover: virtio-net-pci standby, e1000e primary;
  (d) the same with a standalone sriovnic VF (host-owned card) as primary.

Each configuration runs SRIOVNIC_MIGRATION_RUNS times (default 3), a fresh
topology and guest each time, the configurations interleaved (a b c d a b
c d ...) so that a change in the machine's load hits all alike. Printed:
medians (min-max) of each figure, the ratios of (b) against (a) and (c)
and of (d) against (c), and the goals for (b) as met or missed.

  migration_bench.py [--configs plain,sriovnic,virtio,virtio-vf] [--runs N]
                     [--results FILE] [--report FILE...]

--results appends every run as a JSON line to FILE; --report prints the
table from such files without running anything (for runs split up).
Environment: SRIOVNIC_QEMU, SRIOVNIC_GUEST_DIR (scripts/bench.sh sets
them), SRIOVNIC_MIGRATION_RUNS, and SRIOVNIC_GUEST_LOCK: a lock file held
(flock) around each single run, so other guest runs can go in between."""
import argparse
import contextlib
import fcntl
import json
import os
import statistics
import sys
import time

from migration_configs import CONFIGS, GUEST_IP, SriovnicFailover, event_ns, events
from netns import TwoHosts  # noqa: E402 (tests/lib, on the path migration_configs set)
from traffic import GuestStream, udp_lost  # noqa: E402

RUNS = int(os.environ.get("SRIOVNIC_MIGRATION_RUNS", "3"))
SETTLE_S = 3.0      # the streams are measured this long after the migration ended
MIGRATION_GUARD_S = 120


@contextlib.contextmanager
def guest_lock():
    path = os.environ.get("SRIOVNIC_GUEST_LOCK")
    if not path:
        yield
        return
    with open(path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def ms(t_ns, since_ns):
    return None if t_ns is None or since_ns is None else (t_ns - since_ns) / 1e6


def longest_gap_start(times, t0, t1):
    """Where the longest gap between arrivals in [t0, t1) starts (ns)."""
    edges = [t0] + [t for t in times if t0 <= t < t1] + [t1]
    return max(zip(edges, edges[1:]), key=lambda p: p[1] - p[0])[0]


def wait_resume(dst):
    """When the destination's VM started running (its RESUME event)."""
    deadline = time.monotonic() + MIGRATION_GUARD_S
    while time.monotonic() < deadline:
        resumed = events(dst, "RESUME")
        if resumed:
            return event_ns(resumed[0])
        time.sleep(0.02)
    return None


def one_run(cfg):
    topo = TwoHosts()
    try:
        a, b = topo.host_a, topo.host_b
        src = a.guest(cfg.args(a), name=f"mig-{cfg.key}-a")
        cfg.setup(src)
        peer = topo.traffic_peer(GUEST_IP)
        stream = GuestStream(src, TwoHosts.PEER_IP)
        peer.wait_connected()
        src.sh("sleep 1")
        dst = b.guest(cfg.args(b), name=f"mig-{cfg.key}-b", incoming="defer")
        for m in (src.machine, dst.machine):
            m.qmp("migrate-set-capabilities",
                  capabilities=[{"capability": "events", "state": True},
                                {"capability": "return-path", "state": True}])
        cfg.before_migration(topo, src.machine, dst.machine)
        stream.snapshot()  # a new window for the guest's maxima
        uri = b.migration_uri()
        dst.qmp("migrate-incoming", uri=uri)
        t0 = time.monotonic_ns()
        src.qmp("migrate", uri=uri)
        try:
            info = src.machine.wait_migration(MIGRATION_GUARD_S)
        except Exception as e:
            raise RuntimeError(f"{e}; destination: {dst.machine.log()[-1500:]}") from e
        cfg.after_completion(src.machine, dst.machine)
        resume_ns = wait_resume(dst.machine)
        first_packet = cfg.first_packet_ns(resume_ns)

        mig = {e["data"]["status"]: event_ns(e) for e in events(src.machine, "MIGRATION")}
        setup_ns = mig.get("setup", t0)
        switched = cfg.switched_ns(src.machine, setup_ns)
        src.kill()  # its QMP had what the figures need
        stream.follow(dst)
        left = SETTLE_S - (time.monotonic_ns() - (resume_ns or t0)) / 1e9
        if left > 0:
            time.sleep(left)
        after = stream.snapshot()
        t1 = time.monotonic_ns()
        peer.quiesce()
        guest = stream.stop()
        report = peer.stop()

        window = report.udp(t0, t1)
        run = {
            "config": cfg.key,
            "total_ms": info.get("total-time"),
            "downtime_ms": info.get("downtime"),
            "switch_ms": ms(switched, setup_ns),
            # Precopy starts ("active"), after wait-unplug if a device held it.
            "active_ms": ms(mig.get("active"), setup_ns),
            "held": "wait-unplug" in mig,
            "lost_to_peer": udp_lost(guest["udp"]["sent"], report.udp()["unique"]),
            "lost_to_guest": udp_lost(report.udp_sent, guest["udp"]["unique"]),
            "gap_peer_ms": window["longest_gap_ms"],
            "gap_guest_ms": after["udp"]["window_longest_gap_us"] / 1000,
            "stall_peer_ms": report.tcp_stall_ms(t0, t1),
            # Where the peer's longest UDP gap and TCP stall start, from the
            # destination's resume (negative: before it).
            "gap_peer_at_ms": ms(longest_gap_start(report.udp_times, t0, t1), resume_ns),
            "stall_peer_at_ms": ms(longest_gap_start(report.tcp_times, t0, t1), resume_ns),
            "stall_guest_ms": after["tcp"]["window_longest_stall_us"] / 1000,
            "first_packet_ms": ms(first_packet, resume_ns),
            "first_at_peer_ms": ms(next((t for t in report.udp_times if t >= resume_ns), None)
                                   if resume_ns else None, resume_ns),
            "tcp_broken": guest["tcp"]["broken"] or report.tcp["broken"],
            "udp_sent": [guest["udp"]["sent"], report.udp_sent],
        }
        if isinstance(cfg, SriovnicFailover):
            run["switch_to_vf_ms"] = ms(cfg.switch_to_vf_ns(dst.machine), resume_ns)
            run["revoke_timed_out"] = getattr(cfg, "surprise", None)
        return run
    finally:
        cfg.close()
        topo.close()


ROWS = [  # key, label
    ("total_ms", "total migration time, ms"),
    ("downtime_ms", "downtime, ms"),
    ("switch_ms", "setup -> guest off the VF/primary, ms"),
    ("active_ms", "setup -> precopy starts, ms"),
    ("lost_to_peer", "UDP lost guest->peer"),
    ("lost_to_guest", "UDP lost peer->guest"),
    ("gap_peer_ms", "longest UDP gap at the peer, ms"),
    ("gap_peer_at_ms", "  ... it starts at, from resume, ms"),
    ("gap_guest_ms", "longest UDP gap in the guest*, ms"),
    ("stall_peer_ms", "longest TCP stall at the peer, ms"),
    ("stall_peer_at_ms", "  ... it starts at, from resume, ms"),
    ("stall_guest_ms", "longest TCP stall in the guest*, ms"),
    ("first_at_peer_ms", "resume -> first guest UDP packet at peer, ms"),
    ("first_packet_ms", "resume -> first frame via VF/primary, ms"),
    ("switch_to_vf_ms", "resume -> switch-to-vf event, ms"),
]


def values(runs, config, key):
    return [r[key] for r in runs if r["config"] == config and r.get(key) is not None]


def med(runs, config, key):
    v = values(runs, config, key)
    return statistics.median(v) if v else None


def cell(runs, config, key):
    v = values(runs, config, key)
    if not v:
        return "-"
    f = (lambda x: f"{x:.0f}") if max(map(abs, v)) >= 10 or all(x == int(x) for x in v) else \
        (lambda x: f"{x:.1f}")
    return f"{f(statistics.median(v))} ({f(min(v))}–{f(max(v))})"


def ratio(runs, key, base, ours="sriovnic"):
    if key.endswith("_at_ms"):
        return ""
    ours, theirs = med(runs, ours, key), med(runs, base, key)
    if ours is None or theirs is None:
        return "-"
    if theirs == 0:
        return "=" if ours == 0 else "inf"
    return f"{ours / theirs:.2f}"


def print_table(runs):
    counts = {k: sum(r["config"] == k for r in runs) for k in CONFIGS}
    print(f"\nmigration A->B under traffic, median (min-max) of "
          f"{'/'.join(str(counts[k]) for k in CONFIGS)} runs")
    heads = [CONFIGS[k].title for k in CONFIGS]
    print(f"| {'':46s} | " + " | ".join(f"{h:21s}" for h in heads) + " | (b)/(a) | (b)/(c) | (d)/(c) |")
    print(f"|{'-' * 48}|" + "|".join("-" * 23 for _ in heads) +
          "|---------|---------|---------|")
    for key, label in ROWS:
        if not any(values(runs, k, key) for k in CONFIGS):
            continue
        print(f"| {label:46s} | " + " | ".join(f"{cell(runs, k, key):21s}" for k in CONFIGS) +
              f" | {ratio(runs, key, 'plain'):>7s} | {ratio(runs, key, 'virtio'):>7s} |"
              f" {ratio(runs, key, 'virtio', 'virtio-vf'):>7s} |")
    print("* guest clock: under TCG it stops while the VM is stopped, so the downtime is "
          "left out")
    ours = [r for r in runs if r["config"] == "sriovnic"]
    if any("held" in r for r in ours):
        print(f"(b) was held in wait-unplug in {sum(bool(r.get('held')) for r in ours)} of {len(ours)} "
              f"runs; in the others the guest had switched before QEMU checked")
    broken = [r["config"] for r in runs if r["tcp_broken"]]
    timed_out = [r for r in runs if r.get("revoke_timed_out")]
    if broken:
        print(f"TCP stream broken in runs of: {', '.join(broken)}")
    if timed_out:
        print(f"{len(timed_out)} sriovnic runs ended the revoke by its timeout (surprise)")


def print_goals(runs):
    def line(goal, measured, limit, unit=" ms"):
        if measured is None or limit is None:
            print(f"  {goal}: not measured")
            return
        verdict = "met" if measured <= limit else f"missed by {measured - limit:.1f}{unit}"
        print(f"  {goal}: {verdict} (measured {measured:.1f}{unit}, limit {limit:.1f}{unit})")

    def no_worse(key, label, unit=" ms"):
        line(f"{label} no worse than plain", med(runs, "sriovnic", key), med(runs, "plain", key),
             unit)

    print("\ngoals for (b) against (a), medians unless said otherwise:")
    plain_total, ours_total = med(runs, "plain", "total_ms"), med(runs, "sriovnic", "total_ms")
    line("total time within 20 ms of plain",
         None if ours_total is None or plain_total is None else ours_total - plain_total, 20)
    no_worse("gap_peer_ms", "longest UDP gap at the peer")
    no_worse("stall_peer_ms", "longest TCP stall at the peer")
    no_worse("lost_to_guest", "UDP lost peer->guest", " packets")
    no_worse("first_at_peer_ms", "resume -> first guest UDP packet at the peer")
    lost = values(runs, "sriovnic", "lost_to_peer")
    line("0 UDP packets lost guest->peer (worst run)", max(lost) if lost else None, 0,
         " packets")
    first = values(runs, "sriovnic", "first_packet_ms")
    line("VF carries traffic within 100 ms of resume", med(runs, "sriovnic", "first_packet_ms"),
         100)
    if first:
        line("  ... in the worst run", max(first), 100)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--configs", default=",".join(CONFIGS))
    ap.add_argument("--runs", type=int, default=RUNS)
    ap.add_argument("--results")
    ap.add_argument("--report", nargs="+", metavar="FILE")
    args = ap.parse_args()
    if args.report:
        runs = []
        for path in args.report:
            with open(path) as f:
                runs += [json.loads(line) for line in f if line.strip()]
    else:
        keys = args.configs.split(",")
        runs = []
        for n in range(args.runs):
            for key in keys:
                print(f"== run {n + 1}/{args.runs}: {CONFIGS[key].title}", file=sys.stderr,
                      flush=True)
                try:
                    with guest_lock():
                        run = one_run(CONFIGS[key]())
                except Exception as e:  # a failed run is reported, the others go on
                    print(f"   failed: {e}"[:2000], file=sys.stderr)
                    continue
                print("   " + json.dumps(run), file=sys.stderr, flush=True)
                runs.append(run)
                if args.results:
                    with open(args.results, "a") as f:
                        f.write(json.dumps(run) + "\n")
    print_table(runs)
    print_goals(runs)


if __name__ == "__main__":
    main()
