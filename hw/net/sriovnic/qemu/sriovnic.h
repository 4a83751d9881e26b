/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sriovnic QEMU glue: the state shared by the device types. A card (the
 * core, its uplink, its timer and the PCI functions behind its function
 * numbers) is owned either by the guest's PF (sriovnic) or by the host
 * (sriovnic-card, whose VFs enter the guest as sriovnic-assigned-vf).
 */
#ifndef HW_NET_SRIOVNIC_H
#define HW_NET_SRIOVNIC_H

#include "hw/pci/pci_device.h"
#include "hw/qdev-core.h"
#include "net/net.h"
#include "qemu/notify.h"
#include "qom/object.h"
#include "../core/sriovnic-core.h"

#define TYPE_SRIOVNIC "sriovnic"
#define TYPE_SRIOVNIC_VF "sriovnic-vf"
#define TYPE_SRIOVNIC_SYNTH "sriovnic-synth"
#define TYPE_SRIOVNIC_CARD "sriovnic-card"
#define TYPE_SRIOVNIC_ASSIGNED_VF "sriovnic-assigned-vf"

OBJECT_DECLARE_SIMPLE_TYPE(SriovnicPfState, SRIOVNIC)
OBJECT_DECLARE_SIMPLE_TYPE(SriovnicVfState, SRIOVNIC_VF)
OBJECT_DECLARE_SIMPLE_TYPE(SriovnicSynthState, SRIOVNIC_SYNTH)
OBJECT_DECLARE_SIMPLE_TYPE(SriovnicCardState, SRIOVNIC_CARD)
OBJECT_DECLARE_SIMPLE_TYPE(SriovnicAssignedVfState, SRIOVNIC_ASSIGNED_VF)

/* Config space layout (PF and VF). */
#define SRIOVNIC_CAP_PM      0x40
#define SRIOVNIC_CAP_MSIX    0x50
#define SRIOVNIC_CAP_EXP     0x60
#define SRIOVNIC_EXTCAP_ARI   0x100
#define SRIOVNIC_EXTCAP_SRIOV 0x140

/*
 * What a guest-owned PF and a host-owned card share: the core, the uplink
 * NIC, the core's timer, and which PCI function stands behind each of the
 * core's function numbers (for DMA, MSI-X and VF serials). The platform ops
 * (sriovnic-card-platform.c) take this as their opaque pointer.
 */
typedef struct SriovnicCard {
    DeviceState *owner;       /* the sriovnic PF or the sriovnic-card */
    PCIDevice *pf;            /* the guest-owned PF; NULL for a host-owned card */
    NICConf conf;             /* `netdev`, `mac`: the uplink */
    NICState *nic;
    uint16_t total_vfs;       /* `vfs` */
    SriovnicCore *core;
    QEMUTimer *timer;         /* the core's one timer (VF rate limits) */
    /* Host-owned: standalone_vfs[vf] is the sriovnic-assigned-vf plugged for it. */
    PCIDevice **standalone_vfs;
    /*
     * The sriovnic-synth devices attached to this card: synth_devs[i] is the
     * PCI function behind core function sriovnic_fn_of_channel(total_vfs, i).
     */
    PCIDevice **synth_devs;
    uint16_t num_synth;
} SriovnicCard;

struct SriovnicPfState {
    PCIDevice parent_obj;

    MemoryRegion mmio;
    MemoryRegion msix;
    SriovnicCard card;

    uint8_t queue_pairs;
    uint8_t vf_queue_pairs;
    uint16_t vendor_id;
    uint16_t device_id;
    uint16_t vf_device_id;

    SriovnicFnRegs *regs; /* the PF's, owned by core, migrated */
    SriovnicPfAdminRegs *pf_admin; /* owned by core, migrated */
};

/* -device sriovnic-card: a card the host owns; the guest sees only its VFs. */
struct SriovnicCardState {
    DeviceState parent_obj;

    SriovnicCard card;
    uint8_t vf_queue_pairs;
    uint16_t vendor_id;
    SriovnicFnRegs *pf_regs;       /* the card's own function, owned by core, migrated */
    SriovnicPfAdminRegs *pf_admin; /* owned by core, migrated */
    SriovnicVfAdminRegs *vf_admin; /* every VF's, total_vfs of them, owned by core */
    SriovnicVfHostRegs *vf_host;   /* the host PF agent's, per VF, owned by core */
    uint16_t plugged_vfs;          /* sriovnic-assigned-vf devices using the card */
    Error *unplug_blocker;         /* while plugged_vfs > 0 */
};

struct SriovnicVfState {
    PCIDevice parent_obj;

