// The REST operations of the local platform. The runtime side (supervisors, routes,
// persistence) is in localplatformruntime.cpp.
#include "localplatform.h"
#include "localplatformstate.h"

#include "eventjournal.h"
#include "statestore.h"

#include "ingress/ingress.h"
#include "model/names.h"
#include "model/traffic.h"
#include "net/random.h"
#include "supervisor/revisionsupervisor.h"

#include <QJsonArray>

namespace blueshift::controlplane {

namespace {
QString randomSuffix()
{
    // Container Apps' generated suffixes look like "abc1234": letters first, then alphanumerics.
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::uint8_t raw[7];
    net::fillRandom(raw, sizeof raw);
    QString s;
    for (int i = 0; i < 7; ++i)
        s += QLatin1Char(alphabet[raw[i] % (i == 0 ? 26 : 36)]);
    return s;
}

QStringList trafficLabels(const QList<model::TrafficWeight> &traffic, const QString &revision,
                          const QString &latest)
{
    QStringList out;
    for (const auto &t : traffic) {
        if (!t.label.isEmpty() && (t.latestRevision ? latest : t.revisionName) == revision)
            out.append(t.label);
    }
    return out;
}
} // namespace

LocalPlatform::LocalPlatform(StateStore &store, EventJournal &journal, LocalPlatformOptions options,
                             QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_journal(journal)
    , m_options(std::move(options))
{}

LocalPlatform::~LocalPlatform() = default;

LocalPlatform::AppState *LocalPlatform::findApp(const QString &name)
{
    auto it = m_apps.find(name);
    return it == m_apps.end() ? nullptr : it->second.get();
}

const LocalPlatform::AppState *LocalPlatform::findApp(const QString &name) const
{
    auto it = m_apps.find(name);
    return it == m_apps.end() ? nullptr : it->second.get();
}

LocalPlatform::RevisionState *LocalPlatform::findRevision(AppState &state, const QString &name)
{
    for (auto &r : state.revisions) {
        if (r->meta.name == name)
            return r.get();
    }
    return nullptr;
}

QString LocalPlatform::resourceId(const QString &app, const QString &revision) const
{
    QString id =
        QStringLiteral(
            "/subscriptions/local/resourceGroups/local/providers/Microsoft.App/containerApps/") +
        app;
    if (!revision.isEmpty())
        id += QStringLiteral("/revisions/") + revision;
    return id;
}

QString LocalPlatform::ingressFqdn(const AppState &state) const
{
    if (!state.ingressPort)
        return {};
    const QString host = QString::fromLatin1(m_options.ingressHost);
    return (host.contains(QLatin1Char(':')) ? QLatin1Char('[') + host + QLatin1Char(']') : host) +
           QLatin1Char(':') + QString::number(state.ingressPort);
}

model::ContainerApp LocalPlatform::appView(const AppState &state) const
{
    model::ContainerApp app = state.app;
    app.id = resourceId(app.name);
    app.provisioningState = QStringLiteral("Succeeded");
    app.runningStatus = QStringLiteral("Running");
    if (!state.revisions.empty())
        app.latestRevisionName = state.revisions.back()->meta.name;
    app.latestReadyRevisionName.clear();
    for (auto it = state.revisions.rbegin(); it != state.revisions.rend(); ++it) {
        if ((*it)->everReady) {
            app.latestReadyRevisionName = (*it)->meta.name;
            break;
        }
    }
    if (app.configuration.ingress) {
        app.configuration.ingress->fqdn = ingressFqdn(state);
        app.latestRevisionFqdn = app.configuration.ingress->fqdn;
    }
    return app;
}

model::Revision LocalPlatform::revisionView(const AppState &state, const RevisionState &rev) const
{
    model::Revision r = rev.meta;
    r.id = resourceId(state.app.name, r.name);
    r.fqdn = ingressFqdn(state);
    r.trafficWeight = effectiveWeights(state).value(r.name);
    const QString latest = state.revisions.empty() ? QString() : state.revisions.back()->meta.name;
    if (state.app.configuration.ingress)
        r.labels = trafficLabels(state.app.configuration.ingress->traffic, r.name, latest);
    if (!r.active) {
        r.replicas = rev.sup ? rev.sup->replicaCount() : 0;
        r.runningState = r.replicas > 0 ? QStringLiteral("Processing") : QStringLiteral("Stopped");
        r.healthState = QStringLiteral("None");
        r.provisioningState = QStringLiteral("Deprovisioned");
        return r;
    }
    r.replicas = rev.sup ? rev.sup->replicaCount() : 0;
    r.runningState = rev.sup ? rev.sup->runningState() : QStringLiteral("Processing");
    r.healthState = rev.sup ? rev.sup->healthState() : QStringLiteral("None");
    r.provisioningState = rev.everReady ? QStringLiteral("Provisioned")
                          : rev.failed  ? QStringLiteral("Failed")
                                        : QStringLiteral("Provisioning");
    return r;
}

ApiResult LocalPlatform::listApps() const
{
    QJsonArray value;
    for (const auto &[name, state] : m_apps)
        value.append(model::toJson(appView(*state)));
    return ApiResult::ok({{QStringLiteral("value"), value}});
}

ApiResult LocalPlatform::getApp(const QString &name) const
{
    const AppState *state = findApp(name);
    if (!state)
        return ApiResult::notFound(QStringLiteral("Container app '%1'").arg(name));
    return ApiResult::ok(model::toJson(appView(*state)));
}

QString LocalPlatform::validate(const model::ContainerApp &app, const QString &urlName) const
{
    if (QString e = model::appNameError(urlName); !e.isEmpty())
        return e;
    if (!app.name.isEmpty() && app.name != urlName)
        return QStringLiteral("the body names app '%1' but the URL names '%2'")
            .arg(app.name, urlName);
    if (!app.tmpl.revisionSuffix.isEmpty()) {
        if (QString e = model::revisionSuffixError(app.tmpl.revisionSuffix, urlName); !e.isEmpty())
            return QStringLiteral("properties.template.revisionSuffix: ") + e;
    }
    if (app.tmpl.containers.size() > 1)
        return QStringLiteral("the local platform runs one container per replica; "
                              "properties.template.containers has %1")
            .arg(app.tmpl.containers.size());
    for (const auto &c : app.tmpl.containers) {
        for (const auto &e : c.env) {
            if (!e.secretRef.isEmpty())
                return QStringLiteral("env %1 uses secretRef, which the local platform does not "
                                      "support; give a value")
                    .arg(e.name);
        }
    }
    if (app.tmpl.scale.maxReplicas > 30)
        return QStringLiteral(
            "properties.template.scale.maxReplicas must be at most 30 on the local platform");
    return {};
}

ApiResult LocalPlatform::putApp(const QString &name, const QJsonObject &body,
                                const QString &operationBase)
{
    model::ContainerApp next;
    QString error;
    if (!model::fromJson(body, &next, &error))
        return ApiResult::invalid(error);
    if (QString e = validate(next, name); !e.isEmpty())
        return ApiResult::invalid(e);
    next.name = name;
    AppState *state = findApp(name);
    const bool created = !state;
    if (created) {
        auto fresh = std::make_unique<AppState>();
        fresh->app.name = name;
        fresh->created = QDateTime::currentDateTimeUtc();
        state = fresh.get();
        m_apps.emplace(name, std::move(fresh));
    }
    ApiResult r = applyChange(*state, next, created, operationBase);
    if (r.isError() && created)
        m_apps.erase(name);
    return r;
}

ApiResult LocalPlatform::patchApp(const QString &name, const QJsonObject &body,
                                  const QString &operationBase)
{
    AppState *state = findApp(name);
    if (!state)
        return ApiResult::notFound(QStringLiteral("Container app '%1'").arg(name));
    const QJsonObject merged = model::mergePatch(model::toJson(state->app), body);
    model::ContainerApp next;
    QString error;
    if (!model::fromJson(merged, &next, &error))
        return ApiResult::invalid(error);
    if (QString e = validate(next, name); !e.isEmpty())
        return ApiResult::invalid(e);
    next.name = name;
    return applyChange(*state, next, false, operationBase);
}

ApiResult LocalPlatform::applyChange(AppState &state, const model::ContainerApp &requested,
                                     bool created, const QString &operationBase)
{
    model::ContainerApp next = requested;
    const model::ContainerApp previous = state.app;
    const bool templateChanged = created || !(next.tmpl == previous.tmpl);

    // A template change is a new revision; its suffix must be new too.
    std::unique_ptr<RevisionState> fresh;
    if (templateChanged) {
        // No suffix, or the current revision's suffix with a changed template (a PATCH of the
        // image alone): generate one, as the az CLI does.
        if (next.tmpl.revisionSuffix.isEmpty() ||
            (!created && next.tmpl.revisionSuffix == previous.tmpl.revisionSuffix))
            next.tmpl.revisionSuffix = randomSuffix();
        const QString revName = model::revisionName(next.name, next.tmpl.revisionSuffix);
        if (findRevision(state, revName))
            return ApiResult::error(409, QStringLiteral("ContainerAppRevisionAlreadyExists"),
                                    QStringLiteral("revision '%1' already exists; give "
                                                   "properties.template.revisionSuffix a new value")
                                        .arg(revName));
        if (QString e = model::revisionSuffixError(next.tmpl.revisionSuffix, next.name);
            !e.isEmpty())
            return ApiResult::invalid(QStringLiteral("properties.template.revisionSuffix: ") + e);
        fresh = std::make_unique<RevisionState>();
        fresh->meta.name = revName;
        fresh->meta.createdTime = QDateTime::currentDateTimeUtc();
        fresh->meta.lastActiveTime = fresh->meta.createdTime;
        fresh->meta.tmpl = next.tmpl;
        fresh->meta.active = true;
    }

    // Traffic: validated against the revisions as they will be.
    if (next.configuration.ingress) {
        auto &traffic = next.configuration.ingress->traffic;
        if (traffic.isEmpty())
            traffic = {{QString(), true, 100, QString()}};
        QStringList names, active;
        for (const auto &r : state.revisions) {
            names.append(r->meta.name);
            if (r->meta.active)
                active.append(r->meta.name);
        }
        if (fresh) {
            names.append(fresh->meta.name);
            active.append(fresh->meta.name);
        }
        // Single mode routes everything to the latest ready revision; its weights are not used.
        if (next.configuration.activeRevisionsMode == model::ActiveRevisionsMode::Multiple) {
            if (QString e = model::trafficError(traffic, names, active); !e.isEmpty())
                return ApiResult::invalid(
                    QStringLiteral("properties.configuration.ingress.traffic: ") + e);
        }
    }

    const bool trafficChanged =
        !created && previous.configuration.ingress && next.configuration.ingress &&
        previous.configuration.ingress->traffic != next.configuration.ingress->traffic;
    const bool modeChanged = !created && previous.configuration.activeRevisionsMode !=
                                             next.configuration.activeRevisionsMode;

    state.app = next;
    RevisionState *added = nullptr;
    if (fresh) {
        added = fresh.get();
        state.revisions.push_back(std::move(fresh));
    }
    QString error;
    if (!ensureIngress(state, &error) || !persist(&error)) {
        // Nothing was acknowledged: put everything back as it was.
        state.app = previous;
        if (added)
            state.revisions.pop_back();
        return ApiResult::error(500, QStringLiteral("InternalServerError"), error);
    }

    m_journal.platformEvent(created ? QStringLiteral("app.created") : QStringLiteral("app.updated"),
                            {{QStringLiteral("app"), next.name}});
    if (added) {
        m_journal.platformEvent(
            QStringLiteral("revision.created"),
            {{QStringLiteral("app"), next.name}, {QStringLiteral("revision"), added->meta.name}});
        startRevision(state, *added);
    }
    if (modeChanged)
        m_journal.platformEvent(
            QStringLiteral("revisionmode.updated"),
            {{QStringLiteral("app"), next.name},
             {QStringLiteral("mode"), model::wireName(next.configuration.activeRevisionsMode)}});
    if (trafficChanged || created) {
        QJsonObject weights;
        const auto w = effectiveWeights(state);
        for (auto it = w.begin(); it != w.end(); ++it)
            weights.insert(it.key(), it.value());
        m_journal.platformEvent(
            QStringLiteral("traffic.updated"),
            {{QStringLiteral("app"), next.name},
             {QStringLiteral("traffic"),
              model::toJson(next.configuration.ingress ? next.configuration.ingress->traffic
                                                       : QList<model::TrafficWeight>{})},
             {QStringLiteral("weights"), weights}});
    }
    publishRoutes(state);
    onRevisionStateChanged(state, *state.revisions.back());

    ApiResult result = ApiResult::ok(model::toJson(appView(state)), created ? 201 : 200);
    if (added) {
        newOperation(added->meta.name, operationBase, &result.headers);
        if (!created)
            result.status = 202;
    }
    return result;
}

ApiResult LocalPlatform::deleteApp(const QString &name)
{
    AppState *state = findApp(name);
    if (!state)
        return ApiResult::error(204, QString(), QString());
    for (auto &rev : state->revisions) {
        if (rev->meta.active)
            stopRevision(*state, *rev, QStringLiteral("app deleted"));
    }
    if (state->ingress)
        state->ingress->stop();
    std::unique_ptr<AppState> gone = std::move(m_apps[name]);
    m_apps.erase(name);
    QString error;
    if (!persist(&error)) {
        m_apps.emplace(name, std::move(gone));
        return ApiResult::error(500, QStringLiteral("InternalServerError"), error);
    }
    // Supervisors finish their stop sequence before they go.
    for (auto &rev : gone->revisions) {
        if (rev->sup)
            retireSupervisor(std::move(rev->sup));
    }
    m_journal.platformEvent(QStringLiteral("app.deleted"), {{QStringLiteral("app"), name}});
    return ApiResult::ok({}, 200);
}

ApiResult LocalPlatform::listRevisions(const QString &app) const
{
    const AppState *state = findApp(app);
    if (!state)
        return ApiResult::notFound(QStringLiteral("Container app '%1'").arg(app));
    QJsonArray value;
    for (const auto &rev : state->revisions)
        value.append(model::toJson(revisionView(*state, *rev)));
    return ApiResult::ok({{QStringLiteral("value"), value}});
}

ApiResult LocalPlatform::getRevision(const QString &app, const QString &revision) const
{
    const AppState *state = findApp(app);
    if (!state)
        return ApiResult::notFound(QStringLiteral("Container app '%1'").arg(app));
    for (const auto &rev : state->revisions) {
        if (rev->meta.name == revision)
            return ApiResult::ok(model::toJson(revisionView(*state, *rev)));
    }
    return ApiResult::notFound(QStringLiteral("Revision '%1'").arg(revision));
}

ApiResult LocalPlatform::revisionAction(const QString &app, const QString &revision,
                                        const QString &action)
{
    AppState *state = findApp(app);
    if (!state)
        return ApiResult::notFound(QStringLiteral("Container app '%1'").arg(app));
    RevisionState *rev = findRevision(*state, revision);
    if (!rev)
        return ApiResult::notFound(QStringLiteral("Revision '%1'").arg(revision));
    const QJsonObject fields{{QStringLiteral("app"), app}, {QStringLiteral("revision"), revision}};
    QString error;
    if (action == QLatin1String("activate")) {
        if (rev->meta.active)
            return ApiResult::ok({});
        rev->meta.active = true;
        rev->meta.lastActiveTime = QDateTime::currentDateTimeUtc();
        if (!persist(&error)) {
            rev->meta.active = false;
            return ApiResult::error(500, QStringLiteral("InternalServerError"), error);
        }
        m_journal.platformEvent(QStringLiteral("revision.activated"), fields);
        startRevision(*state, *rev);
        publishRoutes(*state);
        return ApiResult::ok({});
    }
    if (action == QLatin1String("deactivate")) {
        if (!rev->meta.active)
            return ApiResult::ok({});
        const int weight = effectiveWeights(*state).value(revision);
        if (weight > 0)
            return ApiResult::error(400, QStringLiteral("ContainerAppRevisionInUse"),
                                    QStringLiteral("revision '%1' receives %2% of the traffic; "
                                                   "move its traffic to another revision "
                                                   "before deactivating it")
                                        .arg(revision)
                                        .arg(weight));
        rev->meta.active = false;
        if (!persist(&error)) {
            rev->meta.active = true;
            return ApiResult::error(500, QStringLiteral("InternalServerError"), error);
        }
        m_journal.platformEvent(QStringLiteral("revision.deactivated"), fields);
        stopRevision(*state, *rev, QStringLiteral("revision deactivated"));
        return ApiResult::ok({});
    }
    if (action == QLatin1String("restart")) {
        if (!rev->meta.active || !rev->sup)
            return ApiResult::error(
                400, QStringLiteral("ContainerAppRevisionNotActive"),
                QStringLiteral("revision '%1' is not active; activate it first").arg(revision));
        m_journal.platformEvent(QStringLiteral("revision.restarted"), fields);
        rev->sup->restart();
        return ApiResult::ok({});
    }
    return ApiResult::notFound(QStringLiteral("Action '%1'").arg(action));
}

ApiResult LocalPlatform::listReplicas(const QString &app, const QString &revision) const
{
    const AppState *state = findApp(app);
    if (!state)
        return ApiResult::notFound(QStringLiteral("Container app '%1'").arg(app));
    for (const auto &rev : state->revisions) {
        if (rev->meta.name != revision)
            continue;
        QJsonArray value;
        for (model::Replica r : replicaModels(*rev)) {
            r.id = resourceId(app, revision) + QStringLiteral("/replicas/") + r.name;
            value.append(model::toJson(r));
        }
        return ApiResult::ok({{QStringLiteral("value"), value}});
    }
    return ApiResult::notFound(QStringLiteral("Revision '%1'").arg(revision));
}

ApiResult LocalPlatform::getReplica(const QString &app, const QString &revision,
                                    const QString &replica) const
{
    const ApiResult all = listReplicas(app, revision);
    if (all.isError())
        return all;
    for (const QJsonValue &v : all.body.value(QStringLiteral("value")).toArray()) {
        if (v.toObject().value(QStringLiteral("name")).toString() == replica)
            return ApiResult::ok(v.toObject());
    }
    return ApiResult::notFound(QStringLiteral("Replica '%1'").arg(replica));
}

ApiResult LocalPlatform::operationStatus(const QString &id) const
{
    auto it = m_operations.find(id);
    if (it == m_operations.end())
        return ApiResult::notFound(QStringLiteral("Operation '%1'").arg(id));
    QJsonObject body{{QStringLiteral("id"), id},
                     {QStringLiteral("name"), id},
                     {QStringLiteral("status"), it->status},
                     {QStringLiteral("startTime"), it->started.toString(Qt::ISODateWithMs)}};
    if (it->ended.isValid())
        body.insert(QStringLiteral("endTime"), it->ended.toString(Qt::ISODateWithMs));
    if (!it->error.isEmpty())
        body.insert(
            QStringLiteral("error"),
            QJsonObject{{QStringLiteral("code"), QStringLiteral("ContainerAppOperationFailed")},
                        {QStringLiteral("message"), it->error}});
    return ApiResult::ok(body);
}

} // namespace blueshift::controlplane
