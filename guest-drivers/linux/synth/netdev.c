// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sriovnic synthetic channel: the synthetic netdev's operations and ethtool
 * operations. Its counters are both paths'; MTU, rx-mode, VLANs and
 * offloads are passed on to a joined VF (bond.c).
 */
#include <linux/crc32.h>
#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/netdevice.h>

#include "synth.h"

static void synth_sum_stats(struct synth_priv *p, struct synth_pcpu_stats *sum)
{
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		struct synth_pcpu_stats *s = per_cpu_ptr(p->stats, cpu);
		struct synth_pcpu_stats v;
		unsigned int start;

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			v = *s;
		} while (u64_stats_fetch_retry(&s->syncp, start));
		sum->rx_packets += v.rx_packets;
		sum->rx_bytes += v.rx_bytes;
		sum->tx_packets += v.tx_packets;
		sum->tx_bytes += v.tx_bytes;
		sum->vf_rx_packets += v.vf_rx_packets;
		sum->vf_rx_bytes += v.vf_rx_bytes;
		sum->vf_tx_packets += v.vf_tx_packets;
		sum->vf_tx_bytes += v.vf_tx_bytes;
		sum->vf_tx_dropped += v.vf_tx_dropped;
	}
}

/* Both paths: the netdev's counters are what the user sent and received. */
static void synth_get_stats64(struct net_device *ndev, struct rtnl_link_stats64 *st)
{
	struct synth_priv *p = netdev_priv(ndev);
	struct synth_pcpu_stats sum;

	synth_sum_stats(p, &sum);
	st->rx_packets = sum.rx_packets + sum.vf_rx_packets;
	st->rx_bytes = sum.rx_bytes + sum.vf_rx_bytes;
	st->tx_packets = sum.tx_packets + sum.vf_tx_packets;
	st->tx_bytes = sum.tx_bytes + sum.vf_tx_bytes;
	st->tx_dropped = sum.vf_tx_dropped + ndev->stats.tx_dropped;
	st->rx_errors = ndev->stats.rx_errors;
	st->rx_dropped = ndev->stats.rx_dropped;
}

static int synth_open(struct net_device *ndev)
{
	struct synth_priv *p = netdev_priv(ndev);
	int err;

	synth_wr(p, SRIOVNIC_REG_MTU, ndev->mtu);
	err = synth_rings_start(p);
	if (err)
		return err;
	netif_start_queue(ndev);
	return 0;
}

static int synth_stop(struct net_device *ndev)
{
	netif_stop_queue(ndev);
	synth_rings_stop(netdev_priv(ndev));
	return 0;
}

static int synth_change_mtu(struct net_device *ndev, int mtu)
{
	struct synth_priv *p = netdev_priv(ndev);
	bool running = netif_running(ndev);
	int old = ndev->mtu;
	int err;

	/* The VF first: if it cannot follow, nothing changes. */
	err = synth_vf_change_mtu(p, mtu);
	if (err)
		return err;
	if (running)
		synth_stop(ndev);
	WRITE_ONCE(ndev->mtu, mtu);
	if (running) {
		err = synth_open(ndev);
		if (err) {
			WRITE_ONCE(ndev->mtu, old);
			synth_vf_change_mtu(p, old);
			synth_open(ndev);
		}
	}
	return err;
}

/* RX_MODE and MC_HASH from the netdev's flags and lists (and after a reset). */
void synth_write_rx_mode(struct synth_priv *p)
{
	struct net_device *ndev = p->ndev;
	struct netdev_hw_addr *ha;
	u32 mode = 0;
	u64 hash = 0;

	if (ndev->flags & IFF_PROMISC || netdev_uc_count(ndev))
		mode |= SRIOVNIC_RX_MODE_PROMISC;
	if (ndev->flags & IFF_ALLMULTI)
		mode |= SRIOVNIC_RX_MODE_ALLMULTI;
	netdev_for_each_mc_addr(ha, ndev)
		hash |= 1ULL << (ether_crc_le(ETH_ALEN, ha->addr) >> 26);
	synth_wr(p, SRIOVNIC_REG_MC_HASH_LO, lower_32_bits(hash));
	synth_wr(p, SRIOVNIC_REG_MC_HASH_HI, upper_32_bits(hash));
	synth_wr(p, SRIOVNIC_REG_RX_MODE, mode);
}

static void synth_set_rx_mode(struct net_device *ndev)
{
	struct synth_priv *p = netdev_priv(ndev);

	synth_write_rx_mode(p);
	synth_vf_sync_rx_mode(p);
}

static void synth_change_rx_flags(struct net_device *ndev, int change)
{
	synth_vf_change_rx_flags(netdev_priv(ndev), change);
}

/* The host's recommendation (EV_OFFLOAD) limits what can be turned on. */
static netdev_features_t synth_fix_features(struct net_device *ndev, netdev_features_t features)
{
	struct synth_priv *p = netdev_priv(ndev);

	if (!(p->offloads & SRIOVNIC_SYNTH_F_CSUM_TX))
		features &= ~(NETIF_F_HW_CSUM | NETIF_F_TSO | NETIF_F_TSO6);
	if (!(p->offloads & SRIOVNIC_SYNTH_F_TSO4))
		features &= ~NETIF_F_TSO;
	if (!(p->offloads & SRIOVNIC_SYNTH_F_TSO6))
		features &= ~NETIF_F_TSO6;
	if (!(p->offloads & SRIOVNIC_SYNTH_F_CSUM_RX))
		features &= ~NETIF_F_RXCSUM;
	return features;
}