    MemoryRegion mmio;
    MemoryRegion msix;

    uint16_t fn;
    SriovnicCore *core;   /* the PF's */
    SriovnicFnRegs *regs; /* this VF's, owned by core, migrated */
    SriovnicVfAdminRegs *admin;   /* the PF's settings for it, owned by core, migrated */
    SriovnicMailboxRegs *mailbox; /* owned by core, migrated */
};

/* -device sriovnic-assigned-vf: one VF of a sriovnic-card in a slot of its own. */
struct SriovnicAssignedVfState {
    SriovnicVfState parent_obj;

    char *card_id;             /* `card` */
    uint32_t vf;               /* `vf` */
    MACAddr mac;               /* `mac`: all zero when not given */
    SriovnicCardState *card;
    QEMUBH *ready_bh;          /* hot-plugged: tells the core once device_add is over */
};

struct SriovnicSynthState {
    PCIDevice parent_obj;

    MemoryRegion mmio;
    MemoryRegion msix;

    /* properties */
    char *pf_id;              /* a guest-owned PF's channel */
    char *card_id;            /* a host-owned card's channel (exclusive with pf_id) */
    char *vf_bus;             /* with card_id: where the paired VF is hot-plugged */
    uint32_t paired_vf;
    MACAddr mac;
    uint32_t revoke_timeout_ms;
    uint32_t max_mtu;
    bool sriov_allowed;
    bool router_guard;        /* port policies: the host's, not migrated */
    bool dhcp_guard;
    bool offer_csum;
    bool offer_tso;
    bool offer_datapath;
    char *on_migration;       /* "revoke" (default) or "keep" */

    SriovnicCard *card;       /* the PF's or the sriovnic-card's */
    DeviceState *card_owner;  /* the sriovnic PF or sriovnic-card device */
    uint16_t fn;              /* from sriovnic_core_synth_attach() */
    SriovnicCore *core;       /* the PF's */
    SriovnicSynthRegs *regs;  /* owned by core, migrated */
    Error *pf_unplug_blocker; /* the card's core must outlive the channel */
    QEMUBH *hotplug_bh;       /* card=: performs the core's hotplug operations */

    NotifierWithReturn migration_notifier;
    VMChangeStateEntry *vm_state;
    /*
     * The core holds the outgoing migration (sriovnic_core_synth_holds_
     * migration). Written under the BQL, read by the migration thread
     * without it (dev_unplug_pending): an atomic copy, never the core.
     */
    bool unplug_pending;
    int64_t hold_start_ns;    /* QEMU_CLOCK_REALTIME, for the trace */
};

/* sriovnic-card-platform.c: the core's platform, the uplink and the timer. */
/*
 * Creates the card's core (owned by `owner`; `pf` is the guest-owned PF or
 * NULL) and its timer. The uplink follows with sriovnic_card_connect_uplink.
 */
bool sriovnic_card_init(SriovnicCard *c, DeviceState *owner, PCIDevice *pf,
                        SriovnicCoreConfig *cfg, Error **errp);
/* The uplink NIC on `netdev`, its link state told to the core. */
void sriovnic_card_connect_uplink(SriovnicCard *c);
/* Undoes both (the uplink only if connected). */
void sriovnic_card_cleanup(SriovnicCard *c);
/* Makes core function `fn` (a synthetic channel) DMA and signal MSI-X as `dev`. */
void sriovnic_card_set_synth(SriovnicCard *c, uint16_t fn, PCIDevice *dev);
/* Makes VF `vf` of a host-owned card DMA and signal MSI-X as `dev` (NULL: none). */
void sriovnic_card_set_standalone_vf(SriovnicCard *c, uint16_t vf, PCIDevice *dev);
/* The PCI function of VF `vf` now, NULL if there is none. */
PCIDevice *sriovnic_card_vf_device(SriovnicCard *c, uint16_t vf);
/* The card of a sriovnic PF or sriovnic-card object; NULL for anything else. */
SriovnicCard *sriovnic_card_of(Object *obj);

/* sriovnic-vf.c: what both kinds of VF device share. */
/*
 * Registers, MSI-X and PCIe capabilities of core function `fn` of `core`.
 * A VF of a guest-owned PF registers its BARs through pcie_sriov; a
 * standalone VF (`standalone`) as an ordinary function's.
 */
bool sriovnic_vf_init_function(SriovnicVfState *s, SriovnicCore *core, uint16_t fn,
                               bool standalone, Error **errp);
void sriovnic_vf_exit(PCIDevice *dev);

