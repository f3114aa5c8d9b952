#include "fleetworker.h"

#include "clientsession.h"
#include "harnesslog.h"

#include <QMetaObject>

namespace blueshift::harness {

FleetWorker::FleetWorker(int index, const FleetConfig &config, std::shared_ptr<net::TlsContext> tls,
                         net::Resolver &resolver, net::EventLoop::Clock::time_point epoch,
                         QObject *receiver, Deliver deliver)
    : m_index(index)
    , m_config(config)
    , m_tls(std::move(tls))
    , m_resolver(resolver)
    , m_epoch(epoch)
    , m_receiver(receiver)
    , m_deliver(std::move(deliver))
    , m_random(std::random_device{}())
{
    m_batch.worker = m_index;
}

FleetWorker::~FleetWorker()
{
    if (m_thread.joinable()) {
        m_loop.quit();
        m_thread.join();
    }
}

void FleetWorker::start(std::vector<std::pair<int, double>> schedule)
{
    m_thread = std::thread([this, schedule = std::move(schedule)] {
        for (const auto &[id, offset] : schedule) {
            m_sessions.push_back(std::make_unique<ClientSession>(*this, id));
            ClientSession *s = m_sessions.back().get();
            recordChanged(s->record());
            const auto delay = std::chrono::milliseconds(qint64(offset * 1000));
            m_rampTimers.push_back(m_loop.startTimer(delay, [this, s] {
                if (!m_stopping)
                    s->start();
            }));
        }
        scheduleFlush();
        run();
    });
}

void FleetWorker::run()
{
    m_loop.run();
    // Sessions and their connections belong to this thread and its loop.
    m_sessions.clear();
}

double FleetWorker::now() const
{
    return std::chrono::duration<double>(net::EventLoop::Clock::now() - m_epoch).count();
}

double FleetWorker::random()
{
    return std::uniform_real_distribution<double>(0.0, 1.0)(m_random);
}

QString FleetWorker::intern(const QByteArray &name)
{
    if (name.isEmpty())
        return {};
    auto it = m_names.constFind(name);
    if (it != m_names.cend())
        return it.value();
    const QString s = QString::fromUtf8(name);
    m_names.insert(name, s);
    return s;
}

void FleetWorker::recordChanged(const SessionRecord &record)
{
    const auto it = m_changed.find(record.id);
    if (it != m_changed.end()) {
        m_batch.records[it->second] = record;
        return;
    }
    m_changed.emplace(record.id, m_batch.records.size());
    m_batch.records.push_back(record);
}

void FleetWorker::addEvent(SessionEvent event)
{
    m_batch.events.push_back(std::move(event));
}

void FleetWorker::addRtt(double time, quint32 micros, int session)
{
    m_batch.rtts.push_back({float(time), micros, session});
}

void FleetWorker::scheduleFlush()
{
    m_loop.startTimer(std::chrono::milliseconds(m_config.batchIntervalMs), [this] {
        if (m_stopReported)
            return;
        flush(false);
        scheduleFlush();
    });
}

void FleetWorker::flush(bool stopped)
{
    if (!stopped && m_batch.records.empty() && m_batch.events.empty() && m_batch.rtts.empty())
        return;
    WorkerBatch batch = std::move(m_batch);
    batch.stopped = stopped;
    m_batch = WorkerBatch();
    m_batch.worker = m_index;
    m_changed.clear();
    QObject *receiver = m_receiver.data();
    if (!receiver)
        return;
    // Queued to the fleet's thread; Qt drops the call if the receiver is gone by then.
    QMetaObject::invokeMethod(
        receiver,
        [deliver = m_deliver, batch = std::move(batch)]() mutable { deliver(std::move(batch)); },
        Qt::QueuedConnection);
}

void FleetWorker::requestStop()
{
    m_loop.post([this] {
        if (m_stopping)
            return;
        m_stopping = true;
        for (auto id : m_rampTimers)
            m_loop.cancelTimer(id);
        m_rampTimers.clear();
        for (auto &s : m_sessions)
            s->stop("harness stopped");
        m_stopTimer = m_loop.startTimer(
            std::chrono::milliseconds(qint64(m_config.stopTimeoutSeconds * 1000)), [this] {
                m_stopTimer = 0;
                forceStop();
            });
        checkStopped();
    });
}

void FleetWorker::sessionFinished()
{
    if (m_stopping)
        checkStopped();
}

void FleetWorker::checkStopped()
{
    if (!m_stopping || m_stopReported)
        return;
    for (const auto &s : m_sessions) {
        if (!s->isFinished())
            return;
    }
    if (m_stopTimer) {
        m_loop.cancelTimer(m_stopTimer);
        m_stopTimer = 0;
    }
    m_stopReported = true;
    flush(true);
}

void FleetWorker::forceStop()
{
    int abandoned = 0;
    for (auto &s : m_sessions) {
        if (!s->isFinished()) {
            s->abandon();
            s->stop("harness stopped");
            ++abandoned;
        }
    }
    if (abandoned)
        qCWarning(lcHarness) << abandoned << "sessions did not finish their close handshake";
    checkStopped();
}

} // namespace blueshift::harness
