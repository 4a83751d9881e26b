// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sriovnic Linux drivers: transmit and receive rings and NAPI, shared by the
 * PF and VF drivers.
 *
 * The device completes work synchronously inside doorbell writes and masks a
 * queue's interrupt when it fires; NAPI unmasks it (SRIOVNIC_QIRQ_UNMASK)
 * when a poll finishes under budget.
 *
 * Descriptors are little-endian whatever the CPU's byte order: every field
 * goes through cpu_to_le*() and le*_to_cpu().
 */
#include <linux/etherdevice.h>
#include <linux/interrupt.h>
#include <linux/pci.h>
#include <linux/skbuff.h>

#include "sriovnic_net.h"

static u32 sriovnic_ring_used(u32 next_to_use, u32 next_to_clean, u32 len)
{
	return (next_to_use - next_to_clean) & (len - 1);
}

static u32 sriovnic_tx_free(struct sriovnic_qpair *qp)
{
	u32 len = qp->priv->ring_len;

	return len - 1 - sriovnic_ring_used(qp->tx_next_to_use, qp->tx_next_to_clean, len);
}

/* ---- transmit ---- */

void sriovnic_unmap_tx(struct sriovnic_qpair *qp, struct sriovnic_tx_buf *buf)
{
	struct device *dev = &qp->priv->pdev->dev;

	if (!buf->len)
		return;
	if (buf->page)
		dma_unmap_page(dev, buf->dma, buf->len, DMA_TO_DEVICE);
	else
		dma_unmap_single(dev, buf->dma, buf->len, DMA_TO_DEVICE);
	buf->len = 0;
}

/* Descriptors for one mapped piece: at most SRIOVNIC_TX_BUF_MAX bytes each. */
static unsigned int sriovnic_pieces(unsigned int len)
{
	return DIV_ROUND_UP(len, SRIOVNIC_TX_BUF_MAX);
}

static unsigned int sriovnic_descs_needed(struct sk_buff *skb)
{
	unsigned int i, n = sriovnic_pieces(skb_headlen(skb));

	for (i = 0; i < skb_shinfo(skb)->nr_frags; i++)
		n += sriovnic_pieces(skb_frag_size(&skb_shinfo(skb)->frags[i]));
	return n;
}

/* Fills descriptors for one DMA-mapped piece; returns the last index used. */
static u32 sriovnic_fill_tx(struct sriovnic_qpair *qp, u32 idx, dma_addr_t dma,
			    unsigned int len, bool page, u16 flags,
			    u8 csum_start, u8 csum_offset, u16 mss, bool *first)
{
	u32 mask = qp->priv->ring_len - 1;
	unsigned int off = 0;
	u32 last = idx;

	BUILD_BUG_ON(SRIOVNIC_TX_BUF_MAX > U16_MAX);	/* a chunk fits d->len */
	qp->tx_buf[idx].dma = dma;
	qp->tx_buf[idx].len = len;
	qp->tx_buf[idx].page = page;
	while (off < len) {
		struct sriovnic_tx_desc *d = &qp->tx_desc[idx];
		unsigned int chunk = min_t(unsigned int, len - off,
					   SRIOVNIC_TX_BUF_MAX);

		d->addr = cpu_to_le64(dma + off);
		d->len = cpu_to_le16(chunk);
		d->flags = cpu_to_le16(*first ? flags : 0);
		d->csum_start = csum_start;
		d->csum_offset = csum_offset;
		d->mss = cpu_to_le16(mss);
		*first = false;
		off += chunk;
		last = idx;
		idx = (idx + 1) & mask;
	}
	return last;
}

