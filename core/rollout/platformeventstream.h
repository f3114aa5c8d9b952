#pragma once

#include "controlplane/armclient.h"

#include <QDateTime>
#include <QJsonObject>
#include <QObject>
#include <QPointer>

class QWebSocket;

namespace blueshift::rollout {

// The control plane's event stream, read so that a rollout's timeline holds what the platform
// did (revision.created, traffic.updated, revision.deactivated, replica.signalled ...) beside
// the steps and the session closes. Today that is the local platform's /logstream WebSocket
// (same address and bearer token as its admin API); a platform without one reports failed()
// and the run goes on without platform events.
class PlatformEventStream : public QObject
{
    Q_OBJECT
public:
    PlatformEventStream(controlplane::ArmEndpoint endpoint, QString app, QObject *parent = nullptr);
    ~PlatformEventStream() override;

    // Connects; connected() or failed() follows.
    void open();
    void close();
    bool isConnected() const { return m_connected; }

    // Whether an entry of the stream belongs on a rollout's timeline: every platform event, and
    // the replicas' lifecycle lines about signals and draining (not their per-session lines).
    static bool isTimelineEvent(const QJsonObject &entry);
    // The entry's fields as the timeline keeps them: bookkeeping (ts, seq, received) left out.
    static QJsonObject timelineFields(const QJsonObject &entry);

Q_SIGNALS:
    void connected();
    void failed(const QString &why);
    // `time` is when the platform says it happened (its ts), or when it arrived.
    void eventReceived(const QString &kind, const QDateTime &time, const QJsonObject &fields);

private:
    void onMessage(const QString &text);
    void fail(const QString &why);

    controlplane::ArmEndpoint m_endpoint;
    QString m_app;
    QPointer<QWebSocket> m_socket;
    bool m_connected = false;
    bool m_closing = false;
};

} // namespace blueshift::rollout
