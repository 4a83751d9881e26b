// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sriovnic-stream: the guest end of the test traffic (tests/lib/traffic.py is
 * the host end). Connects a TCP stream to the peer, then sends and receives
 * at the same time, until told to stop:
 *
 *   - UDP: a fixed-rate sequence stream to the peer (8-byte sequence number,
 *     little-endian, first in every datagram), and the peer's stream
 *     received on the same port: counted for lost, duplicated and reordered
 *     packets and the longest gap between two arrivals;
 *   - TCP: one connection carrying a paced byte stream each way, the bytes
 *     being consecutive little-endian 64-bit counters, checked on receipt;
 *     reports a broken connection and the longest stall between two reads.
 *
 *   sriovnic-stream -p PEER_IP -o REPORT [-u UDP_PORT] [-t TCP_PORT]
 *                   [-r UDP_PPS] [-s UDP_BYTES] [-b TCP_BYTES_PER_S] [-d DRAIN_MS]
 *                   [-l GAP_LOG [-g MIN_GAP_US]]
 *
 * Runs in the background; SIGUSR1 writes a snapshot of the counters to REPORT
 * (as JSON, replacing the file atomically) and starts a new window for the
 * "window_" maxima; SIGTERM stops sending, keeps receiving for DRAIN_MS,
 * writes the final report and exits.
 *
 * With -l, the final report also writes GAP_LOG, from which the host finds
 * the longest gap in any window of its own clock (tests/lib/gap_windows.py):
 * one line per gap of at least MIN_GAP_US (default 5000) between two UDP
 * arrivals ("u FROM TO", kernel receive timestamps) or two TCP reads
 * ("t FROM TO"), every UDP arrival that skips sequence numbers past the
 * highest seen ("h AT SKIPPED NEVER": how many it skipped, and how many of
 * those had not arrived by the final report: lost), and per
 * 250 ms the arrival whose kernel timestamp is closest to the send time the
 * peer wrote into the datagram ("o AT DELTA": DELTA = AT - the peer's
 * CLOCK_MONOTONIC send time). Times are microseconds of this machine's
 * CLOCK_MONOTONIC.
 */
#define _GNU_SOURCE /* ppoll */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_UDP_BYTES 8972
#define MAX_SEQ (1u << 28) /* about three days at 1000 pps: anything above is garbage */
#define MAX_BURST 64       /* UDP packets sent at once when late */
#define CONNECT_RETRY_NS 200000000LL
#define CONNECT_GIVE_UP_NS 60000000000LL
#define OFFSET_BUCKET_NS 250000000LL

struct options {
	struct sockaddr_in peer_udp, peer_tcp;
	uint16_t udp_port;
	unsigned int rate, size, drain_ms;
	uint64_t tcp_rate;
	const char *report;
	const char *gap_log;
	int64_t min_gap_ns;
};

/* What -l writes: see the head of this file. */
struct gap_record {
	char kind; /* 'u', 't', 'h' or 'o' */
	int64_t a_ns, b_ns;
	uint64_t first_skipped, skipped; /* 'h' (whose b_ns is unused) */
};

struct gap_log {
	struct gap_record *records;
	size_t count, capacity;
	int64_t last_udp_ns; /* kernel timestamp of the last UDP arrival */
	int64_t bucket_end_ns;
	struct gap_record best; /* this bucket's smallest arrival - send time */
	bool have_best;
	int64_t realtime_to_monotonic_ns;
};

struct udp_rx {
	uint8_t *seen; /* bitmap by sequence number */
	size_t seen_bytes;
	uint64_t received, unique, duplicated, reordered, bad, highest;
	int64_t last_ns, longest_gap_ns, window_gap_ns;
};

struct tcp_state {
	int fd;
	bool connected, broken, corrupt;
	bool blocked; /* the last send did not take everything due: wait for POLLOUT */
	char error[96];
	int64_t next_try_ns, connected_ns;
	uint64_t tx_bytes, rx_bytes;
	int64_t last_rx_ns, longest_stall_ns, window_stall_ns;
};

