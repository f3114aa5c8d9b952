#pragma once

#include <QByteArray>
#include <QObject>
#include <QString>
#include <QTcpSocket>
#include <QTimer>

#include <chrono>

namespace blueshift::supervisor {

// One readiness check of a replica on 127.0.0.1, without blocking: GET /readyz, and a 2xx or
// 3xx status is ready, another status (503 while a relay drains) is not. A workload that has
// no /readyz (404) or does not speak HTTP is ready once its port accepts a connection, as
// Container Apps' default TCP probe would have it.
class ReadinessProbe : public QObject
{
    Q_OBJECT
public:
    enum class Result { Ready, NotReady, Refused };
    Q_ENUM(Result)

    explicit ReadinessProbe(QObject *parent = nullptr);

    // Starts a probe, abandoning one in flight; finished() follows, never from inside this call.
    void probe(quint16 port, std::chrono::milliseconds timeout);
    void cancel();
    bool isRunning() const { return m_running; }

Q_SIGNALS:
    // `details` says what was seen, for a replica's runningStateDetails.
    void finished(blueshift::supervisor::ReadinessProbe::Result result, const QString &details);

private:
    void onConnected();
    void onReadyRead();
    void onError(QAbstractSocket::SocketError error);
    void onTimeout();
    void conclude();
    void finish(Result result, const QString &details);

    QTcpSocket m_socket;
    QTimer m_timeout;
    QByteArray m_in;
    quint16 m_port = 0;
    quint64 m_generation = 0; // a finished() queued for an abandoned probe is dropped
    bool m_running = false;
    bool m_connected = false;
};

} // namespace blueshift::supervisor
