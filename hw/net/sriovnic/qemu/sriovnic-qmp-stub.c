/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sriovnic's QMP commands in a QEMU built without the device (like
 * hw/net/rocker/qmp-norocker.c): the schema is always there, the device
 * may not be.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qapi/qapi-commands-sriovnic.h"

SriovnicInfoList *qmp_query_sriovnic(Error **errp)
{
    return NULL; /* no cards */
}

void qmp_sriovnic_offer(const char *id, Error **errp)
{
    error_setg(errp, "this QEMU is built without the sriovnic device");
}

void qmp_sriovnic_revoke(const char *id, const char *reason, bool has_surprise,
                         bool surprise, bool has_timeout_ms, uint32_t timeout_ms,
                         Error **errp)
{
    error_setg(errp, "this QEMU is built without the sriovnic device");
}

void qmp_sriovnic_set_policy(const char *id, bool has_sriov_allowed,
                             bool sriov_allowed, bool has_max_mtu,
                             uint32_t max_mtu, bool has_offloads,
                             strList *offloads, bool has_port_policies,
                             strList *port_policies, Error **errp)
{
    error_setg(errp, "this QEMU is built without the sriovnic device");
}

void qmp_sriovnic_inject_fault(const char *id, uint32_t vf, const char *fault,
                               bool has_duration_ms, uint32_t duration_ms,
                               Error **errp)
{
    error_setg(errp, "this QEMU is built without the sriovnic device");
}

void qmp_sriovnic_set_vf(const char *id, uint32_t vf, const char *mac,
                         bool has_vlan, uint32_t vlan, bool has_qos, uint32_t qos,
                         bool has_spoof_check, bool spoof_check,
                         bool has_trust, bool trust, const char *link_state,
                         bool has_max_tx_rate, uint32_t max_tx_rate,
                         bool has_mtu_limit, uint32_t mtu_limit, Error **errp)
{
    error_setg(errp, "this QEMU is built without the sriovnic device");
}
