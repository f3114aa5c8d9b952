#pragma once

// What the ingress's integration tests share: an in-process Ingress on 127.0.0.1:0, routing
// tables naming real replicas (blueshift-server relay processes in front of upstream-sim), a
// WebSocket client that can choose its request head and its source address, one-shot HTTP
// exchanges, and a connection storm that counts which revision answered.

#include "integrationsupport.h"

#include "ingress/ingress.h"

#include <QHostAddress>
#include <QMap>
#include <QTcpSocket>

#include <memory>

namespace blueshift::itest {

using HeaderPairs = QList<QPair<QByteArray, QByteArray>>;

ingress::ReplicaRoute replicaAt(const QString &name, quint16 port);
ingress::RevisionRoute revisionOf(const QString &name, int weight,
                                  const QList<ingress::ReplicaRoute> &replicas);
// App "demo" with these revisions, labels "blue" and "green" when such revisions exist.
std::shared_ptr<ingress::AppRoutes> appRoutes(const QList<ingress::RevisionRoute> &revisions,
                                              bool sticky = false);

// An Ingress listening on 127.0.0.1:0 with two threads (unless told), started, with `routes`.
std::unique_ptr<ingress::Ingress> startIngress(std::shared_ptr<const ingress::AppRoutes> routes,
                                               ingress::IngressOptions options = {});

// `blueshift-server relay` named revision/replica, one thread, in front of `upstreamPort`.
bool startEchoRelay(ServerProcess &process, quint16 upstreamPort, const QString &revision,
                    const QString &replica, const QStringList &extraArgs = {});

QByteArray upgradeRequest(const QByteArray &target = "/ws", const QByteArray &host = "127.0.0.1",
                          const HeaderPairs &extra = {});
QByteArray getRequest(const QByteArray &target, const QByteArray &host = "127.0.0.1",
                      const HeaderPairs &extra = {});

// A client connection whose request head is written by the test, then (after a 101) a
// WebSocket client: masked frames out, frames in.
class WsClient : public QObject
{
    Q_OBJECT
public:
    explicit WsClient(QObject *parent = nullptr);

    // Connects (from `from` when given), writes `request` and waits for the response head.
    bool open(quint16 port, const QByteArray &request, const QHostAddress &from = {},
              int timeoutMs = 5000);
    // Only connects and writes: for requests that are never answered in time.
    bool connectAndSend(quint16 port, const QByteArray &bytes, const QHostAddress &from = {},
                        int timeoutMs = 5000);
    bool waitForHead(int timeoutMs = 5000);

    int status() const { return m_status; }
    QByteArray header(const QByteArray &name) const;
    QList<QByteArray> headers(const QByteArray &name) const;
    // Bytes after the head (a body; frames are taken out of it after a 101).
    QByteArray body() const { return m_in; }

    void send(const QByteArray &bytes) { m_socket.write(bytes); }
    void sendText(const QByteArray &payload);
    // Sends a text message and waits until it comes back (echo upstream).
    bool echo(const QByteArray &payload, int timeoutMs = 5000);
    // Sends a close frame and waits for the server's close and the end of the connection.
    bool closeCleanly(int timeoutMs = 5000);
    void abort() { m_socket.abort(); }

    QList<QByteArray> messages() const { return m_messages; }
    bool isDisconnected() const { return m_disconnected; }
    int closeCode() const { return m_closeCode; }

Q_SIGNALS:
    void disconnected();

private:
    void readData();

    QTcpSocket m_socket;
    QByteArray m_in;
    bool m_headDone = false;
    int m_status = 0;
    HeaderPairs m_headers;
    QList<QByteArray> m_messages;
    int m_closeCode = 0;
    bool m_disconnected = false;
};

// Opens `count` clients at once with the same request; true when each has its response head.
bool openAll(QList<WsClient *> *out, int count, quint16 port, const QByteArray &request,
             QObject *parent, int timeoutMs = 15000);
// Each client sends `payload` and gets it back.
bool echoAll(const QList<WsClient *> &clients, const QByteArray &payload, int timeoutMs = 15000);

struct Exchange
{
    int status = 0; // 0: no answer
    HeaderPairs headers;
    QByteArray body;
    bool closed = false; // the server ended the connection after the response
    QByteArray header(const QByteArray &name) const;
};

// One connection: writes `request`, reads the response until the server closes.
Exchange exchange(quint16 port, const QByteArray &request, int timeoutMs = 5000,
                  const QHostAddress &from = {});

// `count` connections, `concurrency` at a time, each sending `request` and reading the head of
// the answer; counts X-Blueshift-Revision and -Replica of the answers with `expectStatus`.
struct StormResult
{
    QMap<QByteArray, int> revisions;
    QMap<QByteArray, int> replicas;
    int failures = 0;
    qint64 elapsedMs = 0;
};
StormResult storm(quint16 port, const QByteArray &request, int count, int concurrency,
                  int expectStatus, int timeoutMs = 60000);

// Within `tolerance` (a fraction of `total`) of total * weight / 100?
bool withinShare(int observed, int total, int weightPercent, double tolerance);

} // namespace blueshift::itest
