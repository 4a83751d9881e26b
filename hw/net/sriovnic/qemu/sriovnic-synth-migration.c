/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sriovnic-synth in a live migration: its VMState, and what tells the core
 * when a migration starts and ends and when the VM runs (a migration
 * notifier and a VM run-state handler). The core decides what the channel
 * does (on-migration=revoke|keep, its policy).
 *
 * While the core holds an outgoing migration (it revoked the VF and waits
 * for the guest's switch or the timeout), dev_unplug_pending keeps QEMU's
 * migration thread in wait-unplug; when the hold ends the glue wakes that
 * thread at once with migration_wake_unplug_wait() (QEMU patch 0004: QEMU
 * itself would notice only at its next 250 ms poll).
 */
#include "qemu/osdep.h"
#include "hw/pci/msix.h"
#include "migration/misc.h"
#include "migration/vmstate.h"
#include "qemu/atomic.h"
#include "qemu/error-report.h"
#include "qemu/timer.h"
#include "system/runstate.h"
#include "sriovnic.h"
#include "trace.h"

/* How a hold ended, for the trace: the transition that ended it. */
static const char *sriovnic_synth_hold_end(unsigned cause)
{
    switch (cause) {
    case SRIOVNIC_SYNTH_CAUSE_REVOKE_DONE:
        return "the guest switched to the synthetic path";
    case SRIOVNIC_SYNTH_CAUSE_REVOKE_TIMEOUT:
        return "the revoke timed out: surprise revoke";
    case SRIOVNIC_SYNTH_CAUSE_REVOKE_SURPRISE:
        return "surprise revoke";
    case SRIOVNIC_SYNTH_CAUSE_RESET:
        return "the synthetic function was reset";
    default:
        return "the data path changed";
    }
}

/*
 * Under the BQL, after anything that may start or end the core's hold of
 * the outgoing migration: keeps dev_unplug_pending's copy and wakes the
 * migration thread when the hold ends.
 */
void sriovnic_synth_migration_update_hold(SriovnicSynthState *s, const char *how)
{
    bool holds = sriovnic_core_synth_holds_migration(s->core, s->fn);
    int64_t now = qemu_clock_get_ns(QEMU_CLOCK_REALTIME);

    if (holds == qatomic_read(&s->unplug_pending)) {
        return;
    }
    qatomic_set(&s->unplug_pending, holds);
    if (holds) {
        s->hold_start_ns = now;
        trace_sriovnic_synth_migration_hold(s->fn, s->revoke_timeout_ms);
    } else {
        trace_sriovnic_synth_migration_release(s->fn, how,
                                               (now - s->hold_start_ns) / SCALE_US);
        migration_wake_unplug_wait();
    }
}

void sriovnic_synth_migration_datapath_changed(SriovnicSynthState *s,
                                               const SriovnicSynthTransition *t)
{
    sriovnic_synth_migration_update_hold(s, sriovnic_synth_hold_end(t->cause));
}

static int sriovnic_synth_migration_event(NotifierWithReturn *notifier,
                                          MigrationEvent *e, Error **errp)
{
    SriovnicSynthState *s = container_of(notifier, SriovnicSynthState,
                                         migration_notifier);
    bool offered;

    switch (e->type) {
    case MIG_EVENT_PRECOPY_SETUP:
        trace_sriovnic_synth_migration_setup(s->fn, s->on_migration ?
                                             s->on_migration : "revoke");
        sriovnic_core_synth_migration_begin(s->core, s->fn, runstate_is_running());
        sriovnic_synth_migration_update_hold(s, "the VF was revoked at once");
        break;
    case MIG_EVENT_PRECOPY_DONE:
    case MIG_EVENT_PRECOPY_FAILED:
        offered = sriovnic_core_synth_migration_end(s->core, s->fn,
                                                    e->type == MIG_EVENT_PRECOPY_DONE);
        sriovnic_synth_migration_update_hold(s, "the migration ended");
        trace_sriovnic_synth_migration_end(s->fn, e->type == MIG_EVENT_PRECOPY_DONE,
                                           offered);
        break;
    default:
        break;
    }
    return 0;
}

static void sriovnic_synth_vm_state_change(void *opaque, bool running,
                                           RunState state)
{
    SriovnicSynthState *s = opaque;
    bool offer_due = sriovnic_core_synth_vm_running(s->core, s->fn, running);

    sriovnic_synth_migration_update_hold(s, "the VM stopped: surprise revoke");
    if (offer_due) {
        trace_sriovnic_synth_resume_offer(s->fn);
    }
}

static int sriovnic_synth_pre_save(void *opaque)
{
    SriovnicSynthState *s = opaque;

    sriovnic_core_synth_pre_save(s->core, s->fn);
    return 0;
}

/*
 * Runs in the migration thread without the BQL (qemu_savevm_wait_unplug):
 * it may only read the glue's atomic copy of the core's answer.
 */
static bool sriovnic_synth_unplug_pending(void *opaque)
{
    SriovnicSynthState *s = opaque;

    return qatomic_read(&s->unplug_pending);
}

static int sriovnic_synth_post_load(void *opaque, int version_id)
{
    SriovnicSynthState *s = opaque;
    char err[256];

    trace_sriovnic_post_load(s->fn);
    if (!sriovnic_core_post_load(s->core, s->fn, err, sizeof(err))) {
        error_report("sriovnic-synth: rejecting migration stream: %s", err);
        return -EINVAL;
    }
    return 0;
}

/* A revoke in flight (on-migration=keep, or a snapshot): reason and time left. */
static bool sriovnic_synth_revoke_needed(void *opaque)
{
    SriovnicSynthState *s = opaque;

    return s->regs->revoke_reason != 0;
}

static const VMStateDescription vmstate_sriovnic_synth_revoke = {
    .name = TYPE_SRIOVNIC_SYNTH "/revoke",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = sriovnic_synth_revoke_needed,
    .fields = (const VMStateField[]) {
        VMSTATE_STRUCT_POINTER(regs, SriovnicSynthState,
                               vmstate_sriovnic_synth_revoke_regs,
                               SriovnicSynthRegs),
        VMSTATE_END_OF_LIST()
    },
};

/* Frames a port policy dropped: a counter, sent only once it counted. */
static bool sriovnic_synth_guard_needed(void *opaque)
{
    SriovnicSynthState *s = opaque;

    return s->regs->guard_drops != 0;
}

static const VMStateDescription vmstate_sriovnic_synth_guard = {
    .name = TYPE_SRIOVNIC_SYNTH "/guard",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = sriovnic_synth_guard_needed,
    .fields = (const VMStateField[]) {
        VMSTATE_STRUCT_POINTER(regs, SriovnicSynthState,
                               vmstate_sriovnic_synth_guard_regs,
                               SriovnicSynthRegs),
        VMSTATE_END_OF_LIST()
    },
};

/*
 * Default priority: loads after the PF (MIG_PRI_IOMMU), whose config space
 * load enables the VFs the channel pairs with.
 */
const VMStateDescription vmstate_sriovnic_synth = {
    .name = TYPE_SRIOVNIC_SYNTH,
    .version_id = 1,
    .minimum_version_id = 1,
    .pre_save = sriovnic_synth_pre_save,
    .post_load = sriovnic_synth_post_load,
    .dev_unplug_pending = sriovnic_synth_unplug_pending,
    .fields = (const VMStateField[]) {
        VMSTATE_PCI_DEVICE(parent_obj, SriovnicSynthState),
        VMSTATE_MSIX(parent_obj, SriovnicSynthState),
        SRIOVNIC_VMSTATE_PART("regs", SriovnicSynthState, regs,
                              vmstate_sriovnic_synth_regs, SriovnicSynthRegs),
        VMSTATE_END_OF_LIST()
    },
    .subsections = (const VMStateDescription * const []) {
        &vmstate_sriovnic_synth_revoke,
        &vmstate_sriovnic_synth_guard,
        NULL
    },
};

void sriovnic_synth_migration_init(SriovnicSynthState *s)
{
    /*
     * A destination's PF load enables the VF before this channel's state is
     * loaded: the core must not offer into a state the load replaces.
     */
    if (runstate_check(RUN_STATE_INMIGRATE)) {
        sriovnic_core_synth_incoming(s->core, s->fn);
    }
    migration_add_notifier(&s->migration_notifier, sriovnic_synth_migration_event);
    s->vm_state = qemu_add_vm_change_state_handler(sriovnic_synth_vm_state_change, s);
}

void sriovnic_synth_migration_exit(SriovnicSynthState *s)
{
    migration_remove_notifier(&s->migration_notifier);
    if (s->vm_state) {
        qemu_del_vm_change_state_handler(s->vm_state);
        s->vm_state = NULL;
    }
}
