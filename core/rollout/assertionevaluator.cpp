#include "assertionevaluator.h"

#include <QJsonArray>
#include <QMap>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace blueshift::rollout {

namespace {
double windowEnd(const StepWindow &step, const RolloutEvidence &evidence)
{
    return step.windowEnd >= 0 ? step.windowEnd : evidence.end();
}

QString codesText(const QMap<int, int> &codes)
{
    QStringList parts;
    for (auto it = codes.begin(); it != codes.end(); ++it)
        parts.append(QStringLiteral("%1×%2").arg(it.key()).arg(it.value()));
    return parts.join(QStringLiteral(", "));
}

QJsonObject codesJson(const QMap<int, int> &codes)
{
    QJsonObject o;
    for (auto it = codes.begin(); it != codes.end(); ++it)
        o.insert(QString::number(it.key()), it.value());
    return o;
}

// "3 heartbeat-timeout, 1 session-cap": closes an assertion did not count, and why.
QString leftOutText(const QMap<QString, int> &causes)
{
    QStringList parts;
    for (auto it = causes.begin(); it != causes.end(); ++it)
        parts.append(QStringLiteral("%1 %2").arg(it.value()).arg(it.key()));
    return parts.join(QStringLiteral(", "));
}

QJsonObject leftOutJson(const QMap<QString, int> &causes)
{
    QJsonObject o;
    for (auto it = causes.begin(); it != causes.end(); ++it)
        o.insert(it.key(), it.value());
    return o;
}

QString sessions(qsizetype n)
{
    return n == 1 ? QStringLiteral("1 session") : QStringLiteral("%1 sessions").arg(n);
}

QString percent(double v)
{
    return QString::number(v, 'f', std::abs(v - std::round(v)) < 0.05 ? 0 : 1) + QLatin1Char('%');
}
} // namespace

QJsonObject toJson(const AssertionResult &r)
{
    return {{QStringLiteral("step"), r.step + 1},
            {QStringLiteral("step_name"), r.stepName},
            {QStringLiteral("assertion"), assertionKindName(r.kind)},
            {QStringLiteral("default"), r.byDefault},
            {QStringLiteral("passed"), r.passed},
            {QStringLiteral("final"), r.final},
            {QStringLiteral("expected"), r.expected},
            {QStringLiteral("observed"), r.observed},
            {QStringLiteral("skipped"), r.skipped},
            {QStringLiteral("message"), r.message},
            {QStringLiteral("details"), r.details}};
}

AssertionResult AssertionEvaluator::evaluate(const AssertionSpec &spec, const StepWindow &step,
                                             const RolloutEvidence &evidence)
{
    AssertionResult r;
    r.step = step.index;
    r.stepName = step.name;
    r.kind = spec.kind;
    r.byDefault = spec.byDefault;
    r.expected = describeExpectation(spec);
    if (step.start < 0) {
        r.observed = QStringLiteral("step did not run");
        r.message = QStringLiteral("the step did not run");
    } else {
        switch (spec.kind) {
        case AssertionKind::LostDuringShift:
            lostDuringShift(spec, step, evidence, &r);
            break;
        case AssertionKind::CloseCodesOnDeactivated:
            closeCodesOnDeactivated(spec, step, evidence, &r);
            break;
        case AssertionKind::RoutedToDeactivated:
            routedToDeactivated(spec, step, evidence, &r);
            break;
        case AssertionKind::RttP99Ms:
            rttP99(spec, step, evidence, &r);
            break;
        case AssertionKind::ShareByWeight:
            shareByWeight(spec, step, evidence, &r);
            break;
        }
    }
    r.message = QStringLiteral("step %1 '%2': %3: %4")
                    .arg(step.index + 1)
                    .arg(step.name, assertionKindName(spec.kind), r.message);
    return r;
}

