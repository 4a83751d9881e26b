# SPDX-License-Identifier: GPL-2.0-or-later
"""A private network namespace on the host for one test, so that tap devices
and addresses a test creates never touch the host's own network."""
import os
import subprocess


class NetnsError(Exception):
    pass


class NetNamespace:
    """A fresh network namespace, held open by a small process that exits
    when close() is called or when the test process goes away (its stdin is
    a pipe from us). Whatever was created inside dies with the namespace once
    the holder and every process started with `enter` have exited.

    As root a plain network namespace is used; otherwise also a user
    namespace with the caller mapped to root, which gives the capabilities
    ip(8) needs inside it."""

    def __init__(self):
        unshare = ["unshare", "--net"]
        nsenter = ["--net"]
        if os.geteuid() != 0:
            unshare = ["unshare", "--user", "--map-root-user", "--net"]
            nsenter = ["--user", "--net"]
        self.holder = subprocess.Popen(
            [*unshare, "sh", "-c", "echo ready && exec cat >/dev/null"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if self.holder.stdout.readline() != b"ready\n":
            self.holder.kill()
            _, err = self.holder.communicate()
            raise NetnsError(f"{' '.join(unshare)} failed: {err.decode(errors='replace')}")
        pid = self.holder.pid
        if os.readlink(f"/proc/{pid}/ns/net") == os.readlink("/proc/self/ns/net"):
            self.close()
            raise NetnsError("the holder process is still in the host's network namespace")
        # Prefix for a command that should run inside the namespace.
        self.enter = ["nsenter", f"--target={pid}", *nsenter]

    def run(self, *args, timeout=60):
        """Runs a command inside the namespace; returns its stdout."""
        proc = subprocess.run([*self.enter, *args], capture_output=True, text=True,
                              timeout=timeout)
        if proc.returncode != 0:
            raise NetnsError(f"{' '.join(args)} exited {proc.returncode}: {proc.stderr}")
        return proc.stdout

    def popen(self, *args, **kwargs):
        return subprocess.Popen([*self.enter, *args], **kwargs)

    def close(self):
        if self.holder.poll() is None:
            self.holder.stdin.close()
            try:
                self.holder.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.holder.kill()
        self.holder.wait()
        self.holder.stdout.close()
        self.holder.stderr.close()


class Host:
    """One host of a TwoHosts topology: a network namespace (`ns`) with the
    bridge `bridge` on the guests' segment and the address `mig_ip` on the
    hosts' own link, where migration streams go. QEMU runs inside it."""

    def __init__(self, topology, label, ns, mig_ip):
        self.topology = topology
        self.label = label
        self.ns = ns
        self.mig_ip = mig_ip
        self.bridge = "br0"
        self.taps = set()

    @property
    def enter(self):
        return self.ns.enter

    def tap(self, name="tap0"):
        """Creates tap device `name` on this host's bridge (once) and returns
        its name. QEMU opens it with `-netdev tap,ifname=name,...`; it stays
        when QEMU exits, so a later QEMU on the same host (a migration back)
        reuses it. One QEMU at a time: kill a migration's source before a
        new destination on its host opens the same tap, or use another."""
        if name not in self.taps:
            for cmd in (f"ip tuntap add dev {name} mode tap",
                        f"ip link set {name} mtu {self.topology.mtu} master {self.bridge}",
                        f"ip link set {name} up"):
                self.ns.run(*cmd.split())
            self.taps.add(name)
        return name

    def netdev(self, netdev_id="n0", tap="tap0"):
        """-netdev options for a tap on this host's bridge (created if needed).
        The same options name the same tap on the other host."""
        return ["-netdev", f"tap,id={netdev_id},ifname={self.tap(tap)},script=no,downscript=no"]

    def guest(self, devices, name, **kwargs):
        """A Guest (tests/lib/guest.py) whose QEMU runs on this host; killed
        when the topology is closed. With incoming="defer" it waits for
        migrate_to()."""
        from guest import Guest
        g = Guest(devices, name=name, wrapper=self.enter, **kwargs)
        self.topology.guests.append(g)
        return g

    def migration_uri(self, port=4444):
        return f"tcp:{self.mig_ip}:{port}"


class TwoHosts:
    """Two hosts on one machine, as network namespaces, and a traffic peer:

        peer (PEER_IP) --veth-- [br0 host_a] --veth "seg"-- [br0 host_b]
                                 host_a MIG_A --veth "mig"-- MIG_B host_b

    Guests' taps on either host's bridge are on one L2 segment (SUBNET, MTU
    `mtu`), which also holds the peer, a namespace of its own where
    traffic.TrafficPeer runs. The hosts have no address on the segment; their
    own link (MIG_SUBNET) carries migration streams, so QEMU on host_a
    migrates to host_b over tcp:MIG_B:<port>. The peer hangs off host_a's
    bridge: a guest on host_b reaches it over the "seg" link, as another
    machine on the same segment would.

    Nothing is created in the machine's own namespace: everything lives in
    the three namespaces and goes away with close() (or, if the test process
    dies, with the namespaces' holder processes and the QEMUs inside)."""

    SUBNET = "10.50.0"
    PEER_IP = "10.50.0.1"
    MIG_A = "10.77.0.1"
    MIG_B = "10.77.0.2"

    def __init__(self, mtu=9000):
        if os.geteuid() != 0:
            # Without root each namespace would get a user namespace of its
            # own, and a veth end cannot be moved between them.
            raise NetnsError("TwoHosts needs root (veth links between network namespaces)")
        self.mtu = mtu
        self.guests = []
        self.peers = []
        self._namespaces = []
        try:
            self._build()
        except BaseException:
            self.close()
            raise

    def _namespace(self):
        ns = NetNamespace()
        self._namespaces.append(ns)
        ns.run("ip", "link", "set", "lo", "up")
        return ns

    def _build(self):
        mtu = str(self.mtu)
        a, b, peer = self._namespace(), self._namespace(), self._namespace()
        self.host_a = Host(self, "host A", a, self.MIG_A)
        self.host_b = Host(self, "host B", b, self.MIG_B)
        self.peer_ns = peer
        for host in (self.host_a, self.host_b):
            host.ns.run("ip", "link", "add", host.bridge, "mtu", mtu, "type", "bridge")
        # The segment: the bridges joined, the peer on host_a's bridge.
        a.run("ip", "link", "add", "seg", "mtu", mtu, "type", "veth", "peer", "name", "seg",
              "mtu", mtu, "netns", str(b.holder.pid))
        a.run("ip", "link", "add", "peer", "mtu", mtu, "type", "veth", "peer", "name", "eth0",
              "mtu", mtu, "netns", str(peer.holder.pid))
        for ns, port in ((a, "seg"), (b, "seg"), (a, "peer")):
            ns.run("ip", "link", "set", port, "master", "br0", "up")
        for host in (self.host_a, self.host_b):
            host.ns.run("ip", "link", "set", host.bridge, "up")
        peer.run("ip", "addr", "add", f"{self.PEER_IP}/24", "dev", "eth0")
        peer.run("ip", "link", "set", "eth0", "up")
        # The hosts' own link.
        a.run("ip", "link", "add", "mig", "type", "veth", "peer", "name", "mig",
              "netns", str(b.holder.pid))
        a.run("ip", "addr", "add", f"{self.MIG_A}/24", "dev", "mig")
        b.run("ip", "addr", "add", f"{self.MIG_B}/24", "dev", "mig")
        a.run("ip", "link", "set", "mig", "up")
        b.run("ip", "link", "set", "mig", "up")

    def traffic_peer(self, guest_ip, **kwargs):
        """A traffic.TrafficPeer in the peer namespace, streaming to and from
        `guest_ip` (on SUBNET); killed when the topology is closed."""
        from traffic import TrafficPeer
        p = TrafficPeer(self.peer_ns, self.PEER_IP, guest_ip, **kwargs)
        self.peers.append(p)
        return p

    def migrate(self, g, dst_host, devices, name, port=4444, timeout=180):
        """Live-migrates Guest `g` to a QEMU started on `dst_host` with
        dst_host.netdev() + `devices` (the options `g` was started with, less
        its netdev), over TCP to dst_host's address on the hosts' link. Kills
        `g`'s QEMU once the migration completed, which frees its tap for a
        later QEMU on that host. Returns (the destination Guest,
        query-migrate's final answer). For cancelled or failing migrations
        use the parts: dst_host.guest(..., incoming="defer"),
        g.machine.migrate_to(dst.machine, uri=dst_host.migration_uri())."""
        dst = dst_host.guest(dst_host.netdev() + list(devices), name=name, incoming="defer")
        info = g.machine.migrate_to(dst.machine, uri=dst_host.migration_uri(port),
                                    timeout=timeout)
        g.kill()
        return dst, info

    def close(self):
        for p in self.peers:
            p.close()
        for g in self.guests:
            g.kill()
        for ns in reversed(self._namespaces):
            ns.close()
        self.peers, self.guests, self._namespaces = [], [], []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
