// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sriovnic PF driver: per-VF administration (ip link set <pf> vf N ...),
 * programmed into the device's admin registers, which enforce it.
 */
#include <linux/etherdevice.h>
#include <linux/if_link.h>
#include <linux/if_vlan.h>
#include <linux/pci.h>

#include <sriovnic/mailbox.h>

#include "sriovnic_net.h"
#include "pf.h"

static struct sriovnic_priv *sriovnic_vf_owner(struct net_device *netdev, int vf)
{
	struct sriovnic_priv *priv = netdev_priv(netdev);

	return vf >= 0 && vf < pci_num_vf(priv->pdev) ? priv : NULL;
}

static u32 sriovnic_admin_rd(struct sriovnic_priv *priv, int vf, u32 reg)
{
	return sriovnic_rd(priv, SRIOVNIC_REG_ADMIN(vf, reg));
}

static void sriovnic_admin_wr(struct sriovnic_priv *priv, int vf, u32 reg, u32 val)
{
	sriovnic_wr(priv, SRIOVNIC_REG_ADMIN(vf, reg), val);
}

static u64 sriovnic_admin_rd64(struct sriovnic_priv *priv, int vf, u32 reg)
{
	u32 hi, lo;

	do {
		hi = sriovnic_admin_rd(priv, vf, reg + 4);
		lo = sriovnic_admin_rd(priv, vf, reg);
	} while (hi != sriovnic_admin_rd(priv, vf, reg + 4));
	return (u64)hi << 32 | lo;
}

void sriovnic_pf_apply_vf(struct sriovnic_priv *priv, unsigned int vf)
{
	struct sriovnic_vf_cfg *c = &sriovnic_pf_of(priv)->vf[vf];

	/*
	 * Called after a PF reset, which left no administrative MAC. Writing
	 * "none" again would be refused (ERR_DENIED) for a VF whose MAC a
	 * synthetic channel pins.
	 */
	if (c->mac_lo || c->mac_hi) {
		sriovnic_admin_wr(priv, vf, SRIOVNIC_VFA_MAC_LO, c->mac_lo);
		sriovnic_admin_wr(priv, vf, SRIOVNIC_VFA_MAC_HI, c->mac_hi);
	}
	sriovnic_admin_wr(priv, vf, SRIOVNIC_VFA_VLAN, c->vlan);
	sriovnic_admin_wr(priv, vf, SRIOVNIC_VFA_FLAGS, c->flags);
	sriovnic_admin_wr(priv, vf, SRIOVNIC_VFA_RATE, c->rate);
	sriovnic_pf_apply_vlan_filter(priv, vf);
}

void sriovnic_pf_apply_vlan_filter(struct sriovnic_priv *priv, unsigned int vf)
{
	struct sriovnic_pf *pf = sriovnic_pf_of(priv);
	unsigned int vid;

	mutex_lock(&pf->select_lock);
	sriovnic_wr(priv, SRIOVNIC_REG_PF_VF_SELECT, vf);
	sriovnic_wr(priv, SRIOVNIC_REG_PF_VLAN_FILTER, SRIOVNIC_VLAN_FILTER_CLEAR);
	for_each_set_bit(vid, pf->vf[vf].vlans, VLAN_N_VID)
		sriovnic_wr(priv, SRIOVNIC_REG_PF_VLAN_FILTER, vid | SRIOVNIC_VLAN_FILTER_ADD);
	mutex_unlock(&pf->select_lock);
}

void sriovnic_pf_set_vf_mc_hash(struct sriovnic_priv *priv, unsigned int vf, u32 lo, u32 hi)
{
	struct sriovnic_pf *pf = sriovnic_pf_of(priv);

	mutex_lock(&pf->select_lock);
	sriovnic_wr(priv, SRIOVNIC_REG_PF_VF_SELECT, vf);
	sriovnic_wr(priv, SRIOVNIC_REG_PF_VF_MC_HASH_LO, lo);
	sriovnic_wr(priv, SRIOVNIC_REG_PF_VF_MC_HASH_HI, hi);
	mutex_unlock(&pf->select_lock);
}

