# SPDX-License-Identifier: GPL-2.0-or-later
"""The longest gap in windows of the test's clock, at both ends of the
streams of tests/lib/traffic.py, and how those compare over many windows.

A test marks windows with `time.monotonic_ns()` (the peer's clock, see
traffic.py): some around an event (a switch of the data path), as many of the
same length where nothing happens. `window_figures` gives, per window, the
longest UDP gap and the longest TCP stall each way; `distribution` and
`comparison_lines` turn the figures of the two sets into median / p90 / max.

The peer's figures come from its `PeerReport`. The guest's come from
`GuestGapLog`: `sriovnic-stream -l` records every gap of at least MIN_GAP_US
between two UDP arrivals (the guest kernel's receive timestamps) or two TCP
reads, on the guest's clock, and per 250 ms the arrival that came closest
to the peer's send time written into it. The smallest such difference
around a time is the offset between the clocks plus the shortest one-way
delay, so a guest time minus it is the test's clock to within that delay
(well under a millisecond on the segment) and the drift of a TCG guest's
clock over a second; the offset is taken from the samples within a second
either side, so the drift over a long run does not add up."""
import bisect
import math

OFFSET_SPAN_NS = 1_000_000_000

# The four figures of a window: (key, what it measures).
FIGURES = (
    ("udp_at_peer", "UDP guest->peer, longest gap at the peer"),
    ("udp_in_guest", "UDP peer->guest, longest gap in the guest"),
    ("tcp_at_peer", "TCP guest->peer, longest stall at the peer"),
    ("tcp_in_guest", "TCP peer->guest, longest stall in the guest"),
)


class GuestGapLog:
    """sriovnic-stream's gap log (its text), times in the test's clock (ns)."""

    def __init__(self, text, min_gap_us):
        self.min_gap_ms = min_gap_us / 1000
        raw = {"u": [], "t": [], "o": [], "h": []}
        for line in text.splitlines():
            kind, *values = line.split()
            if kind == "h" and len(values) == 3:  # time, skipped, of those lost
                raw["h"].append((int(values[0]) * 1000, int(values[1]), int(values[2])))
            elif kind in raw and len(values) == 2:
                raw[kind].append((int(values[0]) * 1000, int(values[1]) * 1000))
        self.records = sum(map(len, raw.values()))
        offsets = sorted(raw["o"])
        if not offsets:
            raise ValueError("the guest's gap log has no clock samples: no UDP arrived")
        self._offset_at = [at for at, _ in offsets]
        self._offset = [delta for _, delta in offsets]
        self.udp = self._spans(raw["u"])
        self.tcp = self._spans(raw["t"])
        skips = sorted((self.to_host(at), skipped, lost) for at, skipped, lost in raw["h"])
        self._skip_at = [at for at, _, _ in skips]
        self._skips = [(skipped, lost) for _, skipped, lost in skips]

    def to_host(self, guest_ns):
        """A time of the guest's CLOCK_MONOTONIC on the test's clock."""
        lo = bisect.bisect_left(self._offset_at, guest_ns - OFFSET_SPAN_NS)
        hi = bisect.bisect_right(self._offset_at, guest_ns + OFFSET_SPAN_NS)
        if lo == hi:  # no sample that close: the nearest one
            i = min(lo, len(self._offset_at) - 1)
            if i > 0 and guest_ns - self._offset_at[i - 1] < self._offset_at[i] - guest_ns:
                i -= 1
            lo, hi = i, i + 1
        return guest_ns - min(self._offset[lo:hi])

    def _spans(self, pairs):
        """Gaps as (start, end) on the test's clock, in order, with their ends."""
        spans = sorted((self.to_host(a), self.to_host(b)) for a, b in pairs)
        return spans, [end for _, end in spans]

    @staticmethod
    def _longest(spans, t0, t1):
        """(ms, start) of the longest span in [t0, t1), clipped to it;
        (None, None) if there is none."""
        starts_ends, ends = spans
        longest = (0, None)
        for start, end in starts_ends[bisect.bisect_right(ends, t0):]:
            if start >= t1:
                break
            longest = max(longest, (min(end, t1) - max(start, t0), max(start, t0)))
        return (longest[0] / 1e6, longest[1]) if longest[0] else (None, None)

    def udp_gap(self, t0, t1):
        """(ms, start) of the longest gap between UDP arrivals in [t0, t1),
        clipped to it; (None, None) if none reached the log's minimum."""
        return self._longest(self.udp, t0, t1)

    def tcp_stall(self, t0, t1):
        return self._longest(self.tcp, t0, t1)

    def udp_gap_ms(self, t0, t1):
        return self.udp_gap(t0, t1)[0]

    def tcp_stall_ms(self, t0, t1):
        return self.tcp_stall(t0, t1)[0]

    def skipped(self, t0=None, t1=None):
        """(skipped, lost): the UDP sequence numbers that arrivals in
        [t0, t1) (all by default) skipped, and how many of those never came."""
        lo = 0 if t0 is None else bisect.bisect_left(self._skip_at, t0)
        hi = len(self._skip_at) if t1 is None else bisect.bisect_left(self._skip_at, t1)
        return tuple(map(sum, zip((0, 0), *self._skips[lo:hi])))


