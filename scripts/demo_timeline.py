# SPDX-License-Identifier: GPL-2.0-or-later
"""The demo's failover timeline: the steps of a live migration with failover,
read from the QMP events of both QEMUs, on the clock of the traffic peer's
receive timestamps (CLOCK_MONOTONIC), so that the steps and the stream can be
printed and plotted together, relative to the migration's start."""
import time

BIN_MS = 10

# (name, QEMU, event, test on the event's data, what the timeline says)
STEPS = (
    ("start", "src", "MIGRATION", lambda d: d["status"] == "setup",
     "migration starts (source: MIGRATION setup)"),
    ("revoke", "src", "SRIOVNIC_DATAPATH_CHANGED",
     lambda d: d["cause"] == "revoke-request" and d.get("revoke-reason") == "migration",
     "revoke sent: the source asks the guest to leave VF {vf} (reason migration)"),
    ("hold", "src", "MIGRATION", lambda d: d["status"] == "wait-unplug",
     "migration held (wait-unplug) until the guest has left the VF"),
    ("synthetic", "src", "SRIOVNIC_DATAPATH_CHANGED",
     lambda d: d["cause"] in ("revoke-done", "revoke-timeout"),
     "guest switched to the synthetic path ({cause})"),
    ("active", "src", "MIGRATION", lambda d: d["status"] == "active",
     "migration active: RAM is copied while the guest runs on the synthetic path"),
    ("stop", "src", "STOP", lambda d: True, "source VM stops (downtime begins)"),
    ("done", "src", "MIGRATION", lambda d: d["status"] == "completed",
     "migration done (source: MIGRATION completed)"),
    ("resume", "dst", "RESUME", lambda d: True, "destination VM runs (downtime ends)"),
    ("offer", "dst", "SRIOVNIC_DATAPATH_CHANGED", lambda d: d["cause"] == "offer",
     "VF {vf} offered on the destination"),
    ("vf", "dst", "SRIOVNIC_DATAPATH_CHANGED", lambda d: d["cause"] == "switch-to-vf",
     "guest back on the VF"),
)

# The switch points the plot marks, with their labels there.
MARKS = (("revoke", "revoke sent"), ("synthetic", "guest on synthetic"),
         ("stop", "source stops"), ("resume", "destination runs"),
         ("offer", "VF offered"), ("vf", "guest on VF"))


def realtime_to_monotonic_offset():
    """QMP timestamps are CLOCK_REALTIME; this turns them into monotonic ns."""
    return time.clock_gettime_ns(time.CLOCK_REALTIME) - time.monotonic_ns()


def event_ns(event, offset):
    ts = event["timestamp"]
    return ts["seconds"] * 1_000_000_000 + ts["microseconds"] * 1000 - offset


def find_steps(events, offset):
    """events: {"src": [...], "dst": [...]} (QMP events since the migration
    was started). Returns {step name: (monotonic ns, event data)} for the
    steps that happened, each the first matching event."""
    found = {}
    for name, side, kind, match, _ in STEPS:
        for e in events[side]:
            if e["event"] == kind and match(e.get("data", {})):
                found[name] = (event_ns(e, offset), e.get("data", {}))
                break
    return found


def longest_gap(times, t0, t1):
    """(length ns, start ns) of the longest time between two arrivals in [t0, t1)."""
    inside = [t for t in times if t0 <= t < t1]
    best = (0, t0)
    for a, b in zip(inside, inside[1:]):
        if b - a > best[0]:
            best = (b - a, a)
    return best


def timeline_lines(steps, info):
    """The printed timeline, in order, in ms relative to the migration's start."""
    t0 = steps["start"][0]
    lines, missing = [], []
    for name, _, _, _, text in STEPS:
        if name not in steps:
            missing.append(f"{'':>10}     {text.format(vf='?', cause='?')}: no event seen")
            continue
        t, data = steps[name]
        text = text.format(vf=data.get("vf", "?"), cause=data.get("cause", "?"))
        if name == "synthetic" and "since-previous-us" in data:
            text += f", {data['since-previous-us'] / 1000:.1f} ms after the revoke (device clock)"
        if name == "active" and "hold" in steps:
            text += f"; held {(t - steps['hold'][0]) / 1e6:.1f} ms"
        if name == "done":
            text += (f": total {info.get('total-time', '?')} ms, "
                     f"downtime {info.get('downtime', '?')} ms (query-migrate)")
        if name == "resume" and "stop" in steps:
            text += f", {(t - steps['stop'][0]) / 1e6:.1f} ms after the source stopped"
        lines.append((t, f"{(t - t0) / 1e6:+10.1f} ms  {text}"))
    return [text for _, text in sorted(lines, key=lambda x: x[0])] + missing


