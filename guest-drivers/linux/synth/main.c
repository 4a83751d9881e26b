// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sriovnic synthetic channel driver: PCI function 5352:0003, its split rings
 * (RX, TX, CTRL, EVENT), feature negotiation, the netdev and its stats. The
 * pairing with a VF is in bond.c.
 */
#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/module.h>
#include <linux/rtnetlink.h>
#include <net/tcp.h>

#include "compat.h"
#include "synth.h"

#define SYNTH_DRV_NAME "sriovnic_synth"

static const struct pci_device_id synth_ids[] = {
	{ PCI_DEVICE(SRIOVNIC_PCI_VENDOR_ID, SRIOVNIC_PCI_DEVICE_ID_SYNTH) },
	{ }
};
MODULE_DEVICE_TABLE(pci, synth_ids);

/* What this driver knows how to use; the device offers a subset or all. */
#define SYNTH_DRV_FEATURES SRIOVNIC_SYNTH_F_ALL

/* ---- split rings ---- */

static void synth_vq_reset(struct synth_vq *vq)
{
	u16 i;

	for (i = 0; i < vq->size; i++)
		vq->next_free[i] = i + 1;
	vq->free_head = 0;
	vq->num_free = vq->size;
	vq->avail_idx = 0;
	vq->last_used = 0;
	memset(vq->avail, 0, SRIOVNIC_SYNTH_AVAIL_SIZE(vq->size));
	memset(vq->used, 0, SRIOVNIC_SYNTH_USED_SIZE(vq->size));
	memset(vq->token, 0, vq->size * sizeof(*vq->token));
}

static void synth_vq_free(struct synth_priv *p, struct synth_vq *vq)
{
	struct device *dev = &p->pdev->dev;

	if (vq->desc)
		dma_free_coherent(dev, sizeof(*vq->desc) * vq->size, vq->desc, vq->desc_dma);
	if (vq->avail)
		dma_free_coherent(dev, SRIOVNIC_SYNTH_AVAIL_SIZE(vq->size), vq->avail,
				  vq->avail_dma);
	if (vq->used)
		dma_free_coherent(dev, SRIOVNIC_SYNTH_USED_SIZE(vq->size), vq->used, vq->used_dma);
	kfree(vq->next_free);
	kfree(vq->token);
	memset(vq, 0, sizeof(*vq));
}

static int synth_vq_alloc(struct synth_priv *p, struct synth_vq *vq, unsigned int index,
			  u16 size)
{
	struct device *dev = &p->pdev->dev;

	vq->index = index;
	vq->size = size;
	vq->desc = dma_alloc_coherent(dev, sizeof(*vq->desc) * size, &vq->desc_dma, GFP_KERNEL);
	vq->avail = dma_alloc_coherent(dev, SRIOVNIC_SYNTH_AVAIL_SIZE(size), &vq->avail_dma,
				       GFP_KERNEL);
	vq->used = dma_alloc_coherent(dev, SRIOVNIC_SYNTH_USED_SIZE(size), &vq->used_dma,
				      GFP_KERNEL);
	vq->next_free = kcalloc(size, sizeof(*vq->next_free), GFP_KERNEL);
	vq->token = kcalloc(size, sizeof(*vq->token), GFP_KERNEL);
	if (!vq->desc || !vq->avail || !vq->used || !vq->next_free || !vq->token) {
		synth_vq_free(p, vq);
		return -ENOMEM;
	}
	synth_vq_reset(vq);
	return 0;
}

static void synth_qwr(struct synth_priv *p, struct synth_vq *vq, u32 reg, u32 val)
{
	synth_wr(p, SRIOVNIC_SYNTH_REG_QUEUE(vq->index, reg), val);
}

