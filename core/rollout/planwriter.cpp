#include "planwriter.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>

#include <algorithm>

namespace blueshift::rollout {

namespace {
QJsonArray strings(const QStringList &list)
{
    return QJsonArray::fromStringList(list);
}

QJsonObject sessionGroup(const SessionGroupSpec &g, bool topLevel)
{
    const harness::FleetConfig &c = g.fleet;
    QJsonObject o{
        {QStringLiteral("url"), g.url},
        {QStringLiteral("path"), g.path},
        {QStringLiteral("connections"), c.sessions},
        {QStringLiteral("openRate"), c.openRate},
        {QStringLiteral("pingInterval"), c.pingIntervalSeconds},
        {QStringLiteral("traffic"),
         QJsonObject{{QStringLiteral("mode"), harness::trafficModeName(c.traffic)},
                     {QStringLiteral("interval"), c.trafficIntervalSeconds},
                     {QStringLiteral("bytes"), c.echoBytes}}},
        {QStringLiteral("reconnect"),
         QJsonObject{{QStringLiteral("mode"), harness::reconnectModeName(c.reconnect.mode)},
                     {QStringLiteral("initial"), c.reconnect.initialSeconds},
                     {QStringLiteral("multiplier"), c.reconnect.multiplier},
                     {QStringLiteral("max"), c.reconnect.maxSeconds},
                     {QStringLiteral("jitter"), c.reconnect.jitter},
                     {QStringLiteral("maxAttempts"), c.reconnect.maxAttempts}}},
        {QStringLiteral("threads"), c.threads},
        {QStringLiteral("connectTimeout"), c.connectTimeoutSeconds},
        {QStringLiteral("startTimeout"), g.startTimeoutSeconds}};
    if (!g.scheme.isEmpty())
        o.insert(QStringLiteral("scheme"), g.scheme);
    if (c.protocol != harness::SessionProtocol::WebSocket)
        o.insert(QStringLiteral("protocol"), harness::sessionProtocolName(c.protocol));
    if (c.protocol == harness::SessionProtocol::SocketIo && c.socketIoNamespace != "/")
        o.insert(QStringLiteral("socketioNamespace"), QString::fromUtf8(c.socketIoNamespace));
    if (!c.revisionHeader.isEmpty())
        o.insert(QStringLiteral("revisionHeader"), QString::fromLatin1(c.revisionHeader));
    if (!c.revisionPointer.isEmpty())
        o.insert(QStringLiteral("revisionFromMessage"), c.revisionPointer);
    if (!g.label.isEmpty())
        o.insert(QStringLiteral("label"), g.label);
    if (!g.revision.isEmpty())
        o.insert(QStringLiteral("revision"), g.revision);
    if (topLevel)
        o.insert(QStringLiteral("autoStart"), g.autoStart);
    return o;
}

QJsonObject assertionJson(const AssertionSpec &a)
{
    switch (a.kind) {
    case AssertionKind::LostDuringShift:
    case AssertionKind::RoutedToDeactivated:
        return {{QStringLiteral("max"), int(a.max)}};
    case AssertionKind::RttP99Ms:
        return {{QStringLiteral("max"), a.max}};
    case AssertionKind::CloseCodesOnDeactivated: {
        QJsonArray codes;
        for (int c : a.allowedCodes)
            codes.append(c);
        return {{QStringLiteral("allowed"), codes}};
    }
    case AssertionKind::ShareByWeight:
        return {{QStringLiteral("tolerance"), a.tolerance},
                {QStringLiteral("minSessions"), a.minSessions},
                {QStringLiteral("includeReconnects"), a.includeReconnects}};
    }
    return {};
}

// The kinds PlanParser adds to a step of this kind unless the plan switches them off.
QList<AssertionKind> defaultKinds(StepKind kind)
{
    if (kind == StepKind::Traffic)
        return {AssertionKind::LostDuringShift};
    if (kind == StepKind::Deactivate)
        return {AssertionKind::CloseCodesOnDeactivated, AssertionKind::RoutedToDeactivated};
    return {};
}

QJsonObject assertions(const PlanStep &step)
{
    QJsonObject o;
    for (const AssertionSpec &a : step.assertions) {
        if (!a.byDefault)
            o.insert(assertionKindName(a.kind), assertionJson(a));
    }
    for (AssertionKind kind : defaultKinds(step.kind)) {
        const bool present = std::any_of(step.assertions.begin(), step.assertions.end(),
                                         [kind](const AssertionSpec &a) { return a.kind == kind; });
        if (!present)
            o.insert(assertionKindName(kind), false);
    }
    return o;
}

QJsonObject stepJson(const PlanStep &s)
{
    QJsonObject o{{QStringLiteral("kind"), stepKindName(s.kind)}, {QStringLiteral("name"), s.name}};
    switch (s.kind) {
    case StepKind::Deploy: {
        o.insert(QStringLiteral("revisionSuffix"), s.revisionSuffix);
        if (!s.container.isEmpty())
            o.insert(QStringLiteral("container"), s.container);
        if (!s.image.isEmpty())
            o.insert(QStringLiteral("image"), s.image);
        if (s.command)
            o.insert(QStringLiteral("command"), strings(*s.command));
        if (s.args)
            o.insert(QStringLiteral("args"), strings(*s.args));
        if (!s.env.isEmpty()) {
            QJsonObject env;
            for (const EnvSetting &e : s.env) {
                if (e.remove)
                    env.insert(e.name, QJsonValue::Null);
                else if (!e.secretRef.isEmpty())
                    env.insert(e.name, QJsonObject{{QStringLiteral("secretRef"), e.secretRef}});
                else
                    env.insert(e.name, e.value);
            }
            o.insert(QStringLiteral("env"), env);
        }
        if (s.terminationGracePeriodSeconds)
            o.insert(QStringLiteral("terminationGracePeriodSeconds"),
                     *s.terminationGracePeriodSeconds);
        o.insert(QStringLiteral("timeout"), s.timeoutSeconds);
        break;
    }
    case StepKind::Traffic: {
        QJsonObject weights;
        for (const auto &[ref, weight] : s.weights)
            weights.insert(ref.text, weight);
        o.insert(QStringLiteral("weights"), weights);
        break;
    }
    case StepKind::Wait:
        if (s.until == WaitCondition::None) {
            o.insert(QStringLiteral("seconds"), s.seconds);
            break;
        }
        o.insert(QStringLiteral("until"), waitConditionName(s.until));
        if (s.until != WaitCondition::SessionsOpen)
            o.insert(QStringLiteral("revision"), s.revision.text);
        o.insert(QStringLiteral("timeout"), s.timeoutSeconds);
        break;
    case StepKind::Hold:
        o.insert(QStringLiteral("seconds"), s.seconds);
        break;
    case StepKind::Label:
        o.insert(QStringLiteral("revision"), s.revision.text);
        o.insert(s.removeLabel ? QStringLiteral("remove") : QStringLiteral("add"), s.label);
        break;
    case StepKind::Deactivate:
    case StepKind::Activate:
        o.insert(QStringLiteral("revision"), s.revision.text);
        break;
    case StepKind::StartSessions: {
        o.insert(QStringLiteral("group"), s.group);
        o.insert(QStringLiteral("sessions"), sessionGroup(s.sessions, false));
        break;
    }
    case StepKind::StopSessions:
        o.insert(QStringLiteral("group"), s.group);
        break;
    }
    const QJsonObject a = assertions(s);
    if (!a.isEmpty())
        o.insert(QStringLiteral("assertions"), a);
    return o;
}
} // namespace

QJsonObject PlanWriter::toJson(const Plan &plan)
{
    QJsonObject target{{QStringLiteral("app"), plan.target.app}};
    if (!plan.target.subscription.isEmpty())
        target.insert(QStringLiteral("subscription"), plan.target.subscription);
    if (!plan.target.resourceGroup.isEmpty())
        target.insert(QStringLiteral("resourceGroup"), plan.target.resourceGroup);
    if (!plan.target.apiVersion.isEmpty())
        target.insert(QStringLiteral("apiVersion"), plan.target.apiVersion);
    QJsonArray steps;
    for (const PlanStep &s : plan.steps)
        steps.append(stepJson(s));
    QJsonObject o{{QStringLiteral("version"), plan.version},
                  {QStringLiteral("target"), target},
                  {QStringLiteral("sessions"), sessionGroup(plan.sessions, true)},
                  {QStringLiteral("steps"), steps}};
    if (!plan.name.isEmpty())
        o.insert(QStringLiteral("name"), plan.name);
    if (!plan.description.isEmpty())
        o.insert(QStringLiteral("description"), plan.description);
    return o;
}

QByteArray PlanWriter::toBytes(const Plan &plan)
{
    return QJsonDocument(toJson(plan)).toJson(QJsonDocument::Indented);
}

bool PlanWriter::save(const Plan &plan, const QString &path, QString *error)
{
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(toBytes(plan)) < 0 || !f.commit()) {
        *error = QStringLiteral("cannot write %1: %2").arg(path, f.errorString());
        return false;
    }
    return true;
}

} // namespace blueshift::rollout
