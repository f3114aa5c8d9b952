#pragma once

#include "readinessprobe.h"
#include "replicaspec.h"

#include "ingress/routingtable.h"
#include "model/containerapp.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonObject>
#include <QObject>
#include <QProcess>
#include <QTimer>

#include <memory>

namespace blueshift::supervisor {

// One replica of a revision: a process with its own loopback PORT, probed for readiness,
// restarted with backoff when it exits on its own, and stopped as Container Apps stops a
// container (out of routing at once, SIGTERM, SIGKILL when the grace period runs out).
class Replica : public QObject
{
    Q_OBJECT
public:
    enum class State {
        Idle,       // not started yet
        Starting,   // launched, not ready since the launch
        Running,    // has been ready since the launch (isReady() says whether it still is)
        Restarting, // exited on its own; relaunches when the backoff runs out
        Stopping,   // SIGTERM sent, waiting for the exit (SIGKILL at the grace period)
        Stopped,    // the stop sequence is over; the replica is done
    };
    Q_ENUM(State)
    enum class Health { Unknown, Healthy, Unhealthy };
    Q_ENUM(Health)

    Replica(ReplicaSpec spec, ReplicaTiming timing, QObject *parent = nullptr);
    // A replica still running here is killed (SIGKILL to its process group) without waiting.
    ~Replica() override;

    // Azure-like: "{revision}-{8 random lowercase letters and digits}".
    static QString makeName(const QString &revision);

    void start();
    // The stop sequence; stopped() when it is over. Safe to call in any state, and again.
    void stop();

    QString name() const { return m_name; }
    QString revision() const { return m_spec.revision; }
    State state() const { return m_state; }
    Health health() const { return m_health; }
    // Not a passing hiccup: not ready when the startup timeout ran out, or exited again and
    // again (crashLoopThreshold times) without becoming ready in between.
    bool hasFailed() const;
    static constexpr int crashLoopThreshold = 3;
    bool isReady() const { return m_ready; }
    // Ready and not stopping: the ingress may send it connections.
    bool isRoutable() const;
    // False while the replica cools down before a scale-in: it keeps its connections but gets
    // no new ones. Does not affect isRoutable().
    bool acceptsNew() const { return m_acceptsNew; }
    void setAcceptsNew(bool accepts);
    // Still to exit: a process is (or is about to be) running or restarting.
    bool isAlive() const { return m_state != State::Stopped && m_state != State::Idle; }

    // What is true now, in words: "GET /readyz answered 503", "exited with code 3" ...
    QString details() const { return m_details; }
    int restartCount() const { return m_restartCount; }
    quint16 port() const { return m_port; }
    qint64 processId() const { return m_process.processId(); }
    QDateTime createdTime() const { return m_created; }
    std::shared_ptr<ingress::ReplicaLoad> load() const { return m_load; }
    int connections() const { return m_load->connections.load(std::memory_order_relaxed); }

    // The route the ingress needs; its load is this replica's own counter.
    ingress::ReplicaRoute route() const;
    // The replicas API shape (the id is left to the control plane).
    model::Replica toModel() const;

Q_SIGNALS:
    // State, readiness, health or acceptsNew changed.
    void changed();
    // replica.started {pid, port}, replica.ready, replica.unready {details}, replica.failed
    // {details}, replica.signalled {signal}, replica.exited {code | signal}, replica.restarting
    // {restartCount, delayMs, reason}; every one with replica and revision.
    void lifecycleEvent(const QString &name, const QJsonObject &fields);
    // One line of the child's stdout or stderr, without its line break.
    void logLine(const QString &replica, const QByteArray &line, bool stderrLine);
    void stopped();

private:
    void launch();
    void onStarted();
    void onFinished(int exitCode, QProcess::ExitStatus status);
    void onProcessError(QProcess::ProcessError error);
    void onProbeFinished(ReadinessProbe::Result result, const QString &details);
    void onStartupTimeout();
    void onGraceExpired();
    void scheduleProbe();
    QString notReadyDetails(const QString &probe) const;
    void exitedOnItsOwn(const QString &reason);
    void readChannel(bool stderrChannel);
    void flushLines(bool stderrChannel, bool all);
    void sendSignal(int signal);
    void setState(State state);
    void setReady(bool ready);
    void emitEvent(const QString &name, QJsonObject fields = {});

    ReplicaSpec m_spec;
    ReplicaTiming m_timing;
    QString m_name;
    QDateTime m_created;
    QProcess m_process;
    ReadinessProbe m_probe;
    QTimer m_probeTimer;
    QTimer m_startupTimer;
    QTimer m_graceTimer;
    QTimer m_restartTimer;
    QElapsedTimer m_sinceLaunch;
    std::shared_ptr<ingress::ReplicaLoad> m_load = std::make_shared<ingress::ReplicaLoad>();
    QByteArray m_partial[2]; // stdout, stderr
    State m_state = State::Idle;
    Health m_health = Health::Unknown;
    QString m_details;
    quint16 m_port = 0;
    qint64 m_pid = 0; // of the current launch, kept after the exit for the process group
    std::chrono::milliseconds m_probeInterval{0};
    int m_restartCount = 0;
    int m_crashesWithoutReady = 0;
    bool m_ready = false;
    bool m_acceptsNew = true;
    bool m_startupTimedOut = false;
};

QString stateName(Replica::State state);

} // namespace blueshift::supervisor