void AssertionEvaluator::lostDuringShift(const AssertionSpec &spec, const StepWindow &step,
                                         const RolloutEvidence &evidence, AssertionResult *r)
{
    const double from = step.start;
    const double to = windowEnd(step, evidence);
    QMap<int, int> codes;
    QMap<QString, int> leftOut; // closes of the service's own making, by cause
    int lost = 0;
    for (const Connection &c : evidence.connections()) {
        if (!c.isClosed() || c.close < from || c.close >= to || c.side == stats::CloseSide::Client)
            continue;
        if (!stats::rolloutCanCause(c.cause)) {
            ++leftOut[stats::closeCauseName(c.cause)];
            continue;
        }
        // A revision this run deactivated closes its sessions by design; the deactivation's own
        // assertions judge how.
        const auto d = evidence.deactivated().find(c.revision);
        if (d != evidence.deactivated().end() && d.value() <= c.close)
            continue;
        ++lost;
        ++codes[c.code];
    }
    r->passed = lost <= spec.max;
    r->observed = lost == 0 ? QStringLiteral("0 lost")
                            : QStringLiteral("%1 lost (%2)").arg(lost).arg(codesText(codes));
    r->details = {{QStringLiteral("lost"), lost},
                  {QStringLiteral("codes"), codesJson(codes)},
                  {QStringLiteral("left_out"), leftOutJson(leftOut)},
                  {QStringLiteral("from_s"), from},
                  {QStringLiteral("to_s"), to}};
    if (!leftOut.isEmpty())
        r->observed += QStringLiteral("; left out: ") + leftOutText(leftOut);
    r->message = r->passed ? QStringLiteral("%1 closed by the server or the network, at most %2 "
                                            "allowed")
                                 .arg(sessions(lost))
                                 .arg(spec.max)
                           : QStringLiteral("%1 closed by the server or the network during the "
                                            "step (%2), at most %3 allowed")
                                 .arg(sessions(lost), codesText(codes))
                                 .arg(spec.max);
}

void AssertionEvaluator::closeCodesOnDeactivated(const AssertionSpec &spec, const StepWindow &step,
                                                 const RolloutEvidence &evidence,
                                                 AssertionResult *r)
{
    const double from = step.start;
    const double deadline = from + step.graceSeconds + graceMarginSeconds;
    QMap<int, int> codes;
    QMap<int, int> bad;
    QMap<QString, int> leftOut;
    int stillOpen = 0;
    int pending = 0;
    for (const Connection &c : evidence.connections()) {
        if (c.revision != step.revision || (c.isClosed() && c.close < from))
            continue;
        if (!c.isClosed()) {
            // Judged once the grace period is over: until then the platform may still close it.
            if (evidence.end() > deadline)
                ++stillOpen;
            else
                ++pending;
            continue;
        }
        if (c.side == stats::CloseSide::Client) {
            // The harness closed it; only late enough is that the platform's failure to.
            if (c.close > deadline)
                ++stillOpen;
            continue;
        }
        if (!stats::rolloutCanCause(c.cause)) {
            ++leftOut[stats::closeCauseName(c.cause)];
            continue;
        }
        ++codes[c.code];
        if (!spec.allowedCodes.contains(c.code))
            ++bad[c.code];
    }
    QStringList allowed;
    for (int c : spec.allowedCodes)
        allowed.append(QString::number(c));
    const QString allowedText = allowed.join(QLatin1Char('/'));
    r->passed = bad.isEmpty() && stillOpen == 0;
    QStringList observed;
    if (!codes.isEmpty())
        observed.append(codesText(codes));
    if (stillOpen > 0)
        observed.append(QStringLiteral("%1 still open after the grace period").arg(stillOpen));
    if (pending > 0)
        observed.append(QStringLiteral("%1 still open").arg(pending));
    if (!leftOut.isEmpty())
        observed.append(QStringLiteral("left out: ") + leftOutText(leftOut));
    r->observed = observed.isEmpty() ? QStringLiteral("no session closed")
                                     : observed.join(QStringLiteral(", "));
    r->details = {{QStringLiteral("revision"), step.revision},
                  {QStringLiteral("codes"), codesJson(codes)},
                  {QStringLiteral("disallowed"), codesJson(bad)},
                  {QStringLiteral("left_out"), leftOutJson(leftOut)},
                  {QStringLiteral("still_open_after_grace"), stillOpen},
                  {QStringLiteral("still_open"), pending},
                  {QStringLiteral("grace_seconds"), step.graceSeconds}};
    QStringList problems;
    bool first = true;
    for (auto it = bad.begin(); it != bad.end(); ++it) {
        problems.append(
            first ? QStringLiteral("%1 closed with %2").arg(sessions(it.value())).arg(it.key())
                  : QStringLiteral("%1 with %2").arg(it.value()).arg(it.key()));
        first = false;
    }
    QString text = problems.join(QStringLiteral(" and "));
    if (stillOpen > 0) {
        if (!text.isEmpty())
            text += QStringLiteral("; ");
        text += QStringLiteral("%1 still open %2 s after the deactivation (grace period %3 s)")
                    .arg(sessions(stillOpen))
                    .arg(step.graceSeconds + graceMarginSeconds)
                    .arg(step.graceSeconds);
    }
    if (r->passed)
        text =
            codes.isEmpty()
                ? QStringLiteral("no session of %1 was closed by the platform").arg(step.revision)
                : QStringLiteral("%1 of %2 closed with %3")
                      .arg(sessions(std::accumulate(codes.begin(), codes.end(), 0)), step.revision,
                           codesText(codes));
    r->message = text + QStringLiteral(", allowed ") + allowedText;
}

