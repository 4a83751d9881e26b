// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sriovnic synthetic channel: host events (link, MTU limit, offloads, VF
 * offer and revoke) from the EVENT ring, drained in the channel's own work
 * item under rtnl, never from another netdev's notifier.
 */
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>

#include "synth.h"

/* Where `field` is in struct sriovnic_synth_ev_<ev>. */
#define SYNTH_EV_OFF(ev, field)	offsetof(struct sriovnic_synth_ev_##ev, field)

static void synth_post_event(struct synth_priv *p, unsigned int slot)
{
	struct synth_buf buf = { p->ev_dma + slot * SYNTH_EVENT_BUF, SYNTH_EVENT_BUF, true };

	synth_vq_add(&p->evq, &buf, 1, (u8 *)p->ev_buf + slot * SYNTH_EVENT_BUF);
}

/* Stocks a just-enabled EVENT ring with every buffer. */
void synth_post_events(struct synth_priv *p)
{
	unsigned int i;

	for (i = 0; i < SYNTH_EVENT_RING; i++)
		synth_post_event(p, i);
	synth_vq_notify(p, &p->evq);
}

static void synth_handle_event(struct synth_priv *p, const u8 *msg)
{
	u32 type = sriovnic_synth_rd16(msg, 0);

	switch (type) {
	case SRIOVNIC_SYNTH_EV_LINK:
		if (msg[SYNTH_EV_OFF(link, link_up)])
			netif_carrier_on(p->ndev);
		else
			netif_carrier_off(p->ndev);
		break;
	case SRIOVNIC_SYNTH_EV_MTU: {
		u32 max = sriovnic_synth_rd16(msg, SYNTH_EV_OFF(mtu, max_mtu));

		if (!(p->features & SRIOVNIC_SYNTH_F_MTU))
			break;
		p->ndev->max_mtu = max;
		if (p->ndev->mtu > max)
			dev_set_mtu(p->ndev, max);
		break;
	}
	case SRIOVNIC_SYNTH_EV_OFFLOAD:
		p->offloads = sriovnic_synth_rd32(msg, SYNTH_EV_OFF(offload, offloads));
		/* synth_fix_features applies it; synth_set_features passes it on to the VF. */
		netdev_update_features(p->ndev);
		break;
	case SRIOVNIC_SYNTH_EV_VF_OFFER: {
		struct synth_offer o;

		if (!(p->features & SRIOVNIC_SYNTH_F_DATAPATH))
			break;
		o.vf_index = sriovnic_synth_rd16(msg, SYNTH_EV_OFF(vf_offer, vf_index));
		o.serial = sriovnic_synth_rd32(msg, SYNTH_EV_OFF(vf_offer, serial));
		memcpy(o.mac, msg + SYNTH_EV_OFF(vf_offer, mac), ETH_ALEN);
		synth_on_offer(p, &o);
		break;
	}
	case SRIOVNIC_SYNTH_EV_VF_REVOKE:
		if (!(p->features & SRIOVNIC_SYNTH_F_DATAPATH))
			break;
		synth_on_revoke(p, msg[SYNTH_EV_OFF(vf_revoke, flags)] &
				   SRIOVNIC_SYNTH_REVOKE_F_SURPRISE,
				msg[SYNTH_EV_OFF(vf_revoke, reason)]);
		break;
	}
}

/* Drains the EVENT ring; rtnl held. */
static void synth_process_events(struct synth_priv *p)
{
	bool posted = false;
	void *token;
	u16 head = 0, flags;
	u32 len;

	ASSERT_RTNL();
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
			} else {
				synth_handle_event(p, msg);
			}
		}
		synth_post_event(p, (msg - (const u8 *)p->ev_buf) / SYNTH_EVENT_BUF);
		posted = true;
	}
	if (posted)
		synth_vq_notify(p, &p->evq);
}

/*
 * The EVENT cause's work. Events wait in the ring until probe has
 * registered the netdev (events_ready), and while a reset is under way.
 */
void synth_event_work(struct work_struct *work)
{
	struct synth_priv *p = container_of(work, struct synth_priv, event_work);

	rtnl_lock();
	if (p->events_ready && !p->resetting && p->state != SYNTH_REMOVING)
		synth_process_events(p);
	rtnl_unlock();
}
