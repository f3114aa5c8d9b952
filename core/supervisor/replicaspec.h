#pragma once

#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

#include <chrono>

namespace blueshift::supervisor {

// How to run one replica of a revision: a process, as Container Apps runs a container.
struct ReplicaSpec
{
    QString app;
    QString revision;
    QString containerName; // containers[0].name, for the replicas API; the app's name if empty
    QString program;       // containers[0].command[0], or blueshift-server
    QStringList arguments; // the rest of command, then args (or "relay ...")
    // The workload's whole environment (the supervisor's own when empty). PORT,
    // CONTAINER_APP_NAME, CONTAINER_APP_REVISION, CONTAINER_APP_REPLICA_NAME and
    // CONTAINER_APP_PORT are added per replica and override anything given here.
    QProcessEnvironment environment;
    QString workingDirectory;
    int terminationGracePeriodSeconds = 30;
};

// Probe and restart timing for the replicas of a revision. The defaults suit the local
// platform; tests shorten them.
struct ReplicaTiming
{
    // Not ready this long after a launch: the replica is reported failed (it keeps running and
    // being probed, and turns ready if it ever answers).
    std::chrono::milliseconds startupTimeout{60000};
    // Until the first success the probe runs at this interval, doubling up to readinessInterval.
    std::chrono::milliseconds startupProbeInterval{50};
    // Once ready, how often /readyz is asked again.
    std::chrono::milliseconds readinessInterval{1000};
    // One probe: connect, ask, read the status line.
    std::chrono::milliseconds probeTimeout{1000};
    // Wait before relaunching a process that exited on its own; doubles with each exit that
    // was not preceded by readiness, up to maxRestartBackoff (Kubernetes' CrashLoopBackOff,
    // scaled down for one machine).
    std::chrono::milliseconds restartBackoff{1000};
    std::chrono::milliseconds maxRestartBackoff{30000};
};

struct SupervisorOptions
{
    // How often the supervisor compares live connections with concurrency per replica.
    std::chrono::milliseconds scaleInterval{1000};
    ReplicaTiming replica;
};

} // namespace blueshift::supervisor