void AssertionEvaluator::routedToDeactivated(const AssertionSpec &spec, const StepWindow &step,
                                             const RolloutEvidence &evidence, AssertionResult *r)
{
    const double after =
        (step.actionDone >= 0 ? step.actionDone : step.start) + routingSlackSeconds;
    int routed = 0;
    for (const Connection &c : evidence.connections()) {
        if (c.revision == step.revision && c.open > after)
            ++routed;
    }
    r->passed = routed <= spec.max;
    r->observed = QString::number(routed);
    r->details = {{QStringLiteral("revision"), step.revision},
                  {QStringLiteral("routed"), routed},
                  {QStringLiteral("after_s"), after}};
    r->message = QStringLiteral("%1 opened on %2 after it was deactivated, at most %3 allowed")
                     .arg(sessions(routed), step.revision)
                     .arg(spec.max);
}

void AssertionEvaluator::rttP99(const AssertionSpec &spec, const StepWindow &step,
                                const RolloutEvidence &evidence, AssertionResult *r)
{
    const double to = windowEnd(step, evidence);
    const QList<stats::PercentileBucket> buckets = evidence.rttBuckets(step.start, to);
    if (buckets.isEmpty()) {
        r->passed = false;
        r->observed = QStringLiteral("no samples");
        r->message = QStringLiteral("no RTT sample during the step (no open session, or "
                                    "pingInterval 0), bound %1 ms")
                         .arg(spec.max);
        return;
    }
    // The p99 of the whole window is at most the worst bucket's: if every bucket has 99% of its
    // samples under a bound, so has their union.
    qint64 worst = 0;
    double worstAt = 0;
    quint64 samples = 0;
    for (const stats::PercentileBucket &b : buckets) {
        samples += b.summary.count;
        if (b.summary.p99 >= worst) {
            worst = b.summary.p99;
            worstAt = b.start;
        }
    }
    const double ms = double(worst) / 1000.0;
    r->passed = ms <= spec.max;
    r->observed = QStringLiteral("%1 ms").arg(ms, 0, 'f', 2);
    r->details = {{QStringLiteral("worst_p99_ms"), ms},
                  {QStringLiteral("worst_at_s"), worstAt},
                  {QStringLiteral("samples"), double(samples)},
                  {QStringLiteral("buckets"), int(buckets.size())}};
    r->message = QStringLiteral("RTT p99 %1 ms (worst second, at %2 s, of %3 samples), bound %4 ms")
                     .arg(ms, 0, 'f', 2)
                     .arg(worstAt, 0, 'f', 0)
                     .arg(samples)
                     .arg(spec.max);
}