/* Programs and enables a ring; the device starts at index 0 of both. */
static int synth_vq_enable(struct synth_priv *p, struct synth_vq *vq)
{
	synth_vq_reset(vq);
	synth_qwr(p, vq, SRIOVNIC_SYNTH_QR_DESC_LO, lower_32_bits(vq->desc_dma));
	synth_qwr(p, vq, SRIOVNIC_SYNTH_QR_DESC_HI, upper_32_bits(vq->desc_dma));
	synth_qwr(p, vq, SRIOVNIC_SYNTH_QR_AVAIL_LO, lower_32_bits(vq->avail_dma));
	synth_qwr(p, vq, SRIOVNIC_SYNTH_QR_AVAIL_HI, upper_32_bits(vq->avail_dma));
	synth_qwr(p, vq, SRIOVNIC_SYNTH_QR_USED_LO, lower_32_bits(vq->used_dma));
	synth_qwr(p, vq, SRIOVNIC_SYNTH_QR_USED_HI, upper_32_bits(vq->used_dma));
	synth_qwr(p, vq, SRIOVNIC_SYNTH_QR_SIZE, vq->size);
	synth_qwr(p, vq, SRIOVNIC_SYNTH_QR_ENABLE, SRIOVNIC_SYNTH_QENABLE);
	if (!(synth_rd(p, SRIOVNIC_SYNTH_REG_QUEUE(vq->index, SRIOVNIC_SYNTH_QR_ENABLE)) &
	      SRIOVNIC_SYNTH_QENABLE)) {
		dev_err(&p->pdev->dev, "queue %u refused (ERR_CAUSE 0x%x)\n", vq->index,
			synth_rd(p, SRIOVNIC_REG_ERR_CAUSE));
		return -EIO;
	}
	return 0;
}

static void synth_vq_disable(struct synth_priv *p, struct synth_vq *vq)
{
	synth_qwr(p, vq, SRIOVNIC_SYNTH_QR_ENABLE, 0);
}

static void synth_vq_notify(struct synth_priv *p, struct synth_vq *vq)
{
	synth_qwr(p, vq, SRIOVNIC_SYNTH_QR_NOTIFY, 1);
}

/* Posts a chain of `n` buffers carrying `token`; returns its head or -ENOSPC. */
static int synth_vq_add(struct synth_vq *vq, const struct synth_buf *bufs, unsigned int n,
			void *token)
{
	struct sriovnic_synth_avail_hdr *ah = (void *)vq->avail;
	__le16 *ring = (__le16 *)(vq->avail + SRIOVNIC_SYNTH_AVAIL_ENTRY(0));
	u16 head, i;
	unsigned int k;

	if (!n || vq->num_free < n)
		return -ENOSPC;
	head = vq->free_head;
	i = head;
	for (k = 0; k < n; k++) {
		struct sriovnic_synth_desc *d = &vq->desc[i];
		u16 flags = bufs[k].write ? SRIOVNIC_SYNTH_D_WRITE : 0;

		if (k + 1 < n)
			flags |= SRIOVNIC_SYNTH_D_NEXT;
		d->addr = cpu_to_le64(bufs[k].addr);
		d->len = cpu_to_le32(bufs[k].len);
		d->flags = cpu_to_le16(flags);
		d->next = cpu_to_le16(k + 1 < n ? vq->next_free[i] : 0);
		i = vq->next_free[i];
	}
	vq->free_head = i;
	vq->num_free -= n;
	vq->token[head] = token;
	ring[vq->avail_idx & (vq->size - 1)] = cpu_to_le16(head);
	dma_wmb();
	vq->avail_idx++;
	WRITE_ONCE(ah->idx, cpu_to_le16(vq->avail_idx));
	return head;
}

/* Returns a used chain's descriptors to the free list. */
static void synth_vq_free_chain(struct synth_vq *vq, u16 head)
{
	u16 i = head, n = 1;

	while ((le16_to_cpu(vq->desc[i].flags) & SRIOVNIC_SYNTH_D_NEXT) && n < vq->size) {
		i = le16_to_cpu(vq->desc[i].next);
		n++;
	}
	vq->next_free[i] = vq->free_head;
	vq->free_head = head;
	vq->num_free += n;
	vq->token[head] = NULL;
}

/*
 * The next used element, or false if none. *head is the chain; a head we
 * never posted (the device's mistake) comes back as U_ERR with *token NULL.
 * The caller frees the chain with synth_vq_free_chain() when *token is set.
 */
