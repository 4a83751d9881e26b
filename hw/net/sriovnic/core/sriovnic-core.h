/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The C interface between sriovnic's C++ core and QEMU's C glue.
 *
 * QEMU's headers do not compile as C++ and the core includes none of them;
 * everything the glue needs from the core goes through these functions. The
 * core never calls QEMU directly: it calls back through SriovnicPlatformOps.
 */
#ifndef SRIOVNIC_CORE_H
#define SRIOVNIC_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sriovnic-ids.h"
#include "sriovnic/mailbox.h"
#include "sriovnic/regs.h"
#include "sriovnic/synth.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct SriovnicCore SriovnicCore;

/* Functions are numbered as sriovnic-ids.h says: 0 is the PF, then the VFs,
 * then the synthetic channels. */

typedef struct SriovnicCoreConfig {
    uint16_t total_vfs;       /* `vfs` property */
    uint16_t max_vfs;         /* routing IDs left on the PF's bus */
    uint8_t pf_queue_pairs;   /* `queues` property */
    uint8_t vf_queue_pairs;   /* `vf-queues` property */
    uint8_t mac[6];           /* `mac` property */
} SriovnicCoreConfig;

typedef struct SriovnicSynthTransition SriovnicSynthTransition; /* below */

typedef struct SriovnicPlatformOps {
    /* Send MSI-X message `vector` of function `fn` (if that function has MSI-X on). */
    void (*raise_msix)(void *opaque, uint16_t fn, uint16_t vector);
    /* Drive the PF's INTx line (used by the glue only while MSI-X is off). */
    void (*set_intx)(void *opaque, bool asserted);
    /*
     * DMA as function `fn` (its own requester ID). Return false if any byte
     * could not be accessed (outside guest memory, bus mastering off).
     */
    bool (*dma_read)(void *opaque, uint16_t fn, uint64_t addr, void *buf, size_t len);
    bool (*dma_write)(void *opaque, uint16_t fn, uint64_t addr, const void *buf, size_t len);
    /* Transmit a frame on the uplink (the -netdev backend). */
    void (*send_uplink)(void *opaque, const uint8_t *frame, size_t len);
    /* Receive buffers were posted: frames the backend holds may be retried. */
    void (*uplink_ready)(void *opaque);
    /* The device clock (stops while the VM is stopped), in nanoseconds. */
    uint64_t (*now_ns)(void *opaque);
    /* Call sriovnic_core_timer() at `deadline_ns` (replaces any earlier request). */
    void (*arm_timer)(void *opaque, uint64_t deadline_ns);
    /*
     * State changes worth a trace event; each may be NULL. `offset` is a
     * register offset, or SRIOVNIC_TRACE_NO_OFFSET.
     */
    void (*trace_error)(void *opaque, uint16_t fn, uint32_t err_bits, uint32_t offset);
    void (*trace_function_enable)(void *opaque, uint16_t fn, bool enabled);
    void (*trace_queue)(void *opaque, uint16_t fn, unsigned q, bool tx, bool enabled);
    void (*trace_link)(void *opaque, uint16_t fn, bool up);
    /* The PF changed a setting of VF `vf` (a register offset of the PF's BAR). */
    void (*trace_vf_setting)(void *opaque, uint16_t vf, uint32_t offset, uint32_t value);
    /* A mailbox message was sent (to the PF or to the VF), word 0 given. */
    void (*trace_mailbox)(void *opaque, uint16_t vf, bool to_pf, uint32_t word0);
    /*
     * A synthetic channel's data path changed state (enum sriovnic_synth_dp_state),
     * for `cause` (enum SriovnicSynthCause). May be NULL.
     */
    void (*trace_synth_datapath)(void *opaque, uint16_t fn, unsigned old_state,
                                 unsigned new_state, unsigned cause);
    /*
     * The PCI address of VF `vf` as the guest sees it now, as
     * SRIOVNIC_SYNTH_SERIAL(segment, bus, devfn), for VF offers. May be NULL:
     * then segment 0, bus 0, devfn = the VF's routing ID
     * (sriovnic_vf_routing_id() for a PF at devfn 0).
     */
    uint32_t (*vf_serial)(void *opaque, uint16_t vf);
    /*
     * A synthetic channel's data path changed state: the same transitions as
     * trace_synth_datapath, with what management events report. May be NULL.
     */
    void (*synth_datapath_changed)(void *opaque, const SriovnicSynthTransition *t);
    /*
     * An injected fault (SriovnicInjectedFault) began or ended on VF `vf`
     * (a one-shot DMA error ends when a DMA consumed it). May be NULL.
     */
    void (*trace_fault)(void *opaque, uint16_t vf, unsigned fault, bool active);
} SriovnicPlatformOps;