void AssertionEvaluator::shareByWeight(const AssertionSpec &spec, const StepWindow &step,
                                       const RolloutEvidence &evidence, AssertionResult *r)
{
    // Sessions opened before the change was acknowledged may have been routed by the old weights.
    const double from = std::max(step.start, step.actionDone);
    const double to = windowEnd(step, evidence);
    QMap<QString, int> counts;
    int total = 0;
    int unattributed = 0;
    for (const Connection &c : evidence.connections()) {
        if (c.open < from || c.open >= to || (c.reconnect && !spec.includeReconnects))
            continue;
        // Never guessed: a session nothing attributed is left out, and said to be.
        if (c.revision.isEmpty()) {
            ++unattributed;
            continue;
        }
        ++counts[c.revision];
        ++total;
    }
    QJsonArray shares;
    QStringList observed;
    QStringList problems;
    QStringList revisions = counts.keys();
    for (auto it = step.weights.begin(); it != step.weights.end(); ++it) {
        if (it.value() > 0 && !revisions.contains(it.key()))
            revisions.append(it.key());
    }
    std::sort(revisions.begin(), revisions.end());
    double worst = 0;
    for (const QString &rev : std::as_const(revisions)) {
        const int weight = step.weights.value(rev);
        const double share = total > 0 ? 100.0 * counts.value(rev) / total : 0;
        const double diff = std::abs(share - weight);
        worst = std::max(worst, diff);
        observed.append(QStringLiteral("%1 %2 (weight %3)").arg(rev, percent(share)).arg(weight));
        shares.append(QJsonObject{{QStringLiteral("revision"), rev},
                                  {QStringLiteral("sessions"), counts.value(rev)},
                                  {QStringLiteral("share"), share},
                                  {QStringLiteral("weight"), weight}});
        if (diff > spec.tolerance)
            problems.append(QStringLiteral("%1 got %2 of %3 new sessions against weight %4")
                                .arg(rev, percent(share))
                                .arg(total)
                                .arg(weight));
    }
    r->details = {
        {QStringLiteral("new_sessions"), total}, {QStringLiteral("unattributed"), unattributed},
        {QStringLiteral("shares"), shares},      {QStringLiteral("worst_points"), worst},
        {QStringLiteral("from_s"), from},        {QStringLiteral("to_s"), to}};
    if (total < spec.minSessions && unattributed > 0) {
        r->passed = true;
        r->skipped = true;
        r->observed = QStringLiteral("skipped: %1 of %2 new sessions unattributed")
                          .arg(unattributed)
                          .arg(unattributed + total);
        r->message = QStringLiteral("skipped: %1 of %2 new sessions could not be attributed to a "
                                    "revision (no X-Blueshift-Revision, --revision-header or "
                                    "--revision-from-message), %3 are needed")
                         .arg(unattributed)
                         .arg(unattributed + total)
                         .arg(spec.minSessions);
        return;
    }
    if (total < spec.minSessions) {
        r->passed = false;
        r->observed = QStringLiteral("%1 new").arg(total);
        r->message = QStringLiteral("only %1 new sessions opened during the step; at least %2 are "
                                    "needed to compare shares with weights")
                         .arg(total)
                         .arg(spec.minSessions);
        return;
    }
    r->passed = problems.isEmpty();
    r->observed = observed.join(QStringLiteral(", "));
    r->message = r->passed ? QStringLiteral("%1 of %2 new sessions, within ±%3 points")
                                 .arg(observed.join(QStringLiteral(", ")))
                                 .arg(total)
                                 .arg(spec.tolerance)
                           : problems.join(QStringLiteral("; ")) +
                                 QStringLiteral(" (±%1 points allowed)").arg(spec.tolerance);
}

} // namespace blueshift::rollout