/* Every VF starts with spoof checking on and MTU 1500 until it asks for more. */
void sriovnic_pf_init_vfs(struct sriovnic_priv *priv)
{
	struct sriovnic_pf *pf = sriovnic_pf_of(priv);
	unsigned int vf;

	for (vf = 0; vf < pf->total_vfs; vf++) {
		memset(&pf->vf[vf], 0, sizeof(pf->vf[vf]));
		pf->vf[vf].flags = SRIOVNIC_VFA_FLAG_SPOOFCHK | 1500u << SRIOVNIC_VFA_MAX_MTU_SHIFT;
		/* Until its next hello: what every VF driver has spoken since API 2. */
		pf->vf[vf].mbx_caps = sriovnic_mbx_legacy_caps(SRIOVNIC_MBX_LEGACY_LEVEL);
		sriovnic_pf_apply_vf(priv, vf);
	}
}

static void sriovnic_admin_flag(struct sriovnic_priv *priv, int vf, u32 mask, u32 value)
{
	struct sriovnic_vf_cfg *c = &sriovnic_pf_of(priv)->vf[vf];

	c->flags = (c->flags & ~mask) | value;
	sriovnic_admin_wr(priv, vf, SRIOVNIC_VFA_FLAGS, c->flags);
}

static int sriovnic_set_vf_mac(struct net_device *netdev, int vf, u8 *mac)
{
	struct sriovnic_priv *priv = sriovnic_vf_owner(netdev, vf);
	struct sriovnic_vf_cfg *c;

	if (!priv)
		return -EINVAL;
	if (!is_zero_ether_addr(mac) && !is_valid_ether_addr(mac))
		return -EINVAL;
	c = &sriovnic_pf_of(priv)->vf[vf];
	sriovnic_mac_pack(mac, &c->mac_lo, &c->mac_hi);
	sriovnic_admin_wr(priv, vf, SRIOVNIC_VFA_MAC_LO, c->mac_lo);
	sriovnic_admin_wr(priv, vf, SRIOVNIC_VFA_MAC_HI, c->mac_hi);
	return 0;
}

static int sriovnic_set_vf_vlan(struct net_device *netdev, int vf, u16 vlan, u8 qos,
				__be16 proto)
{
	struct sriovnic_priv *priv = sriovnic_vf_owner(netdev, vf);

	if (!priv || vlan >= VLAN_N_VID - 1 || qos > 7)
		return -EINVAL;
	if (proto != htons(ETH_P_8021Q))
		return -EPROTONOSUPPORT;
	sriovnic_pf_of(priv)->vf[vf].vlan = vlan ? vlan | qos << 12 : 0;
	sriovnic_admin_wr(priv, vf, SRIOVNIC_VFA_VLAN, sriovnic_pf_of(priv)->vf[vf].vlan);
	return 0;
}

static int sriovnic_set_vf_spoofchk(struct net_device *netdev, int vf, bool on)
{
	struct sriovnic_priv *priv = sriovnic_vf_owner(netdev, vf);

	if (!priv)
		return -EINVAL;
	sriovnic_admin_flag(priv, vf, SRIOVNIC_VFA_FLAG_SPOOFCHK,
			    on ? SRIOVNIC_VFA_FLAG_SPOOFCHK : 0);
	return 0;
}

static int sriovnic_set_vf_trust(struct net_device *netdev, int vf, bool on)
{
	struct sriovnic_priv *priv = sriovnic_vf_owner(netdev, vf);

	if (!priv)
		return -EINVAL;
	sriovnic_admin_flag(priv, vf, SRIOVNIC_VFA_FLAG_TRUST, on ? SRIOVNIC_VFA_FLAG_TRUST : 0);
	return 0;
}

static int sriovnic_set_vf_link_state(struct net_device *netdev, int vf, int state)
{
	struct sriovnic_priv *priv = sriovnic_vf_owner(netdev, vf);

	if (!priv)
		return -EINVAL;
	/* IFLA_VF_LINK_STATE_{AUTO,ENABLE,DISABLE} are the device's encoding. */
	if (state < IFLA_VF_LINK_STATE_AUTO || state > IFLA_VF_LINK_STATE_DISABLE)
		return -EINVAL;
	sriovnic_admin_flag(priv, vf, SRIOVNIC_VFA_LINK_MASK,
			    (u32)state << SRIOVNIC_VFA_LINK_SHIFT);
	return 0;
}

