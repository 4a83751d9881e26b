// SPDX-License-Identifier: GPL-2.0-or-later
/* sriovnic Linux drivers: ethtool operations shared by the PF and VF drivers. */
#include <linux/ethtool.h>
#include <linux/pci.h>

#include "sriovnic_net.h"

static const char * const sriovnic_device_stats[SRIOVNIC_NUM_STATS] = {
	[SRIOVNIC_STAT_RX_PACKETS] = "dev_rx_packets",
	[SRIOVNIC_STAT_RX_BYTES] = "dev_rx_bytes",
	[SRIOVNIC_STAT_TX_PACKETS] = "dev_tx_packets",
	[SRIOVNIC_STAT_TX_BYTES] = "dev_tx_bytes",
	[SRIOVNIC_STAT_RX_DROP_NOBUF] = "dev_rx_drop_nobuf",
	[SRIOVNIC_STAT_RX_DROP_SIZE] = "dev_rx_drop_size",
	[SRIOVNIC_STAT_TX_DROP_SIZE] = "dev_tx_drop_size",
	[SRIOVNIC_STAT_TX_DROP_LINK] = "dev_tx_drop_link",
	[SRIOVNIC_STAT_TX_DROP_SPOOF] = "dev_tx_drop_spoof",
	[SRIOVNIC_STAT_DMA_ERRORS] = "dev_dma_errors",
	[SRIOVNIC_STAT_DESC_ERRORS] = "dev_desc_errors",
	[SRIOVNIC_STAT_RX_DROP_FILTER] = "dev_rx_drop_filter",
	[SRIOVNIC_STAT_TX_RATE_WAITS] = "dev_tx_rate_waits",
	[SRIOVNIC_STAT_TX_TSO_SEGS] = "dev_tx_tso_segments",
	[SRIOVNIC_STAT_MBX_SENT] = "dev_mbx_sent",
	[SRIOVNIC_STAT_MBX_REFUSED] = "dev_mbx_refused",
	[SRIOVNIC_STAT_DMA_SELF] = "dev_dma_self",
};

/* The device's view of a VF's mailbox (interface 1.6; 0 on a PF or older device). */
static const struct {
	u32 reg;
	const char *name;
} sriovnic_mbx_dev_stats[] = {
	{ SRIOVNIC_REG_MBX_BAD_REQUESTS, "dev_mbx_bad_requests" },
	{ SRIOVNIC_REG_MBX_BAD_REPLIES, "dev_mbx_bad_replies" },
	{ SRIOVNIC_REG_MBX_LATE_REPLIES, "dev_mbx_late_replies" },
	{ SRIOVNIC_REG_MBX_DUP_REPLIES, "dev_mbx_dup_replies" },
};

/* Counted by the driver after the queues: */
#define SRIOVNIC_DRV_STATS 6

static const char * const sriovnic_queue_stats[] = {
	"packets", "bytes", "errors", "csum_ok", "alloc_failed",
};

#define SRIOVNIC_QUEUE_STATS ARRAY_SIZE(sriovnic_queue_stats)

static void sriovnic_get_drvinfo(struct net_device *netdev, struct ethtool_drvinfo *info)
{
	struct sriovnic_priv *priv = netdev_priv(netdev);

	sriovnic_hw_drvinfo(info, dev_driver_string(&priv->pdev->dev), priv->pdev,
			    priv->version);
}

static int sriovnic_get_sset_count(struct net_device *netdev, int sset)
{
	struct sriovnic_priv *priv = netdev_priv(netdev);

	if (sset != ETH_SS_STATS)
		return -EOPNOTSUPP;
	return SRIOVNIC_NUM_STATS + 2 * priv->num_qpairs * SRIOVNIC_QUEUE_STATS +
	       SRIOVNIC_DRV_STATS + ARRAY_SIZE(sriovnic_mbx_dev_stats);
}

