#include "planparser.h"
#include "planreader.h"

#include "model/names.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSet>

#include <cmath>

namespace blueshift::rollout {

namespace {

const QRegularExpression &groupPattern()
{
    static const QRegularExpression re(QStringLiteral("^[a-z0-9][a-z0-9-]{0,31}$"));
    return re;
}

QString refError(const QString &ref, const QString &app)
{
    if (ref.isEmpty())
        return QStringLiteral("may not be empty");
    if (ref == QLatin1String("latest") || ref == QLatin1String("previous"))
        return {};
    if (ref.startsWith(QLatin1String("label:"))) {
        const QString e = model::labelError(ref.mid(6));
        return e.isEmpty() ? QString() : QStringLiteral("'%1': %2").arg(ref, e);
    }
    const qsizetype sep = ref.indexOf(QLatin1String("--"));
    if (sep >= 0) {
        if (ref.left(sep) != app)
            return QStringLiteral("'%1' names a revision of another app than '%2'").arg(ref, app);
        const QString e = model::revisionSuffixError(ref.mid(sep + 2), app);
        return e.isEmpty() ? QString() : QStringLiteral("'%1': %2").arg(ref, e);
    }
    const QString e = model::revisionSuffixError(ref, app);
    return e.isEmpty() ? QString()
                       : QStringLiteral("'%1' is not a revision suffix: %2").arg(ref, e);
}

bool readRef(const PlanReader &r, const QJsonObject &o, const QString &key, const QString &app,
             RevisionRef *out)
{
    QString text;
    if (!r.string(o, key, &text, true))
        return false;
    if (const QString e = refError(text, app); !e.isEmpty())
        return r.fail(key, e);
    out->text = text;
    return true;
}

bool readEnv(const PlanReader &r, const QJsonObject &o, QList<EnvSetting> *out)
{
    if (!o.contains(QStringLiteral("env")))
        return true;
    if (!o.value(QStringLiteral("env")).isObject())
        return r.fail(QStringLiteral("env"),
                      QStringLiteral("must be an object of NAME: value (or null to remove)"));
    static const QRegularExpression name(QStringLiteral("^[A-Za-z_][A-Za-z0-9_.-]*$"));
    const QJsonObject env = o.value(QStringLiteral("env")).toObject();
    for (auto it = env.begin(); it != env.end(); ++it) {
        EnvSetting s;
        s.name = it.key();
        if (!name.match(s.name).hasMatch())
            return r.fail(QStringLiteral("env"),
                          QStringLiteral("has an invalid variable name '%1'").arg(s.name));
        if (it.value().isNull()) {
            s.remove = true;
        } else if (it.value().isString()) {
            s.value = it.value().toString();
        } else if (it.value().isObject() &&
                   it.value().toObject().keys() == QStringList{QStringLiteral("secretRef")} &&
                   it.value().toObject().value(QStringLiteral("secretRef")).isString()) {
            s.secretRef = it.value().toObject().value(QStringLiteral("secretRef")).toString();
        } else {
            return r.fail(QStringLiteral("env.") + s.name,
                          QStringLiteral("must be a string, {\"secretRef\": name} or null"));
        }
        out->append(s);
    }
    return true;
}

bool readWeights(const PlanReader &r, const QJsonObject &o, const QString &app, PlanStep *step)
{
    if (!o.contains(QStringLiteral("weights")))
        return r.fail(QStringLiteral("weights"), QStringLiteral("is required"));
    if (!o.value(QStringLiteral("weights")).isObject())
        return r.fail(QStringLiteral("weights"),
                      QStringLiteral("must be an object of revision: weight"));
    const QJsonObject w = o.value(QStringLiteral("weights")).toObject();
    if (w.isEmpty())
        return r.fail(QStringLiteral("weights"), QStringLiteral("may not be empty"));
    int sum = 0;
    for (auto it = w.begin(); it != w.end(); ++it) {
        if (const QString e = refError(it.key(), app); !e.isEmpty())
            return r.fail(QStringLiteral("weights"), e);
        const QJsonValue v = it.value();
        if (!v.isDouble() || v.toDouble() != std::floor(v.toDouble()) || v.toDouble() < 0 ||
            v.toDouble() > 100)
            return r.fail(QStringLiteral("weights.") + it.key(),
                          QStringLiteral("must be a whole number from 0 to 100"));
        sum += int(v.toDouble());
        step->weights.append(qMakePair(RevisionRef{it.key()}, int(v.toDouble())));
    }
    if (sum != 100)
        return r.fail(QStringLiteral("weights"),
                      QStringLiteral("must add up to 100 (they add up to %1)").arg(sum));
    return true;
}

bool readAssertion(const PlanReader &r, AssertionKind kind, const QJsonValue &v, AssertionSpec *a)
{
    a->kind = kind;
    const QString name = assertionKindName(kind);
    QJsonObject o;
    if (v.isObject()) {
        o = v.toObject();
    } else if (v.isDouble()) {
        const char *key = kind == AssertionKind::ShareByWeight ? "tolerance" : "max";
        if (kind == AssertionKind::CloseCodesOnDeactivated)
            return r.fail(name, QStringLiteral("must be an array of close codes or an object"));
        o.insert(QLatin1String(key), v);
    } else if (v.isArray() && kind == AssertionKind::CloseCodesOnDeactivated) {
        o.insert(QStringLiteral("allowed"), v);
    } else {
        return r.fail(name, QStringLiteral("must be an object, a number or false"));
    }
    const PlanReader t = r.nested(name);
    switch (kind) {
    case AssertionKind::LostDuringShift:
    case AssertionKind::RoutedToDeactivated: {
        int max = 0;
        if (!t.keys(o, PlanReader::keyList({"max"}), name) ||
            !t.integer(o, QStringLiteral("max"), &max, 0, 10000000))
            return false;
        a->max = max;
        return true;
    }
    case AssertionKind::RttP99Ms:
        if (!t.keys(o, PlanReader::keyList({"max"}), name))
            return false;
        if (!o.contains(QStringLiteral("max")))
            return t.fail(QStringLiteral("max"), QStringLiteral("is required"));
        return t.number(o, QStringLiteral("max"), &a->max, 0, 3600000, true);
    case AssertionKind::ShareByWeight:
        return t.keys(o, PlanReader::keyList({"tolerance", "minSessions", "includeReconnects"}),
                      name) &&
               t.number(o, QStringLiteral("tolerance"), &a->tolerance, 0, 100) &&
               t.integer(o, QStringLiteral("minSessions"), &a->minSessions, 1, 10000000) &&
               t.boolean(o, QStringLiteral("includeReconnects"), &a->includeReconnects);
    case AssertionKind::CloseCodesOnDeactivated: {
        if (!t.keys(o, PlanReader::keyList({"allowed"}), name))
            return false;
        if (!o.contains(QStringLiteral("allowed")))
            return t.fail(QStringLiteral("allowed"), QStringLiteral("is required"));
        const QJsonValue list = o.value(QStringLiteral("allowed"));
        if (!list.isArray() || list.toArray().isEmpty())
            return t.fail(QStringLiteral("allowed"),
                          QStringLiteral("must be a non-empty array of close codes"));
        a->allowedCodes.clear();
        for (const QJsonValue &c : list.toArray()) {
            const double d = c.toDouble(-1);
            if (!c.isDouble() || d != std::floor(d) || d < 1000 || d > 4999)
                return t.fail(QStringLiteral("allowed"),
                              QStringLiteral("must hold close codes from 1000 to 4999"));
            a->allowedCodes.append(int(d));
        }
        return true;
    }
    }
    return false;
}

bool readAssertions(const PlanReader &r, const QJsonObject &o, PlanStep *step)
{
    // The defaults a step kind carries; the plan may change or switch them off.
    QList<AssertionSpec> specs;
    if (step->kind == StepKind::Traffic)
        specs.append({AssertionKind::LostDuringShift, 0, {}, 10, 20, false, true});
    if (step->kind == StepKind::Deactivate) {
        specs.append({AssertionKind::CloseCodesOnDeactivated, 0, {1001}, 10, 20, false, true});
        specs.append({AssertionKind::RoutedToDeactivated, 0, {}, 10, 20, false, true});
    }
    QJsonObject given;
    if (!r.object(o, QStringLiteral("assertions"), &given))
        return false;
    for (auto it = given.begin(); it != given.end(); ++it) {
        const auto kind = assertionKindFromName(it.key());
        if (!kind)
            return r.fail(QStringLiteral("assertions"),
                          QStringLiteral("has an unknown assertion '%1' (known: lostDuringShift, "
                                         "closeCodesOnDeactivated, routedToDeactivated, "
                                         "rttP99Ms, shareByWeight)")
                              .arg(it.key()));
        const bool onDeactivated = *kind == AssertionKind::CloseCodesOnDeactivated ||
                                   *kind == AssertionKind::RoutedToDeactivated;
        if (onDeactivated && step->kind != StepKind::Deactivate)
            return r.fail(QStringLiteral("assertions.") + it.key(),
                          QStringLiteral("applies to deactivate steps only"));
        qsizetype existing = -1;
        for (qsizetype i = 0; i < specs.size(); ++i) {
            if (specs.at(i).kind == *kind)
                existing = i;
        }
        if (it.value().isBool()) {
            if (it.value().toBool())
                return r.fail(QStringLiteral("assertions.") + it.key(),
                              QStringLiteral("may be false (to switch a default off), an object "
                                             "or a number, not true"));
            if (existing >= 0)
                specs.removeAt(existing);
            continue;
        }
        AssertionSpec spec = existing >= 0 ? specs.at(existing) : AssertionSpec{};
        spec.byDefault = false;
        if (!readAssertion(r.nested(QStringLiteral("assertions")), *kind, it.value(), &spec))
            return false;
        if (existing >= 0)
            specs[existing] = spec;
        else
            specs.append(spec);
    }
    step->assertions = specs;
    return true;
}

} // namespace

SessionGroupSpec PlanParser::defaultSessions()
{
    SessionGroupSpec g;
    g.name = QStringLiteral("main");
    g.fleet.sessions = 20;
    g.fleet.openRate = 20;
    g.fleet.pingIntervalSeconds = 5;
    g.fleet.reconnect.mode = harness::ReconnectMode::Backoff;
    g.fleet.reconnect.initialSeconds = 0.5;
    g.fleet.reconnect.maxSeconds = 10;
    return g;
}

bool PlanParser::parse(const QByteArray &json, Plan *out, QString *error)
{
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &pe);
    if (pe.error != QJsonParseError::NoError) {
        const QByteArray before = json.left(pe.offset);
        const qsizetype line = before.count('\n') + 1;
        const qsizetype column = pe.offset - (before.lastIndexOf('\n') + 1) + 1;
        *error = QStringLiteral("not JSON: line %1, column %2: %3")
                     .arg(line)
                     .arg(column)
                     .arg(pe.errorString());
        return false;
    }
    if (!doc.isObject()) {
        *error = QStringLiteral("a plan is a JSON object ({\"version\": 1, ...})");
        return false;
    }
    return parse(doc.object(), out, error);
}

