#pragma once

#include <QByteArray>
#include <QMap>

#include <atomic>
#include <cstdint>
#include <mutex>

namespace blueshift::relay {

// Counters of one worker thread. Only that thread writes them, so increments are a plain load
// and store (no locked instruction on the data path); /metrics reads them from any thread.
struct WorkerCounters
{
    std::atomic<std::uint64_t> sessionsOpen{0};
    std::atomic<std::uint64_t> sessionsTotal{0};
    std::atomic<std::uint64_t> messagesToUpstream{0};
    std::atomic<std::uint64_t> messagesToClient{0};
    std::atomic<std::uint64_t> bytesToUpstream{0};
    std::atomic<std::uint64_t> bytesToClient{0};
    std::atomic<std::uint64_t> upstreamFailures{0};
    std::atomic<std::uint64_t> upgradesRejected{0};
    std::atomic<std::uint64_t> sessionsExpired{0}; // the upstream's session cap (session_expired)

    static void add(std::atomic<std::uint64_t> &c, std::uint64_t n)
    {
        c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    static void sub(std::atomic<std::uint64_t> &c, std::uint64_t n)
    {
        c.store(c.load(std::memory_order_relaxed) - n, std::memory_order_relaxed);
    }
};

// Close counts by code and by the side that closed, shared by all workers (closes are rare
// next to messages, so a mutex is fine).
class CloseCounters
{
public:
    void record(int code, const char *side);
    QMap<QPair<int, QByteArray>, std::uint64_t> snapshot() const;

private:
    mutable std::mutex m_mutex;
    QMap<QPair<int, QByteArray>, std::uint64_t> m_counts;
};

} // namespace blueshift::relay
