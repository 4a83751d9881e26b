/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sriovnic: QMP events. A channel's data-path change reaches the channel's
 * own device (the sink it gave sriovnic_core_synth_attach, in
 * sriovnic-synth.c), which emits SRIOVNIC_DATAPATH_CHANGED here for itself.
 */
#include "qemu/osdep.h"
#include "hw/qdev-core.h"
#include "qapi/qapi-events-sriovnic.h"
#include "qemu/timer.h"
#include "sriovnic/synth.h"
#include "sriovnic-qmp.h"
#include "trace.h"

void sriovnic_qmp_datapath_changed(DeviceState *dev, const SriovnicSynthTransition *t)
{
    g_autofree char *path = NULL;
    bool has_reason = t->revoke_reason >= SRIOVNIC_SYNTH_REVOKE_MIGRATION &&
                      t->revoke_reason <= SRIOVNIC_SYNTH_REVOKE_REASON_MAX;

    if (t->old_state >= SRIOVNIC_DATA_PATH_STATE__MAX ||
        t->new_state >= SRIOVNIC_DATA_PATH_STATE__MAX ||
        t->cause >= SRIOVNIC_DATA_PATH_CAUSE__MAX) {
        return; /* nothing QAPI can say */
    }
    path = object_get_canonical_path(OBJECT(dev));
    trace_sriovnic_qmp_event_datapath(t->fn,
                                      SriovnicDataPathState_str(t->old_state),
                                      SriovnicDataPathState_str(t->new_state),
                                      SriovnicDataPathCause_str(t->cause),
                                      t->since_previous_ns / SCALE_US);
    qapi_event_send_sriovnic_datapath_changed(
        dev->id, path, t->old_state, t->new_state, t->cause, t->vf,
        has_reason, has_reason ? t->revoke_reason - SRIOVNIC_SYNTH_REVOKE_MIGRATION : 0,
        t->has_previous, t->since_previous_ns / SCALE_US);
}
