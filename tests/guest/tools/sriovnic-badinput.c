// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sriovnic-badinput: drives a sriovnic function that has no driver bound
 * from guest user space and feeds it malformed descriptors, rings and
 * register values, then prints what the device reported.
 *
 *   sriovnic-badinput <pci-address> <scenario>
 *
 * Rings and buffers live in locked anonymous memory whose guest-physical
 * addresses come from /proc/self/pagemap (root only). Output: key=value lines.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sriovnic/desc.h"
#include "sriovnic/regs.h"

#define PAGE 4096u
#define PAGES 64u

static volatile uint32_t *regs;
static uint8_t *mem;
static uint64_t phys[PAGES];

static void die(const char *what)
{
	fprintf(stderr, "sriovnic-badinput: %s: %s\n", what, strerror(errno));
	exit(2);
}

static uint32_t rd(uint32_t reg) { return regs[reg / 4]; }
static void wr(uint32_t reg, uint32_t v) { regs[reg / 4] = v; }
static uint32_t qrd(uint32_t reg) { return rd(SRIOVNIC_REG_QUEUE(0, reg)); }
static void qwr(uint32_t reg, uint32_t v) { wr(SRIOVNIC_REG_QUEUE(0, reg), v); }
static uint64_t stat(unsigned s)
{
	return rd(SRIOVNIC_REG_STAT(s)) | (uint64_t)rd(SRIOVNIC_REG_STAT(s) + 4) << 32;
}

/*
 * Sends a mailbox request of words w0..w2 (the rest 0) and waits up to 2 s
 * for the PF's reply, which it copies to `out` (all 0 if none came).
 */
static void mbx_request(uint32_t w0, uint32_t w1, uint32_t w2, uint32_t *out)
{
	unsigned int i;

	for (i = 0; i < SRIOVNIC_MBX_WORDS; i++)
		wr(SRIOVNIC_REG_MBX_VF_MSG(i), i == 0 ? w0 : i == 1 ? w1 : i == 2 ? w2 : 0);
	wr(SRIOVNIC_REG_MBX_CTRL, SRIOVNIC_MBX_CTRL_SEND);
	for (i = 0; i < 200 && !(rd(SRIOVNIC_REG_MBX_STATUS) & SRIOVNIC_MBX_STATUS_MSG); i++)
		usleep(10000);
	for (i = 0; i < SRIOVNIC_MBX_WORDS; i++)
		out[i] = rd(SRIOVNIC_REG_MBX_STATUS) & SRIOVNIC_MBX_STATUS_MSG ?
			 rd(SRIOVNIC_REG_MBX_PF_MSG(i)) : 0;
	wr(SRIOVNIC_REG_MBX_CTRL, SRIOVNIC_MBX_CTRL_ACK);
}

static void map_device(const char *bdf)
{
	char path[256];
	int fd;
	uint16_t cmd = 0x6; /* memory + bus master */

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", bdf);
	fd = open(path, O_RDWR);
	if (fd < 0 || pwrite(fd, &cmd, 2, 4) != 2)
		die("enable memory and bus mastering");
	close(fd);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0", bdf);
	fd = open(path, O_RDWR | O_SYNC);
	if (fd < 0)
		die(path);
	regs = mmap(NULL, SRIOVNIC_VF_REGS_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (regs == MAP_FAILED)
		die("mmap resource0");
	if (rd(SRIOVNIC_REG_ID) != SRIOVNIC_ID_MAGIC) {
		errno = ENODEV;
		die("not a sriovnic function");
	}
}

static void map_memory(void)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	unsigned i;

	mem = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED || mlock(mem, PAGES * PAGE))
		die("lock DMA memory");
	memset(mem, 0, PAGES * PAGE);
	if (fd < 0)
		die("/proc/self/pagemap");
	for (i = 0; i < PAGES; i++) {
		uint64_t entry;
		uintptr_t va = (uintptr_t)(mem + i * PAGE);

		if (pread(fd, &entry, 8, (va / PAGE) * 8) != 8 || !(entry & (1ull << 63)))
			die("page not present");
		phys[i] = (entry & ((1ull << 55) - 1)) * PAGE;
	}
	close(fd);
}

/* Page 0: TX ring (8 descriptors); page 1: RX ring; pages 2..: buffers. */
static struct sriovnic_tx_desc *txd(unsigned i) { return (struct sriovnic_tx_desc *)mem + i; }
static struct sriovnic_rx_desc *rxd(unsigned i) { return (struct sriovnic_rx_desc *)(mem + PAGE) + i; }

