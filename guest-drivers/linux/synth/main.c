// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sriovnic synthetic channel driver: PCI function 5352:0003. Probe and
 * remove, feature negotiation, the misc interrupt, and the PCI reset
 * handlers; the rest is in the files synth.h lists.
 */
#include <linux/etherdevice.h>
#include <linux/module.h>
#include <linux/rtnetlink.h>

#include "synth.h"

static const struct pci_device_id synth_ids[] = {
	{ PCI_DEVICE(SRIOVNIC_PCI_VENDOR_ID, SRIOVNIC_PCI_DEVICE_ID_SYNTH) },
	{ }
};
MODULE_DEVICE_TABLE(pci, synth_ids);

/* What this driver knows how to use; the device offers a subset or all. */
#define SYNTH_DRV_FEATURES SRIOVNIC_SYNTH_F_ALL

#define SYNTH_MISC_CAUSES \
	(SRIOVNIC_INT_ERROR | SRIOVNIC_SYNTH_INT_CTRL | SRIOVNIC_SYNTH_INT_EVENT)

static irqreturn_t synth_misc_irq(int irq, void *data)
{
	struct synth_priv *p = data;
	u32 cause = sriovnic_hw_take_causes(p->regs);

	if (!cause)
		return IRQ_NONE;
	if (cause & SRIOVNIC_INT_ERROR) {
		u32 addr, err = sriovnic_hw_take_error(p->regs, &addr);

		dev_warn_ratelimited(&p->pdev->dev, "device error 0x%x at 0x%x\n", err, addr);
	}
	if (cause & SRIOVNIC_SYNTH_INT_CTRL)
		synth_ctrl_irq(p);
	if (cause & SRIOVNIC_SYNTH_INT_EVENT)
		schedule_work(&p->event_work);
	return IRQ_HANDLED;
}

static int synth_negotiate(struct synth_priv *p)
{
	u32 dev = synth_rd(p, SRIOVNIC_SYNTH_REG_DEV_FEATURES);
	u32 want = dev & SYNTH_DRV_FEATURES;

	if (!sriovnic_synth_features_ok(dev, want))
		want &= ~(SRIOVNIC_SYNTH_F_TSO4 | SRIOVNIC_SYNTH_F_TSO6 | SRIOVNIC_SYNTH_F_VF_MAC);
	synth_wr(p, SRIOVNIC_SYNTH_REG_DRV_FEATURES, want);
	synth_wr(p, SRIOVNIC_SYNTH_REG_FEATURES_OK, SRIOVNIC_SYNTH_FEATURES_OK_BIT);
	if (!(synth_rd(p, SRIOVNIC_SYNTH_REG_FEATURES_OK) & SRIOVNIC_SYNTH_FEATURES_OK_BIT))
		return -EIO;
	p->features = want;
	p->offloads = synth_rd(p, SRIOVNIC_SYNTH_REG_OFFLOADS) & want;
	return 0;
}

static void synth_free_rings(struct synth_priv *p)
{
	struct device *dev = &p->pdev->dev;

	synth_vq_free(p, &p->rxq);
	synth_vq_free(p, &p->txq);
	synth_vq_free(p, &p->ctrlq);
	synth_vq_free(p, &p->evq);
	if (p->ctrl_buf)
		dma_free_coherent(dev, PAGE_SIZE, p->ctrl_buf, p->ctrl_dma);
	if (p->ev_buf)
		dma_free_coherent(dev, SYNTH_EVENT_RING * SYNTH_EVENT_BUF, p->ev_buf, p->ev_dma);
	if (p->tx_hdrs)
		dma_free_coherent(dev, SYNTH_TX_RING * SYNTH_TX_HDR_STRIDE, p->tx_hdrs,
				  p->tx_hdrs_dma);
}

