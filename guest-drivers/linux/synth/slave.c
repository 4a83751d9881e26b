// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sriovnic synthetic channel: bonding plumbing, apart from the policy (in
 * the manner of net/core/failover.c). A netdevice notifier finds the channel
 * a netdev belongs to and hands the event to the policy's synth_slave_ops;
 * synth_slave_link() makes a netdev a channel's slave: slave flags, an
 * rx_handler, and an active-backup upper link. Everything here runs under
 * rtnl.
 */
#include <linux/if_arp.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>

#include "synth.h"

/* The channels whose offers may name a netdev that registers. */
static LIST_HEAD(synth_channels);
static const struct synth_slave_ops *synth_ops;
static const struct net_device_ops *synth_channel_ops;

/* Whether `dev` is a synthetic netdev (ours are known by their ops). */
bool synth_is_channel(const struct net_device *dev)
{
	return dev->netdev_ops == synth_channel_ops;
}

void synth_slave_add_channel(struct synth_priv *p)
{
	ASSERT_RTNL();
	list_add_tail(&p->list, &synth_channels);
}

void synth_slave_del_channel(struct synth_priv *p)
{
	ASSERT_RTNL();
	list_del_init(&p->list);
}

/* The channel `dev` is the linked slave of, from its upper device. */
static struct synth_priv *synth_channel_of_slave(struct net_device *dev)
{
	struct net_device *master = netdev_master_upper_dev_get(dev);
	struct synth_priv *p;

	if (!master || !synth_is_channel(master))
		return NULL;
	p = netdev_priv(master);
	return rtnl_dereference(p->vf_netdev) == dev ? p : NULL;
}

/* A netdev that could be an offered VF: Ethernet on a PCI function. */
static bool synth_could_be_vf(const struct net_device *dev)
{
	struct device *parent = dev->dev.parent;

	return dev->type == ARPHRD_ETHER && parent && dev_is_pci(parent) &&
	       !synth_is_channel(dev);
}

/* The channel, in `dev`'s namespace, whose standing offer names `dev`. */
static struct synth_priv *synth_channel_for(struct net_device *dev)
{
	struct synth_priv *p;

	if (!synth_could_be_vf(dev))
		return NULL;
	list_for_each_entry(p, &synth_channels, list) {
		if (net_eq(dev_net(p->ndev), dev_net(dev)) && synth_ops->slave_match(p, dev))
			return p;
	}
	return NULL;
}

/*
 * A registered netdev in the channel's namespace that its offer names: for
 * a VF that registered before the offer arrived, or before we loaded.
 */
struct net_device *synth_slave_find(struct synth_priv *p)
{
	struct net_device *dev;

	ASSERT_RTNL();
	for_each_netdev(dev_net(p->ndev), dev) {
		if (dev->reg_state == NETREG_REGISTERED && synth_could_be_vf(dev) &&
		    synth_ops->slave_match(p, dev))
			return dev;
	}
	return NULL;
}

/*
 * Remembers the last candidate to register in each channel that has no
 * slave in its namespace: the policy gives a VF that registered a moment
 * ago time to settle before taking it over.
 */
static void synth_note_registered(struct net_device *dev)
{
	struct synth_priv *p;

	if (!synth_could_be_vf(dev))
		return;
	list_for_each_entry(p, &synth_channels, list) {
		if (!rtnl_dereference(p->vf_netdev) && net_eq(dev_net(p->ndev), dev_net(dev))) {
			p->candidate_ifindex = dev->ifindex;
			p->candidate_registered_at = jiffies;
		}
	}
}

/*
 * No addresses, no DHCP, no IPv6 autoconfiguration on a slave (before 6.2,
 * without IFF_NO_ADDRCONF, addrconf skips IFF_SLAVE devices); udev may
 * still rename it while we hold it up.
 */
#ifdef SRIOVNIC_HAVE_NO_ADDRCONF
#define SYNTH_SLAVE_PRIV_FLAGS	(IFF_NO_ADDRCONF | SRIOVNIC_IFF_LIVE_RENAME_OK)
#else
#define SYNTH_SLAVE_PRIV_FLAGS	SRIOVNIC_IFF_LIVE_RENAME_OK
#endif

void synth_slave_mark(struct net_device *slave)
{
	slave->flags |= IFF_SLAVE;
	slave->priv_flags |= SYNTH_SLAVE_PRIV_FLAGS;
}

static void synth_slave_unmark(struct net_device *slave)
{
	slave->flags &= ~IFF_SLAVE;
	slave->priv_flags &= ~SYNTH_SLAVE_PRIV_FLAGS;
}

/* Makes `slave` the channel's: flags first, then its frames, then the link. */
int synth_slave_link(struct synth_priv *p, struct net_device *slave)
{
	struct netdev_lag_upper_info lag = {
		.tx_type = NETDEV_LAG_TX_TYPE_ACTIVEBACKUP,
		.hash_type = NETDEV_LAG_HASH_NONE,
	};
	int err;

	ASSERT_RTNL();
	synth_slave_mark(slave);
	err = netdev_rx_handler_register(slave, synth_ops->slave_handle_frame, p);
	if (err) {
		netdev_err(p->ndev, "cannot register rx handler on %s: %d\n", slave->name, err);
		goto err_unmark;
	}
	err = netdev_master_upper_dev_link(slave, p->ndev, NULL, &lag, NULL);
	if (err) {
		netdev_err(p->ndev, "cannot link %s: %d\n", slave->name, err);
		goto err_handler;
	}
	return 0;

err_handler:
	netdev_rx_handler_unregister(slave);
err_unmark:
	synth_slave_unmark(slave);
	return err;
}

void synth_slave_unlink(struct synth_priv *p, struct net_device *slave)
{
	ASSERT_RTNL();
	netdev_rx_handler_unregister(slave);
	netdev_upper_dev_unlink(slave, p->ndev);
	synth_slave_unmark(slave);
}

static int synth_netdev_event(struct notifier_block *nb, unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct synth_priv *p;

	if (list_empty(&synth_channels) || synth_is_channel(dev))
		return NOTIFY_DONE;
	switch (event) {
	case NETDEV_POST_INIT:
		/* Before user space can see it, if its offer is here already. */
		if (synth_channel_for(dev))
			synth_slave_mark(dev);
		break;
	case NETDEV_REGISTER:
		synth_note_registered(dev);
		p = synth_channel_for(dev);
		if (p)	/* rtnl held since POST_INIT: the same offer */
			synth_ops->slave_register(p, dev);
		break;
	case NETDEV_UP:
	case NETDEV_CHANGE:
	case NETDEV_GOING_DOWN:
	case NETDEV_DOWN:
		p = synth_channel_of_slave(dev);
		if (p)
			synth_ops->slave_link_change(p, dev, event == NETDEV_UP ||
							     event == NETDEV_CHANGE);
		break;
	case NETDEV_UNREGISTER:
		p = synth_channel_of_slave(dev);
		if (p)
			synth_ops->slave_unregister(p, dev);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block synth_notifier = {
	.notifier_call = synth_netdev_event,
};

int synth_slave_init(const struct synth_slave_ops *ops, const struct net_device_ops *master_ops)
{
	synth_ops = ops;
	synth_channel_ops = master_ops;
	return register_netdevice_notifier(&synth_notifier);
}

void synth_slave_exit(void)
{
	unregister_netdevice_notifier(&synth_notifier);
}
