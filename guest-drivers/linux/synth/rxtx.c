// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sriovnic synthetic channel: the synthetic data path, frames on the RX and
 * TX rings with their net header, NAPI. Transmit goes through the VF
 * instead while the data path is switched to it (bond.c).
 */
#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
#include <linux/netdevice.h>
#include <net/tcp.h>

#include "synth.h"

/* ---- RX ---- */

static int synth_post_rx(struct synth_priv *p, gfp_t gfp)
{
	struct synth_buf buf;
	struct sk_buff *skb;

	skb = __netdev_alloc_skb(p->ndev, p->rx_buf_len, gfp);
	if (!skb)
		return -ENOMEM;
	buf.addr = dma_map_single(&p->pdev->dev, skb->data, p->rx_buf_len, DMA_FROM_DEVICE);
	if (dma_mapping_error(&p->pdev->dev, buf.addr)) {
		dev_kfree_skb_any(skb);
		return -ENOMEM;
	}
	buf.len = p->rx_buf_len;
	buf.write = true;
	if (synth_vq_add(&p->rxq, &buf, 1, skb) < 0) {
		dma_unmap_single(&p->pdev->dev, buf.addr, p->rx_buf_len, DMA_FROM_DEVICE);
		dev_kfree_skb_any(skb);
		return -ENOSPC;
	}
	return 0;
}

static void synth_refill_rx(struct synth_priv *p, gfp_t gfp)
{
	bool posted = false;

	while (p->rxq.num_free && !synth_post_rx(p, gfp))
		posted = true;
	if (posted)
		synth_vq_notify(p, &p->rxq);
}

static void synth_rx_one(struct synth_priv *p, struct sk_buff *skb, u32 len, u16 flags)
{
	struct net_device *ndev = p->ndev;
	u32 frame_len;

	if ((flags & SRIOVNIC_SYNTH_U_ERR) || len < SRIOVNIC_SYNTH_NET_HDR_SIZE ||
	    len > p->rx_buf_len) {
		ndev->stats.rx_errors++;
		dev_kfree_skb_any(skb);
		return;
	}
	frame_len = len - SRIOVNIC_SYNTH_NET_HDR_SIZE;
	if (sriovnic_synth_net_hdr_check(skb->data, frame_len, p->features, 0)) {
		net_warn_ratelimited("%s: bad RX net header dropped\n", ndev->name);
		ndev->stats.rx_errors++;
		dev_kfree_skb_any(skb);
		return;
	}
	if ((skb->data[0] & SRIOVNIC_SYNTH_NH_CSUM_VALID) && (ndev->features & NETIF_F_RXCSUM))
		skb->ip_summed = CHECKSUM_UNNECESSARY;
	skb_put(skb, len);
	skb_pull(skb, SRIOVNIC_SYNTH_NET_HDR_SIZE);
	skb->protocol = eth_type_trans(skb, ndev);
	synth_count_rx(p, false, frame_len);
	napi_gro_receive(&p->napi, skb);
}

/* ---- TX ---- */

static void synth_tx_unmap(struct synth_priv *p, u16 head)
{
	struct synth_vq *vq = &p->txq;
	struct device *dev = &p->pdev->dev;
	u16 i = head, n = 0;

	/* The first descriptor is the net header, coherent memory. */
	while ((le16_to_cpu(vq->desc[i].flags) & SRIOVNIC_SYNTH_D_NEXT) && n++ < vq->size) {
		i = le16_to_cpu(vq->desc[i].next);
		if (n == 1)
			dma_unmap_single(dev, le64_to_cpu(vq->desc[i].addr),
					 le32_to_cpu(vq->desc[i].len), DMA_TO_DEVICE);
		else
			dma_unmap_page(dev, le64_to_cpu(vq->desc[i].addr),
				       le32_to_cpu(vq->desc[i].len), DMA_TO_DEVICE);
	}
}

