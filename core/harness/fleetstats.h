#pragma once

#include "sessionrecord.h"

#include "../stats/closetally.h"
#include "../stats/latencyhistogram.h"
#include "../stats/livesurvival.h"
#include "../stats/ringseries.h"
#include "../stats/survivalsvg.h"
#include "../stats/timeseriespercentiles.h"

#include <QHash>
#include <QMap>

#include <memory>
#include <vector>

namespace blueshift::harness {

// One revision's line in the summary table.
struct RevisionSummary
{
    QString revision; // empty: served without an X-Blueshift-Revision header
    quint64 opened = 0;
    int alive = 0;
    quint64 closed = 0;
    QMap<int, quint64> closeCodes;
    quint64 reconnectsLanded = 0; // reconnects that opened on this revision
    quint64 sameRevisionReconnects = 0;
    stats::PercentileSummary rttMicros;
};

// The fleet at one moment, cheap to copy: what a status line or the GUI's header shows.
struct FleetSnapshot
{
    double time = 0;
    int sessions = 0;
    int waiting = 0;
    int connecting = 0;
    int open = 0;
    int reconnecting = 0;
    int closed = 0;
    quint64 opened = 0; // connections opened, reconnects included
    quint64 closes = 0;
    quint64 connectFailures = 0;
    quint64 reconnects = 0;
    int step = -1;
    QString stepName;
    stats::PercentileSummary rttMicros;
    stats::PercentileSummary reconnectMillis;
    QList<RevisionSummary> revisions;
};

// The fleet's aggregates, in memory that does not grow with the number of sessions or the
// length of the run (beyond one slot per session): live sessions per revision per second (ring
// buffers with coarser history), survival by session age (Kaplan-Meier, open sessions
// censored), close codes by rollout step, RTT percentiles over time, reconnect times. Fed by the
// fleet on its own thread.
class FleetStats
{
public:
    explicit FleetStats(int sessions = 0);

    void opened(const SessionEvent &event);
    void closed(const SessionEvent &event);
    // The revision became known after the open (from the first message): the session moves from
    // the unattributed row to its revision, with its original open time.
    void attributed(const SessionEvent &event);
    void connectFailed(const SessionEvent &event);
    void rtt(double time, quint32 micros, const QString &revision);
    // Once a second: the live-sessions series.
    void sample(double now);

    stats::CloseTally &closes() { return m_closes; }
    const stats::CloseTally &closes() const { return m_closes; }
    const stats::TimeSeriesPercentiles &rttSeries() const { return m_rtt; }
    const stats::TimeSeriesPercentiles &rttHistory() const { return m_rttCoarse; }
    const stats::LatencyHistogram &reconnectMillis() const { return m_reconnect; }

    QStringList revisions() const;
    stats::SurvivalCurve survival(double now) const;
    stats::SurvivalCurve survival(const QString &revision, double now) const;
    QList<stats::NamedSurvivalCurve> survivalByRevision(double now) const;
    QList<stats::NamedSeries> liveSeries() const;
    QList<RevisionSummary> summaries() const;
    int alive(const QString &revision) const;

    quint64 openedCount() const { return m_openedCount; }
    quint64 closeCount() const { return m_closeCount; }
    quint64 connectFailures() const { return m_connectFailures; }
    quint64 reconnects() const { return m_reconnects; }

    std::size_t memoryBytes() const;

private:
    struct PerRevision
    {
        explicit PerRevision(const QString &name) { summary.revision = name; }
        RevisionSummary summary;
        stats::LatencyHistogram rtt;
        stats::LiveSurvival survival;
        stats::RingSeries live;
    };
    PerRevision &revision(const QString &name);
    const PerRevision *find(const QString &name) const;

    std::vector<std::unique_ptr<PerRevision>> m_revisions;
    QHash<QString, int> m_revisionIndex;
    stats::LiveSurvival m_survival;
    // Per session: its open connection's handles in the fleet's and its revision's survival.
    struct Handles
    {
        stats::LiveSurvival::Handle all = 0;
        stats::LiveSurvival::Handle rev = 0;
        qint32 revision = -1; // -1: no open connection
    };
    std::vector<Handles> m_handles;
    stats::CloseTally m_closes;
    stats::TimeSeriesPercentiles m_rtt{1, 900};
    stats::TimeSeriesPercentiles m_rttCoarse{60, 24 * 60};
    stats::LatencyHistogram m_reconnect;
    quint64 m_openedCount = 0;
    quint64 m_closeCount = 0;
    quint64 m_connectFailures = 0;
    quint64 m_reconnects = 0;
};

} // namespace blueshift::harness