/* ethtool -K or a new recommendation: the joined VF follows. */
static int synth_set_features(struct net_device *ndev, netdev_features_t features)
{
	synth_vf_push_features(netdev_priv(ndev), features);
	return 0;
}

/*
 * The channel itself takes every VLAN; these keep the joined VF's filter in
 * step with the VLANs configured on top of us, as its own would be.
 */
static int synth_vlan_rx_add_vid(struct net_device *ndev, __be16 proto, u16 vid)
{
	return synth_vf_vlan_add(netdev_priv(ndev), proto, vid);
}

static int synth_vlan_rx_kill_vid(struct net_device *ndev, __be16 proto, u16 vid)
{
	synth_vf_vlan_kill(netdev_priv(ndev), proto, vid);
	return 0;
}

const struct net_device_ops synth_netdev_ops = {
	.ndo_open = synth_open,
	.ndo_stop = synth_stop,
	.ndo_start_xmit = synth_start_xmit,
	.ndo_change_mtu = synth_change_mtu,
	.ndo_set_rx_mode = synth_set_rx_mode,
	.ndo_change_rx_flags = synth_change_rx_flags,
	.ndo_vlan_rx_add_vid = synth_vlan_rx_add_vid,
	.ndo_vlan_rx_kill_vid = synth_vlan_rx_kill_vid,
	.ndo_get_stats64 = synth_get_stats64,
	.ndo_fix_features = synth_fix_features,
	.ndo_set_features = synth_set_features,
	.ndo_validate_addr = eth_validate_addr,
};

static const char * const synth_sw_stats[] = {
	"rx_packets", "rx_bytes", "tx_packets", "tx_bytes",
	"vf_rx_packets", "vf_rx_bytes", "vf_tx_packets", "vf_tx_bytes", "vf_tx_dropped",
	"data_path_vf", "data_path_switches", "bad_messages",
};

static const char * const synth_dev_stats[SRIOVNIC_SYNTH_NUM_STATS] = {
	"dev_ctrl_requests", "dev_ctrl_bad", "dev_events_sent", "dev_events_replaced",
	"dev_switch_to_vf", "dev_switch_to_synth", "dev_revokes", "dev_revoke_timeouts",
	"dev_tx_bad_hdr",
};

static int synth_get_sset_count(struct net_device *ndev, int sset)
{
	if (sset != ETH_SS_STATS)
		return -EOPNOTSUPP;
	return ARRAY_SIZE(synth_sw_stats) + ARRAY_SIZE(synth_dev_stats);
}

static void synth_get_strings(struct net_device *ndev, u32 sset, u8 *data)
{
	unsigned int i;

	if (sset != ETH_SS_STATS)
		return;
	for (i = 0; i < ARRAY_SIZE(synth_sw_stats); i++)
		ethtool_puts(&data, synth_sw_stats[i]);
	for (i = 0; i < ARRAY_SIZE(synth_dev_stats); i++)
		ethtool_puts(&data, synth_dev_stats[i]);
}

static void synth_get_ethtool_stats(struct net_device *ndev, struct ethtool_stats *stats,
				    u64 *data)
{
	struct synth_priv *p = netdev_priv(ndev);
	struct synth_pcpu_stats s;
	unsigned int i;

	synth_sum_stats(p, &s);
	*data++ = s.rx_packets;
	*data++ = s.rx_bytes;
	*data++ = s.tx_packets;
	*data++ = s.tx_bytes;
	*data++ = s.vf_rx_packets;
	*data++ = s.vf_rx_bytes;
	*data++ = s.vf_tx_packets;
	*data++ = s.vf_tx_bytes;
	*data++ = s.vf_tx_dropped;
	*data++ = READ_ONCE(p->state) == SYNTH_VF;
	*data++ = p->switches;
	*data++ = p->bad_msgs;
	for (i = 0; i < ARRAY_SIZE(synth_dev_stats); i++)
		*data++ = synth_rd(p, SRIOVNIC_SYNTH_REG_STAT(i)) |
			  (u64)synth_rd(p, SRIOVNIC_SYNTH_REG_STAT(i) + 4) << 32;
}

static void synth_get_drvinfo(struct net_device *ndev, struct ethtool_drvinfo *info)
{
	struct synth_priv *p = netdev_priv(ndev);

	sriovnic_hw_drvinfo(info, SYNTH_DRV_NAME, p->pdev, p->version);
}

const struct ethtool_ops synth_ethtool_ops = {
	.get_drvinfo = synth_get_drvinfo,
	.get_link = ethtool_op_get_link,
	.get_sset_count = synth_get_sset_count,
	.get_strings = synth_get_strings,
	.get_ethtool_stats = synth_get_ethtool_stats,
};
