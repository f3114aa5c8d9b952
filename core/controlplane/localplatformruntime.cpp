// The runtime side of the local platform: supervisors, the routing tables handed to each
// app's ingress, long-running operations, and persistence.
#include "localplatform.h"
#include "localplatformstate.h"

#include "eventjournal.h"
#include "statestore.h"

#include "model/traffic.h"
#include "net/random.h"

#include <QJsonArray>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcPlatform, "blueshift.core.controlplane")

namespace blueshift::controlplane {

namespace {
QProcessEnvironment baseEnvironment()
{
    // Replicas start from a small environment, as containers do, so that the shell's own
    // UPSTREAM_URL or PORT cannot leak into a workload.
    const QProcessEnvironment system = QProcessEnvironment::systemEnvironment();
    QProcessEnvironment env;
    for (const char *name :
         {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ", "SSL_CERT_FILE", "SSL_CERT_DIR"}) {
        const QString n = QString::fromLatin1(name);
        if (system.contains(n))
            env.insert(n, system.value(n));
    }
    return env;
}
} // namespace

bool LocalPlatform::start(QString *error)
{
    if (!restore(error))
        return false;
    m_journal.platformEvent(QStringLiteral("platform.started"),
                            {{QStringLiteral("apps"), int(m_apps.size())}});
    return true;
}

void LocalPlatform::shutdown()
{
    if (m_shuttingDown)
        return;
    m_shuttingDown = true;
    m_journal.platformEvent(QStringLiteral("platform.stopping"), {});
    for (auto &[name, state] : m_apps) {
        // Nothing new is routed; tunnels stay up so that draining replicas can say goodbye.
        if (state->ingress) {
            auto empty = std::make_shared<ingress::AppRoutes>();
            empty->app = name;
            empty->generation = ++m_routeGeneration;
            state->ingress->setRoutes(empty);
        }
        for (auto &rev : state->revisions) {
            if (rev->sup)
                retireSupervisor(std::move(rev->sup));
        }
    }
    noteSupervisorGone();
}

void LocalPlatform::retireSupervisor(std::unique_ptr<supervisor::RevisionSupervisor> sup)
{
    supervisor::RevisionSupervisor *raw = sup.get();
    m_retired.push_back(std::move(sup));
    connect(raw, &supervisor::RevisionSupervisor::allExited, this, [this, raw] {
        for (auto it = m_retired.begin(); it != m_retired.end(); ++it) {
            if (it->get() == raw) {
                it->release()->deleteLater();
                m_retired.erase(it);
                break;
            }
        }
        noteSupervisorGone();
    });
    raw->shutdown();
}

void LocalPlatform::noteSupervisorGone()
{
    if (!m_shuttingDown || !m_retired.empty())
        return;
    for (auto &[name, state] : m_apps) {
        if (state->ingress)
            state->ingress->stop();
    }
    m_journal.platformEvent(QStringLiteral("platform.stopped"), {});
    Q_EMIT stopped();
}

void LocalPlatform::startRevision(AppState &state, RevisionState &rev)
{
    if (m_shuttingDown)
        return;
    if (rev.sup) {
        rev.sup->setActive(true);
        return;
    }
    const model::Template &tmpl = rev.meta.tmpl;
    supervisor::ReplicaSpec spec;
    spec.app = state.app.name;
    spec.revision = rev.meta.name;
    spec.terminationGracePeriodSeconds = tmpl.terminationGracePeriodSeconds;
    spec.environment = baseEnvironment();
    const model::Container c =
        tmpl.containers.isEmpty() ? model::Container{} : tmpl.containers.first();
    for (const auto &e : c.env)
        spec.environment.insert(e.name, e.value);
    if (c.command.isEmpty()) {
        // No command: the revision runs the Blueshift relay, draining within its grace period.
        spec.program = m_options.serverProgram;
        spec.arguments = {QStringLiteral("relay")};
        if (tmpl.terminationGracePeriodSeconds >= 1)
            spec.arguments += {QStringLiteral("--grace-seconds"),
                               QString::number(tmpl.terminationGracePeriodSeconds)};
        spec.arguments += c.args;
        if (!spec.environment.contains(QStringLiteral("UPSTREAM_URL")) &&
            !m_options.defaultUpstream.isEmpty())
            spec.environment.insert(QStringLiteral("UPSTREAM_URL"), m_options.defaultUpstream);
    } else {
        spec.program = c.command.first();
        spec.arguments = c.command.mid(1) + c.args;
    }
    rev.sup = std::make_unique<supervisor::RevisionSupervisor>(spec, tmpl.scale);
    supervisor::RevisionSupervisor *sup = rev.sup.get();
    // A supervisor outlives its revision's state when it is retired (the app deleted, the
    // platform shutting down) and keeps signalling while its replicas drain, so its handlers
    // hold names, never pointers into the state, and look the revision up each time.
    const QString appName = state.app.name;
    const QString revName = rev.meta.name;
    const auto changed = [this, appName, revName, sup] {
        AppState *app = findApp(appName);
        RevisionState *r = app ? findRevision(*app, revName) : nullptr;
        if (r && r->sup.get() == sup)
            onRevisionStateChanged(*app, *r);
    };
    connect(sup, &supervisor::RevisionSupervisor::routesChanged, this, changed);
    connect(sup, &supervisor::RevisionSupervisor::stateChanged, this, changed);
    connect(sup, &supervisor::RevisionSupervisor::lifecycleEvent, this,
            [this, appName](const QString &name, QJsonObject fields) {
                fields.insert(QStringLiteral("app"), appName);
                m_journal.platformEvent(name, fields);
            });
    connect(
        sup, &supervisor::RevisionSupervisor::logLine, this,
        [this, appName, revName](const QString &replica, const QByteArray &line, bool stderrLine) {
            m_journal.replicaLine(appName, revName, replica, line, stderrLine);
        });
    sup->setActive(true);
}

void LocalPlatform::stopRevision(AppState &state, RevisionState &rev, const QString &why)
{
    Q_UNUSED(why);
    if (rev.sup)
        rev.sup->setActive(false);
    // Out of routing at once; the replicas' own drain closes their sessions.
    publishRoutes(state);
}

bool LocalPlatform::ensureIngress(AppState &state, QString *error)
{
    if (!state.app.configuration.ingress) {
        if (state.ingress) {
            state.ingress->stop();
            state.ingress.reset();
            state.ingressPort = 0;
        }
        return true;
    }
    if (state.ingress)
        return true;
    ingress::IngressOptions options;
    options.threads = m_options.ingressThreads;
    options.tls = m_options.ingressTls;
    options.cookieKey = m_options.cookieKey;
    auto ingress = std::make_unique<ingress::Ingress>(options);
    net::HostPort where{m_options.ingressHost, state.ingressPort};
    if (!ingress->listen(where, error)) {
        *error = QStringLiteral("ingress for app '%1': %2").arg(state.app.name, *error);
        return false;
    }
    ingress->start();
    state.ingressPort = ingress->port();
    state.ingress = std::move(ingress);
    return true;
}

QString LocalPlatform::singleModeRevision(const AppState &state) const
{
    // The newest active revision that has been ready; until one has, the newest active one.
    for (auto it = state.revisions.rbegin(); it != state.revisions.rend(); ++it) {
        if ((*it)->meta.active && (*it)->everReady)
            return (*it)->meta.name;
    }
    for (auto it = state.revisions.rbegin(); it != state.revisions.rend(); ++it) {
        if ((*it)->meta.active)
            return (*it)->meta.name;
    }
    return {};
}

QHash<QString, int> LocalPlatform::effectiveWeights(const AppState &state) const
{
    QHash<QString, int> out;
    if (!state.app.configuration.ingress)
        return out;
    if (state.app.configuration.activeRevisionsMode == model::ActiveRevisionsMode::Single) {
        const QString current = singleModeRevision(state);
        if (!current.isEmpty())
            out.insert(current, 100);
        return out;
    }
    const QString latest = state.revisions.empty() ? QString() : state.revisions.back()->meta.name;
    const auto weights = model::effectiveWeights(state.app.configuration.ingress->traffic, latest);
    for (const auto &rev : state.revisions) {
        if (rev->meta.active && weights.value(rev->meta.name) > 0)
            out.insert(rev->meta.name, weights.value(rev->meta.name));
    }
    return out;
}

void LocalPlatform::publishRoutes(AppState &state)
{
    if (!state.ingress || m_shuttingDown)
        return;
    auto routes = std::make_shared<ingress::AppRoutes>();
    const auto &in = *state.app.configuration.ingress;
    routes->app = state.app.name;
    routes->transport = in.transport;
    routes->sticky = in.affinity == model::Affinity::Sticky;
    routes->idleTimeout = m_options.idleTimeout;
    routes->generation = ++m_routeGeneration;
    const QHash<QString, int> weights = effectiveWeights(state);
    const QString latest = state.revisions.empty() ? QString() : state.revisions.back()->meta.name;
    const auto labels = model::labelRoutes(in.traffic, latest);
    for (const auto &rev : state.revisions) {
        if (!rev->meta.active || !rev->sup)
            continue;
        ingress::RevisionRoute r;
        r.name = rev->meta.name;
        r.weight = weights.value(r.name);
        r.replicas = rev->sup->routes();
        routes->revisions.append(r);
    }
    for (auto it = labels.begin(); it != labels.end(); ++it) {
        for (const auto &r : routes->revisions) {
            if (r.name == it.value())
                routes->labels.insert(it.key(), it.value());
        }
    }
    state.ingress->setRoutes(routes);
}

void LocalPlatform::onRevisionStateChanged(AppState &state, RevisionState &rev)
{
    if (m_shuttingDown)
        return;
    const bool ready = rev.meta.active && rev.sup && !rev.sup->routes().isEmpty();
    if (ready && !rev.everReady) {
        rev.everReady = true;
        rev.failed = false;
        m_journal.platformEvent(
            QStringLiteral("revision.ready"),
            {{QStringLiteral("app"), state.app.name}, {QStringLiteral("revision"), rev.meta.name}});
        // Single mode: the new revision takes all traffic once ready; the others go.
        if (state.app.configuration.activeRevisionsMode == model::ActiveRevisionsMode::Single &&
            state.revisions.back().get() == &rev) {
            bool changed = false;
            for (auto &other : state.revisions) {
                if (other.get() != &rev && other->meta.active) {
                    other->meta.active = false;
                    changed = true;
                }
            }
            if (changed) {
                QString error;
                if (!persist(&error))
                    qCWarning(lcPlatform, "cannot save state: %s", qPrintable(error));
                for (auto &other : state.revisions) {
                    if (other.get() != &rev && !other->meta.active && other->sup &&
                        other->sup->replicaCount() > 0) {
                        m_journal.platformEvent(
                            QStringLiteral("revision.deactivated"),
                            {{QStringLiteral("app"), state.app.name},
                             {QStringLiteral("revision"), other->meta.name},
                             {QStringLiteral("reason"), QStringLiteral("single revision mode")}});
                        stopRevision(state, *other, QStringLiteral("single revision mode"));
                    }
                }
            }
        }
    }
    if (rev.meta.active && rev.sup && rev.sup->runningState() == QLatin1String("Failed"))
        rev.failed = true;
    checkOperations();
    publishRoutes(state);
}

QList<model::Replica> LocalPlatform::replicaModels(const RevisionState &rev) const
{
    return rev.sup ? rev.sup->replicaModels() : QList<model::Replica>{};
}

QString LocalPlatform::newOperation(const QString &waitFor, const QString &operationBase,
                                    QList<QPair<QByteArray, QByteArray>> *headers)
{
    std::uint8_t raw[12];
    net::fillRandom(raw, sizeof raw);
    const QString id =
        QString::fromLatin1(QByteArray(reinterpret_cast<const char *>(raw), sizeof raw).toHex());
    Operation op;
    op.waitFor = waitFor;
    op.started = QDateTime::currentDateTimeUtc();
    m_operations.insert(id, op);
    const QString path = QStringLiteral("/subscriptions/local/providers/Microsoft.App/locations/"
                                        "local/containerappOperationStatuses/") +
                         id + QStringLiteral("?api-version=2025-01-01");
    headers->append(qMakePair(QByteArray("Azure-AsyncOperation"), (operationBase + path).toUtf8()));
    headers->append(qMakePair(QByteArray("Location"), (operationBase + path).toUtf8()));
    headers->append(qMakePair(QByteArray("Retry-After"), QByteArray("1")));
    checkOperations();
    return id;
}

void LocalPlatform::checkOperations()
{
    for (auto it = m_operations.begin(); it != m_operations.end(); ++it) {
        Operation &op = it.value();
        if (op.status != QLatin1String("InProgress"))
            continue;
        const RevisionState *found = nullptr;
        for (const auto &[name, state] : m_apps) {
            for (const auto &rev : state->revisions) {
                if (rev->meta.name == op.waitFor)
                    found = rev.get();
            }
        }
        if (!found) {
            op.status = QStringLiteral("Failed");
            op.error = QStringLiteral("revision '%1' no longer exists").arg(op.waitFor);
        } else if (found->everReady) {
            op.status = QStringLiteral("Succeeded");
        } else if (found->failed) {
            op.status = QStringLiteral("Failed");
            op.error = QStringLiteral("revision '%1' failed to start: %2")
                           .arg(op.waitFor, found->sup ? found->sup->stateDetails() : QString());
        }
        if (op.status != QLatin1String("InProgress"))
            op.ended = QDateTime::currentDateTimeUtc();
    }
}

bool LocalPlatform::persist(QString *error)
{
    QJsonArray apps;
    for (const auto &[name, state] : m_apps) {
        QJsonArray revisions;
        for (const auto &rev : state->revisions)
            revisions.append(model::toJson(rev->meta));
        apps.append(
            QJsonObject{{QStringLiteral("app"), model::toJson(state->app)},
                        {QStringLiteral("ingressPort"), int(state->ingressPort)},
                        {QStringLiteral("created"), state->created.toString(Qt::ISODateWithMs)},
                        {QStringLiteral("revisions"), revisions}});
    }
    return m_store.save({{QStringLiteral("version"), 1}, {QStringLiteral("apps"), apps}}, error);
}

bool LocalPlatform::restore(QString *error)
{
    const QJsonObject saved = m_store.load(error);
    if (!error->isEmpty())
        return false;
    for (const QJsonValue &v : saved.value(QStringLiteral("apps")).toArray()) {
        const QJsonObject o = v.toObject();
        auto state = std::make_unique<AppState>();
        if (!model::fromJson(o.value(QStringLiteral("app")).toObject(), &state->app, error)) {
            *error = QStringLiteral("saved state: ") + *error;
            return false;
        }
        state->ingressPort = quint16(o.value(QStringLiteral("ingressPort")).toInt());
        state->created =
            QDateTime::fromString(o.value(QStringLiteral("created")).toString(), Qt::ISODateWithMs);
        for (const QJsonValue &r : o.value(QStringLiteral("revisions")).toArray()) {
            auto rev = std::make_unique<RevisionState>();
            if (!model::fromJson(r.toObject(), &rev->meta, error)) {
                *error = QStringLiteral("saved state: ") + *error;
                return false;
            }
            state->revisions.push_back(std::move(rev));
        }
        if (!ensureIngress(*state, error))
            return false;
        AppState *raw = state.get();
        m_apps.emplace(state->app.name, std::move(state));
        for (auto &rev : raw->revisions) {
            if (rev->meta.active)
                startRevision(*raw, *rev);
        }
        publishRoutes(*raw);
    }
    return true;
}

} // namespace blueshift::controlplane
