// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * NetVSC-style 2-netdev bonding, the policy: the synthetic netdev is the one
 * users configure; the VF the host offers becomes its slave (slave.c does
 * the linking), receives through an rx_handler that hands frames up as the
 * synthetic netdev's, and carries transmit while the data path is switched
 * to it.
 *
 * Each handler looks at the current state and does nothing when there is
 * nothing to do, so a repeated or out-of-order event is harmless. All of it
 * runs under rtnl, except the transmit and receive hooks.
 */
#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>

#include "synth.h"

/*
 * Give the driver and user space (udev renaming it) a moment with a VF that
 * just registered before we take it over. A VF registered for longer than
 * that (an offer after a revoke, a migration) is taken over at once.
 */
#define SYNTH_VF_TAKEOVER_INT	(HZ / 10)
#define SYNTH_VF_RETRY_INT	(HZ / 10)
#define SYNTH_VF_RETRIES	50

static const char * const synth_state_names[] = {
	[SYNTH_NO_VF] = "no-vf",
	[SYNTH_OFFERED] = "offered",
	[SYNTH_JOINING] = "joining",
	[SYNTH_JOINED] = "joined",
	[SYNTH_VF] = "vf",
	[SYNTH_REMOVING] = "removing",
};

/* The one place the pairing state changes (see enum synth_state). */
void synth_change_state(struct synth_priv *p, enum synth_state state)
{
	enum synth_state old = p->state;

	ASSERT_RTNL();
	if (old == state)
		return;
	if (WARN_ON_ONCE(old == SYNTH_REMOVING))
		return;
	netdev_dbg(p->ndev, "state %s -> %s\n", synth_state_names[old],
		   synth_state_names[state]);
	WRITE_ONCE(p->state, state);
}

static struct net_device *synth_vf(struct synth_priv *p)
{
	return rtnl_dereference(p->vf_netdev);
}

static unsigned long synth_takeover_delay(struct synth_priv *p, const struct net_device *vf)
{
	unsigned long settled = p->candidate_registered_at + SYNTH_VF_TAKEOVER_INT;

	if (vf->ifindex != p->candidate_ifindex || time_after_eq(jiffies, settled))
		return 0;
	return settled - jiffies;
}

/* The VF serial as the offer carries it: the PCI address the guest sees. */
static u32 synth_pci_serial(struct pci_dev *pdev)
{
	return (u32)pci_domain_nr(pdev->bus) << 16 | pci_dev_id(pdev);
}

/*
 * Whether the standing offer names `dev` (a PCI Ethernet netdev, slave.c
 * checked). The serial first: it is the PCI address the host offered, and
 * unlike a MAC it cannot be configured on some other device. The permanent
 * MAC is the fallback for a guest that renumbered its buses after the offer
 * (hv_netvsc learned this the hard way); it needs F_VF_MAC.
 */
static bool synth_slave_match(struct synth_priv *p, struct net_device *dev)
{
	struct net_device *master = netdev_master_upper_dev_get(dev);

	if (!p->has_offer || (master && master != p->ndev))
		return false;
	if (synth_pci_serial(to_pci_dev(dev->dev.parent)) == p->offer.serial)
		return true;
	return (p->features & SRIOVNIC_SYNTH_F_VF_MAC) &&
	       ether_addr_equal(dev->perm_addr, p->offer.mac);
}

/* Frames the VF receives are the synthetic netdev's. */
static rx_handler_result_t synth_vf_handle_frame(struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb;
	struct synth_priv *p = rcu_dereference(skb->dev->rx_handler_data);

	skb = skb_share_check(skb, GFP_ATOMIC);
	if (!skb)
		return RX_HANDLER_CONSUMED;
	*pskb = skb;
	skb->dev = p->ndev;
	synth_count_rx(p, true, skb->len + ETH_HLEN);
	return RX_HANDLER_ANOTHER;
}

static void synth_join(struct synth_priv *p, struct net_device *vf)
{
	if (p->state != SYNTH_OFFERED || synth_slave_link(p, vf))
		return;
	netdev_hold(vf, &p->vf_tracker, GFP_KERNEL);
	rcu_assign_pointer(p->vf_netdev, vf);
	p->switch_retries = 0;
	synth_change_state(p, SYNTH_JOINING);
	netdev_info(p->ndev, "joined VF %s (VF %u, serial 0x%x)\n", vf->name,
		    p->offer.vf_index, p->offer.serial);
	schedule_delayed_work(&p->takeover_work, synth_takeover_delay(p, vf));
}