/* sriovnic-pf-sriov.c: the PF's config space writes and VF Enable. */
void sriovnic_pf_write_config(PCIDevice *dev, uint32_t addr, uint32_t val, int len);
/* Tells the core how many VFs the SR-IOV capability enables now. */
void sriovnic_sync_active_vfs(SriovnicPfState *s);
/* Refuses a PF `pf` with VFs on a conventional PCI bus (docs: "Where the card can go"). */
bool sriovnic_pf_check_bus(PCIDevice *pf, uint16_t total_vfs, Error **errp);
/* Adds to `errp` which routing IDs the VFs need at the PF's place, and the fix. */
void sriovnic_pf_hint_routing_ids(PCIDevice *pf, uint16_t total_vfs, Error **errp);

/* sriovnic-synth-migration.c */
extern const VMStateDescription vmstate_sriovnic_synth;
/* After realize / at exit: the migration notifier and run-state handler. */
void sriovnic_synth_migration_init(SriovnicSynthState *s);
void sriovnic_synth_migration_exit(SriovnicSynthState *s);
/* The channel's data path changed (its hold of a migration may have). */
void sriovnic_synth_migration_datapath_changed(SriovnicSynthState *s,
                                               const SriovnicSynthTransition *t);

/* Called after anything that may start or end the core's hold of a migration. */
void sriovnic_synth_migration_update_hold(SriovnicSynthState *s, const char *how);

/* sriovnic-synth-hotplug.c: a host-owned card's channel plugs its VF. */
void sriovnic_synth_hotplug_init(SriovnicSynthState *s);
void sriovnic_synth_hotplug_exit(SriovnicSynthState *s);
/*
 * Performs the hotplug operations the core wants now; false (with `errp`
 * set) if a plug failed, as the core was told.
 */
bool sriovnic_synth_hotplug_run(SriovnicSynthState *s, Error **errp);
/* A sriovnic-card by its id, for property `prop` of a `user` device. */
SriovnicCardState *sriovnic_card_find(const char *prop, const char *id, const char *user,
                                      Error **errp);

/* sriovnic-qmp-events.c: SRIOVNIC_DATAPATH_CHANGED for channel `dev`'s transition. */
void sriovnic_qmp_datapath_changed(DeviceState *dev, const SriovnicSynthTransition *t);

/* sriovnic-vmstate.c */
extern const VMStateDescription vmstate_sriovnic_fn_regs;
extern const VMStateDescription vmstate_sriovnic_vf_admin_port;
extern const VMStateDescription vmstate_sriovnic_mailbox;
extern const VMStateDescription vmstate_sriovnic_mailbox_contract;
extern const VMStateDescription vmstate_sriovnic_vf_admin_vlans;
extern const VMStateDescription vmstate_sriovnic_vf_admin_mc_owner;
extern const VMStateDescription vmstate_sriovnic_vf_host_agent;
extern const VMStateDescription vmstate_sriovnic_pf_admin;
extern const VMStateDescription vmstate_sriovnic_vf_admin;
extern const VMStateDescription vmstate_sriovnic_fn_counters2;
extern const VMStateDescription vmstate_sriovnic_synth_regs;
extern const VMStateDescription vmstate_sriovnic_synth_revoke_regs;
extern const VMStateDescription vmstate_sriovnic_synth_guard_regs;
bool sriovnic_counters2_needed(const SriovnicFnRegs *regs);
bool sriovnic_mailbox_contract_needed(const SriovnicMailboxRegs *m);

/* Stream bytes of interface 1.4 fields a section carries but does not use. */
/* (The mailbox as of 1.4: status and one message each way; later fields are in subsections.) */
#define SRIOVNIC_VMSTATE_VF_PORT_BYTES \
    (sizeof(uint32_t) * 6 + sizeof(uint32_t) * (1 + 2 * SRIOVNIC_MBX_WORDS) + \
     sizeof(uint32_t) * SRIOVNIC_VLAN_WORDS)
#define SRIOVNIC_VMSTATE_VF_SELECT_BYTES sizeof(uint32_t)
#define SRIOVNIC_VMSTATE_MC_OWNER_BYTES sizeof(uint32_t)

/* One of the core's structs, described by `vmsd`, under a name of its own. */
#define SRIOVNIC_VMSTATE_PART(_name, _state, _field, _vmsd, _type) {     \
    .name = (_name),                                                     \
    .version_id = 0,                                                     \
    .vmsd = &(_vmsd),                                                    \
    .size = sizeof(_type *),                                             \
    .flags = VMS_STRUCT | VMS_POINTER,                                   \
    .offset = vmstate_offset_pointer(_state, _field, _type),             \
}

#endif /* HW_NET_SRIOVNIC_H */