static struct options opt;
static struct udp_rx urx;
static struct tcp_state tcp = { .fd = -1 };
static struct gap_log gaps;
static uint64_t udp_sent, udp_send_errors;
static int64_t start_ns, send_start_ns;
static bool sending = true;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* SO_TIMESTAMPNS stamps CLOCK_REALTIME; nothing steps this machine's clock. */
static int64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "sriovnic-stream: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void usage(void)
{
	fprintf(stderr, "usage: sriovnic-stream -p PEER_IP -o REPORT [-u UDP_PORT] [-t TCP_PORT] "
			"[-r UDP_PPS] [-s UDP_BYTES] [-b TCP_BYTES_PER_S] [-d DRAIN_MS] "
			"[-l GAP_LOG [-g MIN_GAP_US]]\n");
	exit(2);
}

static unsigned long number(const char *arg, const char *name, unsigned long lo, unsigned long hi)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || *end || v < lo || v > hi) {
		fprintf(stderr, "sriovnic-stream: %s must be %lu..%lu (got '%s')\n", name, lo, hi, arg);
		exit(2);
	}
	return v;
}

static void parse(int argc, char **argv)
{
	const char *peer = NULL;
	unsigned int tcp_port = 5301;
	int c;

	opt.udp_port = 5300;
	opt.rate = 1000;
	opt.size = 200;
	opt.tcp_rate = 100000;
	opt.drain_ms = 300;
	opt.min_gap_ns = 5000000;
	while ((c = getopt(argc, argv, "p:o:u:t:r:s:b:d:l:g:")) != -1) {
		switch (c) {
		case 'p': peer = optarg; break;
		case 'o': opt.report = optarg; break;
		case 'u': opt.udp_port = number(optarg, "-u", 1, 65535); break;
		case 't': tcp_port = number(optarg, "-t", 1, 65535); break;
		case 'r': opt.rate = number(optarg, "-r", 1, 100000); break;
		case 's': opt.size = number(optarg, "-s", 16, MAX_UDP_BYTES); break;
		case 'b': opt.tcp_rate = number(optarg, "-b", 0, 1000000000); break;
		case 'd': opt.drain_ms = number(optarg, "-d", 0, 60000); break;
		case 'l': opt.gap_log = optarg; break;
		case 'g': opt.min_gap_ns = number(optarg, "-g", 1, 60000000) * 1000LL; break;
		default: usage();
		}
	}
	if (!peer || !opt.report || optind != argc)
		usage();
	opt.peer_udp.sin_family = AF_INET;
	opt.peer_udp.sin_port = htons(opt.udp_port);
	if (inet_pton(AF_INET, peer, &opt.peer_udp.sin_addr) != 1) {
		fprintf(stderr, "sriovnic-stream: -p must be an IPv4 address (got '%s')\n", peer);
		exit(2);
	}
	opt.peer_tcp = opt.peer_udp;
	opt.peer_tcp.sin_port = htons(tcp_port);
}

static void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = v >> (8 * i);
}

static uint64_t get_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* The byte at `pos` of the TCP stream: consecutive little-endian counters. */
static uint8_t stream_byte(uint64_t pos)
{
	return (pos / 8) >> (8 * (pos % 8));
}

/* --- gap log (-l) ------------------------------------------------------- */

/* How many of the `count` sequence numbers from `first` never arrived. */
static uint64_t udp_never_seen(uint64_t first, uint64_t count)
{
	uint64_t never = 0;

	for (uint64_t seq = first; seq < first + count; seq++)
		if (seq / 8 >= urx.seen_bytes || !(urx.seen[seq / 8] & (1u << (seq % 8))))
			never++;
	return never;
}