def plot(path_stem, udp_times, tcp, steps, t_begin, t_end, title):
    """Writes path_stem.svg and path_stem.png: UDP packets per 10 ms at the
    peer (and TCP bytes per 10 ms, if `tcp` is (times, sizes)) from t_begin
    to t_end, the switch points as labelled vertical lines. Returns the
    paths written; raises ImportError without matplotlib."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t0 = steps["start"][0]
    width = BIN_MS * 1_000_000
    # Bins aligned on the migration's start.
    first = t0 - ((t0 - t_begin) // width) * width
    nbins = max(1, (t_end - first) // width)
    udp = [0] * nbins
    for t in udp_times:
        if first <= t < first + nbins * width:
            udp[(t - first) // width] += 1
    xs = [(first + i * width - t0) / 1e6 for i in range(nbins)]

    panels = 2 if tcp else 1
    fig, axes = plt.subplots(panels, 1, figsize=(13, 3.8 + 2.0 * (panels - 1)), sharex=True,
                             gridspec_kw={"height_ratios": [3, 1.3][:panels]})
    axes = list(axes) if panels > 1 else [axes]
    ax = axes[0]
    ax.step(xs, udp, where="post", color="tab:blue", linewidth=1,
            label="UDP guest \u2192 peer, packets per 10 ms")
    ax.set_ylabel(f"packets / {BIN_MS} ms")
    ax.set_ylim(0, max(max(udp) * 1.3, 16))
    if tcp:
        tb = [0] * nbins
        for t, n in zip(*tcp):
            if first <= t < first + nbins * width:
                tb[(t - first) // width] += n
        axes[1].step(xs, [b / 1000 for b in tb], where="post", color="tab:green", linewidth=1)
        axes[1].set_ylabel(f"TCP kB / {BIN_MS} ms")
    if "stop" in steps and "resume" in steps:
        for a in axes:
            a.axvspan((steps["stop"][0] - t0) / 1e6, (steps["resume"][0] - t0) / 1e6,
                      color="tab:red", alpha=0.12, linewidth=0)
        ax.plot([], [], color="tab:red", alpha=0.3, linewidth=6,
                label="VM stopped: source STOP to destination RESUME")
    colors = ("tab:orange", "tab:purple", "tab:red", "tab:brown", "tab:olive", "tab:green")
    styles = ("--", "-", ":", "-.", "--", "-")
    span = xs[-1] - xs[0] if len(xs) > 1 else 1
    placed = []  # (x, level) of the numbers at the top, so close ones do not overlap
    for n, ((name, label), color, style) in enumerate(zip(MARKS, colors, styles), 1):
        if name not in steps:
            continue
        x = (steps[name][0] - t0) / 1e6
        for a in axes:
            a.axvline(x, color=color, linestyle=style, linewidth=1.4)
        ax.plot([], [], color=color, linestyle=style, linewidth=1.4,
                label=f"{n}  {label}, {x:+.0f} ms")
        level = 0
        while any(lv == level and abs(x - px) < span * 0.02 for px, lv in placed):
            level += 1
        placed.append((x, level))
        ax.text(x, 0.97 - 0.1 * level, str(n), transform=ax.get_xaxis_transform(),
                ha="center", va="top", fontsize=9, fontweight="bold", color=color,
                bbox={"boxstyle": "circle,pad=0.2", "facecolor": "white", "edgecolor": color})
    axes[-1].set_xlabel("time since migration start (ms), peer's kernel receive timestamps")
    ax.set_title(title, fontsize=10)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False,
              title="steps from QMP event timestamps", title_fontsize=8, alignment="left")
    for a in axes:
        a.grid(True, alpha=0.3)
    fig.tight_layout()
    paths = [f"{path_stem}.svg", f"{path_stem}.png"]
    fig.savefig(paths[0])
    fig.savefig(paths[1], dpi=110)
    plt.close(fig)
    return paths
