/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sriovnic: hotplug of a synthetic channel's paired VF, for a channel of a
 * host-owned card (-device sriovnic-synth,card=ID,vf=N,vf-bus=BUS). The
 * core's slot state machine decides what happens and when
 * (core/synth/vf_slot.hpp); this file only performs the operation it asks
 * for, outside the card's work, from a bottom half:
 *   PLUG ............. a sriovnic-assigned-vf created on `vf-bus`, as
 *                      device_add would (its realize tells the core when
 *                      it is ready);
 *   UNPLUG_REQUEST ... the bus's hotplug handler asked to remove it, as
 *                      device_del does (the guest releases it);
 *   UNPLUG_SURPRISE .. the direct unplug path: the handler's unplug and the
 *                      device unparented, without waiting for the guest
 *                      (which is told with the handler's request first).
 * A failure goes back to the core in QEMU's words (it retries or reports);
 * success comes back as the VF's realize or unrealize.
 */
#include "qemu/osdep.h"
#include "hw/hotplug.h"
#include "hw/qdev-core.h"
#include "monitor/qdev.h"
#include "qapi/error.h"
#include "qobject/qdict.h"
#include "qemu/main-loop.h"
#include "sriovnic.h"
#include "trace.h"

static const char *sriovnic_synth_hotplug_op_name(SriovnicSynthHotplugOp op)
{
    switch (op) {
    case SRIOVNIC_SYNTH_HOTPLUG_PLUG:
        return "plug";
    case SRIOVNIC_SYNTH_HOTPLUG_UNPLUG_REQUEST:
        return "unplug-request";
    case SRIOVNIC_SYNTH_HOTPLUG_UNPLUG_SURPRISE:
        return "unplug-surprise";
    default:
        return "none";
    }
}

static bool sriovnic_synth_plug_vf(SriovnicSynthState *s, Error **errp)
{
    QDict *opts = qdict_new();
    DeviceState *dev;

    qdict_put_str(opts, "driver", TYPE_SRIOVNIC_ASSIGNED_VF);
    qdict_put_str(opts, "card", s->card_id);
    qdict_put_int(opts, "vf", s->paired_vf);
    qdict_put_str(opts, "bus", s->vf_bus);
    if (DEVICE(s)->id) {
        /* Named after the channel, as QMP's events and query-pci show it. */
        g_autofree char *id = g_strdup_printf("%s-vf", DEVICE(s)->id);

        qdict_put_str(opts, "id", id);
    }
    dev = qdev_device_add_from_qdict(opts, true, errp);
    qobject_unref(opts);
    if (!dev) {
        return false;
    }
    /* The channel takes it back during a live migration (on-migration=revoke). */
    dev->allow_unplug_during_migration = true;
    object_unref(OBJECT(dev));
    return true;
}

static bool sriovnic_synth_unplug_vf(SriovnicSynthState *s, bool surprise, Error **errp)
{
    PCIDevice *vf = sriovnic_card_vf_device(s->card, s->paired_vf);
    DeviceState *dev = DEVICE(vf);
    HotplugHandler *handler;

    if (!vf) {
        return true; /* already gone: the core heard of it from its unrealize */
    }
    dev->allow_unplug_during_migration = true;
    if (!surprise) {
        qdev_unplug(dev, errp);
        return !*errp;
    }
    handler = qdev_get_hotplug_handler(dev);
    /*
     * QEMU has no surprise removal to tell the guest of: the handler's
     * request (an ACPI eject request, the attention button) goes first, best
     * effort, so that the guest drops the function it no longer has; the
     * device goes at once, whatever the guest does.
     */
    if (handler && HOTPLUG_HANDLER_GET_CLASS(handler)->unplug_request) {
        Error *ignored = NULL;

        hotplug_handler_unplug_request(handler, dev, &ignored);
        error_free(ignored);
        /* A slot already powered off unplugs at once, in the request. */
        if (sriovnic_card_vf_device(s->card, s->paired_vf) != vf) {
            return true;
        }
    }
    if (!handler) {
        error_setg(errp, "bus '%s' has no hotplug handler", s->vf_bus);
        return false;
    }
    hotplug_handler_unplug(handler, dev, errp);
    if (*errp) {
        return false;
    }
    object_unparent(OBJECT(dev));
    return true;
}

bool sriovnic_synth_hotplug_run(SriovnicSynthState *s, Error **errp)
{
    SriovnicSynthHotplugOp op;
    bool ok = true;

    while ((op = sriovnic_core_synth_take_hotplug_op(s->core, s->fn)) !=
           SRIOVNIC_SYNTH_HOTPLUG_NONE) {
        Error *err = NULL;
        bool done;

        trace_sriovnic_synth_hotplug(s->fn, sriovnic_synth_hotplug_op_name(op));
        if (op == SRIOVNIC_SYNTH_HOTPLUG_PLUG) {
            done = sriovnic_synth_plug_vf(s, &err);
        } else {
            done = sriovnic_synth_unplug_vf(s, op == SRIOVNIC_SYNTH_HOTPLUG_UNPLUG_SURPRISE,
                                            &err);
        }
        if (!done) {
            trace_sriovnic_synth_hotplug_failed(s->fn, sriovnic_synth_hotplug_op_name(op),
                                                error_get_pretty(err));
            sriovnic_core_synth_hotplug_failed(s->core, s->fn, op, error_get_pretty(err));
            if (op == SRIOVNIC_SYNTH_HOTPLUG_PLUG && ok) {
                error_propagate_prepend(errp, err, "cannot plug VF %u on bus '%s': ",
                                        s->paired_vf, s->vf_bus);
                ok = false;
                continue;
            }
            error_free(err);
        }
    }
    sriovnic_synth_migration_update_hold(s, "vf-unplugged");
    return ok;
}

static void sriovnic_synth_hotplug_bh(void *opaque)
{
    sriovnic_synth_hotplug_run(opaque, NULL);
}

/* The core's slot wants an operation or changed (inside the card's work). */
static void sriovnic_synth_hotplug_wanted(void *opaque)
{
    SriovnicSynthState *s = opaque;

    qemu_bh_schedule(s->hotplug_bh);
}

void sriovnic_synth_hotplug_init(SriovnicSynthState *s)
{
    s->hotplug_bh = qemu_bh_new_guarded(sriovnic_synth_hotplug_bh, s,
                                        &DEVICE(s)->mem_reentrancy_guard);
    sriovnic_core_synth_set_hotplug_handler(s->core, s->fn, sriovnic_synth_hotplug_wanted, s);
}

void sriovnic_synth_hotplug_exit(SriovnicSynthState *s)
{
    if (!s->hotplug_bh) {
        return;
    }
    sriovnic_core_synth_set_hotplug_handler(s->core, s->fn, NULL, NULL);
    qemu_bh_delete(s->hotplug_bh);
    s->hotplug_bh = NULL;
}