static bool synth_vq_get(struct synth_vq *vq, u16 *head, void **token, u32 *len, u16 *flags)
{
	struct sriovnic_synth_used_hdr *uh = (void *)vq->used;
	struct sriovnic_synth_used_elem *e;
	u16 id;

	if (le16_to_cpu(READ_ONCE(uh->idx)) == vq->last_used)
		return false;
	dma_rmb();
	e = (void *)(vq->used + SRIOVNIC_SYNTH_USED_ENTRY(vq->last_used & (vq->size - 1)));
	id = le16_to_cpu(e->id);
	*len = le32_to_cpu(e->len);
	*flags = le16_to_cpu(e->flags);
	vq->last_used++;
	if (id >= vq->size || !vq->token[id]) {
		*token = NULL;
		*flags |= SRIOVNIC_SYNTH_U_ERR;
		return true;
	}
	*head = id;
	*token = vq->token[id];
	return true;
}

/* ---- counters ---- */

static void synth_count(struct synth_priv *p, bool rx, bool vf, unsigned int len)
{
	struct synth_pcpu_stats *s = this_cpu_ptr(p->stats);

	u64_stats_update_begin(&s->syncp);
	if (rx && vf) {
		s->vf_rx_packets++;
		s->vf_rx_bytes += len;
	} else if (rx) {
		s->rx_packets++;
		s->rx_bytes += len;
	} else if (vf) {
		s->vf_tx_packets++;
		s->vf_tx_bytes += len;
	} else {
		s->tx_packets++;
		s->tx_bytes += len;
	}
	u64_stats_update_end(&s->syncp);
}

void synth_vf_count_rx(struct synth_priv *p, unsigned int len)
{
	synth_count(p, true, true, len);
}

static void synth_count_vf_drop(struct synth_priv *p)
{
	struct synth_pcpu_stats *s = this_cpu_ptr(p->stats);

	u64_stats_update_begin(&s->syncp);
	s->vf_tx_dropped++;
	u64_stats_update_end(&s->syncp);
}

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
	synth_count(p, true, false, frame_len);
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
		synth_count(p, false, false, skb->len);
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
	nh = (struct sriovnic_synth_net_hdr *)((u8 *)p->tx_hdrs + head * 16);
	synth_fill_net_hdr(skb, nh);
	bufs[n++] = (struct synth_buf){ p->tx_hdrs_dma + head * 16, sizeof(*nh), false };
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

static netdev_tx_t synth_start_xmit(struct sk_buff *skb, struct net_device *ndev)
{
	struct synth_priv *p = netdev_priv(ndev);

	if (synth_tx_via_vf(p, skb))
		return NETDEV_TX_OK;
	return synth_xmit_synthetic(p, skb);
}

/* Called by bond.c after dev_queue_xmit() on the VF. */
void synth_vf_count_tx(struct synth_priv *p, unsigned int len, bool ok)
{
	if (ok)
		synth_count(p, false, true, len);
	else
		synth_count_vf_drop(p);
}

/* ---- NAPI and interrupts ---- */

static int synth_poll(struct napi_struct *napi, int budget)
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

static irqreturn_t synth_data_irq(int irq, void *data)
{
	struct synth_priv *p = data;

	napi_schedule_irqoff(&p->napi);
	return IRQ_HANDLED;
}

static irqreturn_t synth_misc_irq(int irq, void *data)
{
	struct synth_priv *p = data;
	u32 cause = synth_rd(p, SRIOVNIC_REG_INT_CAUSE);

	if (!cause)
		return IRQ_NONE;
	synth_wr(p, SRIOVNIC_REG_INT_CAUSE, cause);
	if (cause & SRIOVNIC_INT_ERROR) {
		u32 err = synth_rd(p, SRIOVNIC_REG_ERR_CAUSE);

		synth_wr(p, SRIOVNIC_REG_ERR_CAUSE, err);
		dev_warn_ratelimited(&p->pdev->dev, "device error 0x%x at 0x%x\n", err,
				     synth_rd(p, SRIOVNIC_REG_ERR_ADDR));
	}
	if (cause & SRIOVNIC_SYNTH_INT_EVENT)
		schedule_work(&p->event_work);
	/* CTRL completions are polled by the requester (synth_ctrl_request). */
	return IRQ_HANDLED;
}

/* ---- CTRL: data path switch ---- */

