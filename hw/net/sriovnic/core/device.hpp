// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include "eswitch.hpp"
#include "function.hpp"
#include "offload.hpp"
#include "platform.hpp"
#include "sriovnic-core.h"

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

struct sriovnic_tx_desc;

namespace sriovnic {

// One sriovnic card: the PF and all TotalVFs VFs, the rules for accesses to
// their register BARs, and the data path between their queues, the embedded
// switch and the uplink.
class Device {
public:
    static std::optional<std::string> check_config(const SriovnicCoreConfig &cfg);

    // The configuration must have passed check_config().
    Device(const SriovnicCoreConfig &cfg, Platform &platform);

    uint64_t read(uint16_t fn, uint64_t offset, unsigned size);
    void write(uint16_t fn, uint64_t offset, unsigned size, uint64_t value);

    void reset_function(uint16_t fn);
    void set_active_vfs(uint16_t active_vfs);

    // The guest is setting VF Enable with NumVFs = `num_vfs`. Returns whether
    // the card accepts it; a refusal is flagged and counted on the PF.
    bool request_vf_enable(uint16_t num_vfs);

    // A frame from the backend: true if taken (delivered or dropped), false
    // if the destination has no buffer yet (Platform::uplink_ready follows).
    bool uplink_receive(std::span<const uint8_t> frame);
    void set_uplink_link(bool up);
    void on_timer();

    uint16_t total_vfs() const { return uint16_t(functions_.size() - 1); }
    uint16_t active_vfs() const { return active_vfs_; }

    // nullptr if `fn` names no function of this card.
    Function *function(uint16_t fn);

    std::optional<std::string> post_load(uint16_t fn);

private:
    enum class Delivery { delivered, dropped, busy };

    std::optional<uint32_t> read_pf_register(uint32_t offset) const;
    std::optional<Function::WriteResult> write_pf_register(uint32_t offset, uint32_t value);
    // admin.cpp: per-VF administration and the mailbox.
    std::optional<uint32_t> read_admin_register(uint32_t offset);
    Function::WriteResult write_admin_register(uint32_t offset, uint32_t value);
    std::optional<uint32_t> read_vf_mailbox(Function &vf, uint32_t reg) const;
    Function::WriteResult write_vf_mailbox(Function &vf, uint32_t reg, uint32_t value);
    std::optional<uint32_t> read_pf_mailbox(uint32_t reg) const;
    Function::WriteResult write_pf_mailbox(uint32_t reg, uint32_t value);
    Function::WriteResult pf_mailbox_ctrl(Function &vf, uint32_t value);
    uint32_t pf_mailbox_pending(unsigned word) const;
    void update_links();
    void admin_changed(Function &vf);
    std::optional<uint32_t> read_queue_register(Function &f, uint32_t offset) const;
    Function::WriteResult write_queue_register(Function &f, uint32_t offset, uint32_t value);
    void update_interrupts(Function &f);
    bool function_active(uint16_t fn) const { return fn == SRIOVNIC_FN_PF || fn <= active_vfs_; }

    // Data path (datapath.cpp).
    void process_tx(Function &f, unsigned q);
    void process_all_tx(Function &f);
    bool rate_limited(Function &f);
    bool transmit(Function &f, std::span<uint8_t> frame, const sriovnic_tx_desc &first);
    void switch_frame(Function &f, std::span<const uint8_t> frame);
    std::optional<unsigned> pick_rx_queue(Function &f, std::span<const uint8_t> frame,
                                          const FrameInfo &info);
    Delivery deliver(Function &f, std::span<const uint8_t> frame, const FrameInfo &info,
                     bool hold_when_full);
    void ring_fault(Function &f, unsigned stat);
    void stop_faulted_queue(Function &f, unsigned q, bool tx);
    void queue_interrupt(Function &f, unsigned q);
    void unmask_queue(Function &f, unsigned q);
    std::span<const PortView> ports();

    class SegmentSink final : public FrameSink {
    public:
        SegmentSink(Device &device, Function &f) : device_(device), f_(f) {}
        void emit(std::span<const uint8_t> frame) override;

    private:
        Device &device_;
        Function &f_;
    };

    Platform &platform_;
    std::vector<Function> functions_; // [0] is the PF, [n + 1] is VF n
    uint16_t active_vfs_ = 0;
    bool uplink_up_ = true;
    bool uplink_blocked_ = false;
    std::vector<PortView> ports_;
    // Switch results; separate because the backend may deliver a frame while
    // a transmitted one is still being switched.
    std::vector<uint16_t> tx_dests_;
    std::vector<uint16_t> rx_dests_;
    bool ports_dirty_ = true;
    std::vector<uint8_t> tx_buf_;  // one frame gathered from TX descriptors
    std::vector<uint8_t> seg_buf_; // one TSO segment
    std::vector<uint8_t> rx_buf_;  // a frame with its port VLAN tag removed

    // Per-function runtime state that is not migrated.
    struct TxShaper {
        int64_t tokens = 0;    // bytes; may go negative by one frame
        uint64_t last_ns = 0;
        bool paused = false;
    };
    std::vector<TxShaper> shapers_;
    std::vector<bool> tx_kick_; // resume transmit on the next timer (after migration)
    // Interrupt moderation (SRIOVNIC_Q_ITR): when each queue last interrupted.
    struct IrqThrottle {
        std::array<std::optional<uint64_t>, SRIOVNIC_MAX_QUEUE_PAIRS> last_ns{};
        bool deferred = false; // an interrupt waits for its interval to pass
    };
    std::vector<IrqThrottle> irq_throttles_;
    void fire_deferred_interrupts(Function &f);
    std::optional<uint64_t> timer_deadline_;
    void arm_timer(uint64_t deadline_ns);
};

} // namespace sriovnic
