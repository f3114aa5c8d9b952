#pragma once

#include "harness/fleet.h"
#include "stats/closetally.h"
#include "stats/survivalsvg.h"
#include "stats/timeseriespercentiles.h"

#include <QFlags>
#include <QList>

namespace blueshift::gui {

// What the charts draw, taken from core in one go: the fleet's bounded aggregates (ring series,
// survival curves, RTT percentile buckets, the close tally) and its timeline. The GUI computes
// no statistics of its own; it only lays these figures out. Tests and the benchmark build one
// by hand or from a FleetStats they feed themselves.
struct ChartData
{
    enum Part {
        LiveSessions = 0x01,
        Timeline = 0x02,
        Survival = 0x04,
        Rtt = 0x08,
        CloseCodes = 0x10,
        All = 0x1f,
    };
    Q_DECLARE_FLAGS(Parts, Part)

    double now = 0; // run time (seconds since the fleet started) the data was taken at
    QList<stats::NamedSeries> live;
    QList<harness::TimelineEntry> timeline;
    QList<stats::NamedSurvivalCurve> survival;
    QList<stats::PercentileBucket> rtt;
    stats::CloseTally closes; // its timeline() names the rollout steps

    // Only the parts asked for are copied: a chart that shows RTTs does not pay for the
    // survival curves, which are the expensive part with thousands of open sessions.
    static ChartData fromStats(const harness::FleetStats &stats,
                               const QList<harness::TimelineEntry> &timeline, double now,
                               Parts parts = All);
    static ChartData fromFleet(const harness::Fleet &fleet, Parts parts = All);
};

// A short label for a timeline entry: the step's name, or the event's kind and revision.
QString timelineLabel(const harness::TimelineEntry &entry);
// The entry in full for a tooltip: its time, kind and fields.
QString timelineToolTip(const harness::TimelineEntry &entry);

} // namespace blueshift::gui

Q_DECLARE_OPERATORS_FOR_FLAGS(blueshift::gui::ChartData::Parts)