#define SYNTH_CTRL_RESP_OFF 64

/*
 * Sends SWITCH_DATA_PATH and waits for its completion. De-duplication is
 * the caller's (bond.c knows which path is in effect). 0 or the device's
 * status as a negative errno-like value; *status gets the raw status.
 */
static int synth_ctrl_switch(struct synth_priv *p, bool to_vf, u16 *status)
{
	struct sriovnic_synth_msg_switch *req = p->ctrl_buf;
	u8 *resp = (u8 *)p->ctrl_buf + SYNTH_CTRL_RESP_OFF;
	struct synth_buf bufs[2];
	unsigned long deadline;
	void *token;
	u16 head = 0, flags;
	u32 len, seq;
	int ret;

	mutex_lock(&p->ctrl_lock);
	seq = ++p->ctrl_seq;
	memset(p->ctrl_buf, 0, 2 * SYNTH_CTRL_RESP_OFF);
	req->hdr.type = cpu_to_le16(SRIOVNIC_SYNTH_MSG_SWITCH_DATA_PATH);
	req->hdr.len = cpu_to_le16(sizeof(*req));
	req->hdr.seq = cpu_to_le32(seq);
	req->path = to_vf ? SRIOVNIC_SYNTH_PATH_VF : SRIOVNIC_SYNTH_PATH_SYNTHETIC;
	if (to_vf) {
		req->vf_index = cpu_to_le16(p->offer.vf_index);
		req->serial = cpu_to_le32(p->offer.serial);
	}
	bufs[0] = (struct synth_buf){ p->ctrl_dma, sizeof(*req), false };
	bufs[1] = (struct synth_buf){ p->ctrl_dma + SYNTH_CTRL_RESP_OFF, SYNTH_CTRL_RESP_OFF, true };
	if (synth_vq_add(&p->ctrlq, bufs, 2, p) < 0) {
		mutex_unlock(&p->ctrl_lock);
		return -EBUSY;
	}
	synth_vq_notify(p, &p->ctrlq);

	/* The device completes within the doorbell; poll as for hardware. */
	deadline = jiffies + HZ;
	while (!synth_vq_get(&p->ctrlq, &head, &token, &len, &flags)) {
		if (time_after(jiffies, deadline)) {
			mutex_unlock(&p->ctrl_lock);
			netdev_err(p->ndev, "no completion for SWITCH_DATA_PATH\n");
			return -ETIMEDOUT;
		}
		usleep_range(100, 200);
	}
	if (token)
		synth_vq_free_chain(&p->ctrlq, head);
	if (!token || (flags & SRIOVNIC_SYNTH_U_ERR)) {
		ret = -EIO;
	} else if (sriovnic_synth_msg_check(resp, min_t(u32, len, SYNTH_CTRL_RESP_OFF),
					    SRIOVNIC_SYNTH_DIR_COMPLETION) ||
		   sriovnic_synth_rd32(resp, offsetof(struct sriovnic_synth_msg_hdr, seq)) != seq) {
		p->bad_msgs++;
		netdev_warn_once(p->ndev, "invalid completion dropped\n");
		ret = -EIO;
	} else {
		*status = sriovnic_synth_rd16(resp, offsetof(struct sriovnic_synth_msg_hdr, status));
		ret = 0;
	}
	mutex_unlock(&p->ctrl_lock);
	return ret;
}

/* 0 when the device confirmed the path; -EAGAIN when the VF is down. */
int synth_switch_datapath(struct synth_priv *p, bool to_vf)
{
	u16 status = 0;
	int err;

	err = synth_ctrl_switch(p, to_vf, &status);
	if (err)
		return err;
	switch (status) {
	case SRIOVNIC_SYNTH_S_OK:
		p->switches++;
		netdev_info(p->ndev, "data path switched to %s\n", to_vf ? "VF" : "synthetic");
		return 0;
	case SRIOVNIC_SYNTH_S_VF_DOWN:
		return -EAGAIN;
	default:
		netdev_warn(p->ndev, "switch to %s refused, status %u\n",
			    to_vf ? "VF" : "synthetic", status);
		return -EPERM;
	}
}

/* ---- EVENT ---- */

