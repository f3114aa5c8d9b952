#pragma once

#include "rolloutevidence.h"

#include <QByteArray>
#include <QList>

namespace blueshift::rollout {

// The charts of a rollout report, as inline SVG drawn by core/stats (no Qt Gui). The run-time
// charts carry a dashed marker where each step that changes something began.
class RolloutCharts
{
public:
    // Sessions surviving over run time: the connections open when the first step began (the
    // sessions the rollout was done to), by the revision they were on, as a Kaplan-Meier curve
    // on the run's clock: a close by the server or the network is an event, a close by the
    // harness (stopping a group) and the end of the run censor. Empty when no session was open
    // at any step's start.
    static QByteArray survivalOverRunTime(const RolloutEvidence &evidence,
                                          const QList<StepWindow> &steps);
    // Live sessions per revision over run time.
    static QByteArray liveSessions(const RolloutEvidence &evidence, const QList<StepWindow> &steps);
    // Survival by session age, per revision, every connection of the run.
    static QByteArray survivalByAge(const RolloutEvidence &evidence);

    // The cohort survivalOverRunTime() follows: the first step start with a session open, or
    // -1 when there is none.
    static double cohortTime(const RolloutEvidence &evidence, const QList<StepWindow> &steps);
};

} // namespace blueshift::rollout