/* Transmit leaves the VF first, then the device is told and confirms. */
static void synth_use_synthetic_path(struct synth_priv *p, bool tell_device)
{
	if (p->state != SYNTH_VF)
		return;
	synth_change_state(p, SYNTH_JOINED);
	synchronize_net();	/* no transmit through the VF from here on */
	if (tell_device)
		synth_ctrl_switch_datapath(p, false);
}

/*
 * Undoes synth_join(): the VF is an ordinary netdev again. The takeover
 * work is cancelled and waited for (it only ever trylocks rtnl, so waiting
 * under rtnl is safe), unless this is that work.
 */
void synth_release_vf(struct synth_priv *p)
{
	struct net_device *vf = synth_vf(p);

	ASSERT_RTNL();
	if (!vf)
		return;
	synth_use_synthetic_path(p, true);
	if (current_work() != &p->takeover_work.work)
		cancel_delayed_work_sync(&p->takeover_work);
	synth_slave_unlink(p, vf);
	dev_uc_unsync(vf, p->ndev);
	dev_mc_unsync(vf, p->ndev);
	if (p->state != SYNTH_JOINING)
		vlan_vids_del_by_dev(vf, p->ndev);
	if (p->vf_promisc)
		dev_set_promiscuity(vf, -1);
	if (p->vf_allmulti)
		dev_set_allmulti(vf, -1);
	p->vf_promisc = false;
	p->vf_allmulti = false;
	RCU_INIT_POINTER(p->vf_netdev, NULL);
	netdev_info(p->ndev, "released VF %s\n", vf->name);
	synchronize_net();
	netdev_put(vf, &p->vf_tracker);
	synth_change_state(p, p->has_offer ? SYNTH_OFFERED : SYNTH_NO_VF);
}

/* The device holds no such offer: forget it (a new one will be sent). */
static void synth_drop_offer(struct synth_priv *p)
{
	netdev_info(p->ndev, "offer of VF %u dropped\n", p->offer.vf_index);
	p->has_offer = false;
	synth_release_vf(p);
	synth_change_state(p, SYNTH_NO_VF);
}

/* Data path to the VF once it can take it; de-duplicated on our state. */
static void synth_use_vf_path(struct synth_priv *p)
{
	struct net_device *vf = synth_vf(p);
	int err;

	if (p->state != SYNTH_JOINED || !p->has_offer || !vf || !netif_running(vf) ||
	    !netif_carrier_ok(vf))
		return;
	err = synth_ctrl_switch_datapath(p, true);
	if (!err)
		synth_change_state(p, SYNTH_VF);
	else if (err == -ENOENT)
		synth_drop_offer(p);
	else if (err == -EAGAIN && p->switch_retries++ < SYNTH_VF_RETRIES)
		/* VF_DOWN: its RX ring or link is not there yet. */
		schedule_delayed_work(&p->takeover_work, SYNTH_VF_RETRY_INT);
}

#define SYNTH_CSUM_FEATURES	(NETIF_F_HW_CSUM | NETIF_F_IP_CSUM | NETIF_F_IPV6_CSUM)
#define SYNTH_PUSHED_FEATURES	(SYNTH_CSUM_FEATURES | NETIF_F_RXCSUM | NETIF_F_TSO | \
				 NETIF_F_TSO6)

/*
 * The VF's checksum, TSO and receive-checksum offloads follow the synthetic
 * netdev's `features`, as far as the VF has them. Under rtnl.
 */
void synth_vf_push_features(struct synth_priv *p, netdev_features_t features)
{
	struct net_device *vf = synth_vf(p);
	netdev_features_t want;

	if (!vf)
		return;
	want = features & (NETIF_F_RXCSUM | NETIF_F_TSO | NETIF_F_TSO6);
	if (features & NETIF_F_HW_CSUM)
		want |= SYNTH_CSUM_FEATURES;
	want = (vf->wanted_features & ~SYNTH_PUSHED_FEATURES) |
	       (want & vf->hw_features & SYNTH_PUSHED_FEATURES);
	if (want == vf->wanted_features)
		return;
	vf->wanted_features = want;
	netdev_update_features(vf);
}

