#include "syntheticfleet.h"

#include <cmath>

namespace blueshift::bench {

using harness::SessionEvent;
using harness::SessionRecord;
using harness::SessionState;

namespace {
const QString kBlue = QStringLiteral("app--blue");
const QString kGreen = QStringLiteral("app--green");

// When each rollout step happens, as a share of the scenario's length; the ramp takes the
// first third.
constexpr double kRampEnd = 0.33;
constexpr double kDeploy = 0.40;
constexpr double kFiftyFifty = 0.48;
constexpr double kHundred = 0.62;
constexpr double kDeactivate = 0.72;
constexpr double kDrainSeconds = 3;
constexpr double kStop = 0.95;
} // namespace

SyntheticFleet::SyntheticFleet(const Options &options, QObject *parent)
    : QObject(parent)
    , m_options(options)
    , m_stats(options.sessions)
{
    m_timer.setInterval(options.batchIntervalMs);
    connect(&m_timer, &QTimer::timeout, this, &SyntheticFleet::tick);
    m_records.resize(options.sessions);
    m_changedIndex.assign(std::size_t(options.sessions), -1);
    for (int i = 0; i < options.sessions; ++i)
        m_records[i].id = i;
}

void SyntheticFleet::start()
{
    const double ramp = m_options.seconds * kRampEnd;
    for (int i = 0; i < m_options.sessions; ++i)
        schedule(ramp * i / m_options.sessions, i, Action::Connect);
    m_clock.start();
    m_timer.start();
}

double SyntheticFleet::now() const
{
    return m_clock.isValid() ? double(m_clock.nsecsElapsed()) / 1e9 : 0.0;
}

void SyntheticFleet::schedule(double time, int session, Action action)
{
    m_queue.push({time, session, action});
}

void SyntheticFleet::changed(int session)
{
    int &slot = m_changedIndex[std::size_t(session)];
    if (slot < 0) {
        slot = int(m_changed.size());
        m_changed.append(m_records.at(session));
    } else {
        m_changed[slot] = m_records.at(session);
    }
}

void SyntheticFleet::addStep(double time, const QString &name, const QString &event,
                             const QJsonObject &fields)
{
    if (!event.isEmpty())
        m_timeline.append({time, event, fields, -1});
    const int step = m_stats.closes().timeline().addStep(time, name);
    m_timeline.append({time, QStringLiteral("step"), {{QStringLiteral("name"), name}}, step});
}

QString SyntheticFleet::pickRevision()
{
    return std::uniform_real_distribution<double>(0, 1)(m_random) < m_greenShare ? kGreen : kBlue;
}

quint32 SyntheticFleet::rttMicros(double time)
{
    // Loopback-like RTTs, slower while blue drains and green takes the reconnects.
    const double drainStart = m_options.seconds * kDeactivate;
    const bool busy = time >= drainStart && time < drainStart + kDrainSeconds + 2;
    std::lognormal_distribution<double> rtt(std::log(busy ? 900.0 : 250.0), busy ? 0.6 : 0.35);
    return quint32(std::min(rtt(m_random), 1e7));
}

void SyntheticFleet::open(int session, double time)
{
    SessionRecord &r = m_records[session];
    const bool reconnect = r.firstOpenTime >= 0;
    const QString previous = r.revision;
    r.state = SessionState::Open;
    r.openTime = time;
    if (!reconnect) {
        r.firstOpenTime = time;
        r.firstRevision = pickRevision();
        r.revision = r.firstRevision;
    } else {
        r.revision = pickRevision();
        ++r.reconnects;
        r.sameRevisionReconnects += r.revision == previous;
        r.lastReconnectSeconds = time - r.closeTime;
        r.totalReconnectSeconds += r.lastReconnectSeconds;
    }
    r.replica = r.revision + QStringLiteral("--replica-") + QString::number(session % 4);
    SessionEvent e;
    e.kind = SessionEvent::Kind::Opened;
    e.time = time;
    e.session = session;
    e.revision = r.revision;
    e.replica = r.replica;
    e.reconnect = reconnect;
    e.sameRevision = reconnect && r.revision == previous;
    e.seconds = reconnect ? r.lastReconnectSeconds : -1;
    m_stats.opened(e);
    changed(session);
    // The first ping lands somewhere in the first interval, so pings spread evenly.
    schedule(time + std::uniform_real_distribution<double>(0.2, 1.0)(m_random) *
                        m_options.pingInterval,
             session, Action::Ping);
}

void SyntheticFleet::close(int session, double time, int code, stats::CloseSide side,
                           const QString &reason)
{
    SessionRecord &r = m_records[session];
    if (r.state != SessionState::Open)
        return;
    r.closeTime = time;
    r.closeCode = code;
    r.closeReason = reason;
    r.closedBy = side;
    SessionEvent e;
    e.kind = SessionEvent::Kind::Closed;
    e.time = time;
    e.session = session;
    e.revision = r.revision;
    e.replica = r.replica;
    e.code = code;
    e.reason = reason;
    e.side = side;
    e.seconds = time - r.openTime;
    m_stats.closed(e);
    if (side == stats::CloseSide::Client) {
        r.state = SessionState::Closed;
    } else {
        // Reconnect with a jittered backoff, as the harness's Backoff policy would.
        r.state = SessionState::Reconnecting;
        schedule(time + std::uniform_real_distribution<double>(0.3, 1.5)(m_random), session,
                 Action::Connect);
    }
    changed(session);
}

void SyntheticFleet::run(const Due &due)
{
    SessionRecord &r = m_records[due.session];
    switch (due.action) {
    case Action::Connect:
        if (r.state == SessionState::Closed)
            return; // stopped meanwhile
        r.state = SessionState::Connecting;
        changed(due.session);
        schedule(due.time + 0.004, due.session, Action::Open);
        return;
    case Action::Open:
        if (r.state == SessionState::Connecting)
            open(due.session, due.time);
        return;
    case Action::Ping: {
        if (r.state != SessionState::Open)
            return;
        const quint32 micros = rttMicros(due.time);
        r.rttLastUs = micros;
        r.rttMinUs = r.rttCount ? std::min(r.rttMinUs, micros) : micros;
        r.rttMaxUs = std::max(r.rttMaxUs, micros);
        ++r.rttCount;
        m_stats.rtt(due.time, micros, r.revision);
        changed(due.session);
        schedule(due.time + m_options.pingInterval, due.session, Action::Ping);
        return;
    }
    case Action::Drop:
        close(due.session, due.time, 1006, stats::CloseSide::Transport,
              QStringLiteral("connection reset"));
        return;
    case Action::Drain:
        if (r.revision == kBlue)
            close(due.session, due.time, 1001, stats::CloseSide::Server,
                  QStringLiteral("revision deactivated"));
        return;
    case Action::Stop:
        if (r.state == SessionState::Open) {
            close(due.session, due.time, 1000, stats::CloseSide::Client, QStringLiteral("stopped"));
        } else if (r.state != SessionState::Closed) {
            // Between two connections: the stop cancels the reconnect.
            r.state = SessionState::Closed;
            changed(due.session);
        }
        return;
    }
}

void SyntheticFleet::tick()
{
    const double t = now();
    const double T = m_options.seconds;
    // The rollout's steps, each once, on the same clock as the sessions.
    while (true) {
        const double at[] = {T * kDeploy, T * kFiftyFifty, T * kHundred, T * kDeactivate,
                             T * kStop};
        if (m_phase >= 5 || t < at[m_phase])
            break;
        const double when = at[m_phase];
        switch (m_phase) {
        case 0:
            addStep(when, QStringLiteral("deploy green"), QStringLiteral("revision.created"),
                    {{QStringLiteral("revision"), kGreen}});
            break;
        case 1:
            m_greenShare = 0.5;
            addStep(when, QStringLiteral("50/50"), QStringLiteral("traffic.updated"), {});
            break;
        case 2:
            m_greenShare = 1.0;
            addStep(when, QStringLiteral("100/0 green"), QStringLiteral("traffic.updated"), {});
            break;
        case 3:
            addStep(when, QStringLiteral("deactivate blue"), QStringLiteral("revision.deactivated"),
                    {{QStringLiteral("revision"), kBlue}});
            for (int i = 0; i < m_options.sessions; ++i) {
                schedule(when + kDrainSeconds * double(i) / m_options.sessions, i, Action::Drain);
            }
            break;
        case 4:
            addStep(when, QStringLiteral("stop"), QString(), {});
            for (int i = 0; i < m_options.sessions; ++i)
                schedule(when + 1.0 * double(i) / m_options.sessions, i, Action::Stop);
            break;
        }
        ++m_phase;
    }
    // Background churn between the ramp and the stop: a few drops that reconnect.
    if (t > T * kRampEnd && t < T * kStop) {
        const double perTick = m_options.churnPerSecond * m_options.batchIntervalMs / 1000.0;
        std::poisson_distribution<int> drops(perTick);
        std::uniform_int_distribution<int> who(0, m_options.sessions - 1);
        for (int n = drops(m_random); n > 0; --n)
            schedule(t, who(m_random), Action::Drop);
    }
    while (!m_queue.empty() && m_queue.top().time <= t) {
        const Due due = m_queue.top();
        m_queue.pop();
        run(due);
    }
    const auto second = qint64(t);
    if (second != m_lastSample) {
        m_lastSample = second;
        m_stats.sample(t);
    }
    if (!m_changed.isEmpty()) {
        for (const SessionRecord &r : std::as_const(m_changed))
            m_changedIndex[std::size_t(r.id)] = -1;
        const QList<SessionRecord> batch = std::move(m_changed);
        m_changed = QList<SessionRecord>();
        m_recordsEmitted += quint64(batch.size());
        ++m_batches;
        Q_EMIT sessionsChanged(batch);
    }
    Q_EMIT ticked();
    if (t >= T && !m_finished) {
        m_finished = true;
        m_timer.stop();
        Q_EMIT finished();
    }
}

} // namespace blueshift::bench
