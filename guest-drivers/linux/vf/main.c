// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sriovnic virtual function driver. Talks to the PF driver over the mailbox
 * (hello, MTU) and recovers when the PF is reset under it: on the PF's notice,
 * or when its watchdog finds the function reset.
 */
#include <linux/etherdevice.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/rtnetlink.h>

#include <sriovnic/mailbox.h>

#include "vf.h"

static const char sriovnic_driver_name[] = "sriovnic_vf";

static const struct pci_device_id sriovnic_vf_ids[] = {
	{ PCI_DEVICE(SRIOVNIC_PCI_VENDOR_ID, SRIOVNIC_PCI_DEVICE_ID_VF) },
	{ }
};
MODULE_DEVICE_TABLE(pci, sriovnic_vf_ids);

static const char * const sriovnic_vf_state_names[] = {
	[SRIOVNIC_VF_STARTING] = "starting",
	[SRIOVNIC_VF_READY] = "ready",
	[SRIOVNIC_VF_RESET_SEEN] = "reset-seen",
	[SRIOVNIC_VF_RESETTING] = "resetting",
	[SRIOVNIC_VF_GONE] = "gone",
	[SRIOVNIC_VF_REMOVING] = "removing",
};

/* The one place the VF's state changes (see enum sriovnic_vf_state). */
void sriovnic_vf_change_state(struct sriovnic_vf *vf, enum sriovnic_vf_state state)
{
	enum sriovnic_vf_state old = vf->state;

	ASSERT_RTNL();
	if (old == state)
		return;
	if (WARN_ON_ONCE(old == SRIOVNIC_VF_REMOVING))
		return;
	netdev_dbg(vf->priv->netdev, "state %s -> %s\n",
		   sriovnic_vf_state_names[old], sriovnic_vf_state_names[state]);
	WRITE_ONCE(vf->state, state);
}

static int sriovnic_vf_change_mtu(struct net_device *netdev, int mtu)
{
	struct sriovnic_priv *priv = netdev_priv(netdev);
	struct sriovnic_vf *vf = sriovnic_vf_of(priv);
	u32 reply[SRIOVNIC_MBX_WORDS];
	int err;

	if (sriovnic_vf_pf_answers(vf)) {
		err = sriovnic_vf_request(vf, SRIOVNIC_MBX_SET_MTU, mtu, reply);
		if (err == -EPERM)
			netdev_warn(netdev, "PF denied MTU %d (limit %u)\n", mtu, reply[2]);
		if (err)
			return err;
	}
	return sriovnic_change_mtu(netdev, mtu);
}

static int sriovnic_vf_vlan(struct net_device *netdev, u16 vid, bool add)
{
	struct sriovnic_vf *vf = sriovnic_vf_of(netdev_priv(netdev));
	u32 reply[SRIOVNIC_MBX_WORDS];
	int err;

	if (!sriovnic_vf_pf_answers(vf))
		return 0; /* no PF driver, no filter: the port passes every VLAN */
	err = sriovnic_vf_request(vf, SRIOVNIC_MBX_SET_VLAN,
				  vid | (add ? SRIOVNIC_VLAN_FILTER_ADD : 0), reply);
	if (err == -EPERM && reply[1] == SRIOVNIC_MBX_REASON_PORT_VLAN)
		netdev_warn(netdev, "on a port VLAN: VLAN %u refused by the PF\n", vid);
	if (!err && add)
		set_bit(vid, vf->vlans);
	else if (!add)
		clear_bit(vid, vf->vlans);
	return err;
}

/* After a reset the PF has forgotten our VLANs: ask for them again. */
static void sriovnic_vf_replay_vlans(struct sriovnic_vf *vf)
{
	u32 reply[SRIOVNIC_MBX_WORDS];
	unsigned int vid;

	for_each_set_bit(vid, vf->vlans, VLAN_N_VID) {
		int err = sriovnic_vf_request(vf, SRIOVNIC_MBX_SET_VLAN,
					      vid | SRIOVNIC_VLAN_FILTER_ADD, reply);

		if (err == -ETIMEDOUT)
			return; /* asked again once the PF answers */
		if (err) {
			netdev_warn(vf->priv->netdev, "PF no longer takes VLAN %u\n", vid);
			clear_bit(vid, vf->vlans);
		}
	}
}

static int sriovnic_vf_vlan_add(struct net_device *netdev, __be16 proto, u16 vid)
{
	return sriovnic_vf_vlan(netdev, vid, true);
}