#define SRIOVNIC_TRACE_NO_OFFSET UINT32_MAX

/* The registers of one queue pair, as migrated. */
typedef struct SriovnicQueueRegs {
    uint32_t tx_base_lo;
    uint32_t tx_base_hi;
    uint32_t tx_len;
    uint32_t tx_head;
    uint32_t tx_tail;
    uint32_t tx_ctrl;
    uint32_t rx_base_lo;
    uint32_t rx_base_hi;
    uint32_t rx_len;
    uint32_t rx_head;
    uint32_t rx_tail;
    uint32_t rx_ctrl;
    uint32_t rx_buf_len;
    uint32_t irq;       /* SRIOVNIC_QIRQ_MASKED | SRIOVNIC_QIRQ_PENDING */
    uint32_t rx_nobuf;
    uint32_t itr;       /* SRIOVNIC_Q_ITR, microseconds */
} SriovnicQueueRegs;

/*
 * The register state of one function, as migrated. The glue describes it
 * field by field in VMState; after loading it must call
 * sriovnic_core_post_load(), which rejects values the hardware could never
 * have held.
 */
typedef struct SriovnicFnRegs {
    uint32_t ctrl;
    uint32_t status;
    uint32_t scratch;
    uint32_t int_cause;
    uint32_t int_enable;
    uint32_t misc_vector;
    uint32_t err_cause;
    uint32_t err_count;
    uint32_t err_addr;
    uint32_t mac_lo;
    uint32_t mac_hi;
    uint32_t mac_lo_staged; /* MAC_LO written, waiting for MAC_HI */
    uint32_t mtu;
    uint32_t rx_mode;
    uint32_t mc_hash_lo;
    uint32_t mc_hash_hi;
    uint64_t stats[SRIOVNIC_NUM_STATS]; /* 16 and up: interface 1.5, a subsection */
    SriovnicQueueRegs queues[SRIOVNIC_MAX_QUEUE_PAIRS];
} SriovnicFnRegs;

/*
 * The PF's settings for one VF's switch port (SRIOVNIC_VFA_*, the VF's VLAN
 * filter and who owns its multicast filter). They belong to the PF: they
 * survive the VF's resets and VF Enable cycles, and a PF reset clears them.
 */
typedef struct SriovnicVfAdminRegs {
    uint32_t mac_lo;
    uint32_t mac_hi;
    uint32_t mac_lo_staged;
    uint32_t vlan;
    uint32_t flags;
    uint32_t rate;
    uint32_t vlan_filter[SRIOVNIC_VLAN_WORDS]; /* bit per VID */
    uint32_t mc_hash_by_pf; /* 1 once the PF set the VF's MC_HASH; the VF may not */
} SriovnicVfAdminRegs;

/*
 * One VF's mailbox: SRIOVNIC_MBX_STATUS_* and one message each way; since
 * interface 1.6 (a subsection) also the exchange as the device saw it
 * (include/sriovnic/mailbox.h) and the SRIOVNIC_REG_MBX_BAD_* / *_REPLIES
 * counters, saturating.
 */
typedef struct SriovnicMailboxRegs {
    uint32_t status;
    uint32_t vf_msg[SRIOVNIC_MBX_WORDS];
    uint32_t pf_msg[SRIOVNIC_MBX_WORDS];
    struct sriovnic_mbx_exchange exchange;
    uint32_t bad_requests;
    uint32_t bad_replies;
    uint32_t late_replies;
    uint32_t dup_replies;
} SriovnicMailboxRegs;

