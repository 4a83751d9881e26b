// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sriovnic Linux drivers: device bring-up, netdev operations and the misc
 * interrupt, shared by the PF and VF drivers (rings: sriovnic_rings.c).
 */
#include <linux/crc32.h>
#include <linux/etherdevice.h>
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>

#include "sriovnic_net.h"

/*
 * Counters past the first window exist from interface 1.5 on; reading one
 * on an older device would latch an "unmapped" error, so report 0 there.
 */
u64 sriovnic_read_stat(struct sriovnic_priv *priv, unsigned int stat)
{
	u32 reg = SRIOVNIC_REG_STAT(stat);
	u32 hi, lo;

	if (stat >= SRIOVNIC_STATS_IN_BASE &&
	    priv->version < SRIOVNIC_VERSION(1u, 5u))
		return 0;
	do {
		hi = sriovnic_rd(priv, reg + 4);
		lo = sriovnic_rd(priv, reg);
	} while (hi != sriovnic_rd(priv, reg + 4));
	return (u64)hi << 32 | lo;
}

void sriovnic_write_mac(struct sriovnic_priv *priv, const u8 *mac)
{
	u32 lo, hi;

	sriovnic_mac_pack(mac, &lo, &hi);
	sriovnic_wr(priv, SRIOVNIC_REG_MAC_LO, lo);
	sriovnic_wr(priv, SRIOVNIC_REG_MAC_HI, hi);
}

void sriovnic_read_mac(struct sriovnic_priv *priv, u8 *mac)
{
	sriovnic_hw_read_mac(priv->regs, mac);
}

static u32 sriovnic_rx_buf_len(unsigned int mtu)
{
	return max_t(u32, SRIOVNIC_RX_BUF_MIN,
		     ALIGN(mtu + SRIOVNIC_FRAME_OVERHEAD, 64));
}

static void sriovnic_update_carrier(struct sriovnic_priv *priv)
{
	if (sriovnic_rd(priv, SRIOVNIC_REG_STATUS) & SRIOVNIC_STATUS_LINK_UP)
		netif_carrier_on(priv->netdev);
	else
		netif_carrier_off(priv->netdev);
}

static irqreturn_t sriovnic_misc_irq(int irq, void *data)
{
	struct sriovnic_priv *priv = data;
	u32 cause = sriovnic_hw_take_causes(priv->regs);

	if (cause & SRIOVNIC_INT_LINK)
		sriovnic_update_carrier(priv);
	if (cause & SRIOVNIC_INT_CONFIG)
		schedule_work(&priv->config_work);
	if ((cause & SRIOVNIC_INT_MBX) && priv->mbx_work.func)
		schedule_work(&priv->mbx_work);
	if (cause & SRIOVNIC_INT_ERROR) {
		u32 addr, err = sriovnic_hw_take_error(priv->regs, &addr);

		priv->err_events++;
		netdev_warn_once(priv->netdev,
				 "device reported error cause 0x%x at offset 0x%x\n", err, addr);
		if (err & SRIOVNIC_ERR_DMA)
			schedule_work(&priv->restart_work);
	}
	return IRQ_HANDLED;
}

void sriovnic_enable_misc_irq(struct sriovnic_priv *priv)
{
	sriovnic_hw_enable_misc_irq(priv->regs, 0, SRIOVNIC_INT_LINK | SRIOVNIC_INT_ERROR |
				    SRIOVNIC_INT_CONFIG | SRIOVNIC_INT_MBX);
}

void sriovnic_disable_misc_irq(struct sriovnic_priv *priv)
{
	sriovnic_hw_disable_misc_irq(priv->regs, SRIOVNIC_INT_ALL);
}

/* ---- bring-up and teardown ---- */