netdev_tx_t sriovnic_start_xmit(struct sk_buff *skb, struct net_device *netdev)
{
	struct sriovnic_priv *priv = netdev_priv(netdev);
	struct sriovnic_qpair *qp = &priv->qp[skb_get_queue_mapping(skb)];
	struct netdev_queue *txq = netdev_get_tx_queue(netdev, qp->index);
	struct device *dev = &priv->pdev->dev;
	u32 mask = priv->ring_len - 1;
	u16 flags = 0, mss = 0;
	u8 csum_start = 0, csum_offset = 0;
	u32 idx, first_idx, last;
	bool first = true;
	dma_addr_t dma;
	unsigned int i;

	if (sriovnic_descs_needed(skb) > SRIOVNIC_TX_MAX_DESC_PER_FRAME &&
	    skb_linearize(skb))
		goto drop;
	if (skb_is_gso(skb)) {
		if (skb_cow_head(skb, 0))
			goto drop;
		flags |= SRIOVNIC_TXD_TSO;
		mss = skb_shinfo(skb)->gso_size;
	} else if (skb->ip_summed == CHECKSUM_PARTIAL) {
		int start = skb_checksum_start_offset(skb);

		if (start > U8_MAX || skb->csum_offset > U8_MAX) {
			if (skb_checksum_help(skb))
				goto drop;
		} else {
			flags |= SRIOVNIC_TXD_CSUM;
			csum_start = start;
			csum_offset = skb->csum_offset;
		}
	}
	if (sriovnic_tx_free(qp) < sriovnic_descs_needed(skb)) {
		netif_tx_stop_queue(txq);
		return NETDEV_TX_BUSY;
	}

	idx = qp->tx_next_to_use;
	first_idx = idx;
	last = idx;
	if (skb_headlen(skb)) {
		dma = dma_map_single(dev, skb->data, skb_headlen(skb), DMA_TO_DEVICE);
		if (dma_mapping_error(dev, dma))
			goto drop;
		last = sriovnic_fill_tx(qp, idx, dma, skb_headlen(skb), false, flags,
					csum_start, csum_offset, mss, &first);
		idx = (last + 1) & mask;
	}
	for (i = 0; i < skb_shinfo(skb)->nr_frags; i++) {
		skb_frag_t *frag = &skb_shinfo(skb)->frags[i];
		unsigned int len = skb_frag_size(frag);

		dma = skb_frag_dma_map(dev, frag, 0, len, DMA_TO_DEVICE);
		if (dma_mapping_error(dev, dma))
			goto unmap;
		last = sriovnic_fill_tx(qp, idx, dma, len, true, flags,
					csum_start, csum_offset, mss, &first);
		idx = (last + 1) & mask;
	}
	qp->tx_desc[last].flags |= cpu_to_le16(SRIOVNIC_TXD_EOP);
	qp->tx_buf[last].skb = skb;
	skb_tx_timestamp(skb);

	/* Descriptors must be visible before the doorbell. */
	dma_wmb();
	qp->tx_next_to_use = idx;
	if (sriovnic_tx_free(qp) < SRIOVNIC_TX_WAKE) {
		netif_tx_stop_queue(txq);
		/* Stopped before the re-check; pairs with the barrier in sriovnic_clean_tx(). */
		smp_mb();
		if (sriovnic_tx_free(qp) >= SRIOVNIC_TX_WAKE)
			netif_tx_wake_queue(txq);
	}
	if (!netdev_xmit_more() || netif_xmit_stopped(txq))
		sriovnic_qwr(qp, SRIOVNIC_Q_TX_TAIL, idx);
	return NETDEV_TX_OK;

unmap:
	for (; first_idx != idx; first_idx = (first_idx + 1) & mask)
		sriovnic_unmap_tx(qp, &qp->tx_buf[first_idx]);
drop:
	u64_stats_update_begin(&qp->tx_stats.syncp);
	qp->tx_stats.errors++;
	u64_stats_update_end(&qp->tx_stats.syncp);
	dev_kfree_skb_any(skb);
	return NETDEV_TX_OK;
}

static void sriovnic_clean_tx(struct sriovnic_qpair *qp, int budget)
{
	struct sriovnic_priv *priv = qp->priv;
	struct netdev_queue *txq = netdev_get_tx_queue(priv->netdev, qp->index);
	u32 mask = priv->ring_len - 1;
	u64 packets = 0, bytes = 0, errors = 0;
	u32 ntc = qp->tx_next_to_clean;

	while (ntc != qp->tx_next_to_use) {
		struct sriovnic_tx_buf *buf = &qp->tx_buf[ntc];
		u16 flags = le16_to_cpu(READ_ONCE(qp->tx_desc[ntc].flags));

		if (!(flags & SRIOVNIC_TXD_DONE))
			break;
		dma_rmb();
		sriovnic_unmap_tx(qp, buf);
		if (buf->skb) {
			packets++;
			bytes += buf->skb->len;
			if (flags & SRIOVNIC_TXD_ERR)
				errors++;
			napi_consume_skb(buf->skb, budget);
			buf->skb = NULL;
		}
		ntc = (ntc + 1) & mask;
	}
	qp->tx_next_to_clean = ntc;
	if (packets) {
		u64_stats_update_begin(&qp->tx_stats.syncp);
		qp->tx_stats.packets += packets;
		qp->tx_stats.bytes += bytes;
		qp->tx_stats.errors += errors;
		u64_stats_update_end(&qp->tx_stats.syncp);
	}
	/* Freed slots visible before the check; pairs with sriovnic_start_xmit()'s. */
	smp_mb();
	if (netif_tx_queue_stopped(txq) && sriovnic_tx_free(qp) >= SRIOVNIC_TX_WAKE)
		netif_tx_wake_queue(txq);
}

/* ---- receive ---- */