static int sriovnic_vf_vlan_kill(struct net_device *netdev, __be16 proto, u16 vid)
{
	return sriovnic_vf_vlan(netdev, vid, false);
}

static const struct net_device_ops sriovnic_vf_netdev_ops = {
	SRIOVNIC_NETDEV_OPS_COMMON,
	.ndo_change_mtu = sriovnic_vf_change_mtu,
	.ndo_vlan_rx_add_vid = sriovnic_vf_vlan_add,
	.ndo_vlan_rx_kill_vid = sriovnic_vf_vlan_kill,
};

static void sriovnic_vf_attach(struct sriovnic_priv *priv)
{
	struct sriovnic_vf *vf = sriovnic_vf_of(priv);

	vf->priv = priv;
}

static const struct sriovnic_role sriovnic_vf_role = {
	.is_vf = true,
	.name = sriovnic_driver_name,
	.ops = &sriovnic_vf_netdev_ops,
	.features = NETIF_F_HW_VLAN_CTAG_FILTER,
	.mailbox = sriovnic_vf_mailbox,
	.set_mc_hash = sriovnic_vf_set_mc_hash,
	.attach = sriovnic_vf_attach,
};

/*
 * Whether the function still answers. A VF's Vendor ID always reads 0xffff,
 * so look at its Command register: all ones once the VF is gone (VF Enable
 * cleared under us, or the function removed by the host).
 */
static bool sriovnic_vf_present(struct sriovnic_priv *priv)
{
	u16 cmd;

	return !pci_read_config_word(priv->pdev, PCI_COMMAND, &cmd) && cmd != 0xffff;
}

void sriovnic_vf_sync_pf(struct sriovnic_vf *vf)
{
	struct net_device *netdev = vf->priv->netdev;
	u32 reply[SRIOVNIC_MBX_WORDS];
	int err;

	ASSERT_RTNL();
	if (sriovnic_vf_hello(vf))
		return;
	if (netdev->mtu != ETH_DATA_LEN) {
		err = sriovnic_vf_request(vf, SRIOVNIC_MBX_SET_MTU, netdev->mtu, reply);
		if (err == -EPERM || err == -EOPNOTSUPP) {
			netdev_warn(netdev, "PF no longer grants MTU %u, back to %u\n",
				    netdev->mtu, ETH_DATA_LEN);
			if (vf->priv->rings_up)
				sriovnic_change_mtu(netdev, ETH_DATA_LEN);
			else
				WRITE_ONCE(netdev->mtu, ETH_DATA_LEN);
		}
	}
	sriovnic_vf_replay_vlans(vf);
}

/*
 * A PF that stopped answering our requests: say hello each watchdog round
 * until it answers, then send it what it may have missed (MTU, VLANs,
 * multicast list).
 */
static void sriovnic_vf_resync(struct sriovnic_vf *vf)
{
	struct net_device *netdev = vf->priv->netdev;

	/* Our last message still waits untaken: no use asking again yet. */
	if (sriovnic_rd(vf->priv, SRIOVNIC_REG_MBX_STATUS) & SRIOVNIC_MBX_STATUS_BUSY)
		return;
	rtnl_lock();
	if (vf->state == SRIOVNIC_VF_READY && READ_ONCE(vf->pf_silent)) {
		sriovnic_vf_sync_pf(vf);
		if (!READ_ONCE(vf->pf_silent)) {
			netdev_info(netdev, "PF answers again: MTU, VLANs and multicast list sent again\n");
			if (netif_running(netdev)) {
				netif_addr_lock_bh(netdev);
				sriovnic_set_rx_mode(netdev);
				netif_addr_unlock_bh(netdev);
			}
		}
	}
	rtnl_unlock();
}

/*
 * The function was reset under us (PF reset or FLR): bring it back as it
 * was, MTU included. Called with rtnl held and the netdev stopped.
 */
static void sriovnic_vf_recover(struct sriovnic_vf *vf, bool running)
{
	struct sriovnic_priv *priv = vf->priv;
	struct net_device *netdev = priv->netdev;

	if (!sriovnic_vf_present(priv))
		return; /* gone: the watchdog restores it if it comes back */
	pci_restore_state(priv->pdev);
	pci_save_state(priv->pdev); /* restoring consumes the saved state */
	sriovnic_enable_misc_irq(priv);
	sriovnic_vf_sync_pf(vf);
	if (running && sriovnic_open(netdev))
		dev_close(netdev);
	netdev_info(netdev, "recovered from a reset (MTU %u)\n", netdev->mtu);
}