static void sriovnic_free_queue(struct sriovnic_qpair *qp)
{
	struct sriovnic_priv *priv = qp->priv;
	struct device *dev = &priv->pdev->dev;
	size_t ring_bytes = priv->ring_len * SRIOVNIC_DESC_SIZE;
	u32 i;

	if (qp->tx_buf) {
		for (i = 0; i < priv->ring_len; i++) {
			sriovnic_unmap_tx(qp, &qp->tx_buf[i]);
			dev_kfree_skb_any(qp->tx_buf[i].skb);
		}
	}
	if (qp->rx_buf) {
		for (i = 0; i < priv->ring_len; i++) {
			if (!qp->rx_buf[i].skb)
				continue;
			dma_unmap_single(dev, qp->rx_buf[i].dma, priv->rx_buf_len, DMA_FROM_DEVICE);
			dev_kfree_skb_any(qp->rx_buf[i].skb);
		}
	}
	kvfree(qp->tx_buf);
	kvfree(qp->rx_buf);
	qp->tx_buf = NULL;
	qp->rx_buf = NULL;
	if (qp->tx_desc)
		dma_free_coherent(dev, ring_bytes, qp->tx_desc, qp->tx_dma);
	if (qp->rx_desc)
		dma_free_coherent(dev, ring_bytes, qp->rx_desc, qp->rx_dma);
	qp->tx_desc = NULL;
	qp->rx_desc = NULL;
}

static int sriovnic_setup_queue(struct sriovnic_qpair *qp)
{
	struct sriovnic_priv *priv = qp->priv;
	struct device *dev = &priv->pdev->dev;
	size_t ring_bytes = priv->ring_len * SRIOVNIC_DESC_SIZE;

	qp->tx_desc = dma_alloc_coherent(dev, ring_bytes, &qp->tx_dma, GFP_KERNEL);
	qp->rx_desc = dma_alloc_coherent(dev, ring_bytes, &qp->rx_dma, GFP_KERNEL);
	qp->tx_buf = kvcalloc(priv->ring_len, sizeof(*qp->tx_buf), GFP_KERNEL);
	qp->rx_buf = kvcalloc(priv->ring_len, sizeof(*qp->rx_buf), GFP_KERNEL);
	if (!qp->tx_desc || !qp->rx_desc || !qp->tx_buf || !qp->rx_buf) {
		sriovnic_free_queue(qp);
		return -ENOMEM;
	}
	qp->tx_next_to_use = 0;
	qp->tx_next_to_clean = 0;
	qp->rx_next_to_use = 0;
	qp->rx_next_to_clean = 0;

	sriovnic_qwr(qp, SRIOVNIC_Q_TX_BASE_LO, lower_32_bits(qp->tx_dma));
	sriovnic_qwr(qp, SRIOVNIC_Q_TX_BASE_HI, upper_32_bits(qp->tx_dma));
	sriovnic_qwr(qp, SRIOVNIC_Q_TX_LEN, priv->ring_len);
	sriovnic_qwr(qp, SRIOVNIC_Q_TX_CTRL, SRIOVNIC_QCTRL_ENABLE);
	sriovnic_qwr(qp, SRIOVNIC_Q_RX_BASE_LO, lower_32_bits(qp->rx_dma));
	sriovnic_qwr(qp, SRIOVNIC_Q_RX_BASE_HI, upper_32_bits(qp->rx_dma));
	sriovnic_qwr(qp, SRIOVNIC_Q_RX_LEN, priv->ring_len);
	sriovnic_qwr(qp, SRIOVNIC_Q_RX_BUF_LEN, priv->rx_buf_len);
	sriovnic_qwr(qp, SRIOVNIC_Q_RX_CTRL, SRIOVNIC_QCTRL_ENABLE);
	sriovnic_qwr(qp, SRIOVNIC_Q_ITR, priv->itr_usecs);
	sriovnic_qwr(qp, SRIOVNIC_Q_IRQ, SRIOVNIC_QIRQ_UNMASK);
	sriovnic_refill_rx(qp);
	return 0;
}

static void sriovnic_stop_queue_hw(struct sriovnic_qpair *qp)
{
	sriovnic_qwr(qp, SRIOVNIC_Q_TX_CTRL, 0);
	sriovnic_qwr(qp, SRIOVNIC_Q_RX_CTRL, 0);
	sriovnic_qwr(qp, SRIOVNIC_Q_IRQ, SRIOVNIC_QIRQ_MASK);
}