static void setup_rings(uint32_t tx_len, uint64_t tx_base)
{
	wr(SRIOVNIC_REG_CTRL, SRIOVNIC_CTRL_RESET);
	wr(SRIOVNIC_REG_MAC_LO, 0x00aa0202);
	wr(SRIOVNIC_REG_MAC_HI, 0x0101);
	qwr(SRIOVNIC_Q_TX_BASE_LO, (uint32_t)tx_base);
	qwr(SRIOVNIC_Q_TX_BASE_HI, (uint32_t)(tx_base >> 32));
	qwr(SRIOVNIC_Q_TX_LEN, tx_len);
	qwr(SRIOVNIC_Q_TX_CTRL, SRIOVNIC_QCTRL_ENABLE);
	qwr(SRIOVNIC_Q_RX_BASE_LO, (uint32_t)phys[1]);
	qwr(SRIOVNIC_Q_RX_BASE_HI, (uint32_t)(phys[1] >> 32));
	qwr(SRIOVNIC_Q_RX_LEN, 8);
	qwr(SRIOVNIC_Q_RX_BUF_LEN, 2048);
	qwr(SRIOVNIC_Q_RX_CTRL, SRIOVNIC_QCTRL_ENABLE);
	wr(SRIOVNIC_REG_CTRL, SRIOVNIC_CTRL_ENABLE);
}

/* A broadcast frame in page `page`, so the switch has somewhere to send it. */
static uint64_t frame(unsigned page, unsigned len)
{
	uint8_t *f = mem + page * PAGE;

	memset(f, 0xff, 6);
	memcpy(f + 6, "\x02\x02\xaa\x00\x01\x01", 6);
	f[12] = 0x08;
	f[13] = 0x06;
	memset(f + 14, 0x5a, len - 14);
	return phys[page];
}

static void post(unsigned idx, uint64_t addr, uint16_t len, uint16_t flags, uint16_t mss)
{
	struct sriovnic_tx_desc *d = txd(idx);

	d->addr = addr;
	d->len = len;
	d->flags = flags;
	d->csum_start = 14;
	d->csum_offset = 6;
	d->mss = mss;
}

static void report(void)
{
	printf("err_cause=0x%x\nerr_count=%u\n", rd(SRIOVNIC_REG_ERR_CAUSE), rd(SRIOVNIC_REG_ERR_COUNT));
	printf("dma_errors=%" PRIu64 "\ndesc_errors=%" PRIu64 "\n",
	       stat(SRIOVNIC_STAT_DMA_ERRORS), stat(SRIOVNIC_STAT_DESC_ERRORS));
	printf("tx_packets=%" PRIu64 "\n", stat(SRIOVNIC_STAT_TX_PACKETS));
	printf("tx_head=%u\ntx_ctrl=%u\nrx_ctrl=%u\n", qrd(SRIOVNIC_Q_TX_HEAD),
	       qrd(SRIOVNIC_Q_TX_CTRL), qrd(SRIOVNIC_Q_RX_CTRL));
	printf("desc0_flags=0x%x\n", txd(0)->flags);
}

