#include "platformconnection.h"

#include "guilog.h"

#include "controlplane/armclient.h"

#include <QFileInfo>
#include <QJsonObject>

namespace blueshift::gui {

PlatformConnection::PlatformConnection(QObject *parent)
    : QObject(parent)
{
    connect(&m_child, &LocalServerProcess::started, this, &PlatformConnection::onChildStarted);
    connect(&m_child, &LocalServerProcess::failed, this, &PlatformConnection::onChildFailed);
    connect(&m_child, &LocalServerProcess::stopped, this, &PlatformConnection::onChildStopped);
}

PlatformConnection::~PlatformConnection()
{
    dropClient();
}

void PlatformConnection::setServerProgram(const QString &program)
{
    m_child.setProgram(program);
}

controlplane::ArmClient *PlatformConnection::client() const
{
    return m_state == State::Connected ? m_client.data() : nullptr;
}

bool PlatformConnection::ownsLocalPlatform() const
{
    return m_child.state() != LocalServerProcess::State::NotRunning;
}

void PlatformConnection::setState(State state, const QString &text)
{
    const bool wasConnected = m_state == State::Connected;
    m_state = state;
    m_stateText = text;
    if (state == State::Failed)
        qCWarning(lcGui) << "platform:" << text;
    else
        qCDebug(lcGui) << "platform:" << text;
    Q_EMIT stateChanged(state, text);
    if (wasConnected && state != State::Connected)
        Q_EMIT disconnected();
}

void PlatformConnection::dropClient()
{
    if (m_client)
        m_client->deleteLater(); // its calls in flight finish into nothing
    m_client.clear();
}

void PlatformConnection::connectTo(const PlatformTarget &target)
{
    if (m_shuttingDown)
        return;
    ++m_generation;
    dropClient();
    m_apps.clear();
    m_target = target;
    QString why;
    if (!target.isAvailable(&why)) {
        setState(State::Failed, why);
        return;
    }
    // A platform this console started keeps serving its own address; anything else is asked.
    if (target.kind == PlatformKind::LocalMachine &&
        m_child.state() == LocalServerProcess::State::Running &&
        m_child.adminUrl().port() == target.adminUrl.port()) {
        m_target.adminUrl = m_child.adminUrl();
        m_target.tokenFile = m_child.tokenFile();
    }
    probe(true);
}

void PlatformConnection::probe(bool mayStart)
{
    dropClient();
    QString error;
    const std::optional<controlplane::ArmEndpoint> endpoint = m_target.endpoint(&error);
    if (!endpoint) {
        setState(State::Failed, error);
        return;
    }
    m_client = new controlplane::ArmClient(*endpoint, this);
    setState(State::Connecting,
             QStringLiteral("Connecting to %1 at %2…")
                 .arg(m_target.displayName(), m_target.kind == PlatformKind::Azure
                                                  ? m_target.location()
                                                  : m_target.adminUrl.toString()));
    const quint64 generation = m_generation;
    controlplane::ArmCall *call = m_client->listApps();
    connect(call, &controlplane::ArmCall::finished, this, [this, call, generation, mayStart] {
        if (generation != m_generation || m_shuttingDown)
            return;
        if (call->ok()) {
            m_apps.clear();
            for (const QJsonValue &v : call->items())
                m_apps.append(v.toObject().value(QStringLiteral("name")).toString());
            setState(State::Connected, QStringLiteral("Connected"));
            Q_EMIT connected();
            return;
        }
        if (m_target.kind == PlatformKind::Azure) {
            setState(State::Failed, azureFailureText(call));
            return;
        }
        const bool nothingThere = call->errorCode() == QLatin1String("ConnectionFailed") ||
                                  (call->errorCode() == QLatin1String("AuthenticationFailed") &&
                                   !QFileInfo::exists(m_target.tokenFile));
        if (mayStart && nothingThere && m_target.kind == PlatformKind::LocalMachine &&
            m_target.startIfMissing && isLoopbackHost(m_target.adminUrl.host()) &&
            m_child.state() == LocalServerProcess::State::NotRunning) {
            setState(State::StartingLocal,
                     QStringLiteral("No platform at %1; starting blueshift-server local --demo…")
                         .arg(m_target.location()));
            m_child.start(
                QStringLiteral("%1:%2").arg(m_target.adminUrl.host()).arg(m_target.adminUrl.port()),
                m_target.stateDir, true);
            return;
        }
        QString text;
        if (call->errorCode() == QLatin1String("AuthenticationFailed") &&
            !QFileInfo::exists(m_target.tokenFile))
            text = QStringLiteral("No admin token at %1: is a local platform running with that "
                                  "state directory?")
                       .arg(m_target.tokenFile);
        else if (call->status() == 401)
            text = QStringLiteral("%1 refused the token from %2 (%3)")
                       .arg(m_target.location(), m_target.tokenFile, call->errorText());
        else if (call->errorCode() == QLatin1String("ConnectionFailed"))
            text = QStringLiteral("No platform answers at %1 (%2)")
                       .arg(m_target.location(), call->errorMessage());
        else
            text = QStringLiteral("%1: %2").arg(m_target.location(), call->errorText());
        setState(State::Failed, text);
    });
}

QString PlatformConnection::azureFailureText(const controlplane::ArmCall *call) const
{
    // ARM's own code and message first: they name the missing role or the unknown group.
    const QString where = QStringLiteral("Azure Container Apps (%1)").arg(m_target.location());
    if (call->errorCode() == QLatin1String("AuthenticationFailed") && call->status() == 0)
        return QStringLiteral("%1: no ARM token from %2: %3")
            .arg(where, m_target.tokenSourceText(), call->errorMessage());
    if (call->status() == 401)
        return QStringLiteral("%1 refused the token from %2 (%3)")
            .arg(where, m_target.tokenSourceText(), call->errorText());
    if (call->status() == 403)
        return QStringLiteral("%1: the account has no access to the resource group (%2)")
            .arg(where, call->errorText());
    if (call->errorCode() == QLatin1String("ConnectionFailed"))
        return QStringLiteral("%1: %2 does not answer (%3)")
            .arg(where, m_target.adminUrl.host(), call->errorMessage());
    return QStringLiteral("%1: %2").arg(where, call->errorText());
}

void PlatformConnection::onChildStarted(const QUrl &adminUrl, const QString &tokenFile)
{
    if (m_shuttingDown)
        return;
    m_target.adminUrl = adminUrl;
    m_target.tokenFile = tokenFile;
    ++m_generation;
    probe(false);
}

void PlatformConnection::onChildFailed(const QString &reason)
{
    if (m_shuttingDown)
        return;
    setState(State::Failed, QStringLiteral("Could not start the local platform: %1").arg(reason));
}

void PlatformConnection::onChildStopped(int exitCode, bool unexpected)
{
    if (m_shuttingDown) {
        setState(State::Disconnected, QStringLiteral("Stopped"));
        Q_EMIT shutdownFinished();
        return;
    }
    if (unexpected && m_state != State::Failed) {
        ++m_generation;
        dropClient();
        setState(State::Failed,
                 QStringLiteral("The local platform exited (code %1)").arg(exitCode));
    }
}

void PlatformConnection::shutdown()
{
    if (m_shuttingDown)
        return;
    m_shuttingDown = true;
    ++m_generation;
    dropClient();
    if (m_child.state() == LocalServerProcess::State::NotRunning) {
        setState(State::Disconnected, QStringLiteral("Disconnected"));
        Q_EMIT shutdownFinished();
        return;
    }
    setState(State::Stopping, QStringLiteral("Stopping the local platform…"));
    m_child.stop();
}

} // namespace blueshift::gui
