/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Management of the PF and VFs: snapshots for query commands and
 * fault injection.
 * Part of the C interface between the core and the glue: include
 * "sriovnic-core.h", which includes it inside its extern "C" block.
 */
#ifndef SRIOVNIC_CORE_MANAGE_H
#define SRIOVNIC_CORE_MANAGE_H

#ifndef SRIOVNIC_CORE_H
#error "include sriovnic-core.h"
#endif

/* ---- Management: snapshots of the PF and VFs ---- */

/* A snapshot of the PF or of one VF for management (query commands). */
typedef struct SriovnicFnInfo {
    bool present;               /* the PF always; a VF while VF Enable covers it */
    bool driver_enabled;        /* CTRL.ENABLE: a driver has taken the function */
    bool link_up;               /* STATUS.LINK_UP */
    bool receiving;             /* its switch port takes frames now */
    uint8_t mac[6];             /* the function's current MAC */
    uint32_t mtu;
    uint8_t queue_pairs;
    /* A VF's administration by the PF (zero for the PF). */
    bool admin_mac_set;
    uint8_t admin_mac[6];
    uint16_t vlan;              /* port VLAN ID, 0 = none */
    uint8_t qos;                /* port VLAN priority */
    bool spoofchk;
    bool trust;
    uint8_t link_state;         /* SRIOVNIC_VFA_LINK_* */
    uint32_t max_tx_rate;       /* Mbit/s, 0 = unlimited */
    uint32_t max_mtu;           /* 0 = no limit */
    bool has_mtu_limit;         /* a host-owned card's VF: */
    uint32_t mtu_limit;         /* the host PF agent's limit for it */
    bool mac_pinned;            /* a synthetic channel owns the VF's MAC */
    uint64_t stats[SRIOVNIC_NUM_STATS];
    bool link_flapping;         /* an injected link flap holds the link down */
    bool surprise_removed;      /* an injected surprise removal hides the VF */
    bool mailbox_timeout;       /* an injected mailbox timeout holds its messages */
    bool dma_error;             /* an injected DMA error waits for (or fails) its DMA */
} SriovnicFnInfo;

/* False if `fn` names no PF/VF of this card. */
bool sriovnic_core_fn_info(SriovnicCore *core, uint16_t fn, SriovnicFnInfo *info);
uint16_t sriovnic_core_total_vfs(const SriovnicCore *core);
/* VFs enabled now (VF Enable with NumVFs). */
uint16_t sriovnic_core_active_vfs(const SriovnicCore *core);

/* ---- Fault injection by the host (management) ---- */

typedef enum SriovnicInjectedFault {
    /* The VF's link goes down now and comes back after duration_ms (0: 100 ms),
     * with a LINK interrupt cause both times. */
    SRIOVNIC_INJECT_LINK_FLAP = 0,
    /* The VF vanishes for the guest as if the host pulled it: its registers
     * (and, through the glue, its config space) read all ones, writes are
     * dropped, its port leaves the switch and the VF is reset; a paired
     * channel gets a surprise revoke (reason REMOVED). It ends with
     * SRIOVNIC_INJECT_RESTORE, after duration_ms if not 0, or when VF Enable
     * changes: the VF comes back reset, like a newly plugged one. */
    SRIOVNIC_INJECT_SURPRISE_REMOVAL,
    /* Ends a surprise removal now. duration_ms must be 0. */
    SRIOVNIC_INJECT_RESTORE,
    /* A VF FLR issued by the host. The core checks it (duration_ms must be 0,
     * the VF must not be surprise-removed); on success the glue carries it
     * out as the VF's PCI FLR, whose reset reaches sriovnic_core_reset_function()
     * like a guest's FLR (config space and MSI-X are the glue's). */
    SRIOVNIC_INJECT_FLR,
    /* The PF side stops taking VF n's mailbox messages, as a hung PF driver
     * would, for duration_ms (0: 1000 ms): a VF SEND is accepted (BUSY sets,
     * MBX_SENT counts) but the PF is not told (no PF_MBX_PENDING bit, no MBX
     * cause, an ACK from the PF does nothing), so the VF's request gets no
     * answer. When the fault ends a message still waiting reaches the PF as
     * if sent then. The PF's own messages to the VF still go through. A
     * second one while it lasts extends it. */
    SRIOVNIC_INJECT_MAILBOX_TIMEOUT,
    /* VF n's DMA fails as a bus error would: without duration_ms its next
     * DMA (descriptor, buffer or write-back), with it every DMA until then.
     * Each failure is handled as any failed DMA: ERR_DMA, DMA_ERRORS, and the
     * work dropped (a ring whose descriptors fail stops, a buffer costs its
     * frame). MSI-X messages are not affected. A VF reset does not end it. */
    SRIOVNIC_INJECT_DMA_ERROR,
    SRIOVNIC_INJECT_COUNT
} SriovnicInjectedFault;

