#pragma once

#include "controlplane/armclient.h"
#include "model/containerapp.h"

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QStringList>
#include <QTimer>

#include <functional>

namespace blueshift::gui {

// One app on the connected platform, as the console sees it: polled every couple of seconds
// (the app and its revisions in one snapshot, the app list now and then), refreshed right after
// every action, and the one place where actions run, so that the status bar can show progress,
// offer Cancel, and put ARM's error in words.
class AppSession : public QObject
{
    Q_OBJECT
public:
    explicit AppSession(QObject *parent = nullptr);

    // Null while disconnected. The session does not own the client.
    void setClient(controlplane::ArmClient *client);
    controlplane::ArmClient *client() const { return m_client; }
    void setAppName(const QString &app);
    QString appName() const { return m_appName; }
    void setPollInterval(int ms);
    int pollInterval() const { return m_timer.interval(); }

    // Polls now (at most one poll runs at a time; a request during one runs right after it).
    void refresh();

    bool hasSnapshot() const { return m_hasSnapshot; }
    const model::ContainerApp &app() const { return m_app; }
    // The app as the platform answered it in the snapshot, every field included (for a merge
    // patch's warnings; a new revision reads the app afresh).
    QJsonObject appJson() const { return m_snapshotJson; }
    const QList<model::Revision> &revisions() const { return m_revisions; }
    QStringList appNames() const { return m_appNames; }
    QString lastError() const { return m_lastError; }

    // What an action does once its first call succeeded: the next call (tracked in turn, under
    // the same description), or null with the reason in *error to end the action there.
    using Continuation =
        std::function<controlplane::ArmCall *(controlplane::ArmCall *done, QString *error)>;

    // Actions: one at a time. `call` is tracked to its end, then `next` when given (a GET, then
    // the PATCH made from it); a refresh follows. Returns false (and cancels the call) when
    // another action is still running.
    bool run(controlplane::ArmCall *call, const QString &description, Continuation next = {});
    bool busy() const { return !m_operation.isNull(); }
    QString operationDescription() const { return m_operationDescription; }
    void cancelOperation();

Q_SIGNALS:
    void snapshotChanged();
    void appNamesChanged(const QStringList &names);
    // A poll failed (platform gone, app deleted, unreadable answer); cleared by the next success.
    void pollFailed(const QString &error);
    void pollSucceeded();
    void operationStarted(const QString &description);
    void operationProgress(const QString &description, const QString &status);
    void operationFinished(bool ok, const QString &message);

private:
    void poll();
    void finishPoll();
    void listApps();
    void track(controlplane::ArmCall *call, Continuation next);
    void endOperation(bool ok, const QString &message);

    QPointer<controlplane::ArmClient> m_client;
    QString m_appName;
    QTimer m_timer;
    quint64 m_generation = 0;
    bool m_polling = false;
    bool m_pollAgain = false;
    int m_pollCount = 0;
    // The two halves of one poll.
    int m_pending = 0;
    QJsonObject m_appJson;
    QJsonObject m_snapshotJson;
    QJsonArray m_revisionsJson;
    QString m_pollError;

    bool m_hasSnapshot = false;
    model::ContainerApp m_app;
    QList<model::Revision> m_revisions;
    QStringList m_appNames;
    QString m_lastError;

    QPointer<controlplane::ArmCall> m_operation;
    QString m_operationDescription;
    QElapsedTimer m_operationClock;
};

} // namespace blueshift::gui