void sriovnic_set_rx_mode(struct net_device *netdev)
{
	struct sriovnic_priv *priv = netdev_priv(netdev);
	struct netdev_hw_addr *ha;
	u32 mode = 0;
	u64 hash = 0;

	if (netdev->flags & IFF_PROMISC || netdev_uc_count(netdev))
		mode |= SRIOVNIC_RX_MODE_PROMISC;
	if (netdev->flags & IFF_ALLMULTI)
		mode |= SRIOVNIC_RX_MODE_ALLMULTI;
	netdev_for_each_mc_addr(ha, netdev)
		hash |= 1ULL << (ether_crc_le(ETH_ALEN, ha->addr) >> 26);
	if (priv->set_mc_hash) {
		priv->set_mc_hash(priv, hash);
	} else {
		sriovnic_wr(priv, SRIOVNIC_REG_MC_HASH_LO, lower_32_bits(hash));
		sriovnic_wr(priv, SRIOVNIC_REG_MC_HASH_HI, upper_32_bits(hash));
	}
	sriovnic_wr(priv, SRIOVNIC_REG_RX_MODE, mode);
}

static void sriovnic_release_irqs(struct sriovnic_priv *priv, unsigned int queues)
{
	unsigned int i;

	for (i = 0; i < queues; i++)
		free_irq(pci_irq_vector(priv->pdev, 1 + i), &priv->qp[i]);
}

int sriovnic_open(struct net_device *netdev)
{
	struct sriovnic_priv *priv = netdev_priv(netdev);
	u8 mac[ETH_ALEN];
	unsigned int i;
	int err;

	if (priv->rings_up)
		return 0;
	/*
	 * The PF may have assigned a MAC while we were down; after a reset the
	 * device may have none, so give it ours.
	 */
	sriovnic_read_mac(priv, mac);
	if (!is_valid_ether_addr(mac))
		sriovnic_write_mac(priv, netdev->dev_addr);
	else if (!ether_addr_equal(mac, netdev->dev_addr))
		eth_hw_addr_set(netdev, mac);

	priv->rx_buf_len = sriovnic_rx_buf_len(netdev->mtu);
	sriovnic_wr(priv, SRIOVNIC_REG_MTU, netdev->mtu);
	if (sriovnic_rd(priv, SRIOVNIC_REG_MTU) != netdev->mtu) {
		netdev_err(netdev, "device refused MTU %u\n", netdev->mtu);
		return -EPERM;
	}
	for (i = 0; i < priv->num_qpairs; i++) {
		struct sriovnic_qpair *qp = &priv->qp[i];

		snprintf(qp->irq_name, sizeof(qp->irq_name), "%s-q%u", netdev->name, i);
		err = request_irq(pci_irq_vector(priv->pdev, 1 + i), sriovnic_queue_irq, 0,
				  qp->irq_name, qp);
		if (err) {
			sriovnic_release_irqs(priv, i);
			return err;
		}
	}
	for (i = 0; i < priv->num_qpairs; i++) {
		err = sriovnic_setup_queue(&priv->qp[i]);
		if (err)
			goto fail;
		napi_enable(&priv->qp[i].napi);
	}
	netif_addr_lock_bh(netdev);
	sriovnic_set_rx_mode(netdev);
	netif_addr_unlock_bh(netdev);
	sriovnic_wr(priv, SRIOVNIC_REG_CTRL, SRIOVNIC_CTRL_ENABLE);
	sriovnic_update_carrier(priv);
	priv->rings_up = true;
	netif_tx_start_all_queues(netdev);
	return 0;

fail:
	while (i--) {
		napi_disable(&priv->qp[i].napi);
		sriovnic_stop_queue_hw(&priv->qp[i]);
		sriovnic_free_queue(&priv->qp[i]);
	}
	sriovnic_release_irqs(priv, priv->num_qpairs);
	return err;
}

int sriovnic_stop(struct net_device *netdev)
{
	struct sriovnic_priv *priv = netdev_priv(netdev);
	unsigned int i;

	/* Reset recovery may stop a netdev that is still IFF_UP: do it once. */
	if (!priv->rings_up)
		return 0;
	priv->rings_up = false;
	netif_tx_disable(netdev);
	netif_carrier_off(netdev);
	sriovnic_wr(priv, SRIOVNIC_REG_CTRL, 0);
	for (i = 0; i < priv->num_qpairs; i++) {
		sriovnic_stop_queue_hw(&priv->qp[i]);
		napi_disable(&priv->qp[i].napi);
	}
	sriovnic_release_irqs(priv, priv->num_qpairs);
	for (i = 0; i < priv->num_qpairs; i++)
		sriovnic_free_queue(&priv->qp[i]);
	return 0;
}

