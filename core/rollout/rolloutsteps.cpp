// What each kind of rollout step does, through the ARM-shaped client; the runner's lifecycle
// is in rolloutrunner.cpp.
#include "rolloutrunner.h"

#include "model/containerapp.h"
#include "model/names.h"

#include <QJsonArray>

namespace blueshift::rollout {

namespace {
QJsonArray stringArray(const QStringList &list)
{
    QJsonArray a;
    for (const QString &s : list)
        a.append(s);
    return a;
}

QString weightsText(const QHash<QString, int> &weights)
{
    QStringList names = weights.keys();
    names.sort();
    QStringList parts;
    for (const QString &n : std::as_const(names)) {
        if (weights.value(n) > 0)
            parts.append(QStringLiteral("%1=%2").arg(n).arg(weights.value(n)));
    }
    return parts.join(QLatin1Char(' '));
}

// The template a deploy step sends: the app's current one with the step's changes, every
// other field (resources, probes, volumes on Azure) kept as the control plane gave it.
bool deployTemplate(const QJsonObject &app, const PlanStep &step, QJsonObject *out, QString *error)
{
    QJsonObject tmpl = app.value(QStringLiteral("properties"))
                           .toObject()
                           .value(QStringLiteral("template"))
                           .toObject();
    tmpl.insert(QStringLiteral("revisionSuffix"), step.revisionSuffix);
    if (step.terminationGracePeriodSeconds)
        tmpl.insert(QStringLiteral("terminationGracePeriodSeconds"),
                    *step.terminationGracePeriodSeconds);
    QJsonArray containers = tmpl.value(QStringLiteral("containers")).toArray();
    qsizetype index = step.container.isEmpty() && !containers.isEmpty() ? 0 : -1;
    QStringList names;
    for (qsizetype i = 0; i < containers.size(); ++i) {
        const QString name = containers.at(i).toObject().value(QStringLiteral("name")).toString();
        names.append(name);
        if (!step.container.isEmpty() && name == step.container)
            index = i;
    }
    if (index < 0) {
        *error = step.container.isEmpty()
                     ? QStringLiteral("the app's template has no container to change")
                     : QStringLiteral("the app's template has no container '%1' (it has %2)")
                           .arg(step.container, names.join(QStringLiteral(", ")));
        return false;
    }
    QJsonObject c = containers.at(index).toObject();
    if (!step.image.isEmpty())
        c.insert(QStringLiteral("image"), step.image);
    if (step.command)
        c.insert(QStringLiteral("command"), stringArray(*step.command));
    if (step.args)
        c.insert(QStringLiteral("args"), stringArray(*step.args));
    if (!step.env.isEmpty()) {
        QJsonArray env = c.value(QStringLiteral("env")).toArray();
        for (const EnvSetting &e : step.env) {
            for (qsizetype i = env.size() - 1; i >= 0; --i) {
                if (env.at(i).toObject().value(QStringLiteral("name")).toString() == e.name)
                    env.removeAt(i);
            }
            if (e.remove)
                continue;
            QJsonObject entry{{QStringLiteral("name"), e.name}};
            if (e.secretRef.isEmpty())
                entry.insert(QStringLiteral("value"), e.value);
            else
                entry.insert(QStringLiteral("secretRef"), e.secretRef);
            env.append(entry);
        }
        c.insert(QStringLiteral("env"), env);
    }
    containers[index] = c;
    tmpl.insert(QStringLiteral("containers"), containers);
    *out = tmpl;
    return true;
}
} // namespace

void RolloutRunner::call(controlplane::ArmCall *c,
                         std::function<void(controlplane::ArmCall *)> done)
{
    m_call = c;
    connect(c, &controlplane::ArmCall::finished, this, [this, c, done = std::move(done)] {
        if (m_call == c)
            m_call = nullptr;
        // A run that failed or was aborted meanwhile has moved on.
        if (m_outcome != Outcome::Running || m_phase == Phase::Done)
            return;
        done(c);
    });
}

void RolloutRunner::after(int ms, std::function<void()> then)
{
    m_onTimer = std::move(then);
    m_timer.start(std::max(0, ms));
}

void RolloutRunner::pollUntil(std::function<bool()> condition, double deadline,
                              std::function<void(bool)> done)
{
    if (condition()) {
        done(true);
        return;
    }
    if (now() >= deadline) {
        done(false);
        return;
    }
    // The fleets hand over their changes every batch interval (200 ms): polling faster finds
    // nothing new.
    after(200, [this, condition = std::move(condition), deadline, done = std::move(done)] {
        pollUntil(condition, deadline, done);
    });
}

void RolloutRunner::pollReady(const QString &revision, double deadline,
                              std::function<void(QString)> done)
{
    call(m_client->getRevision(m_plan.target.app, revision), [this, revision, deadline,
                                                              done](controlplane::ArmCall *c) {
        model::Revision r;
        QString error;
        QString state = QStringLiteral("not found");
        if (c->ok()) {
            if (!model::fromJson(c->body(), &r, &error)) {
                done(QStringLiteral("revision '%1': %2").arg(revision, error));
                return;
            }
            const bool running = r.runningState == QLatin1String("Running") ||
                                 r.runningState == QLatin1String("RunningAtMaxScale");
            if (r.active && r.provisioningState == QLatin1String("Provisioned") && running) {
                done(QString());
                return;
            }
            if (r.provisioningState == QLatin1String("Failed") ||
                r.runningState == QLatin1String("Failed")) {
                done(QStringLiteral("revision '%1' failed (%2%3)")
                         .arg(revision, r.runningState,
                              r.runningStateDetails.isEmpty()
                                  ? QString()
                                  : QStringLiteral(": ") + r.runningStateDetails));
                return;
            }
            state = QStringLiteral("provisioning %1, running %2")
                        .arg(r.provisioningState, r.runningState);
        } else if (c->status() != 404) {
            // Azure may not list a revision the moment its PATCH returns; anything else
            // (after the client's own retries) is an answer.
            done(QStringLiteral("cannot read revision '%1': %2").arg(revision, c->errorText()));
            return;
        }
        if (now() >= deadline) {
            done(QStringLiteral("revision '%1' not ready in time (%2)").arg(revision, state));
            return;
        }
        after(m_options.pollIntervalMs,
              [this, revision, deadline, done] { pollReady(revision, deadline, done); });
    });
}

void RolloutRunner::runDeploy(const PlanStep &step)
{
    auto whenReady = [this, step](const QString &name) {
        pollReady(name, m_steps.at(step.index).start + step.timeoutSeconds,
                  [this, step, name](const QString &why) {
                      if (!why.isEmpty()) {
                          stepDone(false, why);
                          return;
                      }
                      StepWindow &w = m_steps[step.index];
                      w.actionDone = now();
                      w.weights = m_resolver.effectiveWeights();
                      stepDone(true, QStringLiteral("revision %1 ready").arg(name));
                  });
    };
    // A retry after the PATCH was accepted: another PATCH would make nothing new; wait again.
    if (const QString made = m_steps.at(step.index).revision; !made.isEmpty()) {
        whenReady(made);
        return;
    }
    call(m_client->getApp(m_plan.target.app), [this, step, whenReady](controlplane::ArmCall *c) {
        if (!c->ok()) {
            stepDone(false, QStringLiteral("cannot read the app: ") + c->errorText());
            return;
        }
        QJsonObject tmpl;
        QString error;
        if (!deployTemplate(c->body(), step, &tmpl, &error)) {
            stepDone(false, error);
            return;
        }
        const QJsonObject patch{
            {QStringLiteral("properties"), QJsonObject{{QStringLiteral("template"), tmpl}}}};
        call(m_client->patchApp(m_plan.target.app, patch),
             [this, step, whenReady](controlplane::ArmCall *p) {
                 if (!p->ok()) {
                     stepDone(false, QStringLiteral("PATCH of the template: ") + p->errorText());
                     return;
                 }
                 const QString name = model::revisionName(m_plan.target.app, step.revisionSuffix);
                 m_resolver.deployed(name);
                 model::ContainerApp app;
                 QString error;
                 // The app as changed: a traffic list that follows latestRevision moved with it.
                 if (model::fromJson(p->body(), &app, &error) && app.configuration.ingress)
                     m_resolver.setTraffic(app.configuration.ingress->traffic);
                 m_steps[step.index].revision = name;
                 whenReady(name);
             });
    });
}

void RolloutRunner::patchTraffic(const QList<model::TrafficWeight> &traffic, const QString &what)
{
    const QJsonObject patch{
        {QStringLiteral("properties"),
         QJsonObject{
             {QStringLiteral("configuration"),
              QJsonObject{{QStringLiteral("ingress"),
                           QJsonObject{{QStringLiteral("traffic"), model::toJson(traffic)}}}}}}}};
    const int index = m_current;
    call(m_client->patchApp(m_plan.target.app, patch), [this, traffic, what,
                                                        index](controlplane::ArmCall *c) {
        if (!c->ok()) {
            stepDone(false, QStringLiteral("PATCH of the traffic: ") + c->errorText());
            return;
        }
        model::ContainerApp app;
        QString error;
        if (model::fromJson(c->body(), &app, &error) && app.configuration.ingress)
            m_resolver.setTraffic(app.configuration.ingress->traffic);
        else
            m_resolver.setTraffic(traffic);
        StepWindow &w = m_steps[index];
        w.actionDone = now();
        w.weights = m_resolver.effectiveWeights();
        stepDone(true, what.isEmpty() ? QStringLiteral("weights ") + weightsText(w.weights) : what);
    });
}

void RolloutRunner::runTraffic(const PlanStep &step)
{
    QList<QPair<QString, int>> weights;
    QString error;
    if (!m_resolver.resolveWeights(step.weights, &weights, &error)) {
        stepDone(false, error);
        return;
    }
    patchTraffic(m_resolver.withWeights(weights), QString());
}

void RolloutRunner::runLabel(const PlanStep &step)
{
    QString error;
    const QString name = m_resolver.resolve(step.revision, &error);
    if (name.isEmpty()) {
        stepDone(false, error);
        return;
    }
    m_steps[step.index].revision = name;
    patchTraffic(m_resolver.withLabel(name, step.label, step.removeLabel),
                 QStringLiteral("label %1 %2 %3")
                     .arg(step.label,
                          step.removeLabel ? QStringLiteral("removed from") : QStringLiteral("on"),
                          name));
}

void RolloutRunner::runRevisionAction(const PlanStep &step, bool activate)
{
    QString error;
    const QString name = m_resolver.resolve(step.revision, &error);
    if (name.isEmpty()) {
        stepDone(false, error);
        return;
    }
    m_steps[step.index].revision = name;
    const QString action = activate ? QStringLiteral("activate") : QStringLiteral("deactivate");
    // The grace period first: the verdict on the closes waits for it, not for a guess.
    call(m_client->getRevision(m_plan.target.app, name), [this, step, name, action,
                                                          activate](controlplane::ArmCall *c) {
        model::Revision r;
        QString error;
        if (!c->ok() || !model::fromJson(c->body(), &r, &error)) {
            stepDone(false, QStringLiteral("cannot read revision '%1': %2")
                                .arg(name, c->ok() ? error : c->errorText()));
            return;
        }
        const int grace = r.tmpl.terminationGracePeriodSeconds;
        call(m_client->revisionAction(m_plan.target.app, name, action),
             [this, step, name, action, activate, grace](controlplane::ArmCall *a) {
                 if (!a->ok()) {
                     stepDone(false, QStringLiteral("%1 %2: %3").arg(action, name, a->errorText()));
                     return;
                 }
                 StepWindow &w = m_steps[step.index];
                 w.actionDone = now();
                 w.graceSeconds = grace;
                 if (activate) {
                     m_deactivated.remove(name);
                     stepDone(true, QStringLiteral("%1 active").arg(name));
                     return;
                 }
                 m_deactivated.insert(name, qMakePair(w.start, grace));
                 stepDone(true, QStringLiteral("%1 deactivated with %2 open sessions; grace period "
                                               "%3 s")
                                    .arg(name)
                                    .arg(openOn(name))
                                    .arg(grace));
             });
    });
}

void RolloutRunner::runWait(const PlanStep &step)
{
    const double deadline = m_steps.at(step.index).start + step.timeoutSeconds;
    QString error;
    switch (step.until) {
    case WaitCondition::None:
        after(int(step.seconds * 1000), [this] { stepDone(true, QString()); });
        return;
    case WaitCondition::Ready: {
        const QString name = m_resolver.resolve(step.revision, &error);
        if (name.isEmpty()) {
            stepDone(false, error);
            return;
        }
        m_steps[step.index].revision = name;
        pollReady(name, deadline, [this, name](const QString &why) {
            stepDone(why.isEmpty(), why.isEmpty() ? QStringLiteral("%1 ready").arg(name) : why);
        });
        return;
    }
    case WaitCondition::Drained: {
        const QString name = m_resolver.resolve(step.revision, &error);
        if (name.isEmpty()) {
            stepDone(false, error);
            return;
        }
        m_steps[step.index].revision = name;
        pollUntil([this, name] { return openOn(name) == 0; }, deadline,
                  [this, name, step](bool ok) {
                      stepDone(ok, ok ? QStringLiteral("no session open on %1").arg(name)
                                      : QStringLiteral("%1 sessions still open on %2 after %3 s")
                                            .arg(openOn(name))
                                            .arg(name)
                                            .arg(step.timeoutSeconds));
                  });
        return;
    }
    case WaitCondition::SessionsOpen:
        pollUntil(
            [this] {
                for (const auto &g : m_groups) {
                    if (!g->fleet->isRunning())
                        continue;
                    for (const harness::SessionRecord &r : g->fleet->sessions()) {
                        if (r.firstOpenTime < 0 && r.state != harness::SessionState::Closed)
                            return false;
                    }
                }
                return true;
            },
            deadline,
            [this, step](bool ok) {
                stepDone(ok, ok ? QStringLiteral("every session has opened")
                                : QStringLiteral("sessions still opening after %1 s")
                                      .arg(step.timeoutSeconds));
            });
        return;
    }
}

void RolloutRunner::runStartSessions(const PlanStep &step)
{
    // A retry: the group this step started is still running (the plan never starts a running
    // group), so only wait for its sessions again.
    if (SessionGroupRun *g = group(step.group); g && g->fleet->isRunning() && !g->stopped) {
        waitForGroupOpen(g, now() + g->spec.startTimeoutSeconds,
                         [this](bool ok, const QString &detail) { stepDone(ok, detail); });
        return;
    }
    QString error;
    if (!startGroup(step.sessions, &error)) {
        stepDone(false, error);
        return;
    }
    SessionGroupRun *g = m_groups.back().get();
    waitForGroupOpen(g, now() + g->spec.startTimeoutSeconds,
                     [this](bool ok, const QString &detail) { stepDone(ok, detail); });
}

void RolloutRunner::runStopSessions(const PlanStep &step)
{
    SessionGroupRun *g = group(step.group);
    if (!g || !g->fleet->isRunning()) {
        stepDone(false, QStringLiteral("session group '%1' is not running").arg(step.group));
        return;
    }
    harness::Fleet *fleet = g->fleet.get();
    fleet->stop();
    pollUntil([fleet] { return fleet->isFinished(); },
              now() + fleet->config().stopTimeoutSeconds + 10,
              [this, g, step](bool ok) {
                  g->stopped = ok;
                  stepDone(ok, ok ? QStringLiteral("%1 stopped").arg(step.group)
                                  : QStringLiteral("%1 did not stop in time").arg(step.group));
              });
}

} // namespace blueshift::rollout