static bool sriovnic_vf_needs_recovery(struct sriovnic_priv *priv)
{
	return priv->rings_up && !(sriovnic_rd(priv, SRIOVNIC_REG_CTRL) & SRIOVNIC_CTRL_ENABLE);
}

/*
 * Surprise removal: the function vanished without the PCI core unbinding us.
 * Stop touching it and keep the netdev, detached, until it comes back (then
 * it is a reset function: recover) or the driver is unbound.
 */
static void sriovnic_vf_check_presence(struct sriovnic_vf *vf)
{
	struct net_device *netdev = vf->priv->netdev;
	bool present = sriovnic_vf_present(vf->priv);

	if (present == (sriovnic_vf_state(vf) != SRIOVNIC_VF_GONE))
		return;
	rtnl_lock();
	if (!present && vf->state != SRIOVNIC_VF_GONE) {
		sriovnic_vf_change_state(vf, SRIOVNIC_VF_GONE);
		netif_device_detach(netdev);
		netif_carrier_off(netdev);
		netdev_warn(netdev, "function gone (surprise removal): detached\n");
	} else if (present && vf->state == SRIOVNIC_VF_GONE) {
		sriovnic_vf_change_state(vf, SRIOVNIC_VF_RESETTING);
		netdev_info(netdev, "function back after surprise removal\n");
		if (netif_running(netdev)) {
			sriovnic_stop(netdev);
			sriovnic_vf_recover(vf, true);
		} else {
			sriovnic_vf_recover(vf, false);
		}
		sriovnic_vf_change_state(vf, SRIOVNIC_VF_READY);
		netif_device_attach(netdev);
	}
	rtnl_unlock();
}

/*
 * The PF's reset notice, or the watchdog's verdict. Only a ready VF acts:
 * one starting says hello next anyway, a reset one is recovered by
 * reset_done, a gone one by the watchdog when it comes back.
 */
static void sriovnic_vf_reset_work(struct work_struct *work)
{
	struct sriovnic_vf *vf = container_of(work, struct sriovnic_vf, reset_work);
	struct net_device *netdev = vf->priv->netdev;

	rtnl_lock();
	if (vf->state != SRIOVNIC_VF_READY && vf->state != SRIOVNIC_VF_RESET_SEEN) {
		/* nothing to do here */
	} else if (sriovnic_vf_needs_recovery(vf->priv)) {
		sriovnic_vf_change_state(vf, SRIOVNIC_VF_RESETTING);
		sriovnic_stop(netdev);
		sriovnic_vf_recover(vf, true);
		sriovnic_vf_change_state(vf, SRIOVNIC_VF_READY);
	} else if (!netif_running(netdev)) {
		sriovnic_vf_change_state(vf, SRIOVNIC_VF_RESETTING);
		sriovnic_vf_recover(vf, false);
		sriovnic_vf_change_state(vf, SRIOVNIC_VF_READY);
	}
	rtnl_unlock();
}

/* Between READY and RESET_SEEN, as the watchdog finds the function. */
static void sriovnic_vf_note_reset(struct sriovnic_vf *vf)
{
	bool reset;

	rtnl_lock();
	reset = sriovnic_vf_needs_recovery(vf->priv);
	if (vf->state == SRIOVNIC_VF_READY && reset)
		sriovnic_vf_change_state(vf, SRIOVNIC_VF_RESET_SEEN);
	else if (vf->state == SRIOVNIC_VF_RESET_SEEN && !reset)
		sriovnic_vf_change_state(vf, SRIOVNIC_VF_READY);
	rtnl_unlock();
}

/* A reset nobody told us about: act when it is seen twice in a row. */
static void sriovnic_vf_watchdog(struct work_struct *work)
{
	struct sriovnic_vf *vf = container_of(to_delayed_work(work), struct sriovnic_vf, watchdog);
	enum sriovnic_vf_state state;

	sriovnic_vf_check_presence(vf);
	if (READ_ONCE(vf->pf_silent))
		sriovnic_vf_resync(vf);
	state = sriovnic_vf_state(vf);
	if (state == SRIOVNIC_VF_READY || state == SRIOVNIC_VF_RESET_SEEN) {
		bool seen = state == SRIOVNIC_VF_RESET_SEEN;
		bool reset = sriovnic_vf_needs_recovery(vf->priv);

		if (reset && seen)
			schedule_work(&vf->reset_work);
		else if (reset != seen)
			sriovnic_vf_note_reset(vf);
	}
	schedule_delayed_work(&vf->watchdog, HZ);
}