static int synth_alloc_rings(struct synth_priv *p)
{
	struct device *dev = &p->pdev->dev;

	if (synth_vq_alloc(p, &p->rxq, SRIOVNIC_SYNTH_Q_RX, SYNTH_RX_RING) ||
	    synth_vq_alloc(p, &p->txq, SRIOVNIC_SYNTH_Q_TX, SYNTH_TX_RING) ||
	    synth_vq_alloc(p, &p->ctrlq, SRIOVNIC_SYNTH_Q_CTRL, SYNTH_CTRL_RING) ||
	    synth_vq_alloc(p, &p->evq, SRIOVNIC_SYNTH_Q_EVENT, SYNTH_EVENT_RING))
		return -ENOMEM;
	p->ctrl_buf = dma_alloc_coherent(dev, PAGE_SIZE, &p->ctrl_dma, GFP_KERNEL);
	p->ev_buf = dma_alloc_coherent(dev, SYNTH_EVENT_RING * SYNTH_EVENT_BUF, &p->ev_dma,
				       GFP_KERNEL);
	p->tx_hdrs = dma_alloc_coherent(dev, SYNTH_TX_RING * SYNTH_TX_HDR_STRIDE, &p->tx_hdrs_dma,
					GFP_KERNEL);
	if (!p->ctrl_buf || !p->ev_buf || !p->tx_hdrs)
		return -ENOMEM;
	return 0;
}

/* CTRL and EVENT run from probe to remove; RX and TX while the netdev is up. */
static int synth_start_control(struct synth_priv *p)
{
	int err;

	err = synth_vq_enable(p, &p->ctrlq);
	if (err)
		return err;
	err = synth_vq_enable(p, &p->evq);
	if (err)
		return err;
	synth_post_events(p);
	sriovnic_hw_enable_misc_irq(p->regs, SRIOVNIC_SYNTH_VEC_MISC, SYNTH_MISC_CAUSES);
	synth_wr(p, SRIOVNIC_REG_CTRL, SRIOVNIC_CTRL_ENABLE);
	return 0;
}

static void synth_setup_netdev(struct synth_priv *p)
{
	struct net_device *ndev = p->ndev;
	u8 mac[ETH_ALEN];

	sriovnic_hw_read_mac(p->regs, mac);
	eth_hw_addr_set(ndev, mac);
	ndev->netdev_ops = &synth_netdev_ops;
	ndev->ethtool_ops = &synth_ethtool_ops;
	ndev->hw_features = NETIF_F_SG;
	if (p->features & SRIOVNIC_SYNTH_F_CSUM_TX)
		ndev->hw_features |= NETIF_F_HW_CSUM;
	if (p->features & SRIOVNIC_SYNTH_F_CSUM_RX)
		ndev->hw_features |= NETIF_F_RXCSUM;
	if (p->features & SRIOVNIC_SYNTH_F_TSO4)
		ndev->hw_features |= NETIF_F_TSO;
	if (p->features & SRIOVNIC_SYNTH_F_TSO6)
		ndev->hw_features |= NETIF_F_TSO6;
	ndev->features = ndev->hw_features | NETIF_F_HIGHDMA | NETIF_F_HW_VLAN_CTAG_FILTER;
	/* Transmit through the VF queues on the VF: no queue lock of ours around it. */
	sriovnic_set_lltx(ndev);
	ndev->min_mtu = SRIOVNIC_MTU_MIN;
	ndev->max_mtu = (p->features & SRIOVNIC_SYNTH_F_MTU) ?
			synth_rd(p, SRIOVNIC_SYNTH_REG_MAX_MTU) : SRIOVNIC_MTU_DEFAULT;
	netif_set_tso_max_size(ndev, SRIOVNIC_SYNTH_TX_FRAME_MAX - 256);
	netif_carrier_off(ndev);
}

static int synth_check_device(struct synth_priv *p)
{
	p->version = synth_rd(p, SRIOVNIC_REG_VERSION);
	if (synth_rd(p, SRIOVNIC_REG_ID) != SRIOVNIC_ID_MAGIC ||
	    p->version >> 16 != SRIOVNIC_VERSION_MAJOR ||
	    synth_rd(p, SRIOVNIC_REG_FUNC) != SRIOVNIC_SYNTH_FUNC_VALUE) {
		dev_err(&p->pdev->dev, "not a sriovnic synthetic function\n");
		return -ENODEV;
	}
	return 0;
}