static void synth_clean_tx(struct synth_priv *p, int budget)
{
	struct synth_vq *vq = &p->txq;
	void *token;
	u16 head = 0, flags;
	u32 len;

	spin_lock(&p->tx_lock);
	while (synth_vq_get(vq, &head, &token, &len, &flags)) {
		struct sk_buff *skb = token;

		if (!skb)
			continue;
		synth_tx_unmap(p, head);
		synth_vq_free_chain(vq, head);
		if (flags & SRIOVNIC_SYNTH_U_ERR) {
			p->ndev->stats.tx_dropped++;
			napi_consume_skb(skb, budget);
			continue;
		}
		synth_count_tx(p, false, skb->len);
		napi_consume_skb(skb, budget);
	}
	if (netif_queue_stopped(p->ndev) && vq->num_free >= SYNTH_TX_MAX_DESCS)
		netif_wake_queue(p->ndev);
	spin_unlock(&p->tx_lock);
}

static void synth_fill_net_hdr(struct sk_buff *skb, struct sriovnic_synth_net_hdr *nh)
{
	memset(nh, 0, sizeof(*nh));
	if (skb->ip_summed == CHECKSUM_PARTIAL) {
		nh->flags = SRIOVNIC_SYNTH_NH_NEEDS_CSUM;
		nh->csum_start = cpu_to_le16(skb_checksum_start_offset(skb));
		nh->csum_offset = cpu_to_le16(skb->csum_offset);
	}
	if (skb_is_gso(skb)) {
		nh->gso_type = (skb_shinfo(skb)->gso_type & SKB_GSO_TCPV6) ?
			       SRIOVNIC_SYNTH_GSO_TCPV6 : SRIOVNIC_SYNTH_GSO_TCPV4;
		nh->hdr_len = cpu_to_le16(skb_tcp_all_headers(skb));
		nh->gso_size = cpu_to_le16(skb_shinfo(skb)->gso_size);
	}
}

static netdev_tx_t synth_xmit_synthetic(struct synth_priv *p, struct sk_buff *skb)
{
	struct synth_buf bufs[SYNTH_TX_MAX_DESCS];
	struct device *dev = &p->pdev->dev;
	unsigned int nfrags, n = 0, f;
	struct sriovnic_synth_net_hdr *nh;
	dma_addr_t addr;
	u16 head;

	/*
	 * The chain is header, head buffer, frags: a frame needs a head, and
	 * the device takes at most SRIOVNIC_SYNTH_CHAIN_MAX descriptors (a
	 * kernel may allow more frags than that, CONFIG_MAX_SKB_FRAGS).
	 */
	if (unlikely(!skb_headlen(skb) ||
		     skb_shinfo(skb)->nr_frags > SRIOVNIC_SYNTH_CHAIN_MAX - 2) &&
	    skb_linearize(skb)) {
		p->ndev->stats.tx_dropped++;
		dev_kfree_skb_any(skb);
		return NETDEV_TX_OK;
	}
	nfrags = skb_shinfo(skb)->nr_frags;
	spin_lock(&p->tx_lock);
	if (!p->rings_up || p->txq.num_free < nfrags + 2) {
		netif_stop_queue(p->ndev);
		spin_unlock(&p->tx_lock);
		return NETDEV_TX_BUSY;
	}
	head = p->txq.free_head;
	nh = (struct sriovnic_synth_net_hdr *)((u8 *)p->tx_hdrs + head * SYNTH_TX_HDR_STRIDE);
	synth_fill_net_hdr(skb, nh);
	bufs[n++] = (struct synth_buf){ p->tx_hdrs_dma + head * SYNTH_TX_HDR_STRIDE,
					sizeof(*nh), false };
	addr = dma_map_single(dev, skb->data, skb_headlen(skb), DMA_TO_DEVICE);
	if (dma_mapping_error(dev, addr))
		goto drop;
	bufs[n++] = (struct synth_buf){ addr, skb_headlen(skb), false };
	for (f = 0; f < nfrags; f++) {
		const skb_frag_t *frag = &skb_shinfo(skb)->frags[f];
		dma_addr_t a = skb_frag_dma_map(dev, frag, 0, skb_frag_size(frag), DMA_TO_DEVICE);

		if (dma_mapping_error(dev, a))
			goto unmap;
		bufs[n++] = (struct synth_buf){ a, skb_frag_size(frag), false };
	}
	synth_vq_add(&p->txq, bufs, n, skb);
	synth_vq_notify(p, &p->txq);
	if (p->txq.num_free < SYNTH_TX_MAX_DESCS)
		netif_stop_queue(p->ndev);
	spin_unlock(&p->tx_lock);
	return NETDEV_TX_OK;

unmap:
	for (f = 1; f < n; f++) {
		if (f == 1)
			dma_unmap_single(dev, bufs[f].addr, bufs[f].len, DMA_TO_DEVICE);
		else
			dma_unmap_page(dev, bufs[f].addr, bufs[f].len, DMA_TO_DEVICE);
	}
drop:
	spin_unlock(&p->tx_lock);
	p->ndev->stats.tx_dropped++;
	dev_kfree_skb_any(skb);
	return NETDEV_TX_OK;
}