static void gap_add(char kind, int64_t a_ns, int64_t b_ns)
{
	if (gaps.count == gaps.capacity) {
		size_t n = gaps.capacity ? 2 * gaps.capacity : 4096;
		struct gap_record *r = realloc(gaps.records, n * sizeof(*r));

		if (!r)
			die("realloc");
		gaps.records = r;
		gaps.capacity = n;
	}
	gaps.records[gaps.count++] = (struct gap_record){ .kind = kind, .a_ns = a_ns, .b_ns = b_ns };
}

static void gap_note(char kind, int64_t last_ns, int64_t now_ns)
{
	if (opt.gap_log && last_ns && now_ns - last_ns >= opt.min_gap_ns)
		gap_add(kind, last_ns, now_ns);
}

/*
 * A UDP arrival of `seq` at kernel time `at` that skipped the `skipped`
 * sequence numbers before it, which the peer sent at its `sent_ns`.
 */
static void gap_udp_arrival(int64_t at, uint64_t seq, uint64_t skipped, int64_t sent_ns)
{
	int64_t delta = at - sent_ns;

	if (!opt.gap_log)
		return;
	gap_note('u', gaps.last_udp_ns, at);
	if (skipped) {
		gap_add('h', at, 0);
		gaps.records[gaps.count - 1].first_skipped = seq - skipped;
		gaps.records[gaps.count - 1].skipped = skipped;
	}
	if (at > gaps.last_udp_ns)
		gaps.last_udp_ns = at;
	if (at >= gaps.bucket_end_ns) {
		if (gaps.have_best)
			gap_add('o', gaps.best.a_ns, gaps.best.b_ns);
		gaps.have_best = false;
		gaps.bucket_end_ns = at + OFFSET_BUCKET_NS;
	}
	if (sent_ns > 0 && (!gaps.have_best || delta < gaps.best.b_ns)) {
		gaps.best = (struct gap_record){ .kind = 'o', .a_ns = at, .b_ns = delta };
		gaps.have_best = true;
	}
}

static void write_gap_log(void)
{
	char tmp[512];
	FILE *f;

	if (!opt.gap_log)
		return;
	if (gaps.have_best)
		gap_add('o', gaps.best.a_ns, gaps.best.b_ns);
	gaps.have_best = false;
	snprintf(tmp, sizeof(tmp), "%s.tmp", opt.gap_log);
	f = fopen(tmp, "w");
	if (!f)
		die(tmp);
	for (size_t i = 0; i < gaps.count; i++) {
		const struct gap_record *r = &gaps.records[i];

		if (r->kind == 'h')
			fprintf(f, "h %lld %" PRIu64 " %" PRIu64 "\n", (long long)(r->a_ns / 1000),
				r->skipped, udp_never_seen(r->first_skipped, r->skipped));
		else
			fprintf(f, "%c %lld %lld\n", r->kind, (long long)(r->a_ns / 1000),
				(long long)(r->b_ns / 1000));
	}
	if (fclose(f) || rename(tmp, opt.gap_log))
		die(opt.gap_log);
}

/* --- UDP ---------------------------------------------------------------- */

static void udp_send_due(int fd, int64_t now)
{
	static uint8_t buf[MAX_UDP_BYTES];
	uint64_t due = (unsigned __int128)(now - send_start_ns) * opt.rate / 1000000000u + 1;
	int burst = 0;

	while (udp_sent < due && burst++ < MAX_BURST) {
		put_le64(buf, udp_sent);
		put_le64(buf + 8, (uint64_t)now);
		if (sendto(fd, buf, opt.size, 0, (struct sockaddr *)&opt.peer_udp,
			   sizeof(opt.peer_udp)) < 0)
			udp_send_errors++; /* still a sequence number the peer never sees */
		udp_sent++;
	}
	if (udp_sent < due) /* far behind (the guest was not running): do not flood */
		send_start_ns = now - (int64_t)(udp_sent * 1000000000ULL / opt.rate);
}