def longest_gap(times, t0, t1):
    """(ms, start) of the longest time between two of `times` (sorted) in
    [t0, t1), the window's edges counting as times: as PeerReport measures."""
    lo, hi = bisect.bisect_left(times, t0), bisect.bisect_left(times, t1)
    edges = [t0, *times[lo:hi], t1]
    return max(((b - a) / 1e6, a) for a, b in zip(edges, edges[1:]))


def window_figures(peer_report, guest_log, t0, t1):
    """The four FIGURES of the window [t0, t1) in ms, where each of those
    gaps starts (`starts`, None if unknown) and the UDP packets missing at
    the peer and skipped (and lost) in the guest. A guest figure below the log's
    minimum gap is given as that minimum (an upper bound), and counted in
    `below_log_minimum`."""
    spans = {"udp_at_peer": longest_gap(peer_report.udp_times, t0, t1),
             "udp_in_guest": guest_log.udp_gap(t0, t1),
             "tcp_at_peer": longest_gap(peer_report.tcp_times, t0, t1),
             "tcp_in_guest": guest_log.tcp_stall(t0, t1)}
    figures = {key: guest_log.min_gap_ms if ms is None else ms for key, (ms, _) in spans.items()}
    figures.update(starts={key: start for key, (_, start) in spans.items()},
                   below_log_minimum=sum(ms is None for ms, _ in spans.values()),
                   missing_at_peer=peer_report.udp(t0, t1)["holes"],
                   skipped_in_guest=guest_log.skipped(t0, t1))  # (skipped, of those lost)
    return figures


def percentile(values, p):
    """The nearest-rank p-th percentile (p90 of 20 values: the 18th smallest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def distribution(values):
    """count, median, p90 and max of `values` (ms)."""
    values = list(values)
    if not values:
        return {"count": 0, "median": math.nan, "p90": math.nan, "max": math.nan}
    return {"count": len(values), "median": percentile(values, 50),
            "p90": percentile(values, 90), "max": max(values)}


STATS = ("median", "p90", "max")


def verdict(switch, control):
    """'met' when the switch windows' median, p90 and max are each no longer
    than the control windows'; otherwise which ones missed, and by how much."""
    missed = [f"{s} by {switch[s] - control[s]:.1f} ms" for s in STATS
              if switch[s] > control[s]]
    return "met" if not missed else "missed: " + ", ".join(missed)


def by_kind_lines(kinds):
    """median / p90 / max of each FIGURE for each kind of window: `kinds` is
    a list of (name, windows)."""
    heads = [f"{name} (n={len(windows)})" for name, windows in kinds]
    width = max(22, *map(len, heads))
    lines = [f"{'median / p90 / max, ms':<44} |" + "".join(f" {h:>{width}} |" for h in heads)]
    for key, what in FIGURES:
        cells = []
        for _, windows in kinds:
            d = distribution(w[key] for w in windows)
            text = " / ".join(f"{d[stat]:.1f}" for stat in STATS)
            cells.append(f" {text:>{width}} |")
        lines.append(f"{what:<44} |" + "".join(cells))
    return lines


def comparison_lines(switch_windows, control_windows, switch_name="switch",
                     control_name="control"):
    """A table, one row per FIGURE: the distribution over the switch windows
    and over the control windows side by side, and the verdict. Each window
    is a dict of the FIGURES (window_figures)."""
    head = (f"{'longest gap per window, ms':<44} | {switch_name + ' windows':^28} | "
            f"{control_name + ' windows':^28} | switch no worse than control?")
    sub = f"{'':<44} | " + " | ".join([f"{'n':>4} {'median':>7} {'p90':>7} {'max':>7}"] * 2) + " |"
    lines = [head, sub, "-" * len(head)]
    for key, what in FIGURES:
        s = distribution(w[key] for w in switch_windows)
        c = distribution(w[key] for w in control_windows)
        cells = [f"{d['count']:>4} {d['median']:>7.1f} {d['p90']:>7.1f} {d['max']:>7.1f}"
                 for d in (s, c)]
        lines.append(f"{what:<44} | {cells[0]} | {cells[1]} | {verdict(s, c)}")
    return lines
