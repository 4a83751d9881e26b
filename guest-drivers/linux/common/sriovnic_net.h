/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sriovnic Linux drivers: the netdev and ring code shared by the PF and VF
 * drivers. Each module compiles its own copy (see pf/net.c, vf/net.c).
 */
#ifndef SRIOVNIC_NET_H
#define SRIOVNIC_NET_H

#include <linux/interrupt.h>
#include <linux/netdevice.h>
#include <linux/pci.h>
#include <linux/u64_stats_sync.h>

#include "compat.h"
#include "sriovnic_hw.h"

#include <sriovnic/desc.h>
#include <sriovnic/regs.h>

#define SRIOVNIC_RING_LEN	256
#define SRIOVNIC_TX_WAKE	(MAX_SKB_FRAGS + 2)

/*
 * The oldest interface these drivers drive (same major). Interface 1.5 adds
 * the second counter window; on 1.4 those counters read as 0.
 */
#define SRIOVNIC_DRV_MIN_VERSION_MINOR	4u
#define SRIOVNIC_VERSION(major, minor)	((major) << 16 | (minor))

struct sriovnic_tx_buf {
	struct sk_buff *skb;	/* set on the frame's last descriptor */
	dma_addr_t dma;
	u32 len;
	bool page;		/* mapped with skb_frag_dma_map */
};

struct sriovnic_rx_buf {
	struct sk_buff *skb;
	dma_addr_t dma;
};

struct sriovnic_qstats {
	u64 packets;
	u64 bytes;
	u64 csum_ok;
	u64 errors;
	u64 alloc_failed;
	struct u64_stats_sync syncp;
};

struct sriovnic_priv;

struct sriovnic_qpair {
	struct sriovnic_priv *priv;
	unsigned int index;
	struct napi_struct napi;
	char irq_name[IFNAMSIZ + 16];

	struct sriovnic_tx_desc *tx_desc;
	dma_addr_t tx_dma;
	struct sriovnic_tx_buf *tx_buf;
	u32 tx_next_to_use;
	u32 tx_next_to_clean;
	struct sriovnic_qstats tx_stats;

	struct sriovnic_rx_desc *rx_desc;
	dma_addr_t rx_dma;
	struct sriovnic_rx_buf *rx_buf;
	u32 rx_next_to_use;
	u32 rx_next_to_clean;
	struct sriovnic_qstats rx_stats;
};

struct sriovnic_priv {
	struct net_device *netdev;
	struct pci_dev *pdev;
	void __iomem *regs;
	u32 version;			/* VERSION, read once at probe */
	bool is_vf;
	unsigned int max_qpairs;	/* from CAPS */
	unsigned int num_qpairs;	/* in use */
	u32 rx_buf_len;
	u32 ring_len;
	u32 itr_usecs;			/* ethtool -C rx-usecs, every queue pair */
	u64 err_events;
	u64 ring_restarts;		/* rings set up again after the device stopped one */
	u64 mbx_timeouts;		/* VF: mailbox requests the PF did not answer */
	u64 mbx_bad_msgs;		/* received, failed sriovnic_mbx_msg_check */
	u64 mbx_late_replies;		/* VF: replies to a request no longer waiting */
	u64 mbx_dup_replies;		/* VF: second replies to the same request */
	bool rings_up;			/* between sriovnic_open() and sriovnic_stop() */
	struct work_struct config_work;	/* the PF changed our MAC */
	struct work_struct restart_work; /* a DMA error may have stopped a ring */
	struct work_struct mbx_work;	/* set up by the PF or VF driver */
	/* the PF or VF driver's own state, set before any interrupt or the netdev */
	void *role;
	void (*set_mc_hash)(struct sriovnic_priv *priv, u64 hash); /* from the role */
	struct sriovnic_qpair qp[SRIOVNIC_MAX_QUEUE_PAIRS];
};

static inline u32 sriovnic_rd(struct sriovnic_priv *priv, u32 reg)
{
	return ioread32(priv->regs + reg);
}