static void sriovnic_get_strings(struct net_device *netdev, u32 sset, u8 *data)
{
	struct sriovnic_priv *priv = netdev_priv(netdev);
	unsigned int i, q, s;

	if (sset != ETH_SS_STATS)
		return;
	for (i = 0; i < SRIOVNIC_NUM_STATS; i++)
		ethtool_puts(&data, sriovnic_device_stats[i]);
	for (q = 0; q < priv->num_qpairs; q++) {
		for (s = 0; s < SRIOVNIC_QUEUE_STATS; s++)
			ethtool_sprintf(&data, "rx%u_%s", q, sriovnic_queue_stats[s]);
		for (s = 0; s < SRIOVNIC_QUEUE_STATS; s++)
			ethtool_sprintf(&data, "tx%u_%s", q, sriovnic_queue_stats[s]);
	}
	ethtool_puts(&data, "device_error_events");
	ethtool_puts(&data, "ring_restarts");
	ethtool_puts(&data, "mbx_timeouts");
	ethtool_puts(&data, "mbx_bad_msgs");
	ethtool_puts(&data, "mbx_late_replies");
	ethtool_puts(&data, "mbx_dup_replies");
	for (i = 0; i < ARRAY_SIZE(sriovnic_mbx_dev_stats); i++)
		ethtool_puts(&data, sriovnic_mbx_dev_stats[i].name);
}

static void sriovnic_copy_qstats(struct sriovnic_qstats *st, u64 **out)
{
	unsigned int start;
	u64 v[SRIOVNIC_QUEUE_STATS];

	do {
		start = u64_stats_fetch_begin(&st->syncp);
		v[0] = st->packets;
		v[1] = st->bytes;
		v[2] = st->errors;
		v[3] = st->csum_ok;
		v[4] = st->alloc_failed;
	} while (u64_stats_fetch_retry(&st->syncp, start));
	memcpy(*out, v, sizeof(v));
	*out += SRIOVNIC_QUEUE_STATS;
}

static void sriovnic_get_ethtool_stats(struct net_device *netdev,
				       struct ethtool_stats *stats, u64 *data)
{
	struct sriovnic_priv *priv = netdev_priv(netdev);
	unsigned int i;

	for (i = 0; i < SRIOVNIC_NUM_STATS; i++)
		*data++ = sriovnic_read_stat(priv, i);
	for (i = 0; i < priv->num_qpairs; i++) {
		sriovnic_copy_qstats(&priv->qp[i].rx_stats, &data);
		sriovnic_copy_qstats(&priv->qp[i].tx_stats, &data);
	}
	*data++ = priv->err_events;
	*data++ = priv->ring_restarts;
	*data++ = priv->mbx_timeouts;
	*data++ = priv->mbx_bad_msgs;
	*data++ = priv->mbx_late_replies;
	*data++ = priv->mbx_dup_replies;
	for (i = 0; i < ARRAY_SIZE(sriovnic_mbx_dev_stats); i++)
		*data++ = priv->is_vf && priv->version >= SRIOVNIC_VERSION(1u, 6u) ?
			  sriovnic_rd(priv, sriovnic_mbx_dev_stats[i].reg) : 0;
}

static void sriovnic_get_ringparam(struct net_device *netdev, struct ethtool_ringparam *ring,
				   struct kernel_ethtool_ringparam *kring,
				   struct netlink_ext_ack *extack)
{
	struct sriovnic_priv *priv = netdev_priv(netdev);

	ring->rx_max_pending = SRIOVNIC_RING_MAX - 1;
	ring->tx_max_pending = SRIOVNIC_RING_MAX - 1;
	ring->rx_pending = priv->ring_len - 1;
	ring->tx_pending = priv->ring_len - 1;
}

static void sriovnic_get_channels(struct net_device *netdev, struct ethtool_channels *ch)
{
	struct sriovnic_priv *priv = netdev_priv(netdev);

	ch->max_combined = priv->max_qpairs;
	ch->combined_count = priv->num_qpairs;
	ch->max_other = 1;
	ch->other_count = 1;
}