int sriovnic_change_mtu(struct net_device *netdev, int mtu)
{
	bool running = netif_running(netdev);

	if (running)
		sriovnic_stop(netdev);
	WRITE_ONCE(netdev->mtu, mtu);
	return running ? sriovnic_open(netdev) : 0;
}

int sriovnic_set_mac_address(struct net_device *netdev, void *p)
{
	struct sriovnic_priv *priv = netdev_priv(netdev);
	struct sockaddr *addr = p;
	u8 now[ETH_ALEN];

	if (!is_valid_ether_addr(addr->sa_data))
		return -EADDRNOTAVAIL;
	sriovnic_write_mac(priv, addr->sa_data);
	sriovnic_read_mac(priv, now);
	if (!ether_addr_equal(now, addr->sa_data))
		return -EPERM;	/* refused by the device (administrative MAC) */
	eth_hw_addr_set(netdev, addr->sa_data);
	return 0;
}

void sriovnic_get_stats64(struct net_device *netdev, struct rtnl_link_stats64 *s)
{
	struct sriovnic_priv *priv = netdev_priv(netdev);
	unsigned int i, start;

	for (i = 0; i < priv->num_qpairs; i++) {
		struct sriovnic_qpair *qp = &priv->qp[i];
		u64 packets, bytes, errors;

		do {
			start = u64_stats_fetch_begin(&qp->rx_stats.syncp);
			packets = qp->rx_stats.packets;
			bytes = qp->rx_stats.bytes;
			errors = qp->rx_stats.errors;
		} while (u64_stats_fetch_retry(&qp->rx_stats.syncp, start));
		s->rx_packets += packets;
		s->rx_bytes += bytes;
		s->rx_errors += errors;
		do {
			start = u64_stats_fetch_begin(&qp->tx_stats.syncp);
			packets = qp->tx_stats.packets;
			bytes = qp->tx_stats.bytes;
			errors = qp->tx_stats.errors;
		} while (u64_stats_fetch_retry(&qp->tx_stats.syncp, start));
		s->tx_packets += packets;
		s->tx_bytes += bytes;
		s->tx_errors += errors;
	}
	s->rx_dropped = sriovnic_read_stat(priv, SRIOVNIC_STAT_RX_DROP_NOBUF) +
			sriovnic_read_stat(priv, SRIOVNIC_STAT_RX_DROP_FILTER);
	s->rx_length_errors = sriovnic_read_stat(priv, SRIOVNIC_STAT_RX_DROP_SIZE);
	s->tx_dropped = sriovnic_read_stat(priv, SRIOVNIC_STAT_TX_DROP_LINK) +
			sriovnic_read_stat(priv, SRIOVNIC_STAT_TX_DROP_SPOOF) +
			sriovnic_read_stat(priv, SRIOVNIC_STAT_TX_DROP_SIZE);
}

const struct net_device_ops sriovnic_netdev_ops = {
	SRIOVNIC_NETDEV_OPS_COMMON,
	.ndo_change_mtu = sriovnic_change_mtu,
};

int sriovnic_set_num_qpairs(struct sriovnic_priv *priv, unsigned int n)
{
	struct net_device *netdev = priv->netdev;
	bool running = netif_running(netdev);
	int err;

	if (running)
		sriovnic_stop(netdev);
	priv->num_qpairs = n;
	err = netif_set_real_num_queues(netdev, n, n);
	if (!err && running)
		err = sriovnic_open(netdev);
	return err;
}

/* Whether the device stopped one of our rings (it does on a failed ring DMA). */
static bool sriovnic_ring_stopped(struct sriovnic_priv *priv)
{
	unsigned int i;

	for (i = 0; i < priv->num_qpairs; i++) {
		u32 tx = sriovnic_qrd(&priv->qp[i], SRIOVNIC_Q_TX_CTRL);
		u32 rx = sriovnic_qrd(&priv->qp[i], SRIOVNIC_Q_RX_CTRL);

		if (!(tx & rx & SRIOVNIC_QCTRL_ENABLE))
			return true;
	}
	return false;
}