static inline void sriovnic_wr(struct sriovnic_priv *priv, u32 reg, u32 val)
{
	iowrite32(val, priv->regs + reg);
}

static inline u32 sriovnic_qrd(struct sriovnic_qpair *qp, u32 reg)
{
	return sriovnic_rd(qp->priv, SRIOVNIC_REG_QUEUE(qp->index, reg));
}

static inline void sriovnic_qwr(struct sriovnic_qpair *qp, u32 reg, u32 val)
{
	sriovnic_wr(qp->priv, SRIOVNIC_REG_QUEUE(qp->index, reg), val);
}

u64 sriovnic_read_stat(struct sriovnic_priv *priv, unsigned int stat);
void sriovnic_write_mac(struct sriovnic_priv *priv, const u8 *mac);
void sriovnic_read_mac(struct sriovnic_priv *priv, u8 *mac);
/*
 * Routes the misc causes to vector 0 and enables them: at probe and again
 * after a reset, which clears both.
 */
void sriovnic_enable_misc_irq(struct sriovnic_priv *priv);
void sriovnic_disable_misc_irq(struct sriovnic_priv *priv);

/* sriovnic_rings.c */
void sriovnic_unmap_tx(struct sriovnic_qpair *qp, struct sriovnic_tx_buf *buf);
void sriovnic_refill_rx(struct sriovnic_qpair *qp);
int sriovnic_poll(struct napi_struct *napi, int budget);
irqreturn_t sriovnic_queue_irq(int irq, void *data);

/* What differs between the PF and VF drivers. */
struct sriovnic_role {
	bool is_vf;
	const char *name;
	const struct net_device_ops *ops;	/* sriovnic_netdev_ops or a superset */
	netdev_features_t features;		/* beyond the common ones */
	work_func_t mailbox;			/* runs on the MBX interrupt cause */
	/* VF: the multicast filter is the PF's to set; NULL: write MC_HASH. */
	void (*set_mc_hash)(struct sriovnic_priv *priv, u64 hash);
	/*
	 * Finishes attaching the role's state (priv->role is set): called once
	 * the function is reset, before any interrupt is requested and before
	 * the netdev is registered. May be NULL.
	 */
	void (*attach)(struct sriovnic_priv *priv);
};

/*
 * Probe/remove of a PF or VF function: everything up to a registered netdev.
 * `state` is the role's own, ready for its mailbox work and netdev ops.
 */
int sriovnic_net_probe(struct pci_dev *pdev, const struct sriovnic_role *role,
		       void *state);
void sriovnic_net_remove(struct pci_dev *pdev);
/* Changes the number of queue pairs in use (ethtool -L), reopening if up. */
int sriovnic_set_num_qpairs(struct sriovnic_priv *priv, unsigned int n);

extern const struct ethtool_ops sriovnic_ethtool_ops;
extern const struct net_device_ops sriovnic_netdev_ops;

/* The operations every sriovnic netdev has, for the drivers' ops tables. */
#define SRIOVNIC_NETDEV_OPS_COMMON                        \
	.ndo_open = sriovnic_open,                        \
	.ndo_stop = sriovnic_stop,                        \
	.ndo_start_xmit = sriovnic_start_xmit,            \
	.ndo_set_rx_mode = sriovnic_set_rx_mode,          \
	.ndo_set_mac_address = sriovnic_set_mac_address,  \
	.ndo_get_stats64 = sriovnic_get_stats64,          \
	.ndo_validate_addr = eth_validate_addr

int sriovnic_open(struct net_device *netdev);
int sriovnic_stop(struct net_device *netdev);
netdev_tx_t sriovnic_start_xmit(struct sk_buff *skb, struct net_device *netdev);
void sriovnic_set_rx_mode(struct net_device *netdev);
int sriovnic_set_mac_address(struct net_device *netdev, void *p);
int sriovnic_change_mtu(struct net_device *netdev, int mtu);
void sriovnic_get_stats64(struct net_device *netdev, struct rtnl_link_stats64 *s);

#endif