/* Counts an arrival; returns how many sequence numbers it skipped. */
static uint64_t udp_account(uint64_t seq, int64_t now)
{
	size_t byte = seq / 8;
	uint64_t skipped;

	if (seq >= MAX_SEQ) {
		urx.bad++;
		return 0;
	}
	if (byte >= urx.seen_bytes) {
		size_t n = urx.seen_bytes ? urx.seen_bytes : 4096;

		while (n <= byte)
			n *= 2;
		urx.seen = realloc(urx.seen, n);
		if (!urx.seen)
			die("realloc");
		memset(urx.seen + urx.seen_bytes, 0, n - urx.seen_bytes);
		urx.seen_bytes = n;
	}
	urx.received++;
	if (urx.last_ns) {
		int64_t gap = now - urx.last_ns;

		if (gap > urx.longest_gap_ns)
			urx.longest_gap_ns = gap;
		if (gap > urx.window_gap_ns)
			urx.window_gap_ns = gap;
	}
	urx.last_ns = now;
	if (urx.seen[byte] & (1u << (seq % 8))) {
		urx.duplicated++;
		return 0;
	}
	urx.seen[byte] |= 1u << (seq % 8);
	urx.unique++;
	if (urx.unique > 1 && seq < urx.highest)
		urx.reordered++;
	skipped = urx.unique > 1 && seq > urx.highest + 1 ? seq - urx.highest - 1 : 0;
	if (seq > urx.highest || urx.unique == 1)
		urx.highest = seq;
	return skipped;
}

/* The kernel's receive timestamp of `msg` on CLOCK_MONOTONIC, or `fallback`. */
static int64_t kernel_rx_ns(struct msghdr *msg, int64_t fallback)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPNS) {
			struct timespec ts;

			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec -
			       gaps.realtime_to_monotonic_ns;
		}
	}
	return fallback;
}

