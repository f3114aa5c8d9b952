#include "appsession.h"

#include "guilog.h"

#include "controlplane/armclient.h"

#include <memory>

namespace blueshift::gui {

namespace {
// The app list changes rarely: ask for it on every fifth poll.
constexpr int kAppListEvery = 5;
} // namespace

AppSession::AppSession(QObject *parent)
    : QObject(parent)
{
    m_timer.setInterval(2000);
    connect(&m_timer, &QTimer::timeout, this, &AppSession::poll);
}

void AppSession::setClient(controlplane::ArmClient *client)
{
    if (client == m_client)
        return;
    ++m_generation;
    m_client = client;
    m_polling = false;
    m_pollAgain = false;
    m_pollCount = 0;
    if (m_operation)
        m_operation->cancel();
    m_operation.clear();
    if (!client) {
        m_timer.stop();
        return;
    }
    m_timer.start();
    listApps();
    poll();
}

void AppSession::setAppName(const QString &app)
{
    if (app == m_appName)
        return;
    ++m_generation;
    m_appName = app;
    m_polling = false;
    m_hasSnapshot = false;
    m_app = {};
    m_snapshotJson = {};
    m_revisions.clear();
    Q_EMIT snapshotChanged();
    poll();
}

void AppSession::setPollInterval(int ms)
{
    m_timer.setInterval(ms);
}

void AppSession::refresh()
{
    if (m_polling) {
        m_pollAgain = true;
        return;
    }
    poll();
}

void AppSession::listApps()
{
    if (!m_client)
        return;
    const quint64 generation = m_generation;
    controlplane::ArmCall *call = m_client->listApps();
    connect(call, &controlplane::ArmCall::finished, this, [this, call, generation] {
        if (generation != m_generation || !call->ok())
            return;
        QStringList names;
        for (const QJsonValue &v : call->items())
            names.append(v.toObject().value(QStringLiteral("name")).toString());
        names.sort();
        if (names != m_appNames) {
            m_appNames = names;
            Q_EMIT appNamesChanged(names);
        }
    });
}

void AppSession::poll()
{
    if (!m_client || m_appName.isEmpty() || m_polling)
        return;
    if (++m_pollCount % kAppListEvery == 0)
        listApps();
    m_polling = true;
    m_pending = 2;
    m_pollError.clear();
    const quint64 generation = m_generation;
    controlplane::ArmCall *appCall = m_client->getApp(m_appName);
    connect(appCall, &controlplane::ArmCall::finished, this, [this, appCall, generation] {
        if (generation != m_generation)
            return;
        if (appCall->ok())
            m_appJson = appCall->body();
        else if (m_pollError.isEmpty())
            m_pollError = appCall->errorText();
        finishPoll();
    });
    controlplane::ArmCall *revisionsCall = m_client->listRevisions(m_appName);
    connect(revisionsCall, &controlplane::ArmCall::finished, this,
            [this, revisionsCall, generation] {
                if (generation != m_generation)
                    return;
                if (revisionsCall->ok())
                    m_revisionsJson = revisionsCall->items();
                else if (m_pollError.isEmpty())
                    m_pollError = revisionsCall->errorText();
                finishPoll();
            });
}

void AppSession::finishPoll()
{
    if (--m_pending > 0)
        return;
    m_polling = false;
    QString error = m_pollError;
    model::ContainerApp app;
    QList<model::Revision> revisions;
    if (error.isEmpty() && !model::fromJson(m_appJson, &app, &error))
        error = QStringLiteral("unreadable app from the platform: ") + error;
    for (qsizetype i = 0; error.isEmpty() && i < m_revisionsJson.size(); ++i) {
        model::Revision r;
        if (!model::fromJson(m_revisionsJson.at(i).toObject(), &r, &error))
            error = QStringLiteral("unreadable revision from the platform: ") + error;
        else
            revisions.append(r);
    }
    if (!error.isEmpty()) {
        if (error != m_lastError)
            qCDebug(lcGui) << "poll failed:" << error;
        m_lastError = error;
        Q_EMIT pollFailed(error);
    } else {
        m_lastError.clear();
        m_app = app;
        m_snapshotJson = m_appJson;
        m_revisions = revisions;
        m_hasSnapshot = true;
        Q_EMIT pollSucceeded();
        Q_EMIT snapshotChanged();
    }
    if (m_pollAgain) {
        m_pollAgain = false;
        poll();
    }
}

bool AppSession::run(controlplane::ArmCall *call, const QString &description, Continuation next)
{
    if (m_operation) {
        call->cancel();
        return false;
    }
    m_operationDescription = description;
    m_operationClock.start();
    qCDebug(lcGui) << "action:" << description;
    // Busy before anyone hears of it, so that views disable what must wait.
    track(call, std::move(next));
    Q_EMIT operationStarted(description);
    return true;
}

void AppSession::track(controlplane::ArmCall *call, Continuation next)
{
    m_operation = call;
    const QString description = m_operationDescription;
    connect(call, &controlplane::ArmCall::progress, this,
            [this, description](const QString &s) { Q_EMIT operationProgress(description, s); });
    auto done = std::make_shared<bool>(false);
    // A call whose client goes away (a new connection) ends without finished().
    connect(call, &QObject::destroyed, this, [this, done, description] {
        if (*done)
            return;
        m_operationDescription.clear();
        Q_EMIT operationFinished(false, QStringLiteral("%1: interrupted, the connection to the "
                                                       "platform was closed")
                                            .arg(description));
    });
    connect(call, &controlplane::ArmCall::finished, this, [this, call, description, done, next] {
        *done = true;
        if (call->ok() && next) {
            QString error;
            controlplane::ArmCall *following = next(call, &error);
            if (following) {
                track(following, {});
                return;
            }
            endOperation(false, QStringLiteral("%1 failed: %2").arg(description, error));
            return;
        }
        QString message;
        if (call->ok())
            message = QStringLiteral("%1: done in %2 s")
                          .arg(description)
                          .arg(double(m_operationClock.elapsed()) / 1000.0, 0, 'f', 1);
        else if (call->errorCode() == QLatin1String("Cancelled"))
            message = QStringLiteral("%1: cancelled; stopped waiting, the platform may still "
                                     "finish it")
                          .arg(description);
        else
            message = QStringLiteral("%1 failed: %2").arg(description, call->errorText());
        endOperation(call->ok(), message);
    });
}

void AppSession::endOperation(bool ok, const QString &message)
{
    m_operation.clear();
    m_operationDescription.clear();
    qCDebug(lcGui) << message;
    Q_EMIT operationFinished(ok, message);
    refresh();
}

void AppSession::cancelOperation()
{
    if (m_operation)
        m_operation->cancel();
}

} // namespace blueshift::gui
