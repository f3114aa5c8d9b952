#pragma once

#include "cookiejar.h"
#include "sessionrecord.h"

#include "../net/address.h"
#include "../net/bytebuffer.h"
#include "../net/connection.h"
#include "../socketio/socketioclient.h"
#include "../websocket/messagesocket.h"

#include <memory>
#include <optional>
#include <vector>

namespace blueshift::harness {

class FleetWorker;

// One test session on a worker's loop: connects (TCP, TLS, the upgrade with its cookies and
// extra headers), learns from the 101 which revision and replica served it, pings and sends
// application traffic while open, and after a close it did not ask for, reconnects as the
// policy says. Modelled on the relay's upstream side (relay/bridge.cpp).
class ClientSession final : public net::Connection::Handler,
                            public websocket::MessageSocket::Handler
{
public:
    ClientSession(FleetWorker &worker, int id);
    ~ClientSession();
    ClientSession(const ClientSession &) = delete;
    ClientSession &operator=(const ClientSession &) = delete;

    void start();
    // Closes with 1000 (or abandons a connect or a pending retry); no reconnect after it.
    void stop(const QByteArray &reason);
    // Stop's close handshake did not finish in time: drops the connection.
    void abandon();
    bool isFinished() const { return m_record.state == SessionState::Closed; }
    bool isStarted() const { return m_started; }
    const SessionRecord &record() const { return m_record; }

    void onConnected(net::Connection &conn) override;
    void onReadable(net::Connection &conn) override;
    void onFailed(net::Connection &conn, const QString &error) override;

    void onMessage(websocket::MessageSocket &socket, bool text, const QByteArray &payload) override;
    void onPong(websocket::MessageSocket &socket, const QByteArray &payload) override;
    void onClosed(websocket::MessageSocket &socket, int code, const QByteArray &reason,
                  bool byPeer) override;

private:
    void connect();
    void connectNext();
    void readResponse();
    void connectFailed(QString error); // by value: callers pass m_lastError, cleared here
    void opened(const http::Response &response, net::ByteBuffer leftover);
    void afterClose();
    void scheduleRetry();
    void finish();
    void dropConnecting();
    void startTimer(net::EventLoop::TimerId *id, double seconds, void (ClientSession::*fn)());
    void cancelTimer(net::EventLoop::TimerId *id);
    void cancelConnectionTimers();
    void sendPing();
    // An RTT sample from a ping's pong or an emit's ack, sent at this monotonic time.
    void recordRtt(qint64 sentNanos);
    void sendTraffic();
    void holdExpired();
    void changed();
    void closeBy(const QByteArray &reason);
    // Ends the session for a reason of the protocol's (heartbeat, namespace, malformed packet):
    // the cause is recorded as given, whoever sends the close frame.
    void closeFor(stats::CloseCause cause, const QString &reason);
    void protocolHandshakeExpired();
    void heartbeatExpired();
    void onSocketIoText(const QByteArray &payload);
    void attributeFromMessage(const QByteArray &json);

    FleetWorker &m_worker;
    SessionRecord m_record;
    CookieJar m_jar;
    // Connecting: the raw connection until the 101.
    std::unique_ptr<net::Connection> m_conn;
    net::ByteBuffer m_in;
    QByteArray m_key;
    std::vector<net::SocketAddress> m_addresses;
    std::size_t m_nextAddress = 0;
    QString m_lastError;
    // Open: the message socket, and its connection while it is alive (for its error).
    std::unique_ptr<websocket::MessageSocket> m_socket;
    net::Connection *m_socketConn = nullptr;

    net::EventLoop::TimerId m_connectTimer = 0;
    net::EventLoop::TimerId m_pingTimer = 0;
    net::EventLoop::TimerId m_trafficTimer = 0;
    net::EventLoop::TimerId m_holdTimer = 0;
    net::EventLoop::TimerId m_retryTimer = 0;
    net::EventLoop::TimerId m_heartbeatTimer = 0;

    // socket.io: the client state machine of the current connection; echo acks in flight.
    std::unique_ptr<socketio::Client> m_sio;
    qint64 m_nextAckId = 0;
    qint64 m_ackPending = -1;
    qint64 m_ackSentNanos = 0;
    // Why the current connection is ending, when the protocol said so (else from the close).
    std::optional<stats::CloseCause> m_cause;
    QString m_causeReason;
    bool m_sessionCapSeen = false; // realtime: session_expired arrived
    bool m_attributionTried = false;

    int m_attempt = 0;         // reconnect attempts in the current outage
    double m_outageStart = -1; // when the connection that is being replaced closed
    QString m_revisionBefore;
    bool m_started = false;
    bool m_closingByUs = false;
    bool m_done = false; // no more reconnects: stopped or held long enough
    bool m_responseInFlight = false;
    std::shared_ptr<bool> m_alive = std::make_shared<bool>(true);
};

} // namespace blueshift::harness
