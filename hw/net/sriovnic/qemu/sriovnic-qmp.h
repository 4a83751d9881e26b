/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sriovnic's QMP glue, shared by its parts: sriovnic-qmp.c (finding devices,
 * the host's operations), sriovnic-qmp-query.c (query-sriovnic) and
 * sriovnic-qmp-events.c (events).
 */
#ifndef HW_NET_SRIOVNIC_QMP_H
#define HW_NET_SRIOVNIC_QMP_H

#include "qapi/qapi-types-sriovnic.h"
#include "sriovnic.h"

/* SriovnicOffload, in its order, as SRIOVNIC_SYNTH_F_* bits. */
extern const uint32_t sriovnic_offload_bits[SRIOVNIC_OFFLOAD__MAX];

/* The sriovnic-synth device named by `id` (its id or QOM path), for `cmd`. */
SriovnicSynthState *sriovnic_qmp_channel(const char *cmd, const char *id, Error **errp);
/* The card of the sriovnic PF or sriovnic-card named by `id` (its id or QOM path), for `cmd`. */
SriovnicCard *sriovnic_qmp_card(const char *cmd, const char *id, Error **errp);
/* VF `vf`'s administration now, as query-sriovnic shows it. */
SriovnicVfAdmin *sriovnic_qmp_vf_admin(SriovnicCard *card, uint16_t vf);
/* Every realized sriovnic PF and sriovnic-card, ordered by QOM path. */
GPtrArray *sriovnic_qmp_cards(void);

#endif /* HW_NET_SRIOVNIC_QMP_H */
