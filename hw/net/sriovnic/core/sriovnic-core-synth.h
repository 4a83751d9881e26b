/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Synthetic channels: their configuration, events, snapshots, the
 * host's operations and live migration.
 * Part of the C interface between the core and the glue: include
 * "sriovnic-core.h", which includes it inside its extern "C" block.
 */
#ifndef SRIOVNIC_CORE_SYNTH_H
#define SRIOVNIC_CORE_SYNTH_H

#ifndef SRIOVNIC_CORE_H
#error "include sriovnic-core.h"
#endif

/* ---- Synthetic channel (docs/synthetic-channel.md) ---- */

/* Why a synthetic channel's data path changed state. */
typedef enum SriovnicSynthCause {
    SRIOVNIC_SYNTH_CAUSE_OFFER = 0,        /* the host offered the paired VF */
    SRIOVNIC_SYNTH_CAUSE_SWITCH_TO_VF,     /* the guest switched to the VF */
    SRIOVNIC_SYNTH_CAUSE_SWITCH_TO_SYNTH,  /* the guest switched back (the offer stands) */
    SRIOVNIC_SYNTH_CAUSE_REVOKE_REQUEST,   /* the host asked the guest to leave the VF */
    SRIOVNIC_SYNTH_CAUSE_REVOKE_DONE,      /* the guest left the VF during a request revoke */
    SRIOVNIC_SYNTH_CAUSE_REVOKE_TIMEOUT,   /* the guest did not leave in time */
    SRIOVNIC_SYNTH_CAUSE_REVOKE_SURPRISE,  /* revoked without waiting (reason says why) */
    SRIOVNIC_SYNTH_CAUSE_RESET,            /* the synthetic function was reset */
} SriovnicSynthCause;

/* One change of a synthetic channel's data path, as the core made it. */
typedef struct SriovnicSynthTransition {
    uint16_t fn;                /* the channel's function number */
    uint16_t vf;                /* its paired VF */
    uint8_t old_state;          /* enum sriovnic_synth_dp_state */
    uint8_t new_state;
    uint8_t cause;              /* SriovnicSynthCause */
    uint8_t revoke_reason;      /* enum sriovnic_synth_revoke_reason for the REVOKE_*
                                 * causes, else 0 */
    bool has_previous;          /* false for the channel's first change */
    uint64_t since_previous_ns; /* now_ns() since the previous change, if any */
} SriovnicSynthTransition;

/*
 * A channel's own event sink, given when it attaches: called (inside the
 * card's work) for every change of its data path.
 */
typedef void (*SriovnicSynthDatapathChanged)(void *opaque, const SriovnicSynthTransition *t);

/* One split-ring queue's registers, as migrated. */
typedef struct SriovnicSynthQueueRegs {
    uint32_t desc_lo;
    uint32_t desc_hi;
    uint32_t avail_lo;
    uint32_t avail_hi;
    uint32_t used_lo;
    uint32_t used_hi;
    uint32_t size;
    uint32_t enable;    /* SRIOVNIC_SYNTH_QENABLE */
    uint32_t avail_pos; /* 16 bits, free-running */
    uint32_t used_pos;  /* 16 bits, free-running */
} SriovnicSynthQueueRegs;

#define SRIOVNIC_SYNTH_MAX_WAITING_EVENTS 5u /* one of each event type */

/*
 * The migrated state of a synthetic function: its registers, negotiated
 * features, rings, waiting events and data path. Host values (MAC, offered
 * features, MAX_MTU, recommended offloads, policy, revoke timeout) are the
 * host's configuration, not in here. sriovnic_core_post_load() refuses state
 * the device could never have migrated (a data path other than SYNTHETIC:
 * migration waits for it).
 */