/* The PF's own administration registers. */
typedef struct SriovnicPfAdminRegs {
    uint32_t vf_select; /* SRIOVNIC_REG_PF_VF_SELECT */
} SriovnicPfAdminRegs;

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
struct SriovnicSynthTransition {
    uint16_t fn;                /* the channel's function number */
    uint16_t vf;                /* its paired VF */
    uint8_t old_state;          /* enum sriovnic_synth_dp_state */
    uint8_t new_state;
    uint8_t cause;              /* SriovnicSynthCause */
    uint8_t revoke_reason;      /* enum sriovnic_synth_revoke_reason for the REVOKE_*
                                 * causes, else 0 */
    bool has_previous;          /* false for the channel's first change */
    uint64_t since_previous_ns; /* now_ns() since the previous change, if any */
};

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
} SriovnicSynthMigrationPhase;

/* The host's configuration of a synthetic channel (device properties). */
typedef struct SriovnicSynthConfig {
    uint16_t paired_vf;         /* the card's VF index this channel pairs with */
    uint8_t mac[6];             /* authoritative: programmed into the paired VF */
    uint32_t features;          /* DEV_FEATURES: SRIOVNIC_SYNTH_F_* offered */
    uint32_t revoke_timeout_ms; /* for request revokes, >= 1 */
    uint16_t max_mtu;           /* 1500..9000 */
    uint32_t offloads;          /* recommended, subset of SRIOVNIC_SYNTH_F_OFFLOADS */
    bool sriov_allowed;         /* host policy */
    uint8_t on_migration;       /* SriovnicSynthOnMigration */
    uint32_t port_policies;     /* SRIOVNIC_SYNTH_POLICY_* */
} SriovnicSynthConfig;

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

/*
 * Attaches a synthetic channel to the card, as a new port of its switch
 * paired with VF `cfg->paired_vf`. Call after sriovnic_core_new() and before
 * traffic. Returns the channel's function number (after the VFs; use it for
 * register accesses, resets, post_load and the calls below), or 0 with a
 * message naming the bad setting in `err`.
 */
uint16_t sriovnic_core_synth_attach(SriovnicCore *core, const SriovnicSynthConfig *cfg,
                                    char *err, size_t err_len);
/* Host operations; false with the reason in `err` if refused. */
bool sriovnic_core_synth_offer(SriovnicCore *core, uint16_t fn, char *err, size_t err_len);
/* reason: enum sriovnic_synth_revoke_reason. surprise: do not wait for the guest.
 * timeout_ms: 0 = the configured revoke timeout. */
bool sriovnic_core_synth_revoke(SriovnicCore *core, uint16_t fn, unsigned reason, bool surprise,
                                uint32_t timeout_ms, char *err, size_t err_len);
bool sriovnic_core_synth_set_sriov_allowed(SriovnicCore *core, uint16_t fn, bool allowed,
                                           char *err, size_t err_len);
/* policies: SRIOVNIC_SYNTH_POLICY_* (all of them: those left out are cleared). */
bool sriovnic_core_synth_set_port_policies(SriovnicCore *core, uint16_t fn, uint32_t policies,
                                           char *err, size_t err_len);
bool sriovnic_core_synth_set_max_mtu(SriovnicCore *core, uint16_t fn, uint16_t max_mtu,
                                     char *err, size_t err_len);
bool sriovnic_core_synth_set_offloads(SriovnicCore *core, uint16_t fn, uint32_t offloads,
                                      char *err, size_t err_len);
bool sriovnic_core_synth_query(SriovnicCore *core, uint16_t fn, SriovnicSynthInfo *info);
/* The migrated state; NULL if `fn` is not a synthetic channel. */
SriovnicSynthRegs *sriovnic_core_synth_regs(SriovnicCore *core, uint16_t fn);

/*
 * Live migration of channel `fn` (docs/synthetic-channel.md, "Migration").
 * The glue calls these from its migration notifier and VM run-state
 * handler; the channel decides what they do by its on-migration setting and
 * its policy. Those returning bool return true if they offered the VF.
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
 * cannot answer); one that runs after a migration gets its offer. */
bool sriovnic_core_synth_vm_running(SriovnicCore *core, uint16_t fn, bool running);
/* Before the channel's state is saved: fills in the stream-only fields. */
void sriovnic_core_synth_pre_save(SriovnicCore *core, uint16_t fn);

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

/*
 * Injects `fault` (SriovnicInjectedFault) on VF `vf`, which must be enabled.
 * duration_ms: 0 = the fault's default. False with a message naming the bad
 * argument and its allowed values in `err` if refused.
 */
