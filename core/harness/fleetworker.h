#pragma once

#include "fleetconfig.h"
#include "sessionrecord.h"

#include "../net/eventloop.h"

#include <QHash>
#include <QPointer>

#include <functional>
#include <memory>
#include <random>
#include <thread>
#include <unordered_map>
#include <vector>

namespace blueshift::net {
class Resolver;
class TlsContext;
} // namespace blueshift::net

namespace blueshift::harness {

class ClientSession;

// What a worker hands to the fleet's thread every batch interval.
struct WorkerBatch
{
    int worker = -1;
    std::vector<SessionRecord> records; // changed since the last batch, latest state only
    std::vector<SessionEvent> events;
    std::vector<RttSample> rtts;
    bool stopped = false; // the worker's last batch: every session is closed
};

// One EventLoop thread and the sessions on it. Everything but the constructor, destructor and
// the requests (start/stop) runs on the loop's thread; results leave only as WorkerBatch values,
// queued to the fleet's thread, so no state is shared between threads.
class FleetWorker
{
public:
    using Deliver = std::function<void(WorkerBatch batch)>;

    // `deliver` is queued to `receiver`'s thread (and dropped if the receiver is gone).
    FleetWorker(int index, const FleetConfig &config, std::shared_ptr<net::TlsContext> tls,
                net::Resolver &resolver, net::EventLoop::Clock::time_point epoch, QObject *receiver,
                Deliver deliver);
    ~FleetWorker();
    FleetWorker(const FleetWorker &) = delete;
    FleetWorker &operator=(const FleetWorker &) = delete;

    // Runs the sessions with these ids, each opened at its offset (seconds) from the start.
    void start(std::vector<std::pair<int, double>> schedule);
    // Closes every session with 1000 and reports `stopped` once all are closed or the stop
    // timeout passed.
    void requestStop();

    // For sessions, on the loop's thread.
    net::EventLoop &loop() { return m_loop; }
    const FleetConfig &config() const { return m_config; }
    net::Resolver &resolver() { return m_resolver; }
    net::TlsContext *tls() const { return m_tls.get(); }
    double now() const; // seconds since the fleet's epoch
    double random();    // uniform [0, 1)
    bool stopping() const { return m_stopping; }
    // Interns a revision or replica name so 10,000 records share one copy of each.
    QString intern(const QByteArray &name);

    void recordChanged(const SessionRecord &record);
    void addEvent(SessionEvent event);
    void addRtt(double time, quint32 micros, int session);
    void sessionFinished();

private:
    void run();
    void flush(bool stopped);
    void scheduleFlush();
    void checkStopped();
    void forceStop();

    int m_index;
    FleetConfig m_config;
    std::shared_ptr<net::TlsContext> m_tls;
    net::Resolver &m_resolver;
    net::EventLoop::Clock::time_point m_epoch;
    QPointer<QObject> m_receiver;
    Deliver m_deliver;
    net::EventLoop m_loop;
    std::thread m_thread;

    // Loop thread only.
    std::vector<std::unique_ptr<ClientSession>> m_sessions;
    std::vector<net::EventLoop::TimerId> m_rampTimers;
    std::unordered_map<int, std::size_t> m_changed; // id -> index in m_batch.records
    WorkerBatch m_batch;
    QHash<QByteArray, QString> m_names;
    std::minstd_rand m_random;
    bool m_stopping = false;
    bool m_stopReported = false;
    net::EventLoop::TimerId m_stopTimer = 0;
};

} // namespace blueshift::harness