bool PlanParser::parse(const QJsonObject &json, Plan *out, QString *error)
{
    const PlanReader top(QString(), QString(), error);
    if (!top.keys(
            json,
            PlanReader::keyList({"version", "name", "description", "target", "sessions", "steps"}),
            QStringLiteral("a plan")))
        return false;
    Plan plan;
    if (!json.contains(QStringLiteral("version")))
        return top.fail(QStringLiteral("version"), QStringLiteral("is required (1)"));
    if (!top.integer(json, QStringLiteral("version"), &plan.version, 0, 1000000))
        return false;
    if (plan.version != 1)
        return top.fail(
            QStringLiteral("version"),
            QStringLiteral("%1 is not supported (this build reads version 1)").arg(plan.version));
    if (!top.string(json, QStringLiteral("name"), &plan.name) ||
        !top.string(json, QStringLiteral("description"), &plan.description))
        return false;

    QJsonObject target;
    if (!json.contains(QStringLiteral("target")))
        return top.fail(QStringLiteral("target"), QStringLiteral("is required ({\"app\": name})"));
    if (!top.object(json, QStringLiteral("target"), &target))
        return false;
    const PlanReader t = top.nested(QStringLiteral("target"));
    if (!t.keys(target, PlanReader::keyList({"app", "subscription", "resourceGroup", "apiVersion"}),
                QStringLiteral("target")) ||
        !t.string(target, QStringLiteral("app"), &plan.target.app, true) ||
        !t.string(target, QStringLiteral("subscription"), &plan.target.subscription) ||
        !t.string(target, QStringLiteral("resourceGroup"), &plan.target.resourceGroup) ||
        !t.string(target, QStringLiteral("apiVersion"), &plan.target.apiVersion))
        return false;
    if (const QString e = model::appNameError(plan.target.app); !e.isEmpty())
        return t.fail(QStringLiteral("app"), e);
    const QString app = plan.target.app;

    plan.sessions = defaultSessions();
    QJsonObject sessions;
    if (!top.object(json, QStringLiteral("sessions"), &sessions) ||
        !top.nested(QStringLiteral("sessions")).sessionGroup(sessions, true, &plan.sessions))
        return false;

    if (!json.contains(QStringLiteral("steps")))
        return top.fail(QStringLiteral("steps"), QStringLiteral("is required"));
    if (!json.value(QStringLiteral("steps")).isArray() ||
        json.value(QStringLiteral("steps")).toArray().isEmpty())
        return top.fail(QStringLiteral("steps"), QStringLiteral("must be a non-empty array"));
    const QJsonArray steps = json.value(QStringLiteral("steps")).toArray();
    QSet<QString> running;
    if (plan.sessions.autoStart)
        running.insert(plan.sessions.name);
    QJsonArray redactedSteps;
    for (qsizetype i = 0; i < steps.size(); ++i) {
        const QString at = QStringLiteral("step %1").arg(i + 1);
        if (!steps.at(i).isObject())
            return PlanReader(at, QString(), error)
                .fail(QString(), QStringLiteral("must be an object"));
        const QJsonObject o = steps.at(i).toObject();
        QString kindName;
        if (!PlanReader(at, QString(), error).string(o, QStringLiteral("kind"), &kindName, true))
            return false;
        const auto kind = stepKindFromName(kindName);
        if (!kind)
            return PlanReader(at, QString(), error)
                .fail(QStringLiteral("kind"),
                      QStringLiteral("'%1' is not a step kind (deploy, traffic, wait, hold, label, "
                                     "deactivate, activate, startSessions, stopSessions)")
                          .arg(kindName));
        const PlanReader r(QStringLiteral("%1 (%2)").arg(at, kindName), QString(), error);
        PlanStep step;
        step.index = int(i);
        step.kind = *kind;
        QStringList allowed = PlanReader::keyList({"kind", "name", "assertions"});
        switch (step.kind) {
        case StepKind::Deploy:
            allowed +=
                PlanReader::keyList({"revisionSuffix", "container", "image", "command", "args",
                                     "env", "terminationGracePeriodSeconds", "timeout"});
            step.timeoutSeconds = 300;
            break;
        case StepKind::Traffic:
            allowed += PlanReader::keyList({"weights"});
            break;
        case StepKind::Wait:
            allowed += PlanReader::keyList({"seconds", "until", "revision", "timeout"});
            step.timeoutSeconds = 120;
            break;
        case StepKind::Hold:
            allowed += PlanReader::keyList({"seconds"});
            break;
        case StepKind::Label:
            allowed += PlanReader::keyList({"revision", "add", "remove"});
            break;
        case StepKind::Deactivate:
        case StepKind::Activate:
            allowed += PlanReader::keyList({"revision"});
            break;
        case StepKind::StartSessions:
            allowed += PlanReader::keyList({"group", "sessions"});
            break;
        case StepKind::StopSessions:
            allowed += PlanReader::keyList({"group"});
            break;
        }
        if (!r.keys(o, allowed, QStringLiteral("a %1 step").arg(kindName)) ||
            !r.string(o, QStringLiteral("name"), &step.name))
            return false;

        switch (step.kind) {
        case StepKind::Deploy: {
            int grace = -1;
            if (!r.string(o, QStringLiteral("revisionSuffix"), &step.revisionSuffix, true) ||
                !r.string(o, QStringLiteral("container"), &step.container) ||
                !r.string(o, QStringLiteral("image"), &step.image) ||
                !r.stringList(o, QStringLiteral("command"), &step.command) ||
                !r.stringList(o, QStringLiteral("args"), &step.args) || !readEnv(r, o, &step.env) ||
                !r.integer(o, QStringLiteral("terminationGracePeriodSeconds"), &grace, 0, 600) ||
                !r.number(o, QStringLiteral("timeout"), &step.timeoutSeconds, 0, 86400, true))
                return false;
            if (const QString e = model::revisionSuffixError(step.revisionSuffix, app);
                !e.isEmpty())
                return r.fail(QStringLiteral("revisionSuffix"), e);
            if (grace >= 0)
                step.terminationGracePeriodSeconds = grace;
            break;
        }
        case StepKind::Traffic:
            if (!readWeights(r, o, app, &step))
                return false;
            break;
        case StepKind::Wait: {
            const bool hasSeconds = o.contains(QStringLiteral("seconds"));
            const bool hasUntil = o.contains(QStringLiteral("until"));
            if (hasSeconds == hasUntil)
                return r.fail(QString(), QStringLiteral("a wait step takes either seconds or "
                                                        "until (ready, drained, sessionsOpen)"));
            if (hasSeconds) {
                if (o.contains(QStringLiteral("revision")) || o.contains(QStringLiteral("timeout")))
                    return r.fail(QString(), QStringLiteral("a wait of a number of seconds takes "
                                                            "no revision or timeout"));
                if (!r.number(o, QStringLiteral("seconds"), &step.seconds, 0, 86400))
                    return false;
                break;
            }
            QString until;
            if (!r.string(o, QStringLiteral("until"), &until, true) ||
                !r.number(o, QStringLiteral("timeout"), &step.timeoutSeconds, 0, 86400, true))
                return false;
            if (until == QLatin1String("ready"))
                step.until = WaitCondition::Ready;
            else if (until == QLatin1String("drained"))
                step.until = WaitCondition::Drained;
            else if (until == QLatin1String("sessionsOpen"))
                step.until = WaitCondition::SessionsOpen;
            else
                return r.fail(QStringLiteral("until"),
                              QStringLiteral("must be ready, drained or sessionsOpen"));
            if (step.until == WaitCondition::SessionsOpen) {
                if (o.contains(QStringLiteral("revision")))
                    return r.fail(QStringLiteral("revision"),
                                  QStringLiteral("is not used by until sessionsOpen"));
            } else if (!readRef(r, o, QStringLiteral("revision"), app, &step.revision)) {
                return false;
            }
            break;
        }
        case StepKind::Hold:
            if (!o.contains(QStringLiteral("seconds")))
                return r.fail(QStringLiteral("seconds"), QStringLiteral("is required"));
            if (!r.number(o, QStringLiteral("seconds"), &step.seconds, 0, 86400))
                return false;
            break;
        case StepKind::Label: {
            if (!readRef(r, o, QStringLiteral("revision"), app, &step.revision))
                return false;
            const bool add = o.contains(QStringLiteral("add"));
            if (add == o.contains(QStringLiteral("remove")))
                return r.fail(QString(), QStringLiteral("a label step takes either add or remove"));
            step.removeLabel = !add;
            if (!r.string(o, add ? QStringLiteral("add") : QStringLiteral("remove"), &step.label,
                          true))
                return false;
            if (const QString e = model::labelError(step.label); !e.isEmpty())
                return r.fail(add ? QStringLiteral("add") : QStringLiteral("remove"), e);
            break;
        }
        case StepKind::Deactivate:
        case StepKind::Activate:
            if (!readRef(r, o, QStringLiteral("revision"), app, &step.revision))
                return false;
            break;
        case StepKind::StartSessions:
        case StepKind::StopSessions: {
            if (!r.string(o, QStringLiteral("group"), &step.group, true))
                return false;
            if (!groupPattern().match(step.group).hasMatch())
                return r.fail(QStringLiteral("group"),
                              QStringLiteral("must be 1 to 32 lowercase letters, digits or '-'"));
            if (step.kind == StepKind::StopSessions) {
                if (!running.contains(step.group))
                    return r.fail(
                        QStringLiteral("group"),
                        QStringLiteral("'%1' is not running at this step").arg(step.group));
                running.remove(step.group);
                break;
            }
            if (running.contains(step.group))
                return r.fail(QStringLiteral("group"),
                              QStringLiteral("'%1' is already running").arg(step.group));
            step.sessions = plan.sessions;
            step.sessions.name = step.group;
            QJsonObject overrides;
            if (!r.object(o, QStringLiteral("sessions"), &overrides) ||
                !r.nested(QStringLiteral("sessions"))
                     .sessionGroup(overrides, false, &step.sessions))
                return false;
            running.insert(step.group);
            break;
        }
        }
        if (!readAssertions(r, o, &step))
            return false;
        if (step.name.isEmpty())
            step.name = defaultStepName(step);
        plan.steps.append(step);

        QJsonObject redacted = o;
        if (o.contains(QStringLiteral("env"))) {
            QJsonObject env = o.value(QStringLiteral("env")).toObject();
            for (auto it = env.begin(); it != env.end(); ++it) {
                if (it.value().isString())
                    it.value() = QStringLiteral("(set)");
            }
            redacted.insert(QStringLiteral("env"), env);
        }
        redactedSteps.append(redacted);
    }
    plan.redactedJson = json;
    plan.redactedJson.insert(QStringLiteral("steps"), redactedSteps);
    *out = plan;
    return true;
}

} // namespace blueshift::rollout