bool sriovnic_core_inject_fault(SriovnicCore *core, uint16_t vf, unsigned fault,
                                uint32_t duration_ms, char *err, size_t err_len);

/* The fault's name as management spells it ("link-flap", ...); NULL if unknown. */
const char *sriovnic_core_fault_name(unsigned fault);

/* VF `vf` is surprise-removed now: its config space must read all ones. */
bool sriovnic_core_vf_removed(const SriovnicCore *core, uint16_t vf);

/*
 * Checks a configuration. Returns true if it is usable; otherwise false with
 * a message naming the offending property and its allowed range in `err`.
 */
bool sriovnic_core_check_config(const SriovnicCoreConfig *cfg,
                                char *err, size_t err_len);

/* Returns NULL (with a message in `err`) if the configuration is unusable. */
SriovnicCore *sriovnic_core_new(const SriovnicCoreConfig *cfg,
                                const SriovnicPlatformOps *ops, void *opaque,
                                char *err, size_t err_len);
void sriovnic_core_free(SriovnicCore *core);

uint16_t sriovnic_core_msix_vectors(const SriovnicCore *core, uint16_t fn);

/* Register BAR accesses of any size and alignment; the core defines the result. */
uint64_t sriovnic_core_read(SriovnicCore *core, uint16_t fn,
                            uint64_t offset, unsigned size);
void sriovnic_core_write(SriovnicCore *core, uint16_t fn,
                         uint64_t offset, unsigned size, uint64_t value);

/* Power-on reset or FLR of one function. */
void sriovnic_core_reset_function(SriovnicCore *core, uint16_t fn);

/*
 * The guest writes VF Enable = 1 while NumVFs is `num_vfs`. Returns false if
 * the card refuses (the refusal is flagged to the guest); the glue must then
 * keep VF Enable clear.
 */
bool sriovnic_core_request_vf_enable(SriovnicCore *core, uint16_t num_vfs);

/*
 * A frame from the backend. Returns true if the card took it (delivered or
 * dropped), false if it must be held and offered again after uplink_ready.
 */
bool sriovnic_core_uplink_receive(SriovnicCore *core, const uint8_t *frame, size_t len);

/* The timer requested through arm_timer expired. */
void sriovnic_core_timer(SriovnicCore *core);

/* The backend's link went up or down. */
void sriovnic_core_set_uplink_link(SriovnicCore *core, bool up);

/*
 * After a migration: sends a RARP self-announcement through the backend for
 * every address the card receives for (its VFs', its synthetic channels'),
 * on the port VLAN where one is set, except the PF's own MAC, which QEMU
 * announces. Returns the number of frames sent.
 */
unsigned sriovnic_core_announce(SriovnicCore *core);

/* SR-IOV control changed: this many VFs are now enabled. */
void sriovnic_core_set_active_vfs(SriovnicCore *core, uint16_t active_vfs);

/* The migrated state, owned by the core. NULL for a function/VF that does not exist. */
SriovnicFnRegs *sriovnic_core_fn_regs(SriovnicCore *core, uint16_t fn);
SriovnicVfAdminRegs *sriovnic_core_vf_admin_regs(SriovnicCore *core, uint16_t vf);
SriovnicMailboxRegs *sriovnic_core_vf_mailbox_regs(SriovnicCore *core, uint16_t vf);
SriovnicPfAdminRegs *sriovnic_core_pf_admin_regs(SriovnicCore *core);

/*
 * A config-space write to one of the card's functions is about to happen. Returns false
 * if the card itself issued it (its own DMA or MSI-X message reached its own
 * config space while it was working): the glue must then drop the write.
 * The refusal is counted on the function whose DMA it was.
 */
bool sriovnic_core_config_write_allowed(SriovnicCore *core);

/*
 * Validates a function's migrated state (for a VF: also its administration
 * and mailbox) after migration and rebuilds derived state.
 * Returns true, or false with the reason in `err`.
 */
bool sriovnic_core_post_load(SriovnicCore *core, uint16_t fn,
                             char *err, size_t err_len);

#ifdef __cplusplus
}
#endif

#endif /* SRIOVNIC_CORE_H */
