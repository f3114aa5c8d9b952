#include "fleetstats.h"

namespace blueshift::harness {

FleetStats::FleetStats(int sessions)
    : m_handles(std::size_t(std::max(sessions, 0)))
{}

FleetStats::PerRevision &FleetStats::revision(const QString &name)
{
    const auto it = m_revisionIndex.constFind(name);
    if (it != m_revisionIndex.cend())
        return *m_revisions[std::size_t(it.value())];
    m_revisionIndex.insert(name, int(m_revisions.size()));
    m_revisions.push_back(std::make_unique<PerRevision>(name));
    return *m_revisions.back();
}

const FleetStats::PerRevision *FleetStats::find(const QString &name) const
{
    const auto it = m_revisionIndex.constFind(name);
    return it == m_revisionIndex.cend() ? nullptr : m_revisions[std::size_t(it.value())].get();
}

void FleetStats::opened(const SessionEvent &e)
{
    if (e.session < 0)
        return;
    if (std::size_t(e.session) >= m_handles.size())
        m_handles.resize(std::size_t(e.session) + 1);
    PerRevision &r = revision(e.revision);
    Handles &h = m_handles[std::size_t(e.session)];
    h.all = m_survival.open(e.time);
    h.rev = r.survival.open(e.time);
    h.revision = qint32(m_revisionIndex.value(e.revision));
    ++r.summary.opened;
    ++r.summary.alive;
    ++m_openedCount;
    if (e.reconnect) {
        ++m_reconnects;
        ++r.summary.reconnectsLanded;
        r.summary.sameRevisionReconnects += e.sameRevision ? 1 : 0;
        m_reconnect.record(qint64(e.seconds * 1000));
    }
}

void FleetStats::closed(const SessionEvent &e)
{
    if (e.session < 0 || std::size_t(e.session) >= m_handles.size())
        return;
    Handles &h = m_handles[std::size_t(e.session)];
    // A close the harness asked for censors the session; any other close is an event.
    const bool failed = e.side != stats::CloseSide::Client;
    if (h.revision >= 0) {
        PerRevision &r = *m_revisions[std::size_t(h.revision)];
        r.survival.close(h.rev, e.time, failed);
        m_survival.close(h.all, e.time, failed);
        --r.summary.alive;
        ++r.summary.closed;
        ++r.summary.closeCodes[e.code];
        h.revision = -1;
    }
    ++m_closeCount;
    m_closes.recordAt(e.time, e.revision, e.code, e.side);
}

void FleetStats::attributed(const SessionEvent &e)
{
    if (e.session < 0 || std::size_t(e.session) >= m_handles.size())
        return;
    Handles &h = m_handles[std::size_t(e.session)];
    if (h.revision < 0)
        return;
    PerRevision &from = *m_revisions[std::size_t(h.revision)];
    from.survival.discard(h.rev);
    --from.summary.opened;
    --from.summary.alive;
    PerRevision &to = revision(e.revision);
    h.rev = to.survival.open(e.time - std::max(0.0, e.seconds));
    h.revision = qint32(m_revisionIndex.value(e.revision));
    ++to.summary.opened;
    ++to.summary.alive;
}

void FleetStats::connectFailed(const SessionEvent &)
{
    ++m_connectFailures;
}

void FleetStats::rtt(double time, quint32 micros, const QString &rev)
{
    m_rtt.record(time, micros);
    m_rttCoarse.record(time, micros);
    revision(rev).rtt.record(micros);
}

void FleetStats::sample(double now)
{
    const auto second = qint64(now);
    for (auto &r : m_revisions)
        r->live.append(second, r->summary.alive);
}

QStringList FleetStats::revisions() const
{
    QStringList out;
    for (const auto &r : m_revisions)
        out.append(r->summary.revision);
    return out;
}

stats::SurvivalCurve FleetStats::survival(double now) const
{
    return m_survival.curve(now);
}

stats::SurvivalCurve FleetStats::survival(const QString &rev, double now) const
{
    const PerRevision *r = find(rev);
    return r ? r->survival.curve(now) : stats::SurvivalCurve();
}

QList<stats::NamedSurvivalCurve> FleetStats::survivalByRevision(double now) const
{
    QList<stats::NamedSurvivalCurve> out;
    for (const auto &r : m_revisions)
        out.append({r->summary.revision, r->survival.curve(now)});
    return out;
}

QList<stats::NamedSeries> FleetStats::liveSeries() const
{
    QList<stats::NamedSeries> out;
    for (const auto &r : m_revisions)
        out.append({r->summary.revision, r->live.points()});
    return out;
}

QList<RevisionSummary> FleetStats::summaries() const
{
    QList<RevisionSummary> out;
    for (const auto &r : m_revisions) {
        RevisionSummary s = r->summary;
        s.rttMicros = r->rtt.summary();
        out.append(s);
    }
    return out;
}

int FleetStats::alive(const QString &rev) const
{
    const PerRevision *r = find(rev);
    return r ? r->summary.alive : 0;
}

std::size_t FleetStats::memoryBytes() const
{
    std::size_t bytes = sizeof(*this) + m_handles.capacity() * sizeof(Handles) +
                        m_survival.memoryBytes() + m_closes.memoryBytes() + m_rtt.memoryBytes() +
                        m_rttCoarse.memoryBytes() + m_reconnect.memoryBytes();
    for (const auto &r : m_revisions)
        bytes += sizeof(PerRevision) + r->rtt.memoryBytes() + r->survival.memoryBytes() +
                 r->live.memoryBytes();
    return bytes;
}

} // namespace blueshift::harness