static int sriovnic_set_vf_rate(struct net_device *netdev, int vf, int min_rate, int max_rate)
{
	struct sriovnic_priv *priv = sriovnic_vf_owner(netdev, vf);

	if (!priv || max_rate < 0 || max_rate > SRIOVNIC_RATE_MAX_MBPS)
		return -EINVAL;
	if (min_rate)
		return -EOPNOTSUPP;	/* no guaranteed minimum */
	sriovnic_pf_of(priv)->vf[vf].rate = max_rate;
	sriovnic_admin_wr(priv, vf, SRIOVNIC_VFA_RATE, max_rate);
	return 0;
}

static int sriovnic_get_vf_config(struct net_device *netdev, int vf, struct ifla_vf_info *ivi)
{
	struct sriovnic_priv *priv = sriovnic_vf_owner(netdev, vf);
	u32 lo, hi, vlan, flags;

	if (!priv)
		return -EINVAL;
	lo = sriovnic_admin_rd(priv, vf, SRIOVNIC_VFA_MAC_LO);
	hi = sriovnic_admin_rd(priv, vf, SRIOVNIC_VFA_MAC_HI);
	vlan = sriovnic_admin_rd(priv, vf, SRIOVNIC_VFA_VLAN);
	flags = sriovnic_admin_rd(priv, vf, SRIOVNIC_VFA_FLAGS);
	ivi->vf = vf;
	sriovnic_mac_unpack(lo, hi, ivi->mac);
	ivi->vlan = vlan & 0xfff;
	ivi->qos = (vlan >> 12) & 7;
	ivi->vlan_proto = htons(ETH_P_8021Q);
	ivi->spoofchk = !!(flags & SRIOVNIC_VFA_FLAG_SPOOFCHK);
	ivi->trusted = !!(flags & SRIOVNIC_VFA_FLAG_TRUST);
	ivi->linkstate = (flags & SRIOVNIC_VFA_LINK_MASK) >> SRIOVNIC_VFA_LINK_SHIFT;
	ivi->max_tx_rate = sriovnic_admin_rd(priv, vf, SRIOVNIC_VFA_RATE);
	ivi->min_tx_rate = 0;
	return 0;
}

static int sriovnic_get_vf_stats(struct net_device *netdev, int vf, struct ifla_vf_stats *st)
{
	struct sriovnic_priv *priv = sriovnic_vf_owner(netdev, vf);

	if (!priv)
		return -EINVAL;
	st->rx_packets = sriovnic_admin_rd64(priv, vf, SRIOVNIC_VFA_RX_PACKETS);
	st->rx_bytes = sriovnic_admin_rd64(priv, vf, SRIOVNIC_VFA_RX_BYTES);
	st->tx_packets = sriovnic_admin_rd64(priv, vf, SRIOVNIC_VFA_TX_PACKETS);
	st->tx_bytes = sriovnic_admin_rd64(priv, vf, SRIOVNIC_VFA_TX_BYTES);
	st->rx_dropped = sriovnic_admin_rd(priv, vf, SRIOVNIC_VFA_RX_DROPPED);
	st->tx_dropped = sriovnic_admin_rd(priv, vf, SRIOVNIC_VFA_TX_DROPPED);
	return 0;
}

const struct net_device_ops sriovnic_pf_netdev_ops = {
	SRIOVNIC_NETDEV_OPS_COMMON,
	.ndo_change_mtu = sriovnic_change_mtu,
	.ndo_set_vf_mac = sriovnic_set_vf_mac,
	.ndo_set_vf_vlan = sriovnic_set_vf_vlan,
	.ndo_set_vf_spoofchk = sriovnic_set_vf_spoofchk,
	.ndo_set_vf_trust = sriovnic_set_vf_trust,
	.ndo_set_vf_link_state = sriovnic_set_vf_link_state,
	.ndo_set_vf_rate = sriovnic_set_vf_rate,
	.ndo_get_vf_config = sriovnic_get_vf_config,
	.ndo_get_vf_stats = sriovnic_get_vf_stats,
};
