/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sriovnic synthetic channel driver: the netdev users configure, and its
 * NetVSC-style pairing with one VF.
 *
 * Files, each depending only on those below it:
 *   main.c    probe/remove, PCI reset handlers, misc interrupt, module
 *   netdev.c  net_device_ops, ethtool_ops
 *   rxtx.c    RX/TX on the split rings, NAPI
 *   events.c  the EVENT queue, drained in the channel's own work item
 *   bond.c    pairing policy: offer/revoke, joining, data path, the state enum
 *   ctrl.c    CTRL requests, completed by interrupt
 *   slave.c   bonding plumbing: notifier, slave link/unlink (synth_slave_ops)
 *   vq.c      split rings
 */
#ifndef SRIOVNIC_SYNTH_DRV_H
#define SRIOVNIC_SYNTH_DRV_H

#include <linux/completion.h>
#include <linux/interrupt.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/pci.h>
#include <linux/u64_stats_sync.h>
#include <linux/workqueue.h>

#include <sriovnic/synth.h>

#include "compat.h"
#include "sriovnic_hw.h"

#define SYNTH_DRV_NAME		"sriovnic_synth"
#define SYNTH_RX_RING		256
#define SYNTH_TX_RING		256
#define SYNTH_CTRL_RING		8
#define SYNTH_EVENT_RING	8
#define SYNTH_EVENT_BUF		64
#define SYNTH_TX_HDR_STRIDE	16	/* one net header per TX chain head */
#define SYNTH_TX_MAX_DESCS	(MAX_SKB_FRAGS + 2)	/* net header + head + frags */

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
 *   any --revoke, VF_NOT_OFFERED--> NO_VF (after the switch back and the
 *   VF's release)
 *   VF/JOINED --a migration's request revoke--> JOINED without an offer (the
 *   VF kept joined) --offer of that VF--> VF (another VF: released first)
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

struct synth_priv;

/*
 * Bonding policy for the plumbing in slave.c, after net/core/failover.c's
 * failover_ops. Every callback runs under rtnl.
 */
struct synth_slave_ops {
	/* Whether this channel's standing offer names `dev`. */
	bool (*slave_match)(struct synth_priv *p, struct net_device *dev);
	/* `dev` registered (NETDEV_REGISTER) and matches this channel. */
	void (*slave_register)(struct synth_priv *p, struct net_device *dev);
	/* Our slave went up or changed carrier (`up`), or is going down. */
	void (*slave_link_change)(struct synth_priv *p, struct net_device *slave, bool up);
	/* Our slave is being unregistered. */
	void (*slave_unregister)(struct synth_priv *p, struct net_device *slave);
	/* Frames received by our slave. */
	rx_handler_func_t *slave_handle_frame;
};

struct synth_priv {
	struct net_device *ndev;
	struct pci_dev *pdev;
	void __iomem *regs;
	u32 version;			/* VERSION, read once at probe */
	u32 features;			/* negotiated */
	u32 offloads;			/* recommended by the host (EV_OFFLOAD) */
	u32 rx_buf_len;

	struct synth_vq rxq, txq, ctrlq, evq;
	void *tx_hdrs;			/* a net header per TX chain head, coherent */
	dma_addr_t tx_hdrs_dma;
	struct napi_struct napi;
	spinlock_t tx_lock;		/* txq: xmit against completion */
	bool rings_up;			/* RX and TX enabled (netdev open) */
	bool resetting;			/* between reset_prepare and reset_done */

	/* CTRL: one request at a time, completed by the CTRL interrupt */
	struct mutex ctrl_lock;
	void *ctrl_buf;			/* request then completion, coherent */
	dma_addr_t ctrl_dma;
	u32 ctrl_seq;
	struct completion ctrl_done;

	/* EVENT: drained by event_work, only once events_ready (rtnl) */
	void *ev_buf;			/* SYNTH_EVENT_RING * SYNTH_EVENT_BUF, coherent */
	dma_addr_t ev_dma;
	struct work_struct event_work;
	bool events_ready;
	u32 bad_msgs;			/* invalid events and completions dropped */

	struct synth_pcpu_stats __percpu *stats;

	/* pairing; all under rtnl */
	struct list_head list;		/* slave.c's channels, for offer matching */
	enum synth_state state;
	bool has_offer;
	struct synth_offer offer;
	struct net_device __rcu *vf_netdev;
	netdevice_tracker vf_tracker;
	bool vf_promisc, vf_allmulti;	/* what we added to the VF's counts */
	struct delayed_work takeover_work;
	unsigned int switch_retries;	/* VF_DOWN answers since the last join */
	u64 switches;			/* data path switches completed */
	/* The PCI netdev that registered last while we had no VF, and when. */
	int candidate_ifindex;
	unsigned long candidate_registered_at;
};