#define SRIOVNIC_FAULT_DEFAULT_FLAP_MS 100u
#define SRIOVNIC_FAULT_DEFAULT_MBX_TIMEOUT_MS 1000u
#define SRIOVNIC_FAULT_MAX_DURATION_MS 3600000u

/* A host's fault injection (sriovnic-inject-fault), at management's width. */
typedef struct SriovnicFaultRequest {
    uint32_t vf;                /* must be enabled */
    uint32_t fault;             /* SriovnicInjectedFault */
    bool has_duration_ms;       /* else the fault's default */
    uint32_t duration_ms;       /* 1..SRIOVNIC_FAULT_MAX_DURATION_MS; not for restore, flr */
} SriovnicFaultRequest;

/*
 * Injects a fault. False with a message naming the bad argument and its
 * allowed values in `err` if refused.
 */
bool sriovnic_core_inject_fault(SriovnicCore *core, const SriovnicFaultRequest *req,
                                char *err, size_t err_len);

/* The fault's name as management spells it ("link-flap", ...); NULL if unknown. */
const char *sriovnic_core_fault_name(unsigned fault);

/* ---- The host's administration of a host-owned card's VFs ---- */

/*
 * What `ip link set <pf> vf N ...` sets on a host's PF, for one VF; only
 * the fields with has_* set change. Checked whole before anything changes.
 */
typedef struct SriovnicVfSettings {
    bool has_mac;
    uint8_t mac[6];             /* unicast; all zero: none (the VF picks its own) */
    bool has_vlan;
    uint16_t vlan;              /* port VLAN 0..4094, 0 = none */
    bool has_qos;
    uint8_t qos;                /* its priority 0..7; needs a VLAN */
    bool has_spoofchk;
    bool spoofchk;
    bool has_trust;
    bool trust;
    bool has_link_state;
    uint8_t link_state;         /* SRIOVNIC_VFA_LINK_* */
    bool has_max_tx_rate;
    uint32_t max_tx_rate;       /* Mbit/s, 0 = unlimited, up to SRIOVNIC_RATE_MAX_MBPS */
    bool has_mtu_limit;
    uint32_t mtu_limit;         /* the host PF agent's limit, SRIOVNIC_MTU_MIN..MAX */
} SriovnicVfSettings;

/*
 * Applies `s` to VF `vf` of a host-owned card at once. A new MAC reaches
 * the VF's running driver through a PF_RESET notice (it starts over with
 * HELLO); a VF without a driver reads it when one starts.
 * False with a message naming the bad argument and its allowed values, or
 * why the card refuses (a guest-owned card; a MAC a synthetic channel owns).
 */
bool sriovnic_core_host_set_vf(SriovnicCore *core, uint32_t vf, const SriovnicVfSettings *s,
                               char *err, size_t err_len);

/* VF `vf` is surprise-removed now: its config space must read all ones. */
bool sriovnic_core_vf_removed(const SriovnicCore *core, uint16_t vf);

/* ---- The host-owned topology: standalone VFs ---- */

/*
 * VF `vf` enters the guest as a standalone PCI function (its device is
 * realized). False with a message naming the property 'vf' and its allowed
 * values in `err` if the card has no such VF or the VF is already plugged.
 */
bool sriovnic_core_plug_standalone_vf(SriovnicCore *core, uint32_t vf,
                                      char *err, size_t err_len);
/*
 * VF `vf`'s standalone function leaves the guest: the VF is reset (queues
 * off, interrupts cleared), so it neither DMAs nor signals afterwards, and
 * may be plugged again. Nothing happens for a VF that is not plugged.
 */
void sriovnic_core_unplug_standalone_vf(SriovnicCore *core, uint16_t vf);
/*
 * VF `vf`'s standalone function is realized and in place (its DMA and MSI-X
 * go through it): a paired synthetic channel may offer it now.
 */
void sriovnic_core_standalone_vf_ready(SriovnicCore *core, uint16_t vf);
bool sriovnic_core_standalone_vf_plugged(const SriovnicCore *core, uint16_t vf);

#endif /* SRIOVNIC_CORE_MANAGE_H */