static void synth_post_event(struct synth_priv *p, unsigned int slot)
{
	struct synth_buf buf = { p->ev_dma + slot * SYNTH_EVENT_BUF, SYNTH_EVENT_BUF, true };

	synth_vq_add(&p->evq, &buf, 1, (u8 *)p->ev_buf + slot * SYNTH_EVENT_BUF);
}

static void synth_handle_event(struct synth_priv *p, const u8 *msg)
{
	u32 type = sriovnic_synth_rd16(msg, 0);

	switch (type) {
	case SRIOVNIC_SYNTH_EV_LINK:
		if (msg[offsetof(struct sriovnic_synth_ev_link, link_up)])
			netif_carrier_on(p->ndev);
		else
			netif_carrier_off(p->ndev);
		break;
	case SRIOVNIC_SYNTH_EV_MTU: {
		u32 max = sriovnic_synth_rd16(msg, offsetof(struct sriovnic_synth_ev_mtu, max_mtu));

		if (!(p->features & SRIOVNIC_SYNTH_F_MTU))
			break;
		p->ndev->max_mtu = max;
		if (p->ndev->mtu > max)
			dev_set_mtu(p->ndev, max);
		break;
	}
	case SRIOVNIC_SYNTH_EV_OFFLOAD:
		p->offloads = sriovnic_synth_rd32(msg, offsetof(struct sriovnic_synth_ev_offload,
								 offloads));
		/* synth_fix_features applies it; synth_set_features passes it on to the VF. */
		netdev_update_features(p->ndev);
		break;
	case SRIOVNIC_SYNTH_EV_VF_OFFER: {
		struct synth_offer o;

		if (!(p->features & SRIOVNIC_SYNTH_F_DATAPATH))
			break;
		o.vf_index = sriovnic_synth_rd16(msg, offsetof(struct sriovnic_synth_ev_vf_offer,
								vf_index));
		o.serial = sriovnic_synth_rd32(msg, offsetof(struct sriovnic_synth_ev_vf_offer,
							      serial));
		memcpy(o.mac, msg + offsetof(struct sriovnic_synth_ev_vf_offer, mac), ETH_ALEN);
		synth_on_offer(p, &o);
		break;
	}
	case SRIOVNIC_SYNTH_EV_VF_REVOKE:
		if (!(p->features & SRIOVNIC_SYNTH_F_DATAPATH))
			break;
		synth_on_revoke(p, msg[offsetof(struct sriovnic_synth_ev_vf_revoke, flags)] &
				   SRIOVNIC_SYNTH_REVOKE_F_SURPRISE);
		break;
	}
}

/* Drains the EVENT ring; rtnl held. Also called from the notifier. */
void synth_process_events(struct synth_priv *p)
{
	bool posted = false;
	void *token;
	u16 head = 0, flags;
	u32 len;

	ASSERT_RTNL();
	/* Until probe has listed the channel, the events wait in the ring. */
	if (list_empty(&p->list) || p->state == SYNTH_REMOVING)
		return;
	while (synth_vq_get(&p->evq, &head, &token, &len, &flags)) {
		const u8 *msg = token;

		if (!msg)
			continue;
		synth_vq_free_chain(&p->evq, head);
		if (!(flags & SRIOVNIC_SYNTH_U_ERR)) {
			if (sriovnic_synth_msg_check(msg, min_t(u32, len, SYNTH_EVENT_BUF),
						     SRIOVNIC_SYNTH_DIR_EVENT)) {
				p->bad_msgs++;
				netdev_warn_once(p->ndev, "invalid event dropped\n");
			} else if (p->state != SYNTH_REMOVING) {
				synth_handle_event(p, msg);
			}
		}
		synth_post_event(p, (msg - (const u8 *)p->ev_buf) / SYNTH_EVENT_BUF);
		posted = true;
	}
	if (posted)
		synth_vq_notify(p, &p->evq);
}

static void synth_event_work(struct work_struct *work)
{
	struct synth_priv *p = container_of(work, struct synth_priv, event_work);

	rtnl_lock();
	synth_process_events(p);
	rtnl_unlock();
}

/* ---- netdev ---- */

