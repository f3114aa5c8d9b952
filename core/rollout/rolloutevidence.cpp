#include "rolloutevidence.h"

#include <limits>

namespace blueshift::rollout {

template<typename Events>
void RolloutEvidence::add(const QString &group, const Events &events, double offset)
{
    // session -> index of its open connection in m_connections
    QHash<int, qsizetype> open;
    for (const harness::SessionEvent &e : events) {
        switch (e.kind) {
        case harness::SessionEvent::Kind::Opened: {
            Connection c;
            c.group = group;
            c.session = e.session;
            c.revision = e.revision;
            c.replica = e.replica;
            c.open = e.time + offset;
            c.reconnect = e.reconnect;
            open.insert(e.session, m_connections.size());
            m_connections.append(c);
            break;
        }
        case harness::SessionEvent::Kind::Closed: {
            const auto it = open.find(e.session);
            if (it == open.end())
                break; // its open fell out of the fleet's bounded event list
            Connection &c = m_connections[it.value()];
            c.close = e.time + offset;
            c.code = e.code;
            c.reason = e.reason;
            c.side = e.side;
            c.cause = e.cause;
            open.erase(it);
            break;
        }
        case harness::SessionEvent::Kind::Attributed: {
            const auto it = open.find(e.session);
            if (it != open.end())
                m_connections[it.value()].revision = e.revision;
            break;
        }
        case harness::SessionEvent::Kind::ConnectFailed:
        case harness::SessionEvent::Kind::Retrying:
            break;
        }
    }
}

void RolloutEvidence::addEvents(const QString &group,
                                const std::deque<harness::SessionEvent> &events, double offset)
{
    add(group, events, offset);
}

void RolloutEvidence::addEvents(const QString &group, const QList<harness::SessionEvent> &events,
                                double offset)
{
    add(group, events, offset);
}

void RolloutEvidence::addRtt(const QList<stats::PercentileBucket> &fine,
                             const QList<stats::PercentileBucket> &coarse, double offset)
{
    for (stats::PercentileBucket b : fine) {
        b.start += offset;
        m_rtt.append(b);
    }
    for (stats::PercentileBucket b : coarse) {
        b.start += offset;
        m_rttCoarse.append(b);
    }
}

QList<stats::PercentileBucket> RolloutEvidence::rttBuckets(double from, double to) const
{
    QList<stats::PercentileBucket> out;
    double earliestFine = std::numeric_limits<double>::infinity();
    for (const stats::PercentileBucket &b : m_rtt) {
        earliestFine = std::min(earliestFine, b.start);
        if (b.summary.count > 0 && b.start < to && b.start + b.width > from)
            out.append(b);
    }
    // The fine ring keeps 15 minutes; before that, the coarse history answers.
    if (earliestFine > from) {
        for (const stats::PercentileBucket &b : m_rttCoarse) {
            if (b.summary.count > 0 && b.start < std::min(to, earliestFine) &&
                b.start + b.width > from)
                out.append(b);
        }
    }
    return out;
}

} // namespace blueshift::rollout