static int synth_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct net_device *ndev;
	struct synth_priv *p;
	int err;

	err = pcim_enable_device(pdev);
	if (err)
		return err;
	err = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (err)
		return err;
	err = pcim_iomap_regions(pdev, BIT(SRIOVNIC_BAR_REGS), SYNTH_DRV_NAME);
	if (err)
		return err;
	pci_set_master(pdev);

	ndev = devm_alloc_etherdev(&pdev->dev, sizeof(*p));
	if (!ndev)
		return -ENOMEM;
	SET_NETDEV_DEV(ndev, &pdev->dev);
	p = netdev_priv(ndev);
	p->ndev = ndev;
	p->pdev = pdev;
	spin_lock_init(&p->tx_lock);
	mutex_init(&p->ctrl_lock);
	init_completion(&p->ctrl_done);
	INIT_WORK(&p->event_work, synth_event_work);
	INIT_DELAYED_WORK(&p->takeover_work, synth_takeover_work);
	INIT_LIST_HEAD(&p->list);
	pci_set_drvdata(pdev, p);

	p->regs = pcim_iomap_table(pdev)[SRIOVNIC_BAR_REGS];
	if (!p->regs)
		return -ENOMEM;
	err = synth_check_device(p);
	if (err)
		return err;
	err = sriovnic_hw_reset(p->regs);
	if (err)
		return err;
	err = synth_negotiate(p);
	if (err) {
		dev_err(&pdev->dev, "feature negotiation refused\n");
		return err;
	}
	p->stats = devm_alloc_percpu(&pdev->dev, struct synth_pcpu_stats);
	if (!p->stats)
		return -ENOMEM;
	err = synth_alloc_rings(p);
	if (err)
		goto err_rings;

	err = pci_alloc_irq_vectors(pdev, SRIOVNIC_SYNTH_MSIX_VECTORS,
				    SRIOVNIC_SYNTH_MSIX_VECTORS, PCI_IRQ_MSIX);
	if (err < 0)
		goto err_rings;
	netif_napi_add(ndev, &p->napi, synth_poll);
	err = request_irq(pci_irq_vector(pdev, SRIOVNIC_SYNTH_VEC_MISC), synth_misc_irq, 0,
			  SYNTH_DRV_NAME, p);
	if (err)
		goto err_vectors;
	err = request_irq(pci_irq_vector(pdev, SRIOVNIC_SYNTH_VEC_DATA), synth_data_irq, 0,
			  SYNTH_DRV_NAME "-data", p);
	if (err)
		goto err_misc;
	synth_setup_netdev(p);

	/* Replayed events (link, MTU, a standing offer) arrive from here on. */
	err = synth_start_control(p);
	if (err)
		goto err_data;
	/*
	 * The event work handles nothing until the netdev is registered and
	 * the channel listed for the notifier, all in this rtnl section.
	 */
	rtnl_lock();
	err = register_netdevice(ndev);
	if (err) {
		rtnl_unlock();
		goto err_data;
	}
	synth_slave_add_channel(p);
	p->events_ready = true;
	rtnl_unlock();
	schedule_work(&p->event_work);
	netdev_info(ndev, "sriovnic synthetic channel %s, features 0x%x, MAC %pM\n",
		    pci_name(pdev), p->features, ndev->dev_addr);
	return 0;

err_data:
	sriovnic_hw_disable_misc_irq(p->regs, SRIOVNIC_SYNTH_INT_ALL);
	synth_wr(p, SRIOVNIC_REG_CTRL, SRIOVNIC_CTRL_RESET);
	free_irq(pci_irq_vector(pdev, SRIOVNIC_SYNTH_VEC_DATA), p);
	cancel_work_sync(&p->event_work);
err_misc:
	free_irq(pci_irq_vector(pdev, SRIOVNIC_SYNTH_VEC_MISC), p);
err_vectors:
	netif_napi_del(&p->napi);
	pci_free_irq_vectors(pdev);
err_rings:
	synth_free_rings(p);
	return err;
}

