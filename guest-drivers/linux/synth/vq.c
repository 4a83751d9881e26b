// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sriovnic synthetic channel: the split rings (RX, TX, CTRL, EVENT) in
 * guest memory, as docs/synthetic-channel.md lays them out. Callers
 * serialize each ring (TX lock, NAPI, CTRL mutex, event work).
 */
#include <linux/dma-mapping.h>
#include <linux/slab.h>

#include "synth.h"

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

void synth_vq_free(struct synth_priv *p, struct synth_vq *vq)
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

int synth_vq_alloc(struct synth_priv *p, struct synth_vq *vq, unsigned int index, u16 size)
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
int synth_vq_enable(struct synth_priv *p, struct synth_vq *vq)
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

void synth_vq_disable(struct synth_priv *p, struct synth_vq *vq)
{
	synth_qwr(p, vq, SRIOVNIC_SYNTH_QR_ENABLE, 0);
}

void synth_vq_notify(struct synth_priv *p, struct synth_vq *vq)
{
	synth_qwr(p, vq, SRIOVNIC_SYNTH_QR_NOTIFY, 1);
}

/* Posts a chain of `n` buffers carrying `token`; returns its head or -ENOSPC. */
int synth_vq_add(struct synth_vq *vq, const struct synth_buf *bufs, unsigned int n,
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
void synth_vq_free_chain(struct synth_vq *vq, u16 head)
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
bool synth_vq_get(struct synth_vq *vq, u16 *head, void **token, u32 *len, u16 *flags)
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
