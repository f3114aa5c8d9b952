#include "fleet.h"

#include "fleetreport.h"
#include "fleetworker.h"
#include "harnesslog.h"

#include "../net/resolver.h"
#include "../net/tlscontext.h"

#include <QDir>

namespace blueshift::harness {

Fleet::Fleet(QObject *parent)
    : QObject(parent)
{
    m_tick.setTimerType(Qt::CoarseTimer);
    connect(&m_tick, &QTimer::timeout, this, &Fleet::tick);
}

Fleet::~Fleet()
{
    // Workers quit their loops and join; their queued batches die with this object.
    m_workers.clear();
}

bool Fleet::start(const FleetConfig &config, QString *error)
{
    QString why;
    if (m_state != State::Idle)
        why = QStringLiteral("a fleet runs once");
    else
        why = config.validate();
    std::shared_ptr<net::TlsContext> tls;
    if (why.isEmpty() && config.url.scheme() == QLatin1String("wss")) {
        tls = net::TlsContext::forClient(config.caFile, &why, config.acceptSelfSigned);
        if (!tls && why.isEmpty())
            why = QStringLiteral("cannot create the TLS context");
    }
    if (!why.isEmpty()) {
        if (error)
            *error = why;
        return false;
    }
    m_config = config;
    m_state = State::Running;
    m_epoch = std::chrono::steady_clock::now();
    m_startedAt = QDateTime::currentDateTimeUtc();
    m_stats = FleetStats(config.sessions);
    m_records.resize(config.sessions);
    m_changedIndex.fill(-1, config.sessions);
    for (int i = 0; i < config.sessions; ++i)
        m_records[i].id = i;
    m_resolver = std::make_unique<net::Resolver>();

    const int threads = std::min(config.threads, config.sessions);
    std::vector<std::vector<std::pair<int, double>>> schedules;
    schedules.resize(std::size_t(threads));
    for (int i = 0; i < config.sessions; ++i) {
        const double offset = config.openRate > 0 ? double(i) / config.openRate : 0.0;
        schedules[std::size_t(i % threads)].push_back({i, offset});
    }
    for (int w = 0; w < threads; ++w) {
        m_workers.push_back(
            std::make_unique<FleetWorker>(w, m_config, tls, *m_resolver, m_epoch, this,
                                          [this](WorkerBatch batch) { absorb(std::move(batch)); }));
    }
    m_workersRunning = threads;
    for (int w = 0; w < threads; ++w)
        m_workers[std::size_t(w)]->start(std::move(schedules[std::size_t(w)]));
    m_tick.start(std::max(50, config.batchIntervalMs));
    qCInfo(lcHarness) << "fleet started:" << config.sessions << "sessions on" << threads
                      << "threads";
    return true;
}

void Fleet::stop()
{
    if (m_state != State::Running)
        return;
    m_state = State::Stopping;
    for (auto &w : m_workers)
        w->requestStop();
}

double Fleet::now() const
{
    if (m_state == State::Idle)
        return 0;
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - m_epoch).count();
}

double Fleet::toRunTime(const QDateTime &when) const
{
    return double(m_startedAt.msecsTo(when)) / 1000.0;
}

int Fleet::beginStep(const QString &name, const QJsonObject &fields, double time)
{
    if (time < 0)
        time = now();
    const int step = m_stats.closes().timeline().addStep(time, name);
    if (step < 0)
        return -1;
    QJsonObject f = fields;
    f.insert(QStringLiteral("name"), name);
    m_timeline.append({time, QStringLiteral("step"), f, step});
    return step;
}

void Fleet::addTimelineEvent(const QString &kind, const QJsonObject &fields, double time)
{
    if (time < 0)
        time = now();
    m_timeline.append({time, kind, fields, -1});
}

void Fleet::keepEvent(const SessionEvent &event)
{
    if (m_config.maxKeptEvents <= 0)
        return;
    if (m_events.size() >= std::size_t(m_config.maxKeptEvents)) {
        m_events.pop_front();
        ++m_droppedEvents;
    }
    m_events.push_back(event);
}

void Fleet::absorb(WorkerBatch batch)
{
    // Events first, in their order, so that a close is counted against the revision it had.
    for (const SessionEvent &e : batch.events) {
        switch (e.kind) {
        case SessionEvent::Kind::Opened:
            m_stats.opened(e);
            break;
        case SessionEvent::Kind::Closed:
            m_stats.closed(e);
            break;
        case SessionEvent::Kind::ConnectFailed:
            m_stats.connectFailed(e);
            break;
        case SessionEvent::Kind::Attributed:
            m_stats.attributed(e);
            break;
        case SessionEvent::Kind::Retrying:
            break;
        }
        keepEvent(e);
        m_newEvents.append(e);
    }
    for (SessionRecord &r : batch.records) {
        if (r.id < 0 || r.id >= m_records.size())
            continue;
        int &slot = m_changedIndex[r.id];
        if (slot < 0) {
            slot = int(m_changed.size());
            m_changed.append(r);
        } else {
            m_changed[slot] = r;
        }
        m_records[r.id] = std::move(r);
    }
    for (const RttSample &s : batch.rtts) {
        if (s.session >= 0 && s.session < m_records.size())
            m_stats.rtt(s.time, s.micros, m_records.at(s.session).revision);
    }
    if (batch.stopped)
        workerStopped();
}

void Fleet::workerStopped()
{
    if (--m_workersRunning > 0)
        return;
    tick();
    m_tick.stop();
    m_state = State::Finished;
    qCInfo(lcHarness) << "fleet finished after" << now() << "s";
    Q_EMIT finished();
}

void Fleet::tick()
{
    const double t = now();
    const auto second = qint64(t);
    if (second != m_lastSampledSecond) {
        m_lastSampledSecond = second;
        m_stats.sample(t);
    }
    if (!m_changed.isEmpty()) {
        for (const SessionRecord &r : std::as_const(m_changed))
            m_changedIndex[r.id] = -1;
        const QList<SessionRecord> changed = std::move(m_changed);
        m_changed = QList<SessionRecord>();
        Q_EMIT sessionsChanged(changed);
    }
    if (!m_newEvents.isEmpty()) {
        const QList<SessionEvent> events = std::move(m_newEvents);
        m_newEvents = QList<SessionEvent>();
        Q_EMIT eventsAdded(events);
    }
    Q_EMIT snapshotUpdated(snapshot());
}

FleetSnapshot Fleet::snapshot() const
{
    FleetSnapshot s;
    s.time = now();
    s.sessions = int(m_records.size());
    for (const SessionRecord &r : m_records) {
        switch (r.state) {
        case SessionState::Waiting:
            ++s.waiting;
            break;
        case SessionState::Connecting:
            ++s.connecting;
            break;
        case SessionState::Open:
            ++s.open;
            break;
        case SessionState::Reconnecting:
            ++s.reconnecting;
            break;
        case SessionState::Closed:
            ++s.closed;
            break;
        }
    }
    s.opened = m_stats.openedCount();
    s.closes = m_stats.closeCount();
    s.connectFailures = m_stats.connectFailures();
    s.reconnects = m_stats.reconnects();
    const stats::StepTimeline &steps = m_stats.closes().timeline();
    s.step = steps.stepAt(s.time);
    s.stepName = steps.stepName(s.step);
    s.rttMicros = m_stats.rttSeries().total().summary();
    s.reconnectMillis = m_stats.reconnectMillis().summary();
    s.revisions = m_stats.summaries();
    return s;
}

bool Fleet::exportReport(const QString &directory, QString *error) const
{
    return writeReport(*this, directory, error);
}

} // namespace blueshift::harness