int main(int argc, char **argv)
{
	const char *s;
	unsigned i;

	if (argc != 3) {
		fprintf(stderr, "usage: %s <pci-address> <scenario>\n", argv[0]);
		return 2;
	}
	s = argv[2];
	map_device(argv[1]);
	map_memory();
	if (!strcmp(s, "buffer-outside-ram")) {
		setup_rings(8, phys[0]);
		post(0, 0xfffffff000000ull, 100, SRIOVNIC_TXD_EOP, 0);
		qwr(SRIOVNIC_Q_TX_TAIL, 1);
	} else if (!strcmp(s, "ring-outside-ram")) {
		setup_rings(8, 0x7ff000000000ull);
		qwr(SRIOVNIC_Q_TX_TAIL, 3);
	} else if (!strcmp(s, "endless-chain")) {
		setup_rings(64, phys[0]);
		for (i = 0; i < 63; i++)
			post(i, frame(2, 64), 64, 0, 0); /* never EOP */
		qwr(SRIOVNIC_Q_TX_TAIL, 63);
	} else if (!strcmp(s, "zero-and-oversized-lengths")) {
		setup_rings(8, phys[0]);
		post(0, frame(2, 64), 0, SRIOVNIC_TXD_EOP, 0);
		post(1, frame(3, 64), 40000, SRIOVNIC_TXD_EOP, 0);
		post(2, frame(4, 64), 10, SRIOVNIC_TXD_EOP, 0); /* shorter than a header */
		qwr(SRIOVNIC_Q_TX_TAIL, 3);
	} else if (!strcmp(s, "bad-offloads")) {
		setup_rings(8, phys[0]);
		post(0, frame(2, 64), 64, SRIOVNIC_TXD_EOP | SRIOVNIC_TXD_TSO, 0);
		post(1, frame(3, 64), 64, SRIOVNIC_TXD_EOP | SRIOVNIC_TXD_CSUM, 0);
		txd(1)->csum_start = 200;
		qwr(SRIOVNIC_Q_TX_TAIL, 2);
	} else if (!strcmp(s, "bad-geometry")) {
		setup_rings(100, phys[0]); /* not a power of two: refused */
		qwr(SRIOVNIC_Q_TX_TAIL, 5000);
		wr(SRIOVNIC_REG_MTU, 100000);
	} else if (!strcmp(s, "rx-buffer-outside-ram")) {
		setup_rings(8, phys[0]);
		rxd(0)->addr = 0xfffffff000000ull;
		qwr(SRIOVNIC_Q_RX_TAIL, 1);
		/* Wait up to 5 s for a broadcast from elsewhere to land on it. */
		for (i = 0; i < 500 && !(rd(SRIOVNIC_REG_ERR_CAUSE) & SRIOVNIC_ERR_DMA); i++)
			usleep(10000);
		printf("rx0_flags=0x%x\nrx_head=%u\n", rxd(0)->flags, qrd(SRIOVNIC_Q_RX_HEAD));
	} else if (!strcmp(s, "mailbox-flood")) {
		wr(SRIOVNIC_REG_MBX_VF_MSG(0), 0x77); /* no such request */
		for (i = 0; i < 10000; i++)
			wr(SRIOVNIC_REG_MBX_CTRL, SRIOVNIC_MBX_CTRL_SEND);
		usleep(300000);
		printf("mbx_sent=%" PRIu64 "\nmbx_refused=%" PRIu64 "\nreply0=0x%x\n",
		       stat(SRIOVNIC_STAT_MBX_SENT), stat(SRIOVNIC_STAT_MBX_REFUSED),
		       rd(SRIOVNIC_REG_MBX_PF_MSG(0)));
		wr(SRIOVNIC_REG_MBX_CTRL, SRIOVNIC_MBX_CTRL_ACK);
	} else if (!strcmp(s, "legacy-vf-mailbox")) {
		/*
		 * What a VF driver of interface 1.5 sends, spelled out (not with
		 * mailbox.h, which it did not have): word 0 = opcode | API version
		 * 2 << 24, no tag; HELLO with w1 = 2 and no caps word.
		 */
		uint32_t reply[SRIOVNIC_MBX_WORDS];

		mbx_request(0x01u | 2u << 24, 2, 0, reply);
		printf("hello_reply0=0x%x\nhello_mac_hi=0x%x\nhello_max_mtu=%u\nhello_caps=0x%x\n",
		       reply[0], reply[2], reply[3], reply[4]);
		mbx_request(0x04u | 2u << 24, 0xffffffffu, 0xffffffffu, reply);
		printf("mc_reply0=0x%x\n", reply[0]);
		mbx_request(0x02u | 2u << 24, 20, 0, reply); /* an MTU below the minimum */
		printf("bad_mtu_reply0=0x%x\n", reply[0]);
		printf("dev_bad_requests=%u\ndev_bad_replies=%u\ndev_late_replies=%u\n"
		       "dev_dup_replies=%u\n", rd(SRIOVNIC_REG_MBX_BAD_REQUESTS),
		       rd(SRIOVNIC_REG_MBX_BAD_REPLIES), rd(SRIOVNIC_REG_MBX_LATE_REPLIES),
		       rd(SRIOVNIC_REG_MBX_DUP_REPLIES));
	} else if (!strcmp(s, "mtu-beyond-grant")) {
		wr(SRIOVNIC_REG_CTRL, SRIOVNIC_CTRL_RESET);
		wr(SRIOVNIC_REG_MTU, 9000); /* the PF granted 1500 */
		printf("mtu=%u\n", rd(SRIOVNIC_REG_MTU));
	} else if (!strcmp(s, "good-frame")) {
		setup_rings(8, phys[0]);
		post(0, frame(2, 64), 64, SRIOVNIC_TXD_EOP, 0);
		qwr(SRIOVNIC_Q_TX_TAIL, 1);
	} else {
		fprintf(stderr, "unknown scenario %s\n", s);
		return 2;
	}
	report();
	wr(SRIOVNIC_REG_CTRL, SRIOVNIC_CTRL_RESET);
	return 0;
}
