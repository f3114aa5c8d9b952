#pragma once

#include "rolloutplan.h"

#include "harness/sessionrecord.h"
#include "stats/timeseriespercentiles.h"

#include <QHash>
#include <QList>
#include <QString>

#include <deque>

namespace blueshift::rollout {

// One connection of one test session, on the run's clock (seconds since the rollout started).
// A session that reconnects has one per connection.
struct Connection
{
    QString group;
    int session = -1;
    QString revision;
    QString replica;
    double open = 0;
    double close = -1; // -1: still open
    int code = 0;
    QString reason;
    stats::CloseSide side = stats::CloseSide::Server;
    stats::CloseCause cause = stats::CloseCause::Clean;
    bool reconnect = false; // opened by a reconnect, not as the session's first connection

    bool isClosed() const { return close >= 0; }
    bool isOpenAt(double t) const { return open <= t && (close < 0 || close > t); }
};

// One step as it ran: what the assertions of a step are judged against.
struct StepWindow
{
    int index = -1;
    QString name;
    StepKind kind = StepKind::Wait;
    double start = -1;           // the step began (its request was sent)
    double actionDone = -1;      // the platform acknowledged its change (= start for other steps)
    double end = -1;             // the step finished
    double windowEnd = -1;       // the next step that changes the platform began; -1: the run's end
    QString revision;            // the revision it acted on, resolved
    int graceSeconds = 30;       // Deactivate: the revision's terminationGracePeriodSeconds
    QHash<QString, int> weights; // traffic weights in effect once the step's change was made
    bool ok = false;
    QString error;
};

// Everything the assertions look at: the connections of every session group, RTT buckets and
// when each revision was deactivated, on one clock. Built from the fleets' lifecycle events
// (which hold every connection, reconnects included) rather than their SessionRecords (which
// keep only the last one).
class RolloutEvidence
{
public:
    // Adds a group's events; `offset` is the run time at which the group's fleet started.
    void addEvents(const QString &group, const std::deque<harness::SessionEvent> &events,
                   double offset);
    void addEvents(const QString &group, const QList<harness::SessionEvent> &events, double offset);
    // RTT buckets of a group, fine (1 s) and coarse (history), moved onto the run's clock.
    void addRtt(const QList<stats::PercentileBucket> &fine,
                const QList<stats::PercentileBucket> &coarse, double offset);
    void setDeactivated(const QString &revision, double time) { m_deactivated[revision] = time; }
    void setReactivated(const QString &revision) { m_deactivated.remove(revision); }
    void setEnd(double time) { m_end = time; }
    void setDroppedEvents(quint64 n) { m_droppedEvents = n; }

    const QList<Connection> &connections() const { return m_connections; }
    const QList<stats::PercentileBucket> &rtt() const { return m_rtt; }
    const QList<stats::PercentileBucket> &rttCoarse() const { return m_rttCoarse; }
    // Revision -> when it was deactivated (by this run), for closes that were expected.
    const QHash<QString, double> &deactivated() const { return m_deactivated; }
    double end() const { return m_end; }
    quint64 droppedEvents() const { return m_droppedEvents; }

    // Buckets that overlap [from, to): the fine ones, and coarse ones where the fine ring no
    // longer reaches back.
    QList<stats::PercentileBucket> rttBuckets(double from, double to) const;

private:
    template<typename Events>
    void add(const QString &group, const Events &events, double offset);

    QList<Connection> m_connections;
    QList<stats::PercentileBucket> m_rtt;
    QList<stats::PercentileBucket> m_rttCoarse;
    QHash<QString, double> m_deactivated;
    double m_end = 0;
    quint64 m_droppedEvents = 0;
};

} // namespace blueshift::rollout
