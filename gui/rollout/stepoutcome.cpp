#include "stepoutcome.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonObject>

#include <algorithm>

namespace blueshift::gui {

using rollout::AssertionKind;
using rollout::AssertionResult;
using rollout::PlanStep;
using rollout::StepKind;
using rollout::WaitCondition;

namespace {
QString tr(const char *text)
{
    return QCoreApplication::translate("StepOutcome", text);
}

QString sessions(qint64 n)
{
    return n == 1 ? tr("1 session") : tr("%1 sessions").arg(n);
}

QString secondsText(double s)
{
    return QString::number(s, 'f', s < 10 ? 1 : 0) + QStringLiteral(" s");
}

// "1001×57, 1006×3" from an assertion's {"1001": 57, "1006": 3}.
QString codesText(const QJsonObject &codes)
{
    QStringList parts;
    for (auto it = codes.begin(); it != codes.end(); ++it)
        parts.append(QStringLiteral("%1×%2").arg(it.key()).arg(it.value().toInt()));
    return parts.join(QStringLiteral(", "));
}

const AssertionResult *find(const StepRecord &r, AssertionKind kind)
{
    for (const AssertionResult &a : r.results) {
        if (a.kind == kind)
            return &a;
    }
    return nullptr;
}

QString mark(const AssertionResult &a)
{
    return a.passed ? QString() : QStringLiteral("✗ ");
}

QString running(const PlanStep &step, const StepRecord &r)
{
    const double s = std::max(0.0, r.seconds);
    switch (step.kind) {
    case StepKind::Hold:
        return tr("%1 of %2").arg(secondsText(s), secondsText(step.seconds));
    case StepKind::Wait:
        switch (step.until) {
        case WaitCondition::None:
            return tr("%1 of %2").arg(secondsText(s), secondsText(step.seconds));
        case WaitCondition::Ready:
            return tr("waiting until %1 is ready… %2")
                .arg(shortRevision(step.revision.text), secondsText(s));
        case WaitCondition::Drained:
            return tr("waiting until no test session is open on %1… %2")
                .arg(shortRevision(step.revision.text), secondsText(s));
        case WaitCondition::SessionsOpen:
            return tr("waiting for every session to open… %1").arg(secondsText(s));
        }
        break;
    case StepKind::Deploy:
        return tr("deploying %1 and waiting until it is ready… %2")
            .arg(step.revisionSuffix, secondsText(s));
    case StepKind::StartSessions:
        return tr("opening %1… %2").arg(sessions(step.sessions.fleet.sessions), secondsText(s));
    default:
        break;
    }
    return tr("running… %1").arg(secondsText(s));
}

QString lostText(const AssertionResult &a)
{
    const int lost = a.details.value(QStringLiteral("lost")).toInt();
    if (lost == 0)
        return mark(a) + tr("0 sessions lost");
    return mark(a) +
           tr("%1 lost (%2)")
               .arg(sessions(lost), codesText(a.details.value(QStringLiteral("codes")).toObject()));
}

QString shareText(const AssertionResult &a, const QString &focus)
{
    const int total = a.details.value(QStringLiteral("new_sessions")).toInt();
    const QJsonArray shares = a.details.value(QStringLiteral("shares")).toArray();
    if (!a.passed && a.observed.endsWith(QLatin1String(" new")))
        return mark(a) +
               tr("only %1 new, too few to compare with the weights").arg(sessions(total));
    QJsonObject chosen;
    for (const QJsonValue &v : shares) {
        const QJsonObject s = v.toObject();
        if (s.value(QStringLiteral("revision")).toString() == focus)
            chosen = s;
    }
    if (chosen.isEmpty()) {
        // No rollout revision named: the one with the largest weight.
        for (const QJsonValue &v : shares) {
            const QJsonObject s = v.toObject();
            if (chosen.isEmpty() || s.value(QStringLiteral("weight")).toInt() >
                                        chosen.value(QStringLiteral("weight")).toInt())
                chosen = s;
        }
    }
    if (chosen.isEmpty())
        return mark(a) + a.observed;
    return mark(a) +
           tr("%1% of %2 new sessions on %3 (weight %4)")
               .arg(QString::number(chosen.value(QStringLiteral("share")).toDouble(), 'f', 0))
               .arg(total)
               .arg(shortRevision(chosen.value(QStringLiteral("revision")).toString()))
               .arg(chosen.value(QStringLiteral("weight")).toInt());
}

QString closeCodesText(const AssertionResult &a)
{
    const QString revision = shortRevision(a.details.value(QStringLiteral("revision")).toString());
    const QJsonObject codes = a.details.value(QStringLiteral("codes")).toObject();
    int closed = 0;
    for (auto it = codes.begin(); it != codes.end(); ++it)
        closed += it.value().toInt();
    QStringList parts;
    // One code: "closed with 1001"; several: "closed with 1001×57, 1006×3".
    const QString with = codes.size() == 1 ? codes.begin().key() : codesText(codes);
    if (closed > 0)
        parts.append(tr("%1 of %2 closed with %3").arg(sessions(closed), revision, with));
    else
        parts.append(tr("no session of %1 closed by the platform").arg(revision));
    if (const int late = a.details.value(QStringLiteral("still_open_after_grace")).toInt())
        parts.append(tr("%1 still open after the grace period").arg(late));
    if (const int open = a.details.value(QStringLiteral("still_open")).toInt())
        parts.append(tr("%1 still open").arg(open));
    return mark(a) + parts.join(QStringLiteral(", "));
}

QString routedText(const AssertionResult &a)
{
    const int routed = a.details.value(QStringLiteral("routed")).toInt();
    const QString revision = shortRevision(a.details.value(QStringLiteral("revision")).toString());
    return mark(a) + (routed == 0 ? tr("none routed to %1 after").arg(revision)
                                  : tr("%1 routed to %2 after").arg(sessions(routed), revision));
}

QString done(const PlanStep &step, const StepRecord &r, const QString &focus)
{
    QStringList parts;
    QList<AssertionKind> shown;
    auto use = [&](AssertionKind kind, const std::function<QString(const AssertionResult &)> &f) {
        if (const AssertionResult *a = find(r, kind)) {
            parts.append(f(*a));
            shown.append(kind);
        }
    };
    switch (step.kind) {
    case StepKind::Traffic:
    case StepKind::Label:
    case StepKind::Activate:
        use(AssertionKind::LostDuringShift, lostText);
        use(AssertionKind::ShareByWeight,
            [&focus](const AssertionResult &a) { return shareText(a, focus); });
        use(AssertionKind::RttP99Ms,
            [](const AssertionResult &a) { return mark(a) + tr("RTT p99 %1").arg(a.observed); });
        if (parts.isEmpty())
            parts.append(r.detail);
        break;
    case StepKind::Deactivate:
        use(AssertionKind::CloseCodesOnDeactivated, closeCodesText);
        use(AssertionKind::RoutedToDeactivated, routedText);
        if (parts.isEmpty())
            parts.append(r.detail);
        break;
    case StepKind::Deploy:
        parts.append(r.seconds >= 0 ? tr("%1 in %2").arg(r.detail, secondsText(r.seconds))
                                    : r.detail);
        break;
    case StepKind::Wait:
        if (step.until == WaitCondition::None)
            parts.append(tr("waited %1").arg(secondsText(step.seconds)));
        else
            parts.append(r.seconds >= 0 ? tr("%1 after %2").arg(r.detail, secondsText(r.seconds))
                                        : r.detail);
        break;
    case StepKind::Hold:
        parts.append(tr("held %1").arg(secondsText(r.seconds >= 0 ? r.seconds : step.seconds)));
        break;
    case StepKind::StartSessions:
    case StepKind::StopSessions:
        parts.append(r.detail);
        break;
    }
    for (const AssertionResult &a : r.results) {
        if (shown.contains(a.kind))
            continue;
        switch (a.kind) {
        case AssertionKind::LostDuringShift:
            parts.append(lostText(a));
            break;
        case AssertionKind::ShareByWeight:
            parts.append(shareText(a, focus));
            break;
        case AssertionKind::CloseCodesOnDeactivated:
            parts.append(closeCodesText(a));
            break;
        case AssertionKind::RoutedToDeactivated:
            parts.append(routedText(a));
            break;
        case AssertionKind::RttP99Ms:
            parts.append(mark(a) + tr("RTT p99 %1").arg(a.observed));
            break;
        }
    }
    parts.removeAll(QString());
    return parts.join(QStringLiteral(", "));
}
} // namespace

bool StepRecord::addResult(const AssertionResult &r)
{
    for (AssertionResult &kept : results) {
        if (kept.kind != r.kind)
            continue;
        if (kept.final && !r.final)
            return false;
        kept = r;
        return true;
    }
    results.append(r);
    return true;
}

bool StepRecord::anyFailed() const
{
    return std::any_of(results.begin(), results.end(),
                       [](const AssertionResult &a) { return !a.passed; });
}

QString stepStateText(StepRecord::State state)
{
    switch (state) {
    case StepRecord::State::Pending:
        return tr("waiting");
    case StepRecord::State::Next:
        return tr("▶ next");
    case StepRecord::State::Running:
        return tr("● running");
    case StepRecord::State::Done:
        return tr("✓ done");
    case StepRecord::State::Failed:
        return tr("✗ failed");
    case StepRecord::State::NotRun:
        return tr("not run");
    case StepRecord::State::Stopped:
        return tr("■ stopped");
    }
    return {};
}

QString stepHint(StepKind kind)
{
    switch (kind) {
    case StepKind::Deploy:
        return tr("The new revision starts beside the current one and gets no traffic yet.");
    case StepKind::Traffic:
        return tr("New sessions follow the new weights; open sessions stay where they are.");
    case StepKind::Deactivate:
        return tr("It gets no new session; its replicas get SIGTERM, drain, and close their "
                  "sessions (1001) within its grace period.");
    case StepKind::Activate:
        return tr("It can take traffic again once it is running.");
    case StepKind::Label:
        return tr("Sessions that ask for the label go to its revision.");
    default:
        break;
    }
    return {};
}

QString plannedText(const PlanStep &step)
{
    PlanStep unnamed = step;
    unnamed.name = rollout::defaultStepName(step);
    return rollout::describe(unnamed);
}

QString stepOutcome(const PlanStep &step, const StepRecord &record, const QString &focusRevision)
{
    switch (record.state) {
    case StepRecord::State::Pending:
    case StepRecord::State::Next:
        return plannedText(step);
    case StepRecord::State::NotRun:
        return tr("not run: %1").arg(plannedText(step));
    case StepRecord::State::Stopped:
        return tr("stopped by Abort after %1").arg(secondsText(std::max(0.0, record.seconds)));
    case StepRecord::State::Running:
        return running(step, record);
    case StepRecord::State::Failed:
        return tr("failed: %1").arg(record.detail);
    case StepRecord::State::Done:
        return done(step, record, focusRevision);
    }
    return {};
}

QStringList verdictLines(const StepRecord &record)
{
    QStringList lines;
    for (const AssertionResult &a : record.results) {
        // The message starts with "step 3 'name': " — the wizard shows the step already.
        QString text = a.message;
        const qsizetype cut = text.indexOf(QLatin1String("': "));
        if (text.startsWith(QLatin1String("step ")) && cut > 0)
            text = text.mid(cut + 3);
        lines.append((a.passed ? QStringLiteral("✓ ") : QStringLiteral("✗ ")) + text +
                     (a.final ? QString() : tr(" (so far)")));
    }
    return lines;
}

QString shortRevision(const QString &revision)
{
    const qsizetype sep = revision.indexOf(QLatin1String("--"));
    return sep < 0 ? revision : revision.mid(sep + 2);
}

} // namespace blueshift::gui
