# SPDX-License-Identifier: GPL-2.0-or-later
"""Test traffic between a guest and a host-side peer, measured at both ends.

Two streams run at once, in both directions:

* UDP: a fixed-rate sequence stream (default 1000 packets/s); every datagram
  starts with its 8-byte little-endian sequence number;
* TCP: one long-lived connection carrying a paced byte stream each way, the
  bytes being consecutive little-endian 64-bit counters.

The guest end is `sriovnic-stream` (tests/guest/tools), driven by
`GuestStream`. The host end is `TrafficPeer`: this file run as a process of
its own inside a network namespace (`python3 traffic.py peer ...`), so that
its timing depends neither on the test process nor on a TCG guest's clock.
It records every UDP arrival's sequence number and kernel receive timestamp
(SO_TIMESTAMPNS, converted to CLOCK_MONOTONIC, the clock of
`time.monotonic_ns()` in the test) and the time and size of every TCP read.
`PeerReport` turns those into lost, duplicated and reordered packets, the
longest gap, the longest TCP stall and a per-10 ms histogram, for the whole
run or for any time window a test marked with `time.monotonic_ns()`.

Both ends count UDP packets by sequence number; "lost" is what the sender
sent that never arrived, so it is known only when both reports are in
(`udp_lost`). The streams start when the guest's TCP connection is
accepted, so neither counts packets sent before the other end was ready."""
import array
import bisect
import json
import os
import select
import shlex
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

from gap_windows import GuestGapLog

UDP_PORT = 5300
TCP_PORT = 5301
RATE = 1000          # UDP packets per second, each way
UDP_SIZE = 200       # bytes of UDP payload
TCP_RATE = 100000    # TCP bytes per second, each way (more loads a TCG guest fully)
DRAIN_S = 0.3        # how long each end keeps receiving after being stopped
# Linux's (asm-generic) value; Python's socket module does not name it.
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
SO_RCVBUFFORCE = getattr(socket, "SO_RCVBUFFORCE", 33)


# With `impaired`, the peer sends each block of ten sequence numbers as
# 0 1 2 3 4 4 5 7 6 8: per block one lost (9), one duplicated (4) and one
# reordered (6), so a test can check that the guest end counts them.
IMPAIRED_BLOCK = (0, 1, 2, 3, 4, 4, 5, 7, 6, 8)


def stream_bytes(pos, n):
    """Bytes [pos, pos + n) of the TCP stream: consecutive LE 64-bit counters."""
    first = pos // 8
    last = (pos + n + 7) // 8
    raw = array.array("Q", range(first, last))
    if sys.byteorder != "little":
        raw.byteswap()
    skip = pos - first * 8
    return raw.tobytes()[skip:skip + n]


# --- analysis ------------------------------------------------------------

def udp_summary(seqs, times, t0=None, t1=None):
    """Counts over the UDP arrivals with t0 <= time < t1 (all by default).
    `holes` are sequence numbers missing between the lowest and the highest
    received in the window (packets lost or still to come); `longest_gap_ms`
    the longest time between two arrivals in the window, also counting from
    t0 to the first and from the last to t1 when they are given."""
    lo = 0 if t0 is None else bisect.bisect_left(times, t0)
    hi = len(times) if t1 is None else bisect.bisect_left(times, t1)
    seen = set()
    duplicated = reordered = 0
    highest = -1
    for seq in seqs[lo:hi]:
        if seq in seen:
            duplicated += 1
            continue
        if seq < highest:
            reordered += 1
        seen.add(seq)
        highest = max(highest, seq)
    edges = ([t0] if t0 is not None else []) + list(times[lo:hi]) + \
        ([t1] if t1 is not None else [])
    gap = max((b - a for a, b in zip(edges, edges[1:])), default=0)
    return {"received": hi - lo, "unique": len(seen), "duplicated": duplicated,
            "reordered": reordered,
            "holes": (highest + 1 - min(seen) - len(seen)) if seen else 0,
            "longest_gap_ms": gap / 1e6}


def longest_stall_ms(times, t0=None, t1=None):
    """Longest time between two TCP reads with data in [t0, t1), the window's
    edges counting as reads."""
    lo = 0 if t0 is None else bisect.bisect_left(times, t0)
    hi = len(times) if t1 is None else bisect.bisect_left(times, t1)
    edges = ([t0] if t0 is not None else []) + list(times[lo:hi]) + \
        ([t1] if t1 is not None else [])
    return max((b - a for a, b in zip(edges, edges[1:])), default=0) / 1e6


