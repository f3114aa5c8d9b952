#include "rolloutplan.h"

namespace blueshift::rollout {

namespace {
struct KindName
{
    StepKind kind;
    const char *name;
};
constexpr KindName kKinds[] = {
    {StepKind::Deploy, "deploy"},
    {StepKind::Traffic, "traffic"},
    {StepKind::Wait, "wait"},
    {StepKind::Hold, "hold"},
    {StepKind::Label, "label"},
    {StepKind::Deactivate, "deactivate"},
    {StepKind::Activate, "activate"},
    {StepKind::StartSessions, "startSessions"},
    {StepKind::StopSessions, "stopSessions"},
};

struct AssertionName
{
    AssertionKind kind;
    const char *name;
};
constexpr AssertionName kAssertions[] = {
    {AssertionKind::LostDuringShift, "lostDuringShift"},
    {AssertionKind::CloseCodesOnDeactivated, "closeCodesOnDeactivated"},
    {AssertionKind::RoutedToDeactivated, "routedToDeactivated"},
    {AssertionKind::RttP99Ms, "rttP99Ms"},
    {AssertionKind::ShareByWeight, "shareByWeight"},
};

QString seconds(double s)
{
    return QString::number(s, 'g', 6) + QStringLiteral(" s");
}
} // namespace

QString stepKindName(StepKind kind)
{
    for (const KindName &k : kKinds) {
        if (k.kind == kind)
            return QLatin1String(k.name);
    }
    return {};
}

std::optional<StepKind> stepKindFromName(const QString &name)
{
    for (const KindName &k : kKinds) {
        if (name == QLatin1String(k.name))
            return k.kind;
    }
    return std::nullopt;
}

bool changesPlatform(StepKind kind)
{
    switch (kind) {
    case StepKind::Deploy:
    case StepKind::Traffic:
    case StepKind::Label:
    case StepKind::Deactivate:
    case StepKind::Activate:
        return true;
    case StepKind::Wait:
    case StepKind::Hold:
    case StepKind::StartSessions:
    case StepKind::StopSessions:
        return false;
    }
    return false;
}

bool attributesCloses(StepKind kind)
{
    return kind != StepKind::Wait && kind != StepKind::Hold;
}

QString waitConditionName(WaitCondition condition)
{
    switch (condition) {
    case WaitCondition::None:
        return {};
    case WaitCondition::Ready:
        return QStringLiteral("ready");
    case WaitCondition::Drained:
        return QStringLiteral("drained");
    case WaitCondition::SessionsOpen:
        return QStringLiteral("sessionsOpen");
    }
    return {};
}

QString assertionKindName(AssertionKind kind)
{
    for (const AssertionName &a : kAssertions) {
        if (a.kind == kind)
            return QLatin1String(a.name);
    }
    return {};
}

std::optional<AssertionKind> assertionKindFromName(const QString &name)
{
    for (const AssertionName &a : kAssertions) {
        if (name == QLatin1String(a.name))
            return a.kind;
    }
    return std::nullopt;
}

QString defaultStepName(const PlanStep &step)
{
    switch (step.kind) {
    case StepKind::Deploy:
        return QStringLiteral("deploy ") + step.revisionSuffix;
    case StepKind::Traffic: {
        QStringList parts;
        for (const auto &[ref, weight] : step.weights)
            parts.append(ref.text + QLatin1Char('=') + QString::number(weight));
        return QStringLiteral("traffic ") + parts.join(QLatin1Char(' '));
    }
    case StepKind::Wait:
        switch (step.until) {
        case WaitCondition::None:
            return QStringLiteral("wait ") + seconds(step.seconds);
        case WaitCondition::Ready:
            return QStringLiteral("wait until %1 ready").arg(step.revision.text);
        case WaitCondition::Drained:
            return QStringLiteral("wait until %1 drained").arg(step.revision.text);
        case WaitCondition::SessionsOpen:
            return QStringLiteral("wait until sessions open");
        }
        break;
    case StepKind::Hold:
        return QStringLiteral("hold ") + seconds(step.seconds);
    case StepKind::Label:
        return QStringLiteral("label %1 %2%3")
            .arg(step.revision.text, step.removeLabel ? QStringLiteral("-") : QStringLiteral("+"),
                 step.label);
    case StepKind::Deactivate:
        return QStringLiteral("deactivate ") + step.revision.text;
    case StepKind::Activate:
        return QStringLiteral("activate ") + step.revision.text;
    case StepKind::StartSessions:
        return QStringLiteral("start sessions ") + step.group;
    case StepKind::StopSessions:
        return QStringLiteral("stop sessions ") + step.group;
    }
    return stepKindName(step.kind);
}

QString describe(const PlanStep &step)
{
    QString text = stepKindName(step.kind);
    QStringList details;
    switch (step.kind) {
    case StepKind::Deploy: {
        text += QLatin1Char(' ') + step.revisionSuffix;
        if (!step.image.isEmpty())
            details.append(QStringLiteral("image ") + step.image);
        if (step.command)
            details.append(QStringLiteral("command ") + step.command->join(QLatin1Char(' ')));
        if (step.args)
            details.append(QStringLiteral("args ") + step.args->join(QLatin1Char(' ')));
        QStringList names;
        for (const EnvSetting &e : step.env)
            names.append(e.remove ? QLatin1Char('-') + e.name : e.name);
        if (!names.isEmpty())
            details.append(QStringLiteral("env ") + names.join(QLatin1Char(',')));
        if (step.terminationGracePeriodSeconds)
            details.append(QStringLiteral("grace %1 s").arg(*step.terminationGracePeriodSeconds));
        details.append(QStringLiteral("timeout ") + seconds(step.timeoutSeconds));
        break;
    }
    case StepKind::Traffic:
        text = defaultStepName(step);
        break;
    case StepKind::Wait:
        text = defaultStepName(step);
        if (step.until != WaitCondition::None)
            details.append(QStringLiteral("timeout ") + seconds(step.timeoutSeconds));
        break;
    case StepKind::StartSessions:
        text = defaultStepName(step);
        details.append(QStringLiteral("%1 connections").arg(step.sessions.fleet.sessions));
        details.append(step.sessions.url == QLatin1String("ingress")
                           ? QStringLiteral("to the ingress, path ") + step.sessions.path
                           : QStringLiteral("to ") + step.sessions.url);
        break;
    default:
        text = defaultStepName(step);
        break;
    }
    if (!step.name.isEmpty() && step.name != defaultStepName(step))
        text = step.name + QStringLiteral(": ") + text;
    if (!details.isEmpty())
        text += QStringLiteral(" (") + details.join(QStringLiteral(", ")) + QLatin1Char(')');
    return text;
}

QString stepLabel(const PlanStep &step)
{
    return QStringLiteral("step %1 '%2'").arg(step.index + 1).arg(step.name);
}

QString describeExpectation(const AssertionSpec &spec)
{
    switch (spec.kind) {
    case AssertionKind::LostDuringShift:
    case AssertionKind::RoutedToDeactivated:
        return QStringLiteral("at most %1").arg(spec.max);
    case AssertionKind::CloseCodesOnDeactivated: {
        QStringList codes;
        for (int c : spec.allowedCodes)
            codes.append(QString::number(c));
        return QStringLiteral("only ") + codes.join(QLatin1Char('/'));
    }
    case AssertionKind::RttP99Ms:
        return QStringLiteral("p99 at most %1 ms").arg(spec.max);
    case AssertionKind::ShareByWeight:
        return QStringLiteral("weight ±%1 points").arg(spec.tolerance);
    }
    return {};
}

} // namespace blueshift::rollout