/* Pushes the synthetic netdev's MTU, MAC, rx-mode and offloads to the VF and opens it. */
static void synth_vf_setup(struct synth_priv *p, struct net_device *vf)
{
	struct net_device *ndev = p->ndev;
	int err;

	if (vf->mtu != ndev->mtu) {
		err = dev_set_mtu(vf, ndev->mtu);
		if (err)
			netdev_warn(ndev, "VF %s refused MTU %u: %d\n", vf->name, ndev->mtu, err);
	}
	if (!ether_addr_equal(vf->dev_addr, ndev->dev_addr)) {
		struct sockaddr sa;

		sa.sa_family = vf->type;
		memcpy(sa.sa_data, ndev->dev_addr, ETH_ALEN);
		err = dev_set_mac_address(vf, &sa, NULL);
		if (err)
			netdev_warn(ndev, "VF %s refused MAC %pM: %d\n", vf->name,
				    ndev->dev_addr, err);
	}
	if ((ndev->flags & IFF_PROMISC) && !p->vf_promisc && !dev_set_promiscuity(vf, 1))
		p->vf_promisc = true;
	if ((ndev->flags & IFF_ALLMULTI) && !p->vf_allmulti && !dev_set_allmulti(vf, 1))
		p->vf_allmulti = true;
	synth_vf_push_features(p, ndev->features);
	netif_addr_lock_bh(ndev);
	dev_uc_sync(vf, ndev);
	dev_mc_sync(vf, ndev);
	netif_addr_unlock_bh(ndev);
	err = vlan_vids_add_by_dev(vf, ndev);
	if (err)
		netdev_warn(ndev, "VF %s refused our VLANs: %d\n", vf->name, err);
	if (!(vf->flags & IFF_UP)) {
		err = dev_change_flags(vf, vf->flags | IFF_UP, NULL);
		if (err)
			netdev_warn(ndev, "cannot open VF %s: %d\n", vf->name, err);
	}
	synth_change_state(p, SYNTH_JOINED);
}

void synth_takeover_work(struct work_struct *work)
{
	struct synth_priv *p = container_of(to_delayed_work(work), struct synth_priv,
					    takeover_work);
	struct net_device *vf;

	/* synth_release_vf() cancels us under rtnl: never block on it here. */
	if (!rtnl_trylock()) {
		schedule_delayed_work(&p->takeover_work, 1);
		return;
	}
	vf = synth_vf(p);
	if (vf && p->state == SYNTH_JOINING)
		synth_vf_setup(p, vf);
	if (vf)
		synth_use_vf_path(p);
	rtnl_unlock();
}

/* A VF registered before its offer arrived (or before we loaded): find it now. */
static void synth_pair_existing(struct synth_priv *p)
{
	struct net_device *vf;

	if (p->state != SYNTH_OFFERED)
		return;
	vf = synth_slave_find(p);
	if (vf)
		synth_join(p, vf);
}

void synth_on_offer(struct synth_priv *p, const struct synth_offer *offer)
{
	struct net_device *vf = synth_vf(p);

	netdev_info(p->ndev, "VF %u offered (serial 0x%x)\n", offer->vf_index, offer->serial);
	p->offer = *offer;
	p->has_offer = true;
	if (vf && !synth_slave_match(p, vf))
		/* A new offer replaces the old one: the old VF is not ours anymore. */
		synth_release_vf(p);
	if (p->state == SYNTH_NO_VF)
		synth_change_state(p, SYNTH_OFFERED);
	if (synth_vf(p)) {
		/* Kept joined through a migration's revoke: only the switch is left. */
		p->switch_retries = 0;
		synth_use_vf_path(p);
		return;
	}
	synth_pair_existing(p);
}

/*
 * A request revoke: transmit moves to the synthetic path and the device is
 * told at once, then the VF is released. A surprise revoke: the VF's path
 * is gone already, nothing to tell.
 *
 * A live migration's request revoke keeps the VF joined (slave link,
 * filters, MTU), its data path synthetic: the same VF comes back with the
 * next offer (on the destination, or here if the migration fails), and
 * the guest, whose every code path is cold in a new TCG process, then only
 * switches instead of joining anew while its traffic resumes.
 */
void synth_on_revoke(struct synth_priv *p, bool surprise, u8 reason)
{
	netdev_info(p->ndev, "VF %u revoked%s\n", p->offer.vf_index,
		    surprise ? " (surprise)" : "");
	synth_use_synthetic_path(p, !surprise);
	p->has_offer = false;
	if (!surprise && reason == SRIOVNIC_SYNTH_REVOKE_MIGRATION &&
	    p->state == SYNTH_JOINED) {
		cancel_delayed_work_sync(&p->takeover_work);
		return;
	}
	synth_release_vf(p);
	synth_change_state(p, SYNTH_NO_VF);
}

/*
 * After a function reset, with EVENT enabled again (its replay is the whole
 * truth): DATAPATH says whether an offer still stands. Without one, a VF we
 * hold goes as after a surprise revoke; with one, the device forgot our
 * switch, so the data path goes back to the VF.
 */