netdev_tx_t synth_start_xmit(struct sk_buff *skb, struct net_device *ndev)
{
	struct synth_priv *p = netdev_priv(ndev);

	if (synth_tx_via_vf(p, skb))
		return NETDEV_TX_OK;
	return synth_xmit_synthetic(p, skb);
}

/* ---- NAPI and interrupts ---- */

int synth_poll(struct napi_struct *napi, int budget)
{
	struct synth_priv *p = container_of(napi, struct synth_priv, napi);
	void *token;
	u16 head = 0, flags;
	int done = 0;
	u32 len;

	synth_clean_tx(p, budget);
	while (done < budget && synth_vq_get(&p->rxq, &head, &token, &len, &flags)) {
		struct sk_buff *skb = token;

		if (!skb) {
			p->ndev->stats.rx_errors++;
			continue;
		}
		dma_unmap_single(&p->pdev->dev, le64_to_cpu(p->rxq.desc[head].addr),
				 p->rx_buf_len, DMA_FROM_DEVICE);
		synth_vq_free_chain(&p->rxq, head);
		synth_rx_one(p, skb, len, flags);
		done++;
	}
	synth_refill_rx(p, GFP_ATOMIC);
	if (done < budget && napi_complete_done(napi, done))
		synth_wr(p, SRIOVNIC_SYNTH_REG_DATA_IRQ, SRIOVNIC_QIRQ_UNMASK);
	return done;
}

irqreturn_t synth_data_irq(int irq, void *data)
{
	struct synth_priv *p = data;

	napi_schedule_irqoff(&p->napi);
	return IRQ_HANDLED;
}

/*
 * RX and TX run while the netdev is up: enables both rings (the device
 * starts them at index 0), fills RX and unmasks the data interrupt.
 */
int synth_rings_start(struct synth_priv *p)
{
	int err;

	p->rx_buf_len = SRIOVNIC_SYNTH_NET_HDR_SIZE + p->ndev->mtu + VLAN_ETH_HLEN;
	err = synth_vq_enable(p, &p->rxq);
	if (err)
		return err;
	err = synth_vq_enable(p, &p->txq);
	if (err) {
		synth_vq_disable(p, &p->rxq);
		return err;
	}
	synth_refill_rx(p, GFP_KERNEL);
	p->rings_up = true;
	napi_enable(&p->napi);
	synth_wr(p, SRIOVNIC_SYNTH_REG_DATA_IRQ, SRIOVNIC_QIRQ_UNMASK);
	return 0;
}

static void synth_drain(struct synth_priv *p, struct synth_vq *vq, bool rx)
{
	u16 i;

	for (i = 0; i < vq->size; i++) {
		struct sk_buff *skb = vq->token[i];

		if (!skb)
			continue;
		if (rx)
			dma_unmap_single(&p->pdev->dev, le64_to_cpu(vq->desc[i].addr),
					 p->rx_buf_len, DMA_FROM_DEVICE);
		else
			synth_tx_unmap(p, i);
		synth_vq_free_chain(vq, i);
		dev_kfree_skb_any(skb);
	}
}

/* Stops both rings and frees what they held; the queue is stopped already. */
void synth_rings_stop(struct synth_priv *p)
{
	if (!p->rings_up)
		return;
	synth_wr(p, SRIOVNIC_SYNTH_REG_DATA_IRQ, SRIOVNIC_QIRQ_MASK);
	napi_disable(&p->napi);
	spin_lock_bh(&p->tx_lock);
	p->rings_up = false;
	synth_vq_disable(p, &p->txq);
	synth_vq_disable(p, &p->rxq);
	spin_unlock_bh(&p->tx_lock);
	synth_drain(p, &p->rxq, true);
	synth_drain(p, &p->txq, false);
}