typedef struct SriovnicSynthRegs {
    uint32_t ctrl;
    uint32_t status;
    uint32_t scratch;
    uint32_t int_cause;
    uint32_t int_enable;
    uint32_t misc_vector;
    uint32_t err_cause;
    uint32_t err_count;
    uint32_t err_addr;
    uint32_t mtu;
    uint32_t rx_mode;
    uint32_t mc_hash_lo;
    uint32_t mc_hash_hi;
    uint32_t drv_features;
    uint32_t features_ok;  /* 0 or 1 */
    uint32_t data_irq;     /* SRIOVNIC_QIRQ_MASKED | SRIOVNIC_QIRQ_PENDING */
    uint32_t event_seq;    /* seq of the last event written */
    uint32_t num_events;   /* waiting events, oldest first */
    uint8_t events[SRIOVNIC_SYNTH_MAX_WAITING_EVENTS][SRIOVNIC_SYNTH_MSG_MAX]; /* seq left 0 */
    uint32_t dp_state;     /* enum sriovnic_synth_dp_state */
    uint32_t dp_vf;        /* the standing offer, when not SYNTHETIC */
    uint32_t dp_serial;
    uint64_t stats[SRIOVNIC_NUM_STATS];
    uint64_t synth_stats[SRIOVNIC_SYNTH_NUM_STATS];
    SriovnicSynthQueueRegs queues[SRIOVNIC_SYNTH_NUM_QUEUES];
    /*
     * A revoke in flight (dp_state REVOKING), for the stream only (a
     * subsection): sriovnic_core_synth_pre_save() fills them in, 0 otherwise;
     * sriovnic_core_post_load() takes them and sets them back to 0.
     */
    uint32_t revoke_reason;  /* enum sriovnic_synth_revoke_reason */
    uint32_t revoke_left_ms; /* of its timeout, at least 1 */
    /* Frames from the guest a port policy dropped (a subsection while
     * nonzero); cleared by reset like the counters above. */
    uint64_t guard_drops;
} SriovnicSynthRegs;

/*
 * Port policies of a channel (the host's, not migrated): guards only the
 * synthetic path applies to what the guest sends. The VF cannot enforce
 * them, so while any is set the VF is not offered (and is revoked, reason
 * policy, if it was).
 */
#define SRIOVNIC_SYNTH_POLICY_ROUTER_GUARD (1u << 0) /* router advertisements, redirects */
#define SRIOVNIC_SYNTH_POLICY_DHCP_GUARD   (1u << 1) /* DHCP and DHCPv6 server messages */
#define SRIOVNIC_SYNTH_POLICY_ALL          0x3u

/* What a live migration does with a channel's VF (the `on-migration` property). */
typedef enum SriovnicSynthOnMigration {
    /* Revoke the VF (reason MIGRATION) at migration setup and hold the
     * migration until the guest has left it or the revoke timed out; the
     * destination offers its own VF once the VM runs, if its policy allows. */
    SRIOVNIC_SYNTH_ON_MIGRATION_REVOKE = 0,
    /* Keep the VF: the data path (offer, switch, a revoke in flight)
     * migrates as it is. */
    SRIOVNIC_SYNTH_ON_MIGRATION_KEEP,
    SRIOVNIC_SYNTH_ON_MIGRATION_COUNT
} SriovnicSynthOnMigration;

/* Where a channel is in a live migration (SriovnicSynthInfo::migration). */
typedef enum SriovnicSynthMigrationPhase {
    SRIOVNIC_SYNTH_MIGRATION_NONE = 0,
    /* The source, from migration setup to its end: the VF was revoked for
     * the migration and nothing is offered until it ends. */
    SRIOVNIC_SYNTH_MIGRATION_OUTGOING,
    /* A destination (or a source whose migration completed) that has not
     * run since: it offers when the VM runs. */
    SRIOVNIC_SYNTH_MIGRATION_UNTIL_RUN,
    /* The VM runs again after its migration: the VF is offered at the
     * guest's first transmit on the channel, or after
     * SRIOVNIC_SYNTH_RESUME_OFFER_WAIT_MS without one. */
    SRIOVNIC_SYNTH_MIGRATION_RESUMING,
} SriovnicSynthMigrationPhase;

/* The sriovnic-synth properties' defaults and limits. */
#define SRIOVNIC_SYNTH_VF_UNSET               UINT32_MAX /* `vf` not given */
#define SRIOVNIC_SYNTH_REVOKE_TIMEOUT_DEFAULT_MS 1000
#define SRIOVNIC_SYNTH_REVOKE_TIMEOUT_MAX_MS  600000 /* also sriovnic-revoke's timeout-ms */
#define SRIOVNIC_SYNTH_MAX_MTU_DEFAULT        1500

/*
 * The host's configuration of a synthetic channel (device properties, at
 * their own width: sriovnic_core_synth_attach() checks every value).
 */