static int synth_open(struct net_device *ndev)
{
	struct synth_priv *p = netdev_priv(ndev);
	int err;

	p->rx_buf_len = SRIOVNIC_SYNTH_NET_HDR_SIZE + ndev->mtu + VLAN_ETH_HLEN;
	synth_wr(p, SRIOVNIC_REG_MTU, ndev->mtu);
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
	netif_start_queue(ndev);
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

static int synth_stop(struct net_device *ndev)
{
	struct synth_priv *p = netdev_priv(ndev);

	netif_stop_queue(ndev);
	synth_wr(p, SRIOVNIC_SYNTH_REG_DATA_IRQ, SRIOVNIC_QIRQ_MASK);
	napi_disable(&p->napi);
	spin_lock_bh(&p->tx_lock);
	p->rings_up = false;
	synth_vq_disable(p, &p->txq);
	synth_vq_disable(p, &p->rxq);
	spin_unlock_bh(&p->tx_lock);
	synth_drain(p, &p->rxq, true);
	synth_drain(p, &p->txq, false);
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

static void synth_set_rx_mode(struct net_device *ndev)
{
	struct synth_priv *p = netdev_priv(ndev);
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

static const struct net_device_ops synth_netdev_ops = {
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

/* ---- ethtool ---- */

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

	strscpy(info->driver, SYNTH_DRV_NAME, sizeof(info->driver));
	strscpy(info->bus_info, pci_name(p->pdev), sizeof(info->bus_info));
}

static const struct ethtool_ops synth_ethtool_ops = {
	.get_drvinfo = synth_get_drvinfo,
	.get_link = ethtool_op_get_link,
	.get_sset_count = synth_get_sset_count,
	.get_strings = synth_get_strings,
	.get_ethtool_stats = synth_get_ethtool_stats,
};

/* ---- probe ---- */

static int synth_reset(struct synth_priv *p)
{
	int i;

	synth_wr(p, SRIOVNIC_REG_CTRL, SRIOVNIC_CTRL_RESET);
	for (i = 0; i < 100; i++) {
		if (synth_rd(p, SRIOVNIC_REG_STATUS) & SRIOVNIC_STATUS_RESET_DONE)
			return 0;
		usleep_range(1000, 2000);
	}
	return -ETIMEDOUT;
}

/* Asks for what we can use of what the device offers; retries smaller once. */
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
		dma_free_coherent(dev, SYNTH_TX_RING * 16, p->tx_hdrs, p->tx_hdrs_dma);
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
	p->tx_hdrs = dma_alloc_coherent(dev, SYNTH_TX_RING * 16, &p->tx_hdrs_dma, GFP_KERNEL);
	if (!p->ctrl_buf || !p->ev_buf || !p->tx_hdrs)
		return -ENOMEM;
	return 0;
}

/* CTRL and EVENT run from probe to remove; RX and TX while the netdev is up. */
static int synth_start_control(struct synth_priv *p)
{
	unsigned int i;
	int err;

	err = synth_vq_enable(p, &p->ctrlq);
	if (err)
		return err;
	err = synth_vq_enable(p, &p->evq);
	if (err)
		return err;
	for (i = 0; i < SYNTH_EVENT_RING; i++)
		synth_post_event(p, i);
	synth_vq_notify(p, &p->evq);
	synth_wr(p, SRIOVNIC_REG_MISC_VECTOR, SRIOVNIC_VECTOR_VALID | SRIOVNIC_SYNTH_VEC_MISC);
	synth_wr(p, SRIOVNIC_REG_INT_ENABLE_SET, SRIOVNIC_INT_ERROR | SRIOVNIC_SYNTH_INT_CTRL |
		 SRIOVNIC_SYNTH_INT_EVENT);
	synth_wr(p, SRIOVNIC_REG_CTRL, SRIOVNIC_CTRL_ENABLE);
	return 0;
}

static int synth_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct net_device *ndev;
	struct synth_priv *p;
	u32 lo, hi, version;
	u8 mac[ETH_ALEN];
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
	INIT_WORK(&p->event_work, synth_event_work);
	INIT_DELAYED_WORK(&p->takeover_work, synth_takeover_work);
	INIT_LIST_HEAD(&p->list);
	pci_set_drvdata(pdev, p);

	p->regs = pcim_iomap_table(pdev)[SRIOVNIC_BAR_REGS];
	if (!p->regs)
		return -ENOMEM;
	version = synth_rd(p, SRIOVNIC_REG_VERSION);
	if (synth_rd(p, SRIOVNIC_REG_ID) != SRIOVNIC_ID_MAGIC ||
	    version >> 16 != SRIOVNIC_VERSION_MAJOR ||
	    synth_rd(p, SRIOVNIC_REG_FUNC) != SRIOVNIC_SYNTH_FUNC_VALUE) {
		dev_err(&pdev->dev, "not a sriovnic synthetic function\n");
		return -ENODEV;
	}
	err = synth_reset(p);
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

	lo = synth_rd(p, SRIOVNIC_REG_MAC_LO);
	hi = synth_rd(p, SRIOVNIC_REG_MAC_HI);
	mac[0] = lo;
	mac[1] = lo >> 8;
	mac[2] = lo >> 16;
	mac[3] = lo >> 24;
	mac[4] = hi;
	mac[5] = hi >> 8;
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
	ndev->min_mtu = SRIOVNIC_MTU_MIN;
	ndev->max_mtu = (p->features & SRIOVNIC_SYNTH_F_MTU) ?
			synth_rd(p, SRIOVNIC_SYNTH_REG_MAX_MTU) : SRIOVNIC_MTU_DEFAULT;
	netif_set_tso_max_size(ndev, SRIOVNIC_SYNTH_TX_FRAME_MAX - 256);
	netif_carrier_off(ndev);

	/* Replayed events (link, MTU, a standing offer) arrive from here on. */
	err = synth_start_control(p);
	if (err)
		goto err_data;
	/*
	 * Registered and listed in one rtnl section: the event work waits for
	 * it, so a replayed offer always finds this channel in synth_list.
	 */
	rtnl_lock();
	err = register_netdevice(ndev);
	if (err) {
		rtnl_unlock();
		goto err_data;
	}
	list_add(&p->list, &synth_list);
	synth_process_events(p);
	rtnl_unlock();
	netdev_info(ndev, "sriovnic synthetic channel %s, features 0x%x, MAC %pM\n",
		    pci_name(pdev), p->features, ndev->dev_addr);
	return 0;

err_data:
	synth_wr(p, SRIOVNIC_REG_INT_ENABLE_CLR, SRIOVNIC_SYNTH_INT_ALL);
	synth_wr(p, SRIOVNIC_REG_CTRL, SRIOVNIC_CTRL_RESET);
	free_irq(pci_irq_vector(pdev, SRIOVNIC_SYNTH_VEC_DATA), p);
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
	list_del_init(&p->list);
	rtnl_unlock();
	cancel_delayed_work_sync(&p->takeover_work);
	unregister_netdev(p->ndev);
	synth_wr(p, SRIOVNIC_REG_INT_ENABLE_CLR, SRIOVNIC_SYNTH_INT_ALL);
	free_irq(pci_irq_vector(pdev, SRIOVNIC_SYNTH_VEC_DATA), p);
	free_irq(pci_irq_vector(pdev, SRIOVNIC_SYNTH_VEC_MISC), p);
	cancel_work_sync(&p->event_work);
	synth_wr(p, SRIOVNIC_REG_CTRL, SRIOVNIC_CTRL_RESET);
	netif_napi_del(&p->napi);
	pci_free_irq_vectors(pdev);
	synth_free_rings(p);
}

static struct pci_driver synth_driver = {
	.name = SYNTH_DRV_NAME,
	.id_table = synth_ids,
	.probe = synth_probe,
	.remove = synth_remove,
};

static int __init synth_init(void)
{
	int err;

	err = synth_bond_init();
	if (err)
		return err;
	err = pci_register_driver(&synth_driver);
	if (err)
		synth_bond_exit();
	return err;
}

static void __exit synth_exit(void)
{
	pci_unregister_driver(&synth_driver);
	synth_bond_exit();
}

module_init(synth_init);
module_exit(synth_exit);

MODULE_DESCRIPTION("sriovnic synthetic channel with NetVSC-style VF bonding");
MODULE_LICENSE("GPL");