/*
 * A DMA error: if the device stopped a ring over it, set every ring up
 * again (frames on the stopped ring are lost, as on a bus error). The
 * netdev stays up throughout, so a bond above it sees no change.
 */
static void sriovnic_restart_work(struct work_struct *work)
{
	struct sriovnic_priv *priv = container_of(work, struct sriovnic_priv, restart_work);
	struct net_device *netdev = priv->netdev;

	rtnl_lock();
	if (priv->rings_up && sriovnic_ring_stopped(priv)) {
		netdev_warn(netdev, "device stopped a ring after a DMA error: restarting the rings\n");
		priv->ring_restarts++;
		sriovnic_stop(netdev);
		if (sriovnic_open(netdev))
			dev_close(netdev);
	}
	rtnl_unlock();
}

/* The PF gave this VF a MAC: take it, as if the user had set it. */
static void sriovnic_config_work(struct work_struct *work)
{
	struct sriovnic_priv *priv = container_of(work, struct sriovnic_priv, config_work);
	struct net_device *netdev = priv->netdev;
	u8 mac[ETH_ALEN];

	rtnl_lock();
	sriovnic_read_mac(priv, mac);
	if (is_valid_ether_addr(mac) && !ether_addr_equal(mac, netdev->dev_addr)) {
		eth_hw_addr_set(netdev, mac);
		call_netdevice_notifiers(NETDEV_CHANGEADDR, netdev);
		netdev_info(netdev, "MAC set by the PF: %pM\n", mac);
	}
	rtnl_unlock();
}