typedef struct SriovnicSynthConfig {
    uint32_t paired_vf;         /* the card's VF index this channel pairs with,
                                 * SRIOVNIC_SYNTH_VF_UNSET if not given */
    uint8_t mac[6];             /* authoritative: programmed into the paired VF */
    uint32_t features;          /* DEV_FEATURES: SRIOVNIC_SYNTH_F_* offered (TSO needs CSUM) */
    uint32_t revoke_timeout_ms; /* for request revokes, 1..SRIOVNIC_SYNTH_REVOKE_TIMEOUT_MAX_MS */
    uint32_t max_mtu;           /* SRIOVNIC_SYNTH_MAX_MTU_MIN..SRIOVNIC_MTU_MAX */
    uint32_t offloads;          /* recommended, subset of SRIOVNIC_SYNTH_F_OFFLOADS */
    bool sriov_allowed;         /* host policy */
    uint8_t on_migration;       /* SriovnicSynthOnMigration */
    uint32_t port_policies;     /* SRIOVNIC_SYNTH_POLICY_* */
    /* The card is host-owned and the paired VF enters the guest by hotplug:
     * an offer plugs it first, a revoke unplugs it after (the channel asks
     * its glue through sriovnic_core_synth_set_hotplug_handler()). */
    bool vf_hotplug;
} SriovnicSynthConfig;

/* Where a hot-plug-paired channel's VF is (SriovnicSynthInfo::vf_slot). */
typedef enum SriovnicSynthVfSlot {
    SRIOVNIC_SYNTH_SLOT_UNPLUGGED = 0,
    SRIOVNIC_SYNTH_SLOT_PLUGGING,   /* its device is being created */
    SRIOVNIC_SYNTH_SLOT_PLUGGED,
    SRIOVNIC_SYNTH_SLOT_UNPLUGGING, /* asked to leave, or being removed */
} SriovnicSynthVfSlot;

/* A hotplug operation a channel asks its glue to perform. */
typedef enum SriovnicSynthHotplugOp {
    SRIOVNIC_SYNTH_HOTPLUG_NONE = 0,
    /* Create the VF's sriovnic-assigned-vf in its slot (vf-bus). */
    SRIOVNIC_SYNTH_HOTPLUG_PLUG,
    /* Ask the guest to release it, as device_del does (the slot's
     * hotplug handler's request). */
    SRIOVNIC_SYNTH_HOTPLUG_UNPLUG_REQUEST,
    /* Remove it now, without the guest (the direct unplug path): an unplug
     * request the guest did not answer within the bound. */
    SRIOVNIC_SYNTH_HOTPLUG_UNPLUG_SURPRISE,
} SriovnicSynthHotplugOp;

/* How the VF's last unplug ended (SriovnicSynthInfo::last_unplug). */
typedef enum SriovnicSynthUnplugHow {
    SRIOVNIC_SYNTH_UNPLUG_NONE = 0,
    SRIOVNIC_SYNTH_UNPLUG_ACKNOWLEDGED, /* the guest released it */
    SRIOVNIC_SYNTH_UNPLUG_FORCED,       /* it did not within the revoke timeout: removed */
    SRIOVNIC_SYNTH_UNPLUG_BY_OTHERS,    /* device_del or the guest, not the channel */
} SriovnicSynthUnplugHow;

#define SRIOVNIC_SYNTH_HOTPLUG_ERROR_LEN 160

/* A snapshot of a synthetic channel for management (query commands). */
typedef struct SriovnicSynthInfo {
    uint8_t state;              /* enum sriovnic_synth_dp_state */
    bool vf_present;            /* the paired VF exists (VF Enable covers it) */
    bool vf_up;                 /* the paired VF can receive */
    bool rx_via_vf;             /* receive traffic goes to the VF now */
    bool sriov_allowed;
    bool features_ok;
    uint16_t paired_vf;
    uint32_t offer_serial;      /* valid unless state is SYNTHETIC */
    uint32_t drv_features;
    uint16_t max_mtu;
    uint32_t offloads;
    uint8_t last_revoke_reason; /* 0 if none yet */
    bool last_revoke_timed_out;
    uint64_t last_switch_ns;    /* now_ns() of the last state change, 0 if none */
    uint64_t stats[SRIOVNIC_NUM_STATS];
    uint64_t synth_stats[SRIOVNIC_SYNTH_NUM_STATS];
    uint32_t dev_features;      /* what the host offers (DEV_FEATURES) */
    bool last_revoke_surprise;  /* the last revoke did not wait for the guest */
    bool has_switched;          /* last_switch_ns is valid (now_ns() may be 0) */
    uint8_t on_migration;       /* SriovnicSynthOnMigration */
    uint8_t migration;          /* SriovnicSynthMigrationPhase */
    uint32_t port_policies;     /* SRIOVNIC_SYNTH_POLICY_* in effect */
    uint64_t guard_drops;       /* guest frames a port policy dropped */
    /* A hot-plug-paired channel's slot (all 0 for any other channel). */
    bool vf_hotplug;
    uint8_t vf_slot;            /* SriovnicSynthVfSlot */
    uint8_t last_unplug;        /* SriovnicSynthUnplugHow */
    uint64_t plugs;             /* the VF's device appeared */
    uint64_t unplugs;           /* ... and went */
    uint64_t forced_unplugs;    /* unplug requests the guest did not answer in time */
    uint64_t unplug_retries;    /* unplug requests the platform refused (slot busy) */
    char last_hotplug_error[SRIOVNIC_SYNTH_HOTPLUG_ERROR_LEN]; /* "" if none */
} SriovnicSynthInfo;