static void udp_receive(int fd)
{
	uint8_t buf[MAX_UDP_BYTES + 1];
	union {
		char space[CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	for (;;) {
		uint64_t seq, skipped;
		int64_t now;

		msg.msg_control = control.space;
		msg.msg_controllen = sizeof(control.space);
		n = recvmsg(fd, &msg, MSG_DONTWAIT);
		if (n < 0)
			break;
		if (n < 8) {
			urx.bad++;
			continue;
		}
		now = now_ns();
		seq = get_le64(buf);
		skipped = udp_account(seq, now);
		gap_udp_arrival(kernel_rx_ns(&msg, now), seq, skipped,
				n >= 16 ? (int64_t)get_le64(buf + 8) : 0);
	}
}

/* --- TCP ---------------------------------------------------------------- */

static void tcp_break(const char *why, int err)
{
	if (tcp.broken)
		return;
	tcp.broken = true;
	snprintf(tcp.error, sizeof(tcp.error), "%s%s%s", why, err ? ": " : "", err ? strerror(err) : "");
	close(tcp.fd);
	tcp.fd = -1;
}

static void tcp_try_connect(int64_t now)
{
	int one = 1;

	if (tcp.fd >= 0 || tcp.connected || now < tcp.next_try_ns)
		return;
	if (now - start_ns > CONNECT_GIVE_UP_NS) {
		tcp.connected = true; /* stop trying; reported as broken */
		tcp_break("never connected", 0);
		send_start_ns = now; /* UDP still tells what it can */
		return;
	}
	tcp.next_try_ns = now + CONNECT_RETRY_NS;
	tcp.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (tcp.fd < 0)
		die("socket");
	setsockopt(tcp.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(tcp.fd, (struct sockaddr *)&opt.peer_tcp, sizeof(opt.peer_tcp)) < 0 &&
	    errno != EINPROGRESS) {
		close(tcp.fd);
		tcp.fd = -1;
	}
}

/* A non-blocking connect finished (POLLOUT): did it succeed? */
static void tcp_connect_done(int64_t now)
{
	int err = 0;
	socklen_t len = sizeof(err);

	getsockopt(tcp.fd, SOL_SOCKET, SO_ERROR, &err, &len);
	if (err) {
		close(tcp.fd); /* the peer is not listening yet: try again */
		tcp.fd = -1;
		return;
	}
	tcp.connected = true;
	tcp.connected_ns = now;
	send_start_ns = now; /* both streams start together */
}

static void tcp_send_due(int64_t now)
{
	uint8_t buf[16384];
	uint64_t due = (unsigned __int128)(now - tcp.connected_ns) * opt.tcp_rate / 1000000000u;
	uint64_t want = due > tcp.tx_bytes ? due - tcp.tx_bytes : 0;
	ssize_t n;

	if (want > sizeof(buf))
		want = sizeof(buf);
	if (!want)
		return;
	for (uint64_t i = 0; i < want; i++)
		buf[i] = stream_byte(tcp.tx_bytes + i);
	n = send(tcp.fd, buf, want, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n > 0)
		tcp.tx_bytes += n;
	else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
		tcp_break("send", errno);
	tcp.blocked = n < (ssize_t)want;
}

static void tcp_receive(int64_t now)
{
	uint8_t buf[65536];
	ssize_t n = recv(tcp.fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (n == 0) {
		tcp_break("closed by the peer", 0);
		return;
	}
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			tcp_break("recv", errno);
		return;
	}
	for (ssize_t i = 0; i < n && !tcp.corrupt; i++)
		if (buf[i] != stream_byte(tcp.rx_bytes + i))
			tcp.corrupt = true;
	tcp.rx_bytes += n;
	gap_note('t', tcp.last_rx_ns, now);
	if (tcp.last_rx_ns) {
		int64_t stall = now - tcp.last_rx_ns;

		if (stall > tcp.longest_stall_ns)
			tcp.longest_stall_ns = stall;
		if (stall > tcp.window_stall_ns)
			tcp.window_stall_ns = stall;
	}
	tcp.last_rx_ns = now;
}

/* --- report ------------------------------------------------------------- */

static long long us(int64_t ns) { return ns / 1000; }

static void write_report(bool final)
{
	char tmp[512];
	int64_t now = now_ns();
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", opt.report);
	f = fopen(tmp, "w");
	if (!f)
		die(tmp);
	fprintf(f, "{\"final\": %s, \"elapsed_us\": %lld, \"rate\": %u, \"size\": %u,\n",
		final ? "true" : "false", us(now - start_ns), opt.rate, opt.size);
	fprintf(f, " \"udp\": {\"sent\": %" PRIu64 ", \"send_errors\": %" PRIu64
		", \"received\": %" PRIu64 ", \"unique\": %" PRIu64 ", \"duplicated\": %" PRIu64
		", \"reordered\": %" PRIu64 ", \"bad\": %" PRIu64 ", \"highest\": %lld"
		", \"holes\": %" PRIu64 ", \"longest_gap_us\": %lld, \"window_longest_gap_us\": %lld"
		", \"since_last_us\": %lld},\n",
		udp_sent, udp_send_errors, urx.received, urx.unique, urx.duplicated, urx.reordered,
		urx.bad, urx.unique ? (long long)urx.highest : -1LL,
		urx.unique ? urx.highest + 1 - urx.unique : 0, us(urx.longest_gap_ns),
		us(urx.window_gap_ns), urx.last_ns ? us(now - urx.last_ns) : -1LL);
	fprintf(f, " \"tcp\": {\"connected\": %s, \"broken\": %s, \"error\": \"%s\", \"corrupt\": %s"
		", \"tx_bytes\": %" PRIu64 ", \"rx_bytes\": %" PRIu64 ", \"longest_stall_us\": %lld"
		", \"window_longest_stall_us\": %lld, \"since_last_us\": %lld}}\n",
		tcp.connected ? "true" : "false", tcp.broken ? "true" : "false", tcp.error,
		tcp.corrupt ? "true" : "false", tcp.tx_bytes, tcp.rx_bytes,
		us(tcp.longest_stall_ns), us(tcp.window_stall_ns),
		tcp.last_rx_ns ? us(now - tcp.last_rx_ns) : -1LL);
	if (fclose(f) || rename(tmp, opt.report))
		die(opt.report);
	urx.window_gap_ns = 0;
	tcp.window_stall_ns = 0;
}

static int open_udp(void)
{
	struct sockaddr_in local = { .sin_family = AF_INET, .sin_port = htons(opt.udp_port) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	int bufsize = 1 << 24;
	int one = 1;

	if (fd < 0)
		die("socket");
	if (opt.gap_log && setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) < 0)
		die("SO_TIMESTAMPNS");
	/*
	 * At MTU 9000 every small datagram holds a jumbo receive buffer: with the
	 * default limit a few ms without this process running would overflow the
	 * socket and be counted as lost on the network. Root may go past rmem_max.
	 */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bufsize, sizeof(bufsize)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsize, sizeof(bufsize));
	if (bind(fd, (struct sockaddr *)&local, sizeof(local)) < 0)
		die("bind");
	return fd;
}

static int open_signals(void)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		die("sigprocmask");
	fd = signalfd(-1, &set, SFD_NONBLOCK);
	if (fd < 0)
		die("signalfd");
	return fd;
}

