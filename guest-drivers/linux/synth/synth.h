/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sriovnic synthetic channel driver: the netdev users configure, and its
 * NetVSC-style pairing with one VF (bond.c).
 */
#ifndef SRIOVNIC_SYNTH_DRV_H
#define SRIOVNIC_SYNTH_DRV_H

#include <linux/interrupt.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/pci.h>
#include <linux/u64_stats_sync.h>
#include <linux/version.h>
#include <linux/workqueue.h>

#include <sriovnic/synth.h>

#define SYNTH_RX_RING		256
#define SYNTH_TX_RING		256
#define SYNTH_CTRL_RING		8
#define SYNTH_EVENT_RING	8
#define SYNTH_EVENT_BUF		64
#define SYNTH_TX_MAX_DESCS	(MAX_SKB_FRAGS + 2)	/* net header + head + frags */

/* IFF_NO_ADDRCONF arrived in 6.2; before it, addrconf skipped IFF_SLAVE. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define SYNTH_HAVE_NO_ADDRCONF	1
#endif

/* One split ring in guest memory (descriptor table, available, used). */
struct synth_vq {
	unsigned int index;		/* SRIOVNIC_SYNTH_Q_* */
	u16 size;
	struct sriovnic_synth_desc *desc;
	dma_addr_t desc_dma;
	u8 *avail;			/* struct sriovnic_synth_avail_hdr + ring */
	dma_addr_t avail_dma;
	u8 *used;			/* struct sriovnic_synth_used_hdr + elements */
	dma_addr_t used_dma;
	u16 free_head;			/* free descriptors, linked by next_free */
	u16 num_free;
	u16 avail_idx;			/* next available index we write */
	u16 last_used;			/* next used index we read */
	u16 *next_free;
	void **token;			/* per chain head: what the chain carries */
};

struct synth_buf {
	dma_addr_t addr;
	u32 len;
	bool write;
};

struct synth_pcpu_stats {
	u64 rx_packets;
	u64 rx_bytes;
	u64 tx_packets;
	u64 tx_bytes;
	u64 vf_rx_packets;
	u64 vf_rx_bytes;
	u64 vf_tx_packets;
	u64 vf_tx_bytes;
	u64 vf_tx_dropped;
	struct u64_stats_sync syncp;
};

/*
 * The pairing and data-path lifecycle, one enum. It changes only through
 * synth_change_state(), with rtnl held.
 *
 *   NO_VF --offer--> OFFERED --VF netdev found--> JOINING --VF set up-->
 *   JOINED --switch OK--> VF --VF going down--> JOINED
 *   JOINING/JOINED/VF --VF unregistered--> OFFERED
 *   any --revoke--> NO_VF (after the switch back and the VF's release)
 */
enum synth_state {
	SYNTH_NO_VF,	/* no offer: everything on the synthetic path */
	SYNTH_OFFERED,	/* an offer stands, no VF netdev joined yet */
	SYNTH_JOINING,	/* VF is our slave; MTU/MAC/rx-mode push and open pending */
	SYNTH_JOINED,	/* VF set up; data path synthetic until it can receive */
	SYNTH_VF,	/* data path switched to the VF (device completed OK) */
	SYNTH_REMOVING,	/* the synthetic function is going away; final */
};

struct synth_offer {
	u16 vf_index;
	u32 serial;
	u8 mac[ETH_ALEN];
};

struct synth_priv {
	struct net_device *ndev;
	struct pci_dev *pdev;
	void __iomem *regs;
	u32 features;			/* negotiated */
	u32 offloads;			/* recommended by the host (EV_OFFLOAD) */
	u32 rx_buf_len;

	struct synth_vq rxq, txq, ctrlq, evq;
	void *tx_hdrs;			/* a net header per TX chain head, coherent */
	dma_addr_t tx_hdrs_dma;
	struct napi_struct napi;
	spinlock_t tx_lock;		/* txq: xmit against completion */
	bool rings_up;

	/* CTRL: one request at a time */
	struct mutex ctrl_lock;
	void *ctrl_buf;			/* request then completion, coherent */
	dma_addr_t ctrl_dma;
	u32 ctrl_seq;

	void *ev_buf;			/* SYNTH_EVENT_RING * SYNTH_EVENT_BUF, coherent */
	dma_addr_t ev_dma;
	struct work_struct event_work;
	u32 bad_msgs;			/* invalid events and completions dropped */

	struct synth_pcpu_stats __percpu *stats;

	/* pairing; all under rtnl */
	struct list_head list;		/* synth_list */
	enum synth_state state;
	bool has_offer;
	struct synth_offer offer;
	struct net_device __rcu *vf_netdev;
	bool vf_promisc, vf_allmulti;	/* what we added to the VF's counts */
	struct delayed_work takeover_work;
	unsigned int switch_retries;	/* VF_DOWN answers since the last join */
	u64 switches;			/* data path switches completed */
};

static inline u32 synth_rd(struct synth_priv *p, u32 reg)
{
	return ioread32(p->regs + reg);
}

static inline void synth_wr(struct synth_priv *p, u32 reg, u32 val)
{
	iowrite32(val, p->regs + reg);
}

/* main.c */
int synth_switch_datapath(struct synth_priv *p, bool to_vf);
void synth_process_events(struct synth_priv *p);
void synth_vf_count_rx(struct synth_priv *p, unsigned int len);
void synth_vf_count_tx(struct synth_priv *p, unsigned int len, bool ok);

/* bond.c */
extern struct list_head synth_list;
void synth_change_state(struct synth_priv *p, enum synth_state state);
void synth_on_offer(struct synth_priv *p, const struct synth_offer *offer);
void synth_on_revoke(struct synth_priv *p, bool surprise);
void synth_release_vf(struct synth_priv *p);
void synth_takeover_work(struct work_struct *work);
void synth_vf_push_features(struct synth_priv *p, netdev_features_t features);
bool synth_tx_via_vf(struct synth_priv *p, struct sk_buff *skb);
int synth_vf_change_mtu(struct synth_priv *p, int mtu);
void synth_vf_sync_rx_mode(struct synth_priv *p);
void synth_vf_change_rx_flags(struct synth_priv *p, int change);
int synth_vf_vlan_add(struct synth_priv *p, __be16 proto, u16 vid);
void synth_vf_vlan_kill(struct synth_priv *p, __be16 proto, u16 vid);
int synth_bond_init(void);
void synth_bond_exit(void);

#endif