static void synth_remove(struct pci_dev *pdev)
{
	struct synth_priv *p = pci_get_drvdata(pdev);

	rtnl_lock();
	synth_release_vf(p);
	synth_change_state(p, SYNTH_REMOVING);
	synth_slave_del_channel(p);
	rtnl_unlock();
	cancel_delayed_work_sync(&p->takeover_work);
	unregister_netdev(p->ndev);
	sriovnic_hw_disable_misc_irq(p->regs, SRIOVNIC_SYNTH_INT_ALL);
	free_irq(pci_irq_vector(pdev, SRIOVNIC_SYNTH_VEC_DATA), p);
	free_irq(pci_irq_vector(pdev, SRIOVNIC_SYNTH_VEC_MISC), p);
	cancel_work_sync(&p->event_work);
	synth_wr(p, SRIOVNIC_REG_CTRL, SRIOVNIC_CTRL_RESET);
	netif_napi_del(&p->napi);
	pci_free_irq_vectors(pdev);
	synth_free_rings(p);
}

/*
 * An FLR (or any reset through the PCI core) is coming: quiesce. Works
 * that take rtnl are waited for outside it; the event work finds
 * `resetting` and leaves the events in the ring.
 */
static void synth_reset_prepare(struct pci_dev *pdev)
{
	struct synth_priv *p = pci_get_drvdata(pdev);

	rtnl_lock();
	mutex_lock(&p->ctrl_lock);
	p->resetting = true;
	mutex_unlock(&p->ctrl_lock);
	netif_device_detach(p->ndev);
	synth_rings_stop(p);
	sriovnic_hw_disable_misc_irq(p->regs, SRIOVNIC_SYNTH_INT_ALL);
	rtnl_unlock();
	cancel_work_sync(&p->event_work);
	cancel_delayed_work_sync(&p->takeover_work);
}

/*
 * The reset cleared the negotiation, the rings and the interrupt routing:
 * set all of it up again, then follow DATAPATH (bond.c). The replayed
 * events come through the event work as at probe.
 */
static void synth_reset_done(struct pci_dev *pdev)
{
	struct synth_priv *p = pci_get_drvdata(pdev);
	struct net_device *ndev = p->ndev;
	u32 features = p->features;
	int err;

	rtnl_lock();
	err = sriovnic_hw_reset(p->regs);
	if (!err)
		err = synth_negotiate(p);
	if (!err && p->features != features) {
		netdev_err(ndev, "features 0x%x after the reset, were 0x%x\n", p->features,
			   features);
		err = -EIO;
	}
	if (!err)
		err = synth_start_control(p);
	if (err) {
		netdev_err(ndev, "cannot restart after a reset: %d\n", err);
		rtnl_unlock();
		return;
	}
	mutex_lock(&p->ctrl_lock);
	p->resetting = false;
	mutex_unlock(&p->ctrl_lock);
	synth_wr(p, SRIOVNIC_REG_MTU, ndev->mtu);
	netif_addr_lock_bh(ndev);
	synth_write_rx_mode(p);
	netif_addr_unlock_bh(ndev);
	if (netif_running(ndev)) {
		err = synth_rings_start(p);
		if (err)
			netdev_err(ndev, "cannot restart the rings after a reset: %d\n", err);
	}
	netif_device_attach(ndev);
	synth_after_reset(p);
	rtnl_unlock();
	schedule_work(&p->event_work);
	netdev_info(ndev, "restarted after a function reset\n");
}

static const struct pci_error_handlers synth_err_handler = {
	.reset_prepare = synth_reset_prepare,
	.reset_done = synth_reset_done,
};

static struct pci_driver synth_driver = {
	.name = SYNTH_DRV_NAME,
	.id_table = synth_ids,
	.probe = synth_probe,
	.remove = synth_remove,
	.err_handler = &synth_err_handler,
};

static int __init synth_init(void)
{
	int err;

	err = synth_slave_init(&synth_bond_ops, &synth_netdev_ops);
	if (err)
		return err;
	err = pci_register_driver(&synth_driver);
	if (err)
		synth_slave_exit();
	return err;
}

static void __exit synth_exit(void)
{
	pci_unregister_driver(&synth_driver);
	synth_slave_exit();
}

module_init(synth_init);
module_exit(synth_exit);

MODULE_DESCRIPTION("sriovnic synthetic channel with NetVSC-style VF bonding");
MODULE_LICENSE("GPL");