def histogram(times, t0, t1, bin_ms=10):
    """Arrivals per `bin_ms` bin from t0 to t1 (monotonic ns): a list of counts."""
    width = int(bin_ms * 1e6)
    counts = [0] * max(1, -(-(t1 - t0) // width))
    for t in times[bisect.bisect_left(times, t0):bisect.bisect_left(times, t1)]:
        counts[(t - t0) // width] += 1
    return counts


class PeerReport:
    """What the peer recorded; times are CLOCK_MONOTONIC nanoseconds."""

    def __init__(self, summary, directory):
        self.summary = summary
        self.udp_sent = summary["udp_sent"]
        self.tcp = summary["tcp"]  # connected, broken, error, corrupt, tx/rx bytes
        self.start_ns = summary["start_ns"]
        self.stop_ns = summary["stop_ns"]

        def load(name, code):
            a = array.array(code)
            with open(os.path.join(directory, name), "rb") as f:
                a.frombytes(f.read())
            return a
        self.udp_seqs = load("udp_seq.bin", "q")
        self.udp_times = load("udp_time.bin", "q")
        self.tcp_times = load("tcp_time.bin", "q")
        self.tcp_sizes = load("tcp_size.bin", "q")

    def udp(self, t0=None, t1=None):
        return udp_summary(self.udp_seqs, self.udp_times, t0, t1)

    def tcp_stall_ms(self, t0=None, t1=None):
        return longest_stall_ms(self.tcp_times, t0, t1)

    def udp_histogram(self, t0=None, t1=None, bin_ms=10):
        return histogram(self.udp_times, t0 or self.start_ns, t1 or self.stop_ns, bin_ms)

    def tcp_histogram(self, t0=None, t1=None, bin_ms=10):
        """TCP bytes read per bin."""
        t0, t1 = t0 or self.start_ns, t1 or self.stop_ns
        width = int(bin_ms * 1e6)
        counts = [0] * max(1, -(-(t1 - t0) // width))
        for t, n in zip(self.tcp_times, self.tcp_sizes):
            if t0 <= t < t1:
                counts[(t - t0) // width] += n
        return counts

    def as_json(self):
        """The whole run's figures, as the guest reports its own."""
        return {"udp": {"sent": self.udp_sent, **self.udp()},
                "tcp": {**self.tcp, "longest_stall_ms": self.tcp_stall_ms()}}


def udp_lost(sender_sent, receiver_unique):
    """Packets the sender sent that never arrived, once both have stopped."""
    return sender_sent - receiver_unique


# --- the peer, as the test sees it ----------------------------------------

class TrafficError(Exception):
    pass


class TrafficPeer:
    """The host end of the streams: this file run in network namespace `ns`
    (a netns.NetNamespace), bound to `local_ip`, sending to `guest_ip`.
    It accepts one TCP connection (from the guest's sriovnic-stream) and
    starts both of its streams then. quiesce() stops its sending; stop()
    also stops receiving and returns a PeerReport. close() kills it."""

    def __init__(self, ns, local_ip, guest_ip, udp_port=UDP_PORT, tcp_port=TCP_PORT,
                 rate=RATE, size=UDP_SIZE, tcp_rate=TCP_RATE, impaired=False):
        self.dir = tempfile.mkdtemp(prefix="sriovnic-peer-")
        args = [sys.executable, os.path.abspath(__file__), "peer", "--dir", self.dir,
                "--local", local_ip, "--guest", guest_ip, "--udp-port", str(udp_port),
                "--tcp-port", str(tcp_port), "--rate", str(rate), "--size", str(size),
                "--tcp-rate", str(tcp_rate)] + (["--impaired"] if impaired else [])
        self.proc = ns.popen(*args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        line = self._line(10)
        if line != "ready":
            self.close()
            raise TrafficError(f"traffic peer did not start: {line!r} {self.proc.stderr.read()}")

    def _line(self, timeout):
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            raise TrafficError("traffic peer did not answer")
        return self.proc.stdout.readline().strip()

    def _command(self, cmd, timeout=30):
        self.proc.stdin.write(cmd + "\n")
        self.proc.stdin.flush()
        return self._line(timeout)

    def wait_connected(self, timeout=60):
        """Waits until the guest's TCP connection was accepted (the streams run)."""
        deadline = time.monotonic() + timeout
        while self._command("connected") != "yes":
            if time.monotonic() > deadline:
                raise TrafficError("the guest never connected to the traffic peer")
            time.sleep(0.1)

    def quiesce(self):
        self._command("quiesce")

    def stop(self):
        summary = json.loads(self._command("stop"))
        self.proc.wait(10)
        return PeerReport(summary, self.dir)

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


# --- the guest end ------------------------------------------------------------

class GuestStream:
    """sriovnic-stream in guest `g` (a guest.Guest), in the background,
    talking to the peer at `peer_ip`. snapshot() returns its counters so far
    (and starts a new window for its window_* maxima); stop() stops it and
    returns its final report. Call stop() only after the peer's quiesce(),
    so that both ends' counts are complete. With `gap_log_us`, the guest
    also logs every gap of at least that many microseconds; after stop(),
    gap_log() fetches the log as a gap_windows.GuestGapLog."""

    REPORT = "/tmp/stream.json"
    GAP_LOG = "/tmp/stream-gaps.log"

    def __init__(self, g, peer_ip, udp_port=UDP_PORT, tcp_port=TCP_PORT, rate=RATE,
                 size=UDP_SIZE, tcp_rate=TCP_RATE, drain_ms=int(DRAIN_S * 1000),
                 gap_log_us=None):
        self.g = g
        self.gap_log_us = gap_log_us
        cmd = ["sriovnic-stream", "-p", peer_ip, "-o", self.REPORT, "-u", str(udp_port),
               "-t", str(tcp_port), "-r", str(rate), "-s", str(size), "-b", str(tcp_rate),
               "-d", str(drain_ms)]
        if gap_log_us:
            cmd += ["-l", self.GAP_LOG, "-g", str(gap_log_us)]
        g.sh(f"rm -f {self.REPORT}; {shlex.join(cmd)} >/tmp/stream.log 2>&1 & "
             f"echo $! >/tmp/stream.pid")

    def _report(self, signal, timeout=10):
        status, out = self.g.run(
            f"rm -f {self.REPORT}; kill -{signal} $(cat /tmp/stream.pid) || exit 1; "
            f"i=0; while [ ! -f {self.REPORT} ] && [ $i -lt {timeout * 100} ]; do "
            f"sleep 0.01; i=$((i+1)); done; cat {self.REPORT}", timeout=timeout + 30,
            check=False)
        if status != 0:
            raise TrafficError(f"{self.g.name}: sriovnic-stream is gone: "
                               f"{self.g.sh('cat /tmp/stream.log')}\n{out}")
        return json.loads(out)

    def follow(self, g):
        """The guest now runs in `g` (e.g. the destination of a migration)."""
        self.g = g

    def snapshot(self):
        return self._report("USR1")

    def stop(self):
        return self._report("TERM")

    def gap_log(self, timeout=300):
        """The gap log of a stream started with `gap_log_us`, once stopped."""
        return GuestGapLog(self.g.sh(f"cat {self.GAP_LOG}", timeout=timeout), self.gap_log_us)


# --- the peer process ----------------------------------------------------------

def _peer_main(argv):
    import argparse
    ap = argparse.ArgumentParser(prog="traffic.py peer")
    ap.add_argument("--dir", required=True)
    ap.add_argument("--local", required=True)
    ap.add_argument("--guest", required=True)
    ap.add_argument("--udp-port", type=int, default=UDP_PORT)
    ap.add_argument("--tcp-port", type=int, default=TCP_PORT)
    ap.add_argument("--rate", type=int, default=RATE)
    ap.add_argument("--size", type=int, default=UDP_SIZE)
    ap.add_argument("--tcp-rate", type=int, default=TCP_RATE)
    ap.add_argument("--impaired", action="store_true")
    a = ap.parse_args(argv)
    # Receive timestamps must not wait for the sender threads' turn.
    sys.setswitchinterval(0.0005)
    _Peer(a).serve()


class _Peer:
    def __init__(self, a):
        self.a = a
        self.sending = True
        self.receiving = True
        self.connected = threading.Event()
        self.stop_requested = False
        self.udp_sent = 0
        self.udp_seqs = array.array("q")
        self.udp_times = array.array("q")
        self.tcp_times = array.array("q")
        self.tcp_sizes = array.array("q")
        self.tcp = {"connected": False, "broken": False, "error": "", "corrupt": False,
                    "tx_bytes": 0, "rx_bytes": 0}
        self.start_ns = time.monotonic_ns()
        # SO_TIMESTAMPNS gives CLOCK_REALTIME; the offset turns it monotonic.
        self.realtime_offset = time.clock_gettime_ns(time.CLOCK_REALTIME) - time.monotonic_ns()

        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:  # past rmem_max: a busy machine must not turn into lost packets
            self.udp.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 1 << 24)
        except OSError:
            self.udp.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 24)
        self.udp.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        self.udp.bind((a.local, a.udp_port))
        self.udp.settimeout(0.1)
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((a.local, a.tcp_port))
        self.listener.listen(1)
        self.conn = None
        self.threads = [threading.Thread(target=f, daemon=True)
                        for f in (self._udp_receive, self._udp_send, self._tcp_accept)]

    def serve(self):
        for t in self.threads:
            t.start()
        print("ready", flush=True)
        for line in sys.stdin:
            cmd = line.strip()
            if cmd == "connected":
                print("yes" if self.connected.is_set() else "no", flush=True)
            elif cmd == "quiesce":
                self.sending = False
                print("ok", flush=True)
            elif cmd == "stop":
                self.sending = False
                time.sleep(DRAIN_S)
                self.stop_requested = True
                self.receiving = False
                print(json.dumps(self._finish()), flush=True)
                return
            else:
                print(f"unknown command {cmd!r}", flush=True)
        # stdin closed: the test went away; exit without a report.

    def _finish(self):
        stop_ns = time.monotonic_ns()
        for t in self.threads:
            t.join(2)
        for name, a in (("udp_seq", self.udp_seqs), ("udp_time", self.udp_times),
                        ("tcp_time", self.tcp_times), ("tcp_size", self.tcp_sizes)):
            with open(os.path.join(self.a.dir, name + ".bin"), "wb") as f:
                a.tofile(f)
        return {"udp_sent": self.udp_sent, "tcp": self.tcp, "start_ns": self.start_ns,
                "stop_ns": stop_ns}

    def _udp_receive(self):
        cmsg_space = socket.CMSG_SPACE(16)
        while self.receiving:
            try:
                data, anc, _, _ = self.udp.recvmsg(65536, cmsg_space)
            except socket.timeout:
                continue
            t = None
            for level, kind, payload in anc:
                if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                    sec, nsec = struct.unpack("qq", payload[:16])
                    t = sec * 1000000000 + nsec - self.realtime_offset
            if len(data) < 8:
                continue
            self.udp_seqs.append(struct.unpack_from("<q", data)[0])
            self.udp_times.append(t if t is not None else time.monotonic_ns())

    def _udp_send(self):
        self.connected.wait()
        period = 1e9 / self.a.rate
        payload = bytearray(self.a.size)
        start = time.monotonic_ns()
        while self.sending:
            now = time.monotonic_ns()
            due = start + int(self.udp_sent * period)
            if due > now:
                time.sleep((due - now) / 1e9)
                continue
            if now - due > 1e9:  # this process was not scheduled: do not flood
                start = now - int(self.udp_sent * period)
            seq = self.udp_sent
            if self.a.impaired:  # udp_sent still counts every sequence number spanned
                block = IMPAIRED_BLOCK
                seq = seq - seq % len(block) + block[seq % len(block)]
            struct.pack_into("<qq", payload, 0, seq, now)
            try:
                self.udp.sendto(payload, (self.a.guest, self.a.udp_port))
            except OSError:
                pass  # counted as sent: the guest never sees it
            self.udp_sent += 1

    def _tcp_accept(self):
        self.listener.settimeout(0.2)
        while self.receiving:
            try:
                conn, _ = self.listener.accept()
                break
            except socket.timeout:
                continue
        else:
            return
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.conn = conn
        self.tcp["connected"] = True
        self.tcp_start = time.monotonic_ns()
        self.connected.set()
        sender = threading.Thread(target=self._tcp_send, daemon=True)
        sender.start()
        self._tcp_receive()
        sender.join(2)

    def _broken(self, why):
        if not self.stop_requested and not self.tcp["broken"]:
            self.tcp["broken"] = True
            self.tcp["error"] = why

    def _tcp_receive(self):
        self.conn.settimeout(0.1)
        while self.receiving:
            try:
                data = self.conn.recv(65536)
            except socket.timeout:
                continue
            except OSError as e:
                self._broken(f"recv: {e}")
                return
            if not data:
                if self.sending:  # the guest closes only after it was stopped
                    self._broken("closed by the guest")
                return
            now = time.monotonic_ns()
            if not self.tcp["corrupt"] and data != stream_bytes(self.tcp["rx_bytes"], len(data)):
                self.tcp["corrupt"] = True
            self.tcp["rx_bytes"] += len(data)
            self.tcp_times.append(now)
            self.tcp_sizes.append(len(data))

    def _tcp_send(self):
        sent = 0
        while self.sending and not self.tcp["broken"]:
            due = (time.monotonic_ns() - self.tcp_start) * self.a.tcp_rate // 1000000000
            n = min(due - sent, 65536)
            if n <= 0:
                time.sleep(0.001)
                continue
            data = memoryview(stream_bytes(sent, n))
            while data and self.sending:
                try:
                    # send, not sendall: with the socket's timeout, sendall may
                    # have sent part of the data without saying how much.
                    done = self.conn.send(data)
                except socket.timeout:
                    continue
                except OSError as e:
                    self._broken(f"send: {e}")
                    return
                data = data[done:]
                sent += done
                self.tcp["tx_bytes"] = sent


if __name__ == "__main__":
    if sys.argv[1:2] != ["peer"]:
        sys.exit("usage: traffic.py peer --dir DIR --local IP --guest IP [...]")
    _peer_main(sys.argv[2:])
