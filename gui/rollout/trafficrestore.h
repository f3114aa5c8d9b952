#pragma once

#include "controlplane/armclient.h"
#include "model/containerapp.h"

#include <QObject>
#include <QPointer>
#include <QStringList>

namespace blueshift::gui {

// Abort's second half: puts an app's traffic back as it was before a rollout, through the same
// ArmClient. Revisions that carried traffic then and were deactivated since are activated first
// (the platform refuses weight on an inactive revision), then one PATCH sets the traffic list
// (weights and labels) as it was. Asynchronous; finished() tells how it went, in ARM's words.
class TrafficRestore : public QObject
{
    Q_OBJECT
public:
    TrafficRestore(controlplane::ArmClient *client, QString app,
                   QList<model::TrafficWeight> traffic, QStringList activateFirst,
                   QObject *parent = nullptr);

    void start();
    // "demo--blue 100%": the traffic being restored, for messages.
    static QString describe(const QList<model::TrafficWeight> &traffic);

Q_SIGNALS:
    void finished(bool ok, const QString &message);

private:
    void next();
    void done(bool ok, const QString &message);

    QPointer<controlplane::ArmClient> m_client;
    QString m_app;
    QList<model::TrafficWeight> m_traffic;
    QStringList m_activate;
    bool m_done = false;
};

} // namespace blueshift::gui