/*
 * Why a synthetic channel's traffic is not on its paired VF, in the manner of
 * Hyper-V's IovSupportReasons. The core decides which apply and words them.
 */
typedef enum SriovnicSynthWhy {
    SRIOVNIC_SYNTH_WHY_POLICY = 0,        /* host policy does not allow SR-IOV */
    SRIOVNIC_SYNTH_WHY_HOST_NO_DATAPATH,  /* the host does not offer F_DATAPATH */
    SRIOVNIC_SYNTH_WHY_DRIVER_NOT_READY,  /* no features negotiated yet */
    SRIOVNIC_SYNTH_WHY_NO_DATAPATH,       /* the guest did not negotiate F_DATAPATH */
    SRIOVNIC_SYNTH_WHY_VF_NOT_ENABLED,    /* VF Enable / NumVFs does not cover the VF */
    SRIOVNIC_SYNTH_WHY_VF_DOWN,           /* the VF exists but cannot receive */
    SRIOVNIC_SYNTH_WHY_NOT_OFFERED,       /* no offer stands, for no reason above */
    SRIOVNIC_SYNTH_WHY_REVOKED,           /* the last offer was revoked */
    SRIOVNIC_SYNTH_WHY_NOT_SWITCHED,      /* offered, the guest stays on the synthetic path */
    SRIOVNIC_SYNTH_WHY_REVOKING,          /* a revoke is in progress */
    SRIOVNIC_SYNTH_WHY_MIGRATING,         /* a live migration holds the VF back */
    SRIOVNIC_SYNTH_WHY_PORT_POLICY,       /* a port policy only the synthetic path enforces */
    SRIOVNIC_SYNTH_WHY_COUNT
} SriovnicSynthWhy;

#define SRIOVNIC_SYNTH_WHY_TEXT 160
typedef struct SriovnicSynthReasons {
    unsigned count;             /* 0: the paired VF carries the channel's traffic */
    struct {
        uint8_t code;           /* SriovnicSynthWhy */
        char text[SRIOVNIC_SYNTH_WHY_TEXT]; /* plain words */
    } reason[SRIOVNIC_SYNTH_WHY_COUNT];
} SriovnicSynthReasons;

/*
 * The reasons the paired VF of channel `fn` is not carrying its traffic now
 * (none while the data path is VF and the VF receives). False if `fn` is not
 * a synthetic channel.
 */
bool sriovnic_core_synth_reasons(SriovnicCore *core, uint16_t fn, SriovnicSynthReasons *out);

/*
 * Attaches a synthetic channel to the card, as a new port of its switch
 * paired with VF `cfg->paired_vf`. Call after sriovnic_core_new() and before
 * traffic. `datapath_changed` (may be NULL) is the channel's own event sink,
 * called with `opaque`. Returns the channel's function number (after the
 * VFs; use it for register accesses, resets, post_load and the calls below),
 * or 0 with a message naming the bad setting in `err`.
 */
uint16_t sriovnic_core_synth_attach(SriovnicCore *core, const SriovnicSynthConfig *cfg,
                                    SriovnicSynthDatapathChanged datapath_changed, void *opaque,
                                    char *err, size_t err_len);

/*
 * The channel's device is going away (a failed realize, unrealize): its
 * event sink is not called again. The channel itself stays with the card.
 */
void sriovnic_core_synth_detach_sink(SriovnicCore *core, uint16_t fn);

/* A host's revoke (sriovnic-revoke), its arguments at management's width. */
typedef struct SriovnicSynthRevoke {
    uint32_t reason;            /* enum sriovnic_synth_revoke_reason */
    bool surprise;              /* do not wait for the guest */
    bool has_timeout_ms;        /* else the channel's revoke-timeout */
    uint32_t timeout_ms;        /* 1..SRIOVNIC_SYNTH_REVOKE_TIMEOUT_MAX_MS, not with surprise */
} SriovnicSynthRevoke;

