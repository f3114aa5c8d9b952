#include "revisionactions.h"

#include "app/appsession.h"

#include "controlplane/armclient.h"
#include "controlplane/armpatches.h"
#include "model/names.h"

#include <QJsonArray>

namespace blueshift::gui {

RevisionActions::RevisionActions(AppSession *session, QObject *parent)
    : QObject(parent)
    , m_session(session)
{}

bool RevisionActions::ready()
{
    if (!m_session->client()) {
        Q_EMIT refused(tr("Not connected to a platform"));
        return false;
    }
    if (m_session->appName().isEmpty()) {
        Q_EMIT refused(tr("No app selected"));
        return false;
    }
    if (m_session->busy()) {
        Q_EMIT refused(tr("Wait for \"%1\" to finish").arg(m_session->operationDescription()));
        return false;
    }
    return true;
}

controlplane::ArmCall *RevisionActions::runAction(controlplane::ArmCall *call,
                                                  const QString &description)
{
    return m_session->run(call, description) ? call : nullptr;
}

controlplane::ArmCall *RevisionActions::patch(const QJsonObject &body, const QString &description)
{
    if (!ready())
        return nullptr;
    announce(description, m_session->appJson(), body);
    return runAction(m_session->client()->patchApp(m_session->appName(), body), description);
}

void RevisionActions::announce(const QString &description, const QJsonObject &currentApp,
                               const QJsonObject &patch)
{
    if (currentApp.isEmpty())
        return; // not read yet: nothing to compare with
    QString error;
    const QList<model::PlatformWarning> warnings =
        model::warningsForPatch(currentApp, patch, &error);
    if (!warnings.isEmpty())
        Q_EMIT warned(description, warnings);
}

QJsonObject RevisionActions::newRevisionPatch(const QJsonObject &currentApp,
                                              const NewRevisionSpec &spec, QString *error)
{
    QJsonObject patch = controlplane::newRevisionPatch(
        currentApp, controlplane::NewRevision{spec.suffix, spec.image, spec.containerName}, error);
    if (patch.isEmpty())
        return {};
    QJsonObject properties = patch.value(QStringLiteral("properties")).toObject();
    QJsonObject tmpl = properties.value(QStringLiteral("template")).toObject();
    QJsonArray containers = tmpl.value(QStringLiteral("containers")).toArray();
    qsizetype index = spec.containerName.isEmpty() && !containers.isEmpty() ? 0 : -1;
    for (qsizetype i = 0; index < 0 && i < containers.size(); ++i) {
        if (containers.at(i).toObject().value(QStringLiteral("name")).toString() ==
            spec.containerName)
            index = i;
    }
    if (index < 0) {
        *error =
            spec.containerName.isEmpty()
                ? tr("app %1 has no container to run the workload")
                      .arg(currentApp.value(QStringLiteral("name")).toString())
                : tr("app %1 has no container named %2")
                      .arg(currentApp.value(QStringLiteral("name")).toString(), spec.containerName);
        return {};
    }
    // The workload as the dialog shows it; the container's other members (resources, probes,
    // volume mounts) stay as the platform answered them.
    QJsonObject container = containers.at(index).toObject();
    auto setList = [&container](const QString &key, const QStringList &values) {
        if (values.isEmpty())
            container.remove(key);
        else
            container.insert(key, QJsonArray::fromStringList(values));
    };
    setList(QStringLiteral("command"), spec.command);
    setList(QStringLiteral("args"), spec.args);
    QJsonArray env;
    for (const model::EnvVar &e : spec.env) {
        QJsonObject v{{QStringLiteral("name"), e.name}};
        if (!e.secretRef.isEmpty())
            v.insert(QStringLiteral("secretRef"), e.secretRef);
        else
            v.insert(QStringLiteral("value"), e.value);
        env.append(v);
    }
    if (env.isEmpty())
        container.remove(QStringLiteral("env"));
    else
        container.insert(QStringLiteral("env"), env);
    containers.replace(index, container);
    tmpl.insert(QStringLiteral("containers"), containers);
    tmpl.insert(QStringLiteral("terminationGracePeriodSeconds"),
                spec.terminationGracePeriodSeconds);
    properties.insert(QStringLiteral("template"), tmpl);
    patch.insert(QStringLiteral("properties"), properties);
    return patch;
}

QList<model::TrafficWeight>
RevisionActions::swappedLabels(const QList<model::TrafficWeight> &traffic,
                               const QString &latestRevision, const QString &first,
                               const QString &second, QString *error)
{
    auto resolved = [&latestRevision](const model::TrafficWeight &t) {
        return t.latestRevision ? latestRevision : t.revisionName;
    };
    QStringList firstLabels, secondLabels;
    QList<model::TrafficWeight> out;
    // Labels move; weights stay with their revisions.
    for (const model::TrafficWeight &t : traffic) {
        model::TrafficWeight copy = t;
        if (!t.label.isEmpty() && resolved(t) == first) {
            firstLabels.append(t.label);
            copy.label.clear();
        } else if (!t.label.isEmpty() && resolved(t) == second) {
            secondLabels.append(t.label);
            copy.label.clear();
        }
        out.append(copy);
    }
    if (firstLabels.isEmpty() && secondLabels.isEmpty()) {
        *error = tr("neither %1 nor %2 carries a label").arg(first, second);
        return {};
    }
    // Each label goes onto an unlabelled entry of the other revision, or onto a new entry of
    // weight 0 (a label route without a share of the weighted traffic).
    auto place = [&out](const QString &revision, const QStringList &labels) {
        for (const QString &label : labels) {
            bool placed = false;
            for (model::TrafficWeight &t : out) {
                if (!t.latestRevision && t.revisionName == revision && t.label.isEmpty()) {
                    t.label = label;
                    placed = true;
                    break;
                }
            }
            if (!placed)
                out.append(model::TrafficWeight{revision, false, 0, label});
        }
    };
    place(second, firstLabels);
    place(first, secondLabels);
    // Entries left with neither weight nor label say nothing.
    out.removeIf([](const model::TrafficWeight &t) { return t.weight == 0 && t.label.isEmpty(); });
    return out;
}

controlplane::ArmCall *RevisionActions::createRevision(const NewRevisionSpec &spec)
{
    if (!ready())
        return nullptr;
    const QString app = m_session->appName();
    if (const QString e = model::revisionSuffixError(spec.suffix, app); !e.isEmpty()) {
        Q_EMIT refused(tr("Cannot create the revision: %1").arg(e));
        return nullptr;
    }
    const QString description = tr("Create revision %1").arg(model::revisionName(app, spec.suffix));
    controlplane::ArmCall *get = m_session->client()->getApp(app);
    // The template goes back whole: read it as the platform has it now, not as last polled.
    auto next = [this, app, spec, description](controlplane::ArmCall *got,
                                               QString *error) -> controlplane::ArmCall * {
        const QJsonObject body = newRevisionPatch(got->body(), spec, error);
        if (body.isEmpty())
            return nullptr;
        if (!m_session->client()) {
            *error = tr("not connected to a platform any more");
            return nullptr;
        }
        announce(description, got->body(), body);
        return m_session->client()->patchApp(app, body);
    };
    return m_session->run(get, description, next) ? get : nullptr;
}

controlplane::ArmCall *RevisionActions::activate(const QString &revision)
{
    if (!ready())
        return nullptr;
    return runAction(m_session->client()->revisionAction(m_session->appName(), revision,
                                                         QStringLiteral("activate")),
                     tr("Activate %1").arg(revision));
}

controlplane::ArmCall *RevisionActions::deactivate(const QString &revision)
{
    if (!ready())
        return nullptr;
    return runAction(m_session->client()->revisionAction(m_session->appName(), revision,
                                                         QStringLiteral("deactivate")),
                     tr("Deactivate %1").arg(revision));
}

controlplane::ArmCall *RevisionActions::restart(const QString &revision)
{
    if (!ready())
        return nullptr;
    return runAction(m_session->client()->revisionAction(m_session->appName(), revision,
                                                         QStringLiteral("restart")),
                     tr("Restart %1").arg(revision));
}

controlplane::ArmCall *RevisionActions::setTraffic(const QList<model::TrafficWeight> &traffic)
{
    QStringList parts;
    for (const model::TrafficWeight &t : traffic) {
        if (t.weight > 0)
            parts.append(QStringLiteral("%1 %2")
                             .arg(t.latestRevision ? QStringLiteral("latest") : t.revisionName)
                             .arg(t.weight));
    }
    return patch(controlplane::trafficPatch(traffic),
                 tr("Set traffic %1").arg(parts.join(QStringLiteral(" / "))));
}

controlplane::ArmCall *RevisionActions::swapLabels(const QString &first, const QString &second)
{
    if (!ready())
        return nullptr;
    const model::ContainerApp &app = m_session->app();
    if (!app.configuration.ingress) {
        Q_EMIT refused(tr("App %1 has no ingress, so no traffic labels").arg(app.name));
        return nullptr;
    }
    QString error;
    const QList<model::TrafficWeight> swapped = swappedLabels(
        app.configuration.ingress->traffic, app.latestRevisionName, first, second, &error);
    if (swapped.isEmpty()) {
        Q_EMIT refused(tr("Cannot swap labels: %1").arg(error));
        return nullptr;
    }
    return patch(controlplane::trafficPatch(swapped),
                 tr("Swap labels of %1 and %2").arg(first, second));
}

controlplane::ArmCall *RevisionActions::setRevisionMode(model::ActiveRevisionsMode mode)
{
    return patch(controlplane::revisionModePatch(mode),
                 tr("Set revision mode %1").arg(model::wireName(mode)));
}

controlplane::ArmCall *RevisionActions::setStickySessions(bool sticky)
{
    return patch(
        controlplane::stickySessionsPatch(sticky ? model::Affinity::Sticky : model::Affinity::None),
        sticky ? tr("Turn sticky sessions on") : tr("Turn sticky sessions off"));
}

controlplane::ArmCall *RevisionActions::setTransport(model::Transport transport)
{
    return patch(controlplane::transportPatch(transport),
                 tr("Set transport %1").arg(model::wireName(transport)));
}

} // namespace blueshift::gui