static inline u32 synth_rd(struct synth_priv *p, u32 reg)
{
	return ioread32(p->regs + reg);
}

static inline void synth_wr(struct synth_priv *p, u32 reg, u32 val)
{
	iowrite32(val, p->regs + reg);
}

static inline void synth_count_rx(struct synth_priv *p, bool vf, unsigned int len)
{
	struct synth_pcpu_stats *s = this_cpu_ptr(p->stats);

	u64_stats_update_begin(&s->syncp);
	if (vf) {
		s->vf_rx_packets++;
		s->vf_rx_bytes += len;
	} else {
		s->rx_packets++;
		s->rx_bytes += len;
	}
	u64_stats_update_end(&s->syncp);
}

static inline void synth_count_tx(struct synth_priv *p, bool vf, unsigned int len)
{
	struct synth_pcpu_stats *s = this_cpu_ptr(p->stats);

	u64_stats_update_begin(&s->syncp);
	if (vf) {
		s->vf_tx_packets++;
		s->vf_tx_bytes += len;
	} else {
		s->tx_packets++;
		s->tx_bytes += len;
	}
	u64_stats_update_end(&s->syncp);
}

static inline void synth_count_vf_tx_drop(struct synth_priv *p)
{
	struct synth_pcpu_stats *s = this_cpu_ptr(p->stats);

	u64_stats_update_begin(&s->syncp);
	s->vf_tx_dropped++;
	u64_stats_update_end(&s->syncp);
}

/* vq.c */
int synth_vq_alloc(struct synth_priv *p, struct synth_vq *vq, unsigned int index, u16 size);
void synth_vq_free(struct synth_priv *p, struct synth_vq *vq);
int synth_vq_enable(struct synth_priv *p, struct synth_vq *vq);
void synth_vq_disable(struct synth_priv *p, struct synth_vq *vq);
void synth_vq_notify(struct synth_priv *p, struct synth_vq *vq);
int synth_vq_add(struct synth_vq *vq, const struct synth_buf *bufs, unsigned int n,
		 void *token);
void synth_vq_free_chain(struct synth_vq *vq, u16 head);
bool synth_vq_get(struct synth_vq *vq, u16 *head, void **token, u32 *len, u16 *flags);

/* slave.c */
bool synth_is_channel(const struct net_device *dev);
int synth_slave_link(struct synth_priv *p, struct net_device *slave);
void synth_slave_unlink(struct synth_priv *p, struct net_device *slave);
void synth_slave_mark(struct net_device *slave);
struct net_device *synth_slave_find(struct synth_priv *p);
void synth_slave_add_channel(struct synth_priv *p);
void synth_slave_del_channel(struct synth_priv *p);
int synth_slave_init(const struct synth_slave_ops *ops, const struct net_device_ops *master_ops);
void synth_slave_exit(void);

/* ctrl.c */
int synth_ctrl_switch_datapath(struct synth_priv *p, bool to_vf);
void synth_ctrl_irq(struct synth_priv *p);

/* bond.c */
extern const struct synth_slave_ops synth_bond_ops;
void synth_change_state(struct synth_priv *p, enum synth_state state);
void synth_on_offer(struct synth_priv *p, const struct synth_offer *offer);
void synth_on_revoke(struct synth_priv *p, bool surprise, u8 reason);
void synth_after_reset(struct synth_priv *p);
void synth_release_vf(struct synth_priv *p);
void synth_takeover_work(struct work_struct *work);
void synth_vf_push_features(struct synth_priv *p, netdev_features_t features);
bool synth_tx_via_vf(struct synth_priv *p, struct sk_buff *skb);
int synth_vf_change_mtu(struct synth_priv *p, int mtu);
void synth_vf_sync_rx_mode(struct synth_priv *p);
void synth_vf_change_rx_flags(struct synth_priv *p, int change);
int synth_vf_vlan_add(struct synth_priv *p, __be16 proto, u16 vid);
void synth_vf_vlan_kill(struct synth_priv *p, __be16 proto, u16 vid);

/* events.c */
void synth_post_events(struct synth_priv *p);
void synth_event_work(struct work_struct *work);

/* rxtx.c */
int synth_rings_start(struct synth_priv *p);
void synth_rings_stop(struct synth_priv *p);
netdev_tx_t synth_start_xmit(struct sk_buff *skb, struct net_device *ndev);
int synth_poll(struct napi_struct *napi, int budget);
irqreturn_t synth_data_irq(int irq, void *data);

/* netdev.c */
extern const struct net_device_ops synth_netdev_ops;
extern const struct ethtool_ops synth_ethtool_ops;
void synth_write_rx_mode(struct synth_priv *p);

#endif