static int sriovnic_post_rx(struct sriovnic_qpair *qp, u32 idx)
{
	struct sriovnic_priv *priv = qp->priv;
	struct device *dev = &priv->pdev->dev;
	struct sriovnic_rx_buf *buf = &qp->rx_buf[idx];
	struct sriovnic_rx_desc *d = &qp->rx_desc[idx];
	struct sk_buff *skb;
	dma_addr_t dma;

	skb = netdev_alloc_skb_ip_align(priv->netdev, priv->rx_buf_len);
	if (!skb)
		return -ENOMEM;
	dma = dma_map_single(dev, skb->data, priv->rx_buf_len, DMA_FROM_DEVICE);
	if (dma_mapping_error(dev, dma)) {
		dev_kfree_skb_any(skb);
		return -ENOMEM;
	}
	buf->skb = skb;
	buf->dma = dma;
	d->addr = cpu_to_le64(dma);
	d->len = cpu_to_le16(0);
	d->flags = cpu_to_le16(0);
	d->vlan_tci = cpu_to_le16(0);
	return 0;
}

void sriovnic_refill_rx(struct sriovnic_qpair *qp)
{
	u32 len = qp->priv->ring_len;
	u32 ntu = qp->rx_next_to_use;
	bool posted = false;

	while (sriovnic_ring_used(ntu, qp->rx_next_to_clean, len) < len - 1) {
		if (sriovnic_post_rx(qp, ntu)) {
			u64_stats_update_begin(&qp->rx_stats.syncp);
			qp->rx_stats.alloc_failed++;
			u64_stats_update_end(&qp->rx_stats.syncp);
			break;
		}
		ntu = (ntu + 1) & (len - 1);
		posted = true;
	}
	if (posted) {
		dma_wmb();
		qp->rx_next_to_use = ntu;
		sriovnic_qwr(qp, SRIOVNIC_Q_RX_TAIL, ntu);
	}
}

static int sriovnic_clean_rx(struct sriovnic_qpair *qp, int budget)
{
	struct sriovnic_priv *priv = qp->priv;
	struct net_device *netdev = priv->netdev;
	u32 mask = priv->ring_len - 1;
	u64 packets = 0, bytes = 0, errors = 0, csum_ok = 0;
	u32 ntc = qp->rx_next_to_clean;
	int done = 0;

	while (done < budget && ntc != qp->rx_next_to_use) {
		struct sriovnic_rx_desc *d = &qp->rx_desc[ntc];
		struct sriovnic_rx_buf *buf = &qp->rx_buf[ntc];
		u16 flags = le16_to_cpu(READ_ONCE(d->flags));
		struct sk_buff *skb;
		u16 len;

		if (!(flags & SRIOVNIC_RXD_DONE))
			break;
		dma_rmb();
		len = le16_to_cpu(d->len);
		skb = buf->skb;
		buf->skb = NULL;
		dma_unmap_single(&priv->pdev->dev, buf->dma, priv->rx_buf_len, DMA_FROM_DEVICE);
		ntc = (ntc + 1) & mask;
		done++;
		if ((flags & SRIOVNIC_RXD_ERR) || !(flags & SRIOVNIC_RXD_EOP) || !len ||
		    len > priv->rx_buf_len) {
			errors++;
			dev_kfree_skb_any(skb);
			continue;
		}
		skb_put(skb, len);
		skb->protocol = eth_type_trans(skb, netdev);
		if ((netdev->features & NETIF_F_RXCSUM) && (flags & SRIOVNIC_RXD_L4_CSUM_OK)) {
			skb->ip_summed = CHECKSUM_UNNECESSARY;
			csum_ok++;
		}
		skb_record_rx_queue(skb, qp->index);
		packets++;
		bytes += len;
		napi_gro_receive(&qp->napi, skb);
	}
	qp->rx_next_to_clean = ntc;
	if (done) {
		u64_stats_update_begin(&qp->rx_stats.syncp);
		qp->rx_stats.packets += packets;
		qp->rx_stats.bytes += bytes;
		qp->rx_stats.errors += errors;
		qp->rx_stats.csum_ok += csum_ok;
		u64_stats_update_end(&qp->rx_stats.syncp);
		sriovnic_refill_rx(qp);
	}
	return done;
}

int sriovnic_poll(struct napi_struct *napi, int budget)
{
	struct sriovnic_qpair *qp = container_of(napi, struct sriovnic_qpair, napi);
	int done;

	sriovnic_clean_tx(qp, budget);
	done = sriovnic_clean_rx(qp, budget);
	if (done < budget && napi_complete_done(napi, done))
		sriovnic_qwr(qp, SRIOVNIC_Q_IRQ, SRIOVNIC_QIRQ_UNMASK);
	return done;
}

irqreturn_t sriovnic_queue_irq(int irq, void *data)
{
	struct sriovnic_qpair *qp = data;

	napi_schedule_irqoff(&qp->napi);
	return IRQ_HANDLED;
}

