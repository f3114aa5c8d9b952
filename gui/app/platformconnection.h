#pragma once

#include "localserverprocess.h"
#include "platformtarget.h"

#include <QObject>
#include <QPointer>
#include <QStringList>

namespace blueshift::controlplane {
class ArmCall;
class ArmClient;
} // namespace blueshift::controlplane

namespace blueshift::gui {

// The console's link to one control plane (the local platform or Azure Container Apps): probes
// the target with the ARM client, starts a local platform of its own when the target is this
// machine and nothing answers, and stops that child when the console quits. Everything is
// asynchronous: states are reported by signal.
class PlatformConnection : public QObject
{
    Q_OBJECT
public:
    enum class State { Disconnected, Connecting, StartingLocal, Connected, Failed, Stopping };
    Q_ENUM(State)

    explicit PlatformConnection(QObject *parent = nullptr);
    ~PlatformConnection() override;

    // blueshift-server to start when needed (default: beside this program, else on PATH).
    void setServerProgram(const QString &program);

    void connectTo(const PlatformTarget &target);
    // Stops the local platform this console started, if any; shutdownFinished() follows (at once
    // when there is none).
    void shutdown();

    State state() const { return m_state; }
    QString stateText() const { return m_stateText; }
    // The target as connected: for a child platform, the admin URL and token file it reported.
    PlatformTarget target() const { return m_target; }
    // The client of the current target; null unless connected.
    controlplane::ArmClient *client() const;
    // App names the platform listed when the connection was made.
    QStringList apps() const { return m_apps; }
    bool ownsLocalPlatform() const;
    LocalServerProcess &localProcess() { return m_child; }

Q_SIGNALS:
    void stateChanged(PlatformConnection::State state, const QString &text);
    void connected();
    void disconnected();
    void shutdownFinished();

private:
    void setState(State state, const QString &text);
    void probe(bool mayStart);
    // A failed first call to Azure in words: which token source, and ARM's code and message.
    QString azureFailureText(const controlplane::ArmCall *call) const;
    void onChildStarted(const QUrl &adminUrl, const QString &tokenFile);
    void onChildFailed(const QString &reason);
    void onChildStopped(int exitCode, bool unexpected);
    void dropClient();

    PlatformTarget m_target;
    QPointer<controlplane::ArmClient> m_client;
    LocalServerProcess m_child;
    State m_state = State::Disconnected;
    QString m_stateText;
    QStringList m_apps;
    quint64 m_generation = 0;
    bool m_shuttingDown = false;
};

} // namespace blueshift::gui