int sriovnic_net_probe(struct pci_dev *pdev, const struct sriovnic_role *role,
		       void *state)
{
	const char *drv_name = role->name;
	bool is_vf = role->is_vf;
	struct sriovnic_priv *priv;
	struct net_device *netdev;
	u8 mac[ETH_ALEN];
	unsigned int max_q, i;
	u32 id, version;
	int err, nvec;

	err = pci_enable_device_mem(pdev);
	if (err)
		return err;
	err = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (err)
		goto err_disable;
	err = pci_request_mem_regions(pdev, drv_name);
	if (err)
		goto err_disable;
	pci_set_master(pdev);

	netdev = alloc_etherdev_mqs(sizeof(*priv), SRIOVNIC_MAX_QUEUE_PAIRS,
				    SRIOVNIC_MAX_QUEUE_PAIRS);
	if (!netdev) {
		err = -ENOMEM;
		goto err_release;
	}
	SET_NETDEV_DEV(netdev, &pdev->dev);
	priv = netdev_priv(netdev);
	priv->netdev = netdev;
	priv->pdev = pdev;
	priv->is_vf = is_vf;
	priv->ring_len = SRIOVNIC_RING_LEN;
	INIT_WORK(&priv->config_work, sriovnic_config_work);
	INIT_WORK(&priv->restart_work, sriovnic_restart_work);
	if (role->mailbox)
		INIT_WORK(&priv->mbx_work, role->mailbox);
	priv->set_mc_hash = role->set_mc_hash;
	priv->role = state;
	pci_set_drvdata(pdev, priv);

	priv->regs = pci_iomap(pdev, SRIOVNIC_BAR_REGS, 0);
	if (!priv->regs) {
		err = -ENOMEM;
		goto err_free_netdev;
	}
	id = sriovnic_rd(priv, SRIOVNIC_REG_ID);
	version = sriovnic_rd(priv, SRIOVNIC_REG_VERSION);
	if (id != SRIOVNIC_ID_MAGIC || version >> 16 != SRIOVNIC_VERSION_MAJOR ||
	    (version & 0xffff) < SRIOVNIC_DRV_MIN_VERSION_MINOR) {
		dev_err(&pdev->dev, "unsupported device: id 0x%08x version 0x%08x\n", id, version);
		err = -ENODEV;
		goto err_unmap;
	}
	priv->version = version;
	err = sriovnic_hw_reset(priv->regs);
	if (err) {
		dev_err(&pdev->dev, "function reset did not complete\n");
		goto err_unmap;
	}
	max_q = (sriovnic_rd(priv, SRIOVNIC_REG_CAPS) & SRIOVNIC_CAPS_QPAIRS_MASK) >>
		SRIOVNIC_CAPS_QPAIRS_SHIFT;
	max_q = clamp_t(unsigned int, max_q, 1, SRIOVNIC_MAX_QUEUE_PAIRS);
	priv->max_qpairs = max_q;
	priv->num_qpairs = min_t(unsigned int, max_q, num_online_cpus());
	if (role->attach)
		role->attach(priv);

	nvec = pci_alloc_irq_vectors(pdev, max_q + 1, max_q + 1, PCI_IRQ_MSIX);
	if (nvec < 0) {
		err = nvec;
		dev_err(&pdev->dev, "cannot get %u MSI-X vectors: %d\n", max_q + 1, err);
		goto err_unmap;
	}
	for (i = 0; i < max_q; i++) {
		priv->qp[i].priv = priv;
		priv->qp[i].index = i;
		u64_stats_init(&priv->qp[i].tx_stats.syncp);
		u64_stats_init(&priv->qp[i].rx_stats.syncp);
		netif_napi_add(netdev, &priv->qp[i].napi, sriovnic_poll);
	}
	netif_set_real_num_tx_queues(netdev, priv->num_qpairs);
	netif_set_real_num_rx_queues(netdev, priv->num_qpairs);

	/* The misc vector serves link, errors and the mailbox even while down. */
	err = request_irq(pci_irq_vector(pdev, 0), sriovnic_misc_irq, 0, drv_name, priv);
	if (err)
		goto err_vectors;
	sriovnic_enable_misc_irq(priv);

	sriovnic_read_mac(priv, mac);
	if (is_valid_ether_addr(mac)) {
		eth_hw_addr_set(netdev, mac);
	} else {
		eth_hw_addr_random(netdev);
		sriovnic_write_mac(priv, netdev->dev_addr);
	}

	netdev->netdev_ops = role->ops;
	netdev->ethtool_ops = &sriovnic_ethtool_ops;
	netdev->hw_features = NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_TSO | NETIF_F_TSO6 |
			      NETIF_F_RXCSUM;
	netdev->features = netdev->hw_features | NETIF_F_HIGHDMA | role->features;
	netdev->vlan_features = netdev->features;
	netdev->min_mtu = SRIOVNIC_MTU_MIN;
	netdev->max_mtu = SRIOVNIC_MTU_MAX;
	netif_set_tso_max_size(netdev, SRIOVNIC_TSO_MAX_BYTES - 256);
	netif_carrier_off(netdev);

	err = register_netdev(netdev);
	if (err)
		goto err_napi;
	netdev_info(netdev, "sriovnic %s %s, %u of %u queue pairs, MAC %pM\n",
		    is_vf ? "VF" : "PF", pci_name(pdev), priv->num_qpairs, max_q,
		    netdev->dev_addr);
	return 0;

err_napi:
	sriovnic_disable_misc_irq(priv);
	free_irq(pci_irq_vector(pdev, 0), priv);
err_vectors:
	for (i = 0; i < max_q; i++)
		netif_napi_del(&priv->qp[i].napi);
	pci_free_irq_vectors(pdev);
err_unmap:
	pci_iounmap(pdev, priv->regs);
err_free_netdev:
	free_netdev(netdev);
err_release:
	pci_release_mem_regions(pdev);
err_disable:
	pci_disable_device(pdev);
	return err;
}

void sriovnic_net_remove(struct pci_dev *pdev)
{
	struct sriovnic_priv *priv = pci_get_drvdata(pdev);
	unsigned int i;

	unregister_netdev(priv->netdev);
	sriovnic_disable_misc_irq(priv);
	free_irq(pci_irq_vector(pdev, 0), priv);
	cancel_work_sync(&priv->config_work);
	cancel_work_sync(&priv->restart_work);
	if (priv->mbx_work.func)
		cancel_work_sync(&priv->mbx_work);
	for (i = 0; i < priv->max_qpairs; i++)
		netif_napi_del(&priv->qp[i].napi);
	pci_free_irq_vectors(pdev);
	sriovnic_wr(priv, SRIOVNIC_REG_CTRL, SRIOVNIC_CTRL_RESET);
	pci_iounmap(pdev, priv->regs);
	free_netdev(priv->netdev);
	pci_release_mem_regions(pdev);
	pci_disable_device(pdev);
}
