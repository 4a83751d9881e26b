/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * How sriovnic names its functions: the one place where a function number,
 * a VF index, a synthetic channel's index and a VF's routing ID are turned
 * into one another. Plain C, for the core (C++) and the glue (C) alike.
 *
 * Function numbers, as every call of sriovnic-core.h and the Platform take them:
 *   0 ................................. the PF
 *   1 .. total_vfs .................... VF n is function n + 1
 *   total_vfs + 1 + i ................. synthetic channel i, in attach order
 * A VF's routing ID (its devfn on the PF's bus, with ARI) follows the SR-IOV
 * capability's First VF Offset and VF Stride.
 */
#ifndef SRIOVNIC_IDS_H
#define SRIOVNIC_IDS_H

#include <stdbool.h>
#include <stdint.h>

#include "sriovnic/regs.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SRIOVNIC_FN_PF 0u
/* VF n's function number (a macro: usable in constant expressions). */
#define SRIOVNIC_FN_VF(n) ((uint16_t)((n) + 1u))

/* The PF and the VFs of a card of `total_vfs` VFs: functions 0 .. this - 1. */
static inline uint32_t sriovnic_fn_count(uint16_t total_vfs)
{
    return (uint32_t)total_vfs + 1u;
}

static inline uint16_t sriovnic_fn_of_vf(uint16_t vf)
{
    return SRIOVNIC_FN_VF(vf);
}

/* Function `fn` is one of the `total_vfs` VFs. */
static inline bool sriovnic_fn_is_vf(uint16_t fn, uint16_t total_vfs)
{
    return fn != SRIOVNIC_FN_PF && fn <= total_vfs;
}

/* The VF index of function `fn`, which must be a VF. */
static inline uint16_t sriovnic_vf_of_fn(uint16_t fn)
{
    return (uint16_t)(fn - 1u);
}

/* The highest VF index of a card of `total_vfs` VFs, for messages ("0..N");
 * -1 if it has none. */
static inline int sriovnic_last_vf(uint16_t total_vfs)
{
    return (int)total_vfs - 1;
}

/* Synthetic channel `i`'s function number, on a card of `total_vfs` VFs. */
static inline uint16_t sriovnic_fn_of_channel(uint16_t total_vfs, uint32_t i)
{
    return (uint16_t)(sriovnic_fn_count(total_vfs) + i);
}

/* Function `fn` comes after the PF and the VFs (it may name a channel). */
static inline bool sriovnic_fn_is_channel(uint16_t fn, uint16_t total_vfs)
{
    return fn >= sriovnic_fn_count(total_vfs);
}

/* The channel index of function `fn`, which must satisfy sriovnic_fn_is_channel(). */
static inline uint32_t sriovnic_channel_of_fn(uint16_t fn, uint16_t total_vfs)
{
    return (uint32_t)fn - sriovnic_fn_count(total_vfs);
}

/* VF `vf`'s routing ID, for a PF whose routing ID is `pf_rid`. */
static inline uint32_t sriovnic_vf_routing_id(uint32_t pf_rid, uint16_t vf)
{
    return pf_rid + SRIOVNIC_VF_OFFSET + (uint32_t)vf * SRIOVNIC_VF_STRIDE;
}

/* How many VFs fit on the PF's bus after a PF at routing ID `pf_rid`, on a
 * bus of `bus_rids` routing IDs. */
static inline uint16_t sriovnic_vfs_that_fit(uint32_t pf_rid, uint32_t bus_rids)
{
    uint32_t first = sriovnic_vf_routing_id(pf_rid, 0);

    return first >= bus_rids ? 0 : (uint16_t)((bus_rids - first) / SRIOVNIC_VF_STRIDE);
}

#ifdef __cplusplus
}
#endif

#endif /* SRIOVNIC_IDS_H */
