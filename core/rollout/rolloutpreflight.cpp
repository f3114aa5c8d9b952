// Before a rollout changes anything: the app and its revisions as the control plane has them,
// and a dry pass over the plan that rejects a reference to a revision that will not exist.
#include "rolloutrunner.h"

#include "model/containerapp.h"

#include <algorithm>

namespace blueshift::rollout {

void RolloutRunner::loadApp()
{
    call(m_client->getApp(m_plan.target.app), [this](controlplane::ArmCall *c) {
        if (!c->ok()) {
            const QString where = m_client->endpoint().baseUrl.toString();
            if (c->status() == 404)
                fail(Outcome::Rejected, QStringLiteral("app '%1' does not exist at %2 (%3)")
                                            .arg(m_plan.target.app, where, c->errorText()));
            else
                fail(Outcome::Failed, QStringLiteral("cannot read app '%1' at %2: %3")
                                          .arg(m_plan.target.app, where, c->errorText()));
            return;
        }
        m_app = c->body();
        model::ContainerApp app;
        QString error;
        if (!model::fromJson(m_app, &app, &error)) {
            fail(Outcome::Failed, QStringLiteral("app '%1' as the control plane describes it: %2")
                                      .arg(m_plan.target.app, error));
            return;
        }
        if (app.configuration.ingress) {
            m_ingressFqdn = app.configuration.ingress->fqdn;
            m_resolver.setTraffic(app.configuration.ingress->traffic);
        }
        loadRevisions();
    });
}

void RolloutRunner::loadRevisions()
{
    const QString latest = m_app.value(QStringLiteral("properties"))
                               .toObject()
                               .value(QStringLiteral("latestRevisionName"))
                               .toString();
    call(m_client->listRevisions(m_plan.target.app), [this, latest](controlplane::ArmCall *c) {
        if (!c->ok()) {
            fail(Outcome::Failed, QStringLiteral("cannot list the revisions of app '%1': %2")
                                      .arg(m_plan.target.app, c->errorText()));
            return;
        }
        QList<model::Revision> revisions;
        for (const QJsonValue &v : c->items()) {
            model::Revision r;
            QString error;
            if (model::fromJson(v.toObject(), &r, &error))
                revisions.append(r);
        }
        std::stable_sort(revisions.begin(), revisions.end(),
                         [](const model::Revision &a, const model::Revision &b) {
                             return a.createdTime < b.createdTime;
                         });
        QStringList names;
        for (const model::Revision &r : std::as_const(revisions)) {
            names.append(r.name);
            if (!r.active)
                m_inactiveAtStart.insert(r.name);
        }
        m_resolver.setRevisions(names);
        m_resolver.setLatest(latest);
        QString error;
        if (!preflight(&error)) {
            fail(Outcome::Rejected, error);
            return;
        }
        openEventStream();
    });
}

bool RolloutRunner::preflight(QString *error) const
{
    // A dry pass over the steps: every reference must name a revision by the time its step runs.
    RevisionResolver sim = m_resolver;
    QSet<QString> inactive = m_inactiveAtStart;
    for (const PlanStep &s : m_plan.steps) {
        const QString at =
            QStringLiteral("step %1 (%2): ").arg(s.index + 1).arg(stepKindName(s.kind));
        QString why;
        switch (s.kind) {
        case StepKind::Deploy: {
            const QString name = m_plan.target.app + QStringLiteral("--") + s.revisionSuffix;
            if (sim.exists(name)) {
                *error = at + QStringLiteral("revisionSuffix: revision '%1' already exists; give "
                                             "the new revision a new suffix")
                                  .arg(name);
                return false;
            }
            sim.deployed(name);
            break;
        }
        case StepKind::Traffic: {
            QList<QPair<QString, int>> weights;
            if (!sim.resolveWeights(s.weights, &weights, &why)) {
                *error = at + why;
                return false;
            }
            for (const auto &[name, weight] : weights) {
                if (weight > 0 && inactive.contains(name)) {
                    *error = at + QStringLiteral("weights: revision '%1' is not active at this "
                                                 "step; activate it first")
                                      .arg(name);
                    return false;
                }
            }
            sim.setTraffic(sim.withWeights(weights));
            break;
        }
        case StepKind::Label: {
            const QString name = sim.resolve(s.revision, &why);
            if (name.isEmpty()) {
                *error = at + QStringLiteral("revision: ") + why;
                return false;
            }
            sim.setTraffic(sim.withLabel(name, s.label, s.removeLabel));
            break;
        }
        case StepKind::Deactivate:
        case StepKind::Activate: {
            const QString name = sim.resolve(s.revision, &why);
            if (name.isEmpty()) {
                *error = at + QStringLiteral("revision: ") + why;
                return false;
            }
            const int weight = sim.effectiveWeights().value(name);
            if (s.kind == StepKind::Deactivate && weight > 0) {
                *error = at + QStringLiteral("revision '%1' still has weight %2 at this step; "
                                             "shift its traffic away first")
                                  .arg(name)
                                  .arg(weight);
                return false;
            }
            if (s.kind == StepKind::Deactivate)
                inactive.insert(name);
            else
                inactive.remove(name);
            break;
        }
        case StepKind::Wait:
            if (s.until == WaitCondition::Ready || s.until == WaitCondition::Drained) {
                if (sim.resolve(s.revision, &why).isEmpty()) {
                    *error = at + QStringLiteral("revision: ") + why;
                    return false;
                }
            }
            break;
        case StepKind::Hold:
        case StepKind::StartSessions:
        case StepKind::StopSessions:
            break;
        }
    }
    return true;
}

} // namespace blueshift::rollout