static int sriovnic_set_channels(struct net_device *netdev, struct ethtool_channels *ch)
{
	struct sriovnic_priv *priv = netdev_priv(netdev);

	if (!ch->combined_count || ch->rx_count || ch->tx_count ||
	    ch->combined_count > priv->max_qpairs || ch->other_count != 1)
		return -EINVAL;
	return sriovnic_set_num_qpairs(priv, ch->combined_count);
}

static int sriovnic_get_coalesce(struct net_device *netdev, struct ethtool_coalesce *ec,
				 struct kernel_ethtool_coalesce *kec,
				 struct netlink_ext_ack *extack)
{
	struct sriovnic_priv *priv = netdev_priv(netdev);

	ec->rx_coalesce_usecs = priv->itr_usecs;
	ec->tx_coalesce_usecs = priv->itr_usecs;
	return 0;
}

/*
 * A queue pair has one vector, so rx-usecs and tx-usecs are one setting:
 * whichever of the two the user changed applies to both.
 */
static int sriovnic_set_coalesce(struct net_device *netdev, struct ethtool_coalesce *ec,
				 struct kernel_ethtool_coalesce *kec,
				 struct netlink_ext_ack *extack)
{
	struct sriovnic_priv *priv = netdev_priv(netdev);
	bool rx_changed = ec->rx_coalesce_usecs != priv->itr_usecs;
	bool tx_changed = ec->tx_coalesce_usecs != priv->itr_usecs;
	u32 usecs = rx_changed ? ec->rx_coalesce_usecs : ec->tx_coalesce_usecs;
	unsigned int q;

	if (rx_changed && tx_changed && ec->rx_coalesce_usecs != ec->tx_coalesce_usecs) {
		NL_SET_ERR_MSG(extack, "rx-usecs and tx-usecs share one interrupt per queue pair");
		return -EINVAL;
	}
	BUILD_BUG_ON(SRIOVNIC_ITR_MAX_US != 10000);
	if (usecs > SRIOVNIC_ITR_MAX_US) {
		NL_SET_ERR_MSG(extack, "interrupt interval must be 0..10000 us");
		return -EINVAL;
	}
	priv->itr_usecs = usecs;
	if (priv->rings_up)
		for (q = 0; q < priv->num_qpairs; q++)
			sriovnic_qwr(&priv->qp[q], SRIOVNIC_Q_ITR, usecs);
	return 0;
}

static int sriovnic_get_link_ksettings(struct net_device *netdev,
				       struct ethtool_link_ksettings *cmd)
{
	ethtool_link_ksettings_zero_link_mode(cmd, supported);
	ethtool_link_ksettings_zero_link_mode(cmd, advertising);
	cmd->base.speed = netif_carrier_ok(netdev) ? SPEED_10000 : SPEED_UNKNOWN;
	cmd->base.duplex = netif_carrier_ok(netdev) ? DUPLEX_FULL : DUPLEX_UNKNOWN;
	cmd->base.port = PORT_OTHER;
	cmd->base.autoneg = AUTONEG_DISABLE;
	return 0;
}

const struct ethtool_ops sriovnic_ethtool_ops = {
	.supported_coalesce_params = ETHTOOL_COALESCE_USECS,
	.get_drvinfo = sriovnic_get_drvinfo,
	.get_link = ethtool_op_get_link,
	.get_sset_count = sriovnic_get_sset_count,
	.get_strings = sriovnic_get_strings,
	.get_ethtool_stats = sriovnic_get_ethtool_stats,
	.get_ringparam = sriovnic_get_ringparam,
	.get_channels = sriovnic_get_channels,
	.set_channels = sriovnic_set_channels,
	.get_coalesce = sriovnic_get_coalesce,
	.set_coalesce = sriovnic_set_coalesce,
	.get_link_ksettings = sriovnic_get_link_ksettings,
};