/*
 * A change of a channel's host policy (sriovnic-set-policy): the fields whose
 * has_ flag is set. One transaction: every value is checked before any
 * applies, and the core applies them in the order that offers nothing only
 * to revoke it.
 */
typedef struct SriovnicSynthPolicy {
    bool has_sriov_allowed;
    bool sriov_allowed;
    bool has_max_mtu;
    uint32_t max_mtu;           /* SRIOVNIC_SYNTH_MAX_MTU_MIN..SRIOVNIC_MTU_MAX */
    bool has_offloads;
    uint32_t offloads;          /* subset of SRIOVNIC_SYNTH_F_OFFLOADS */
    bool has_port_policies;
    uint32_t port_policies;     /* SRIOVNIC_SYNTH_POLICY_* (those left out are cleared) */
} SriovnicSynthPolicy;

/*
 * Hotplug of a hot-plug-paired channel's VF (docs/synthetic-channel.md,
 * "Offer and revoke by hotplug"). `wanted` is called (inside the card's
 * work: defer the operation, e.g. to a bottom half) when an operation waits;
 * the glue then takes it with sriovnic_core_synth_take_hotplug_op(),
 * performs it and reports a failure with sriovnic_core_synth_hotplug_failed().
 * Success is the VF's device appearing (sriovnic_core_standalone_vf_ready)
 * or going (sriovnic_core_unplug_standalone_vf).
 */
typedef void (*SriovnicSynthHotplugWanted)(void *opaque);
void sriovnic_core_synth_set_hotplug_handler(SriovnicCore *core, uint16_t fn,
                                             SriovnicSynthHotplugWanted wanted, void *opaque);
SriovnicSynthHotplugOp sriovnic_core_synth_take_hotplug_op(SriovnicCore *core, uint16_t fn);
void sriovnic_core_synth_hotplug_failed(SriovnicCore *core, uint16_t fn, SriovnicSynthHotplugOp op,
                                        const char *why);

/* Host operations; false with the reason in `err` if refused. */
bool sriovnic_core_synth_offer(SriovnicCore *core, uint16_t fn, char *err, size_t err_len);
bool sriovnic_core_synth_revoke(SriovnicCore *core, uint16_t fn, const SriovnicSynthRevoke *req,
                                char *err, size_t err_len);
bool sriovnic_core_synth_set_policy(SriovnicCore *core, uint16_t fn,
                                    const SriovnicSynthPolicy *policy, char *err, size_t err_len);
bool sriovnic_core_synth_query(SriovnicCore *core, uint16_t fn, SriovnicSynthInfo *info);
/* The migrated state; NULL if `fn` is not a synthetic channel. */
SriovnicSynthRegs *sriovnic_core_synth_regs(SriovnicCore *core, uint16_t fn);

/*
 * Live migration of channel `fn` (docs/synthetic-channel.md, "Migration").
 * The glue calls these from its migration notifier and VM run-state
 * handler; the channel decides what they do by its on-migration setting and
 * its policy. migration_end returns true if it offered the VF;
 * vm_running says below what its bool means.
 */
/* A migration of this VM starts (MIG_EVENT_PRECOPY_SETUP). `vm_running`:
 * the guest can answer a revoke now (else the revoke is a surprise). */
void sriovnic_core_synth_migration_begin(SriovnicCore *core, uint16_t fn, bool vm_running);
/* It ended: `completed` (MIG_EVENT_PRECOPY_DONE), or failed or cancelled
 * (the VF is offered again if the policy allows). */
bool sriovnic_core_synth_migration_end(SriovnicCore *core, uint16_t fn, bool completed);
/* While true the channel holds the migration: it revoked its VF for it and
 * waits for the guest's switch or the timeout. */
bool sriovnic_core_synth_holds_migration(SriovnicCore *core, uint16_t fn);
/* This VM waits for an incoming migration: no offer until it runs. */
void sriovnic_core_synth_incoming(SriovnicCore *core, uint16_t fn);
/* The VM started (`running`) or stopped running. A VM that stops while the
 * channel holds a migration ends the revoke as a surprise (a stopped guest
 * cannot answer); one that runs after a migration gets its offer at its
 * first transmit on the channel, or SRIOVNIC_SYNTH_RESUME_OFFER_WAIT_MS later
 * at the latest: true when such an offer became due. */
bool sriovnic_core_synth_vm_running(SriovnicCore *core, uint16_t fn, bool running);
/* Before the channel's state is saved: fills in the stream-only fields. */
void sriovnic_core_synth_pre_save(SriovnicCore *core, uint16_t fn);

#endif /* SRIOVNIC_CORE_SYNTH_H */
