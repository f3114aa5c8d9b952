#pragma once

#include "apiresult.h"

#include "model/containerapp.h"

#include <QDateTime>
#include <QHash>
#include <QObject>
#include <QTimer>

#include <chrono>
#include <map>
#include <memory>
#include <vector>

namespace blueshift::net {
class TlsContext;
}
namespace blueshift::ingress {
class Ingress;
}
namespace blueshift::supervisor {
class RevisionSupervisor;
}

namespace blueshift::controlplane {

class EventJournal;
class StateStore;

struct LocalPlatformOptions
{
    QString serverProgram;   // blueshift-server, for the default relay workload
    QString defaultUpstream; // ws:// URL for relay workloads whose env has no UPSTREAM_URL
    QByteArray ingressHost = QByteArrayLiteral("127.0.0.1");
    std::shared_ptr<net::TlsContext> ingressTls;
    std::chrono::milliseconds idleTimeout{240000};
    int ingressThreads = 0;
    QByteArray cookieKey;
};

// The local platform: the Container Apps semantics (apps, immutable revisions made by template
// changes, Single and Multiple revision modes, weighted traffic with labels and
// latestRevision, activate/deactivate/restart) on this machine. Owns one ingress per app and a
// supervisor per revision, persists every acknowledged change through the StateStore before it
// answers, and records what happens in the EventJournal.
class LocalPlatform : public QObject
{
    Q_OBJECT
public:
    LocalPlatform(StateStore &store, EventJournal &journal, LocalPlatformOptions options,
                  QObject *parent = nullptr);
    ~LocalPlatform() override;

    // Brings back the saved apps: their ingresses on the same ports, their active revisions.
    bool start(QString *error);
    // Stops every replica (SIGTERM, SIGKILL at each grace period); stopped() when all exited.
    void shutdown();
    bool hasApp(const QString &name) const { return m_apps.count(name) > 0; }

    // The REST surface. `operationBase` is the URL prefix for Azure-AsyncOperation headers.
    ApiResult listApps() const;
    ApiResult getApp(const QString &name) const;
    ApiResult putApp(const QString &name, const QJsonObject &body, const QString &operationBase);
    ApiResult patchApp(const QString &name, const QJsonObject &body, const QString &operationBase);
    ApiResult deleteApp(const QString &name);
    ApiResult listRevisions(const QString &app) const;
    ApiResult getRevision(const QString &app, const QString &revision) const;
    ApiResult revisionAction(const QString &app, const QString &revision, const QString &action);
    ApiResult listReplicas(const QString &app, const QString &revision) const;
    ApiResult getReplica(const QString &app, const QString &revision, const QString &replica) const;
    ApiResult operationStatus(const QString &id) const;

Q_SIGNALS:
    void stopped();

private:
    struct RevisionState;
    struct AppState;
    struct Operation
    {
        QString status = QStringLiteral("InProgress"); // InProgress, Succeeded, Failed
        QString waitFor;                               // revision whose readiness ends it
        QString error;
        QDateTime started;
        QDateTime ended;
    };

    ApiResult applyChange(AppState &state, const model::ContainerApp &next, bool created,
                          const QString &operationBase);
    QString validate(const model::ContainerApp &app, const QString &urlName) const;
    void startRevision(AppState &state, RevisionState &rev);
    void stopRevision(AppState &state, RevisionState &rev, const QString &why);
    bool ensureIngress(AppState &state, QString *error);
    void publishRoutes(AppState &state);
    void onRevisionStateChanged(AppState &state, RevisionState &rev);
    QString singleModeRevision(const AppState &state) const;
    QHash<QString, int> effectiveWeights(const AppState &state) const;

    model::ContainerApp appView(const AppState &state) const;
    model::Revision revisionView(const AppState &state, const RevisionState &rev) const;
    AppState *findApp(const QString &name);
    const AppState *findApp(const QString &name) const;
    RevisionState *findRevision(AppState &state, const QString &name);

    bool persist(QString *error);
    bool restore(QString *error);
    QString newOperation(const QString &waitFor, const QString &operationBase,
                         QList<QPair<QByteArray, QByteArray>> *headers);
    void checkOperations();
    QString resourceId(const QString &app, const QString &revision = QString()) const;
    QList<model::Replica> replicaModels(const RevisionState &rev) const;
    void retireSupervisor(std::unique_ptr<supervisor::RevisionSupervisor> sup);
    void noteSupervisorGone();
    QString ingressFqdn(const AppState &state) const;

    StateStore &m_store;
    EventJournal &m_journal;
    LocalPlatformOptions m_options;
    std::map<QString, std::unique_ptr<AppState>> m_apps;
    QHash<QString, Operation> m_operations;
    std::uint64_t m_routeGeneration = 0;
    std::vector<std::unique_ptr<supervisor::RevisionSupervisor>>
        m_retired; // stopping, then deleted
    bool m_shuttingDown = false;
};

} // namespace blueshift::controlplane