/*
 * An FLR: stop now, recover in reset_done. The netdev stays IFF_UP across
 * it (sriovnic_stop() leaves the flag alone), so netif_running() then says
 * whether to reopen it.
 */
static void sriovnic_vf_reset_prepare(struct pci_dev *pdev)
{
	struct sriovnic_priv *priv = pci_get_drvdata(pdev);
	struct sriovnic_vf *vf = sriovnic_vf_of(priv);

	rtnl_lock();
	if (vf->state != SRIOVNIC_VF_GONE)
		sriovnic_vf_change_state(vf, SRIOVNIC_VF_RESETTING);
	if (netif_running(priv->netdev))
		sriovnic_stop(priv->netdev);
	rtnl_unlock();
}

static void sriovnic_vf_reset_done(struct pci_dev *pdev)
{
	struct sriovnic_priv *priv = pci_get_drvdata(pdev);
	struct sriovnic_vf *vf = sriovnic_vf_of(priv);

	rtnl_lock();
	sriovnic_vf_recover(vf, netif_running(priv->netdev));
	if (vf->state == SRIOVNIC_VF_RESETTING)
		sriovnic_vf_change_state(vf, SRIOVNIC_VF_READY);
	rtnl_unlock();
}

static const struct pci_error_handlers sriovnic_vf_err_handlers = {
	.reset_prepare = sriovnic_vf_reset_prepare,
	.reset_done = sriovnic_vf_reset_done,
};

static int sriovnic_vf_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct sriovnic_priv *priv;
	struct sriovnic_vf *vf;
	int err;

	/* Everything the misc interrupt and the netdev ops reach, before them. */
	vf = devm_kzalloc(&pdev->dev, sizeof(*vf), GFP_KERNEL);
	if (!vf)
		return -ENOMEM;
	mutex_init(&vf->mbx_lock);
	INIT_WORK(&vf->reset_work, sriovnic_vf_reset_work);
	INIT_WORK(&vf->mc_work, sriovnic_vf_mc_work);
	INIT_DELAYED_WORK(&vf->watchdog, sriovnic_vf_watchdog);
	err = sriovnic_net_probe(pdev, &sriovnic_vf_role, vf);
	if (err)
		return err;
	priv = pci_get_drvdata(pdev);
	rtnl_lock();
	if (sriovnic_vf_hello(vf))
		netdev_info(priv->netdev, "no answer from the PF driver: MTU stays as the device allows\n");
	else
		netdev_info(priv->netdev, "PF mailbox caps %#x, MTU up to %u\n", vf->pf_caps,
			    priv->netdev->max_mtu);
	sriovnic_vf_change_state(vf, SRIOVNIC_VF_READY);
	/* Opened before the PF answered: the multicast list is yet to be sent. */
	if (netif_running(priv->netdev)) {
		netif_addr_lock_bh(priv->netdev);
		sriovnic_set_rx_mode(priv->netdev);
		netif_addr_unlock_bh(priv->netdev);
	}
	rtnl_unlock();
	pci_save_state(pdev);
	schedule_delayed_work(&vf->watchdog, HZ);
	return 0;
}

static void sriovnic_vf_remove(struct pci_dev *pdev)
{
	struct sriovnic_priv *priv = pci_get_drvdata(pdev);
	struct sriovnic_vf *vf = sriovnic_vf_of(priv);

	cancel_delayed_work_sync(&vf->watchdog);
	rtnl_lock();
	netif_addr_lock_bh(priv->netdev);
	sriovnic_vf_change_state(vf, SRIOVNIC_VF_REMOVING);
	netif_addr_unlock_bh(priv->netdev);
	rtnl_unlock();
	cancel_work_sync(&vf->mc_work);
	cancel_work_sync(&vf->reset_work);
	sriovnic_net_remove(pdev);
}

static struct pci_driver sriovnic_vf_driver = {
	.name = sriovnic_driver_name,
	.id_table = sriovnic_vf_ids,
	.probe = sriovnic_vf_probe,
	.remove = sriovnic_vf_remove,
	.err_handler = &sriovnic_vf_err_handlers,
};
module_pci_driver(sriovnic_vf_driver);

MODULE_DESCRIPTION("sriovnic SR-IOV NIC virtual function driver");
MODULE_LICENSE("GPL");