/* Returns true once SIGTERM or SIGINT arrived. */
static bool handle_signals(int fd)
{
	struct signalfd_siginfo si;
	bool stop = false;

	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGUSR1)
			write_report(false);
		else
			stop = true;
	}
	return stop;
}

int main(int argc, char **argv)
{
	int udp, sig;
	int64_t drain_until = 0;

	parse(argc, argv);
	udp = open_udp();
	sig = open_signals();
	start_ns = now_ns();
	gaps.realtime_to_monotonic_ns = realtime_ns() - start_ns;

	for (;;) {
		struct pollfd pfd[3] = {
			{ .fd = sig, .events = POLLIN },
			{ .fd = udp, .events = POLLIN },
			{ .fd = tcp.fd, .events = POLLIN },
		};
		int64_t now = now_ns(), next;
		struct timespec timeout;

		if (drain_until && now >= drain_until)
			break;
		tcp_try_connect(now);
		pfd[2].fd = tcp.fd;
		if (tcp.fd >= 0 && (!tcp.connected || (sending && tcp.blocked)))
			pfd[2].events |= POLLOUT;
		if (tcp.connected && sending)
			udp_send_due(udp, now);

		/* Wake for the next UDP packet, a connect retry or every 1 ms for TCP pacing. */
		next = now + 1000000;
		if (tcp.connected && sending) {
			int64_t udp_next = send_start_ns +
					   (int64_t)(udp_sent * 1000000000ULL / opt.rate);
			if (udp_next < next)
				next = udp_next;
		}
		if (drain_until && drain_until < next)
			next = drain_until;
		if (next < now)
			next = now;
		timeout.tv_sec = (next - now) / 1000000000LL;
		timeout.tv_nsec = (next - now) % 1000000000LL;
		if (ppoll(pfd, 3, &timeout, NULL) < 0 && errno != EINTR)
			die("ppoll");
		now = now_ns();

		if (pfd[1].revents & POLLIN)
			udp_receive(udp);
		if (tcp.fd >= 0 && !tcp.connected && (pfd[2].revents & (POLLOUT | POLLERR | POLLHUP)))
			tcp_connect_done(now);
		else if (tcp.fd >= 0 && tcp.connected) {
			if (pfd[2].revents & (POLLIN | POLLERR | POLLHUP))
				tcp_receive(now);
			if (tcp.fd >= 0 && sending && opt.tcp_rate)
				tcp_send_due(now);
		}
		if ((pfd[0].revents & POLLIN) && handle_signals(sig) && sending) {
			sending = false;
			drain_until = now + (int64_t)opt.drain_ms * 1000000LL;
		}
	}
	write_gap_log();
	write_report(true);
	return 0;
}
