#pragma once

#include "rolloutevidence.h"
#include "rolloutplan.h"

#include <QJsonObject>
#include <QMetaType>
#include <QString>

namespace blueshift::rollout {

struct AssertionResult
{
    int step = -1; // 0-based
    QString stepName;
    AssertionKind kind = AssertionKind::LostDuringShift;
    bool byDefault = false;
    bool passed = false;
    bool final = false; // judged on the whole run; otherwise on what was known when it was judged
    // Not judged, for want of the data it stands on (e.g. shareByWeight on unattributed
    // sessions): counts as passed, and `message` says why.
    bool skipped = false;
    QString expected; // "only 1001"
    QString observed; // "1006×3, 1001×37"
    // One line: "step 6 'deactivate blue': closeCodesOnDeactivated: 3 sessions closed with 1006,
    // allowed 1001".
    QString message;
    QJsonObject details;
};

QJsonObject toJson(const AssertionResult &result);

// Judges one assertion of a step against the evidence. The window of a step is
// [start, windowEnd) (windowEnd -1: the evidence's end); the assertions about a deactivated
// revision look from the deactivation to the end of the run.
class AssertionEvaluator
{
public:
    // A connection that opens this soon after the deactivation was acknowledged was routed
    // before it: the client sees the 101 a round trip after the ingress chose the revision.
    static constexpr double routingSlackSeconds = 0.25;
    // How long past a deactivated revision's grace period its sessions may still be seen open
    // (the platform's SIGKILL and the harness noticing the dropped connection take a moment).
    static constexpr double graceMarginSeconds = 3;

    static AssertionResult evaluate(const AssertionSpec &spec, const StepWindow &step,
                                    const RolloutEvidence &evidence);

private:
    static void lostDuringShift(const AssertionSpec &spec, const StepWindow &step,
                                const RolloutEvidence &evidence, AssertionResult *r);
    static void closeCodesOnDeactivated(const AssertionSpec &spec, const StepWindow &step,
                                        const RolloutEvidence &evidence, AssertionResult *r);
    static void routedToDeactivated(const AssertionSpec &spec, const StepWindow &step,
                                    const RolloutEvidence &evidence, AssertionResult *r);
    static void rttP99(const AssertionSpec &spec, const StepWindow &step,
                       const RolloutEvidence &evidence, AssertionResult *r);
    static void shareByWeight(const AssertionSpec &spec, const StepWindow &step,
                              const RolloutEvidence &evidence, AssertionResult *r);
};

} // namespace blueshift::rollout

Q_DECLARE_METATYPE(blueshift::rollout::AssertionResult)