void synth_after_reset(struct synth_priv *p)
{
	u32 dp = synth_rd(p, SRIOVNIC_SYNTH_REG_DATAPATH) & SRIOVNIC_SYNTH_DP_STATE_MASK;

	ASSERT_RTNL();
	if (dp == SRIOVNIC_SYNTH_DP_SYNTHETIC) {
		if (p->has_offer)
			synth_drop_offer(p);
		return;
	}
	p->switch_retries = 0;
	if (p->state == SYNTH_JOINING) {
		schedule_delayed_work(&p->takeover_work, 0);	/* reset_prepare cancelled it */
		return;
	}
	if (p->state == SYNTH_VF)
		synth_change_state(p, SYNTH_JOINED);
	synth_use_vf_path(p);
}

/*
 * ndo_start_xmit while the data path is the VF's. The synthetic netdev is
 * lockless (LLTX), so queueing on the VF here takes no lock of ours.
 */
bool synth_tx_via_vf(struct synth_priv *p, struct sk_buff *skb)
{
	struct net_device *vf;
	unsigned int len;
	int rc;

	if (READ_ONCE(p->state) != SYNTH_VF)
		return false;
	vf = rcu_dereference_bh(p->vf_netdev);
	if (!vf || !netif_running(vf) || !netif_carrier_ok(vf))
		return false;
	len = skb->len;
	skb->dev = vf;
	rc = dev_queue_xmit(skb);
	if (likely(rc == NET_XMIT_SUCCESS || rc == NET_XMIT_CN))
		synth_count_tx(p, true, len);
	else
		synth_count_vf_tx_drop(p);
	return true;
}

/* ndo_change_mtu: the VF follows, or the change is refused. */
int synth_vf_change_mtu(struct synth_priv *p, int mtu)
{
	struct net_device *vf = synth_vf(p);

	if (!vf || vf->mtu == mtu)
		return 0;
	return dev_set_mtu(vf, mtu);
}

/* ndo_vlan_rx_add_vid, under rtnl: the VF's filter follows, or the VLAN is refused. */
int synth_vf_vlan_add(struct synth_priv *p, __be16 proto, u16 vid)
{
	struct net_device *vf = synth_vf(p);

	if (!vf || p->state == SYNTH_JOINING)
		return 0;	/* synth_vf_setup() gives it every VLAN we have */
	return vlan_vid_add(vf, proto, vid);
}

/* ndo_vlan_rx_kill_vid, under rtnl. */
void synth_vf_vlan_kill(struct synth_priv *p, __be16 proto, u16 vid)
{
	struct net_device *vf = synth_vf(p);

	if (vf && p->state != SYNTH_JOINING)
		vlan_vid_del(vf, proto, vid);
}

/* ndo_set_rx_mode, under the synthetic netdev's address lock. */
void synth_vf_sync_rx_mode(struct synth_priv *p)
{
	struct net_device *vf;

	rcu_read_lock();
	vf = rcu_dereference(p->vf_netdev);
	if (vf) {
		dev_uc_sync(vf, p->ndev);
		dev_mc_sync(vf, p->ndev);
	}
	rcu_read_unlock();
}

/* ndo_change_rx_flags, under rtnl. */
void synth_vf_change_rx_flags(struct synth_priv *p, int change)
{
	struct net_device *vf = synth_vf(p);
	bool on;

	if (!vf)
		return;
	if (change & IFF_PROMISC) {
		on = p->ndev->flags & IFF_PROMISC;
		if (on != p->vf_promisc && !dev_set_promiscuity(vf, on ? 1 : -1))
			p->vf_promisc = on;
	}
	if (change & IFF_ALLMULTI) {
		on = p->ndev->flags & IFF_ALLMULTI;
		if (on != p->vf_allmulti && !dev_set_allmulti(vf, on ? 1 : -1))
			p->vf_allmulti = on;
	}
}

/* ---- the plumbing's callbacks (slave.c): each idempotent ---- */

static void synth_slave_register(struct synth_priv *p, struct net_device *vf)
{
	synth_join(p, vf);
}

/*
 * Up or carrier change: to the VF if it can take it. Going down: back to
 * synthetic. A VF that merely lost carrier keeps the data path: the device
 * steers to synthetic by itself, and transmit checks the carrier.
 */
static void synth_slave_link_change(struct synth_priv *p, struct net_device *vf, bool up)
{
	if (up)
		synth_use_vf_path(p);
	else
		synth_use_synthetic_path(p, true);
}

static void synth_slave_unregister(struct synth_priv *p, struct net_device *vf)
{
	synth_release_vf(p);
}

const struct synth_slave_ops synth_bond_ops = {
	.slave_match = synth_slave_match,
	.slave_register = synth_slave_register,
	.slave_link_change = synth_slave_link_change,
	.slave_unregister = synth_slave_unregister,
	.slave_handle_frame = synth_vf_handle_frame,
};
