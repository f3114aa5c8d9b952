#pragma once

// What the local platform's end-to-end tests share: a `blueshift-server local` process with its
// own state directory, an ArmClient pointed at its admin API with its token, and synchronous
// wrappers (bounded waits on the event loop) for the client's calls.
#include "integrationsupport.h"

#include "controlplane/armclient.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QTemporaryDir>

#include <memory>

namespace blueshift::itest {

struct ArmResult
{
    bool done = false;
    bool ok = false;
    int status = 0;
    QJsonObject body;
    QJsonArray items;
    QString errorCode;
    QString errorMessage;
    QStringList progress;
};

// Waits (bounded) for a call of the client and returns what it answered.
ArmResult armWait(controlplane::ArmCall *call, int timeoutMs = 30000);

class LocalPlatformProcess
{
public:
    // `blueshift-server local --admin 127.0.0.1:0 --state-dir <dir> <args>`; the state directory
    // is kept across restart() (the same one unless given).
    explicit LocalPlatformProcess(const QString &stateDir = QString());
    ~LocalPlatformProcess();

    bool start(const QStringList &args = {});
    bool restart(const QStringList &args = {}); // after a kill or a stop
    void kill();                                // SIGKILL, as a crash
    ServerProcess &process() { return *m_process; }
    QString stateDir() const { return m_stateDir; }
    QByteArray token() const;
    quint16 adminPort() const { return m_process ? m_process->port() : 0; }
    controlplane::ArmClient &client() { return *m_client; }

    // The ingress address of an app ("127.0.0.1:PORT"), from its properties.
    quint16 ingressPort(const QString &app);

private:
    QTemporaryDir m_tmp;
    QString m_stateDir;
    QStringList m_args;
    std::unique_ptr<ServerProcess> m_process;
    std::unique_ptr<controlplane::ArmClient> m_client;
};

// A Container App JSON with the relay as its workload (UPSTREAM_URL in env) and ingress.
QJsonObject relayApp(const QString &suffix, const QString &upstreamUrl,
                     const QString &mode = QStringLiteral("Multiple"), int graceSeconds = 5,
                     const QJsonArray &traffic = {});

// A PATCH that makes a new revision with this suffix (same workload).
QJsonObject newRevisionPatch(const QString &suffix, const QString &upstreamUrl,
                             int graceSeconds = 5);

// A PATCH of configuration.ingress.traffic.
QJsonObject trafficPatch(const QJsonArray &traffic);

} // namespace blueshift::itest
