#pragma once

#include "replica.h"
#include "replicaspec.h"

#include "ingress/routingtable.h"
#include "model/containerapp.h"

#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QString>
#include <QTimer>

namespace blueshift::supervisor {

// The replicas of one revision on the local platform: keeps between minReplicas (at least one:
// no scale to zero, the ingress cannot hold a connection while a replica starts) and
// maxReplicas running while active, scales on the live connections the ingress counts, replaces
// them all on restart(), and stops them as Container Apps does. Lives on the thread that owns
// it and never blocks it.
class RevisionSupervisor : public QObject
{
    Q_OBJECT
public:
    RevisionSupervisor(ReplicaSpec spec, model::Scale scale, SupervisorOptions options = {},
                       QObject *parent = nullptr);
    ~RevisionSupervisor() override;

    QString revision() const { return m_spec.revision; }
    const ReplicaSpec &spec() const { return m_spec; }
    const model::Scale &scale() const { return m_scale; }

    // Active: replicas start (at once up to the minimum) and scale. Inactive: every replica
    // leaves routing at once and gets the stop sequence.
    void setActive(bool active);
    bool isActive() const { return m_active; }
    // Replaces every replica: as many new ones as now serve are started, and the old ones are
    // stopped once all the new ones are ready. False (and nothing happens) when not active.
    bool restart();
    bool isRestarting() const { return m_restartPending; }
    // Stops everything for good; allExited() once no process is left (at once if none is).
    void shutdown();
    bool isShutDown() const { return m_shuttingDown; }

    // Replicas the ingress may use: ready and not stopping. A cooling-down replica is listed
    // with acceptsNew false. Every route shares its replica's ReplicaLoad.
    QList<ingress::ReplicaRoute> routes() const;

    // As Container Apps names them, from what is true now.
    QString runningState() const; // Running, Processing, Stopped, Degraded, Failed
    QString healthState() const;  // Healthy, Unhealthy, None
    QString stateDetails() const;
    // Replicas whose process runs or will run again (stopping ones included until they exit).
    int replicaCount() const;
    // The count the last scale decision asked for; 0 when inactive.
    int desiredReplicas() const { return m_desired; }
    // Live connections over every replica, as the ingress counts them.
    int totalConnections() const;

    QList<Replica *> replicas() const;
    QList<model::Replica> replicaModels() const;

Q_SIGNALS:
    // The routable set changed: a replica became ready, left, or stopped accepting new ones.
    void routesChanged();
    // Anything behind runningState(), healthState(), replicaCount() or replicaModels().
    void stateChanged();
    // The replicas' events (see Replica), and revision.scaled {from, to, connections},
    // replica.cooling {cooldownSeconds, connections}, replica.resumed, revision.replaced
    // {replicas}; each with revision (and replica where it is about one).
    void lifecycleEvent(const QString &name, const QJsonObject &fields);
    void logLine(const QString &replica, const QByteArray &line, bool stderrLine);
    // After shutdown(): every process has exited.
    void allExited();

private:
    struct Slot
    {
        Replica *replica = nullptr;
        quint64 generation = 0;
        QTimer *cooldown = nullptr; // owned by the replica
    };

    Replica *startReplica();
    void onReplicaChanged();
    void onReplicaStopped(Replica *replica);
    void reconcile();
    void scheduleReconcile();
    void completeRestart();
    void scaleTo(int desired);
    void beginCooldown(Slot &slot);
    void endCooldown(Slot &slot);
    void stopSlot(Slot &slot);
    void updateRoutes();
    void checkAllExited();
    int lowerBound() const;
    int upperBound() const;
    Slot *slotOf(const Replica *replica);
    void emitEvent(const QString &name, QJsonObject fields = {});

    ReplicaSpec m_spec;
    model::Scale m_scale;
    SupervisorOptions m_options;
    QList<Slot> m_slots; // in creation order
    QTimer m_tick;
    QTimer m_reconcileSoon;
    QStringList m_routeSignature;
    quint64 m_generation = 0;
    int m_desired = 0;
    bool m_active = false;
    bool m_restartPending = false;
    bool m_shuttingDown = false;
    bool m_allExitedSent = false;
};

} // namespace blueshift::supervisor
