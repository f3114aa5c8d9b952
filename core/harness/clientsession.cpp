#include "clientsession.h"

#include "backoff.h"
#include "fleetworker.h"

#include "../net/resolver.h"
#include "../net/tlscontext.h"
#include "../websocket/clienthandshake.h"
#include "../websocket/closecode.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtEndian>

#include <algorithm>
#include <chrono>

namespace blueshift::harness {

using net::Connection;
using websocket::MessageSocket;

namespace {
constexpr std::size_t kMaxResponseHead = 16 * 1024;

qint64 monotonicNanos()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// RFC 6901: "/1/revision" into ["hello", {"revision": "demo--blue"}].
QString stringAtPointer(const QJsonValue &root, const QString &pointer)
{
    QJsonValue v = root;
    const QStringList parts = pointer.split(QLatin1Char('/'));
    for (qsizetype i = 1; i < parts.size(); ++i) {
        QString key = parts.at(i);
        key.replace(QLatin1String("~1"), QLatin1String("/"))
            .replace(QLatin1String("~0"), QLatin1String("~"));
        if (v.isArray()) {
            bool ok = false;
            const int index = key.toInt(&ok);
            if (!ok || index < 0 || index >= v.toArray().size())
                return {};
            v = v.toArray().at(index);
        } else if (v.isObject()) {
            v = v.toObject().value(key);
        } else {
            return {};
        }
    }
    return v.isString() ? v.toString().left(256) : QString();
}

} // namespace

ClientSession::ClientSession(FleetWorker &worker, int id)
    : m_worker(worker)
{
    m_record.id = id;
}

ClientSession::~ClientSession()
{
    *m_alive = false;
    cancelConnectionTimers();
    cancelTimer(&m_holdTimer);
    cancelTimer(&m_retryTimer);
}

void ClientSession::startTimer(net::EventLoop::TimerId *id, double seconds,
                               void (ClientSession::*fn)())
{
    cancelTimer(id);
    const auto ms = std::chrono::milliseconds(qint64(std::max(0.0, seconds) * 1000));
    *id = m_worker.loop().startTimer(ms, [this, id, fn, alive = m_alive] {
        if (!*alive)
            return;
        *id = 0;
        (this->*fn)();
    });
}

void ClientSession::cancelTimer(net::EventLoop::TimerId *id)
{
    if (*id) {
        m_worker.loop().cancelTimer(*id);
        *id = 0;
    }
}

void ClientSession::cancelConnectionTimers()
{
    cancelTimer(&m_connectTimer);
    cancelTimer(&m_pingTimer);
    cancelTimer(&m_trafficTimer);
    cancelTimer(&m_heartbeatTimer);
}

void ClientSession::changed()
{
    m_worker.recordChanged(m_record);
}

void ClientSession::start()
{
    m_started = true;
    connect();
}

void ClientSession::connect()
{
    const FleetConfig &cfg = m_worker.config();
    m_record.state = SessionState::Connecting;
    changed();
    startTimer(&m_connectTimer, cfg.connectTimeoutSeconds, &ClientSession::dropConnecting);
    const QUrl &url = cfg.url; // host and port; connectUrl() only changes path and query
    const std::uint16_t port =
        std::uint16_t(url.port(url.scheme() == QLatin1String("wss") ? 443 : 80));
    m_worker.resolver().resolve(
        url.host().toLatin1(), port, m_worker.loop(),
        [this, alive = m_alive](std::vector<net::SocketAddress> addresses, QString error) {
            if (!*alive || m_record.state != SessionState::Connecting || m_conn)
                return;
            if (addresses.empty()) {
                connectFailed(error);
                return;
            }
            m_addresses = std::move(addresses);
            m_nextAddress = 0;
            connectNext();
        });
}

void ClientSession::connectNext()
{
    if (m_conn)
        m_worker.loop().defer([c = m_conn.release()] { delete c; });
    if (m_nextAddress >= m_addresses.size()) {
        connectFailed(m_lastError);
        return;
    }
    const net::SocketAddress &addr = m_addresses[m_nextAddress++];
    QString error;
    m_conn = Connection::connectTo(m_worker.loop(), addr.get(), addr.length, this, &error);
    if (m_conn && m_worker.tls() &&
        !m_conn->startTls(m_worker.tls()->get(), false, m_worker.config().url.host().toLatin1(),
                          &error)) {
        m_conn.reset();
    }
    if (!m_conn) {
        m_lastError = error;
        connectNext();
    }
}

void ClientSession::onConnected(Connection &conn)
{
    if (&conn != m_conn.get())
        return;
    const FleetConfig &cfg = m_worker.config();
    websocket::ClientHandshakeOptions options;
    options.target = websocket::ClientHandshake::targetFor(cfg.connectUrl());
    options.hostHeader = websocket::ClientHandshake::hostHeaderFor(cfg.url);
    options.userAgent = QByteArrayLiteral("blueshift-harness/" BLUESHIFT_VERSION);
    options.cookie = m_jar.header();
    options.extraHeaders = cfg.headers;
    const websocket::ClientHandshake handshake(std::move(options));
    m_key = handshake.key();
    const QByteArray req = handshake.request();
    conn.write(reinterpret_cast<const std::uint8_t *>(req.constData()), std::size_t(req.size()));
}

void ClientSession::onReadable(Connection &conn)
{
    if (&conn == m_conn.get())
        readResponse();
}

void ClientSession::onFailed(Connection &conn, const QString &error)
{
    if (&conn != m_conn.get())
        return;
    m_lastError = error;
    // Refused on one address: the next one may answer (localhost is ::1 and 127.0.0.1).
    if (m_key.isEmpty())
        connectNext();
    else
        connectFailed(error);
}

void ClientSession::readResponse()
{
    bool ended = false;
    for (;;) {
        std::uint8_t *dst = m_in.reserveTail(4096);
        const long n = m_conn->read(dst, m_in.tailRoom());
        if (n == Connection::WouldBlock)
            break;
        if (n == Connection::EndOfStream) {
            ended = true;
            break;
        }
        if (n == Connection::Error) {
            connectFailed(m_conn->errorString());
            return;
        }
        m_in.commit(std::size_t(n));
        if (m_in.size() > kMaxResponseHead)
            break;
    }
    http::Response resp;
    std::size_t consumed = 0;
    const auto r = http::parseResponseHead(reinterpret_cast<const char *>(m_in.data()), m_in.size(),
                                           kMaxResponseHead, &resp, &consumed);
    if (r == http::ParseResult::NeedMore) {
        if (ended)
            connectFailed(QStringLiteral("the server closed the connection during the handshake"));
        return;
    }
    if (r != http::ParseResult::Complete) {
        connectFailed(QStringLiteral("malformed handshake response"));
        return;
    }
    m_jar.update(resp.headers);
    // The same rules as the relay's upstream leg: a 101 without Connection: Upgrade, or with an
    // extension or subprotocol nobody offered, is not a WebSocket.
    if (const auto failure = websocket::ClientHandshake::check(resp, m_key);
        failure != websocket::HandshakeFailure::None) {
        connectFailed(websocket::handshakeFailureText(failure, resp));
        return;
    }
    m_in.consume(consumed);
    net::ByteBuffer leftover = std::move(m_in);
    m_in = net::ByteBuffer();
    opened(resp, std::move(leftover));
}

void ClientSession::opened(const http::Response &response, net::ByteBuffer leftover)
{
    cancelTimer(&m_connectTimer);
    const FleetConfig &cfg = m_worker.config();
    const double now = m_worker.now();
    m_key = QByteArray();
    m_addresses = std::vector<net::SocketAddress>();
    m_lastError = QString();
    m_socketConn = m_conn.get();
    m_socket = std::make_unique<MessageSocket>(std::move(m_conn), MessageSocket::Role::Client,
                                               std::uint64_t(cfg.maxMessageBytes), this);
    m_closingByUs = false;
    m_responseInFlight = false;

    m_record.state = SessionState::Open;
    m_record.openTime = now;
    // Attribution: the gateway's stamp (the local platform's ingress, the Blueshift relay), else
    // the app's own header; else later from the first message, else unattributed (empty).
    QByteArray revision = response.header("X-Blueshift-Revision");
    if (revision.isEmpty() && !cfg.revisionHeader.isEmpty())
        revision = response.header(cfg.revisionHeader).left(256);
    if (revision.isEmpty())
        revision = cfg.pinnedRevision.toUtf8();
    m_record.revision = m_worker.intern(revision);
    m_attributionTried = !revision.isEmpty() || cfg.revisionPointer.isEmpty();
    m_cause.reset();
    m_causeReason.clear();
    m_sessionCapSeen = false;
    m_ackPending = -1;
    if (cfg.protocol == SessionProtocol::SocketIo) {
        m_sio = std::make_unique<socketio::Client>(cfg.socketIoNamespace, cfg.socketIoAuth);
        // The Engine.IO open packet and the namespace's CONNECT must come within the connect
        // timeout too: a server that never sends them is not left hanging.
        startTimer(&m_connectTimer, cfg.connectTimeoutSeconds,
                   &ClientSession::protocolHandshakeExpired);
    } else {
        m_sio.reset();
    }
    m_record.replica = m_worker.intern(response.header("X-Blueshift-Replica"));
    SessionEvent ev;
    ev.kind = SessionEvent::Kind::Opened;
    ev.time = now;
    ev.session = m_record.id;
    ev.revision = m_record.revision;
    ev.replica = m_record.replica;
    if (m_record.firstOpenTime < 0) {
        m_record.firstOpenTime = now;
        m_record.firstRevision = m_record.revision;
        if (cfg.holdSeconds > 0)
            startTimer(&m_holdTimer, cfg.holdSeconds, &ClientSession::holdExpired);
    }
    if (m_outageStart >= 0) {
        ev.reconnect = true;
        ev.seconds = now - m_outageStart;
        ev.sameRevision = m_record.revision == m_revisionBefore;
        ev.attempt = m_attempt;
        ++m_record.reconnects;
        m_record.sameRevisionReconnects += ev.sameRevision ? 1 : 0;
        m_record.lastReconnectSeconds = ev.seconds;
        m_record.totalReconnectSeconds += ev.seconds;
    }
    m_outageStart = -1;
    m_attempt = 0;
    m_worker.addEvent(ev);
    changed();

    if (cfg.pingIntervalSeconds > 0)
        startTimer(&m_pingTimer, cfg.pingIntervalSeconds, &ClientSession::sendPing);
    // socket.io's traffic starts once the namespace is connected.
    if (cfg.traffic != TrafficMode::None && !m_sio)
        startTimer(&m_trafficTimer, cfg.trafficIntervalSeconds, &ClientSession::sendTraffic);
    auto alive = m_alive;
    m_socket->start(std::move(leftover));
    if (*alive && m_done && m_socket && m_record.state == SessionState::Open)
        closeBy("harness stopped");
}

void ClientSession::connectFailed(QString error)
{
    cancelTimer(&m_connectTimer);
    if (m_conn) {
        m_conn->close();
        m_worker.loop().defer([c = m_conn.release()] { delete c; });
    }
    m_in = net::ByteBuffer();
    m_key = QByteArray();
    m_addresses = std::vector<net::SocketAddress>();
    m_lastError = QString();
    ++m_record.connectFailures;
    m_record.error = error;
    SessionEvent ev;
    ev.kind = SessionEvent::Kind::ConnectFailed;
    ev.time = m_worker.now();
    ev.session = m_record.id;
    ev.error = error;
    ev.attempt = m_attempt;
    m_worker.addEvent(ev);
    if (m_outageStart < 0 && m_record.firstOpenTime < 0)
        m_outageStart = ev.time; // a first connect that fails is an outage from its start
    afterClose();
}

void ClientSession::dropConnecting()
{
    if (m_record.state == SessionState::Connecting)
        connectFailed(
            QStringLiteral("no WebSocket after %1 s").arg(m_worker.config().connectTimeoutSeconds));
}

void ClientSession::afterClose()
{
    if (m_done || m_worker.stopping()) {
        finish();
        return;
    }
    scheduleRetry();
}

void ClientSession::scheduleRetry()
{
    ++m_attempt;
    const double delay = reconnectDelay(m_worker.config().reconnect, m_attempt, m_worker.random());
    if (delay < 0) {
        finish();
        return;
    }
    m_record.state = SessionState::Reconnecting;
    SessionEvent ev;
    ev.kind = SessionEvent::Kind::Retrying;
    ev.time = m_worker.now();
    ev.session = m_record.id;
    ev.seconds = delay;
    ev.attempt = m_attempt;
    m_worker.addEvent(ev);
    changed();
    startTimer(&m_retryTimer, delay, &ClientSession::connect);
}

void ClientSession::finish()
{
    if (m_record.state == SessionState::Closed)
        return;
    m_done = true;
    cancelConnectionTimers();
    cancelTimer(&m_holdTimer);
    cancelTimer(&m_retryTimer);
    m_record.state = SessionState::Closed;
    changed();
    m_worker.sessionFinished();
}

void ClientSession::closeBy(const QByteArray &reason)
{
    m_closingByUs = true;
    cancelTimer(&m_pingTimer);
    cancelTimer(&m_trafficTimer);
    cancelTimer(&m_heartbeatTimer);
    // A socket.io client says goodbye to its namespace before it closes the transport.
    if (m_sio && m_sio->state() == socketio::Client::State::Connected && !m_cause)
        m_socket->sendText(m_sio->disconnectFrame());
    m_socket->close(websocket::CloseCode::Normal, reason);
}

void ClientSession::closeFor(stats::CloseCause cause, const QString &reason)
{
    if (!m_socket || m_closingByUs)
        return;
    m_cause = cause;
    m_causeReason = reason;
    closeBy(reason.toUtf8().left(120));
}

void ClientSession::protocolHandshakeExpired()
{
    if (m_record.state != SessionState::Open || !m_sio)
        return;
    closeFor(stats::CloseCause::ProtocolError,
             m_sio->state() == socketio::Client::State::AwaitingOpen
                 ? QStringLiteral("no Engine.IO open packet within %1 s")
                       .arg(m_worker.config().connectTimeoutSeconds)
                 : QStringLiteral("no Socket.IO CONNECT for namespace %1 within %2 s")
                       .arg(QString::fromLatin1(m_worker.config().socketIoNamespace))
                       .arg(m_worker.config().connectTimeoutSeconds));
}

void ClientSession::heartbeatExpired()
{
    if (m_record.state != SessionState::Open || !m_sio)
        return;
    closeFor(stats::CloseCause::HeartbeatTimeout,
             QStringLiteral("no Engine.IO ping within pingInterval + pingTimeout (%1 ms)")
                 .arg(m_sio->heartbeatTimeoutMs()));
}

void ClientSession::attributeFromMessage(const QByteArray &json)
{
    m_attributionTried = true;
    const QJsonDocument doc = QJsonDocument::fromJson(json);
    const QJsonValue root = doc.isArray() ? QJsonValue(doc.array()) : QJsonValue(doc.object());
    const QString revision = stringAtPointer(root, m_worker.config().revisionPointer);
    if (revision.isEmpty())
        return;
    m_record.revision = m_worker.intern(revision.toUtf8());
    if (m_record.firstRevision.isEmpty())
        m_record.firstRevision = m_record.revision;
    SessionEvent ev;
    ev.kind = SessionEvent::Kind::Attributed;
    ev.time = m_worker.now();
    ev.seconds = ev.time - m_record.openTime; // the stats move the session from its open time
    ev.session = m_record.id;
    ev.revision = m_record.revision;
    ev.replica = m_record.replica;
    m_worker.addEvent(ev);
}

void ClientSession::onSocketIoText(const QByteArray &payload)
{
    const bool awaitingOpen = m_sio->state() == socketio::Client::State::AwaitingOpen;
    const int pingsBefore = m_sio->pingsAnswered();
    const socketio::ClientStep step = m_sio->onText(payload);
    for (const QByteArray &frame : step.send)
        m_socket->sendText(frame);
    const FleetConfig &cfg = m_worker.config();
    if (!step.close && (awaitingOpen || m_sio->pingsAnswered() != pingsBefore)) {
        // Armed by the open packet and re-armed by every ping, as engine.io-client does: a
        // server that stops pinging has lost this session, whatever else it still sends.
        m_record.heartbeatIntervalMs = quint32(m_sio->open().pingIntervalMs);
        m_record.heartbeatTimeoutMs = quint32(m_sio->open().pingTimeoutMs);
        m_record.pingsAnswered = quint32(m_sio->pingsAnswered());
        startTimer(&m_heartbeatTimer, m_sio->heartbeatTimeoutMs() / 1000.0,
                   &ClientSession::heartbeatExpired);
    }
    if (step.connected) {
        cancelTimer(&m_connectTimer);
        if (cfg.traffic != TrafficMode::None)
            startTimer(&m_trafficTimer, cfg.trafficIntervalSeconds, &ClientSession::sendTraffic);
    }
    if (!m_attributionTried && !step.firstEventData.isEmpty())
        attributeFromMessage(step.firstEventData);
    if (step.ackId >= 0 && step.ackId == m_ackPending) {
        // The echo's round trip through the service's own event loop: an RTT sample.
        m_ackPending = -1;
        recordRtt(m_ackSentNanos);
    }
    if (step.close)
        closeFor(step.cause, step.reason);
}

void ClientSession::stop(const QByteArray &reason)
{
    m_done = true;
    switch (m_record.state) {
    case SessionState::Open:
        if (m_socket && !m_closingByUs)
            closeBy(reason);
        break;
    case SessionState::Connecting:
        if (m_conn) {
            m_conn->close();
            m_worker.loop().defer([c = m_conn.release()] { delete c; });
        }
        finish();
        break;
    case SessionState::Reconnecting:
    case SessionState::Waiting:
        finish();
        break;
    case SessionState::Closed:
        break;
    }
}

void ClientSession::abandon()
{
    if (m_record.state != SessionState::Open || !m_socket)
        return;
    // Record it as the transport's failure to complete the close: no answer came.
    if (m_socketConn)
        m_socketConn->close();
    onClosed(*m_socket, websocket::CloseCode::Abnormal, QByteArray(), false);
}

void ClientSession::holdExpired()
{
    m_done = true;
    if (m_record.state == SessionState::Open && m_socket)
        closeBy("hold elapsed");
    else if (m_record.state != SessionState::Connecting)
        finish();
}

void ClientSession::sendPing()
{
    if (!m_socket || !m_socket->isOpen())
        return;
    char stamp[8];
    qToBigEndian<qint64>(monotonicNanos(), stamp);
    m_socket->sendPing(QByteArray(stamp, 8));
    startTimer(&m_pingTimer, m_worker.config().pingIntervalSeconds, &ClientSession::sendPing);
}

void ClientSession::onPong(MessageSocket &, const QByteArray &payload)
{
    if (payload.size() != 8)
        return;
    recordRtt(qFromBigEndian<qint64>(payload.constData()));
    changed();
}

void ClientSession::recordRtt(qint64 sentNanos)
{
    const qint64 micros = (monotonicNanos() - sentNanos) / 1000;
    if (micros < 0 || micros > 0xFFFFFFFFll)
        return; // a pong that is not ours, or a clock that went wrong
    const auto us = quint32(micros);
    m_record.rttLastUs = us;
    m_record.rttMinUs = m_record.rttCount ? std::min(m_record.rttMinUs, us) : us;
    m_record.rttMaxUs = std::max(m_record.rttMaxUs, us);
    ++m_record.rttCount;
    m_worker.addRtt(m_worker.now(), us, m_record.id);
}

void ClientSession::sendTraffic()
{
    if (!m_socket || !m_socket->isOpen())
        return;
    const FleetConfig &cfg = m_worker.config();
    if (m_sio) {
        // An emit with an ack; the next one waits for it, so RTTs are never stacked.
        if (m_ackPending < 0) {
            m_ackPending = ++m_nextAckId;
            m_ackSentNanos = monotonicNanos();
            m_socket->sendText(m_sio->echoFrame(m_ackPending, cfg.echoBytes));
            ++m_record.messagesOut;
            changed();
        }
    } else if (cfg.traffic == TrafficMode::Echo) {
        m_socket->sendText(QByteArray(cfg.echoBytes, 'x'));
        ++m_record.messagesOut;
        changed();
    } else if (cfg.traffic == TrafficMode::Realtime && !m_responseInFlight) {
        m_socket->sendText(QByteArrayLiteral(R"({"type":"response.create"})"));
        m_responseInFlight = true;
        ++m_record.messagesOut;
        changed();
    }
    if (m_socket && m_socket->isOpen())
        startTimer(&m_trafficTimer, cfg.trafficIntervalSeconds, &ClientSession::sendTraffic);
}

void ClientSession::onMessage(MessageSocket &, bool text, const QByteArray &payload)
{
    ++m_record.messagesIn;
    const FleetConfig &cfg = m_worker.config();
    if (m_sio) {
        if (text) {
            onSocketIoText(payload);
        } else if (const socketio::ClientStep step = m_sio->onBinary(); step.close) {
            closeFor(step.cause, step.reason);
        }
        changed();
        return;
    }
    if (!m_attributionTried && text)
        attributeFromMessage(payload);
    const bool realtime =
        cfg.traffic == TrafficMode::Realtime || cfg.protocol == SessionProtocol::Realtime;
    if (realtime && text) {
        const QJsonObject message = QJsonDocument::fromJson(payload).object();
        const QString type = message.value(QStringLiteral("type")).toString();
        if (type == QLatin1String("response.audio.delta")) {
            ++m_record.audioDeltas;
        } else if (type == QLatin1String("response.done")) {
            ++m_record.responses;
            m_responseInFlight = false;
        } else if (type == QLatin1String("error") &&
                   message.value(QStringLiteral("error"))
                           .toObject()
                           .value(QStringLiteral("code")) == QLatin1String("session_expired")) {
            // The service's maximum session duration: its close is not the rollout's doing.
            m_sessionCapSeen = true;
        }
    }
    changed();
}

void ClientSession::onClosed(MessageSocket &, int code, const QByteArray &reason, bool byPeer)
{
    cancelConnectionTimers();
    const double now = m_worker.now();
    stats::CloseSide side;
    if (m_closingByUs || !byPeer)
        side = code == websocket::CloseCode::Abnormal && !m_closingByUs
                   ? stats::CloseSide::Transport
                   : stats::CloseSide::Client;
    else
        side = code == websocket::CloseCode::Abnormal ? stats::CloseSide::Transport
                                                      : stats::CloseSide::Server;
    QString error;
    if (code == websocket::CloseCode::Abnormal) {
        if (m_closingByUs && !byPeer)
            error = QStringLiteral("no close answer before the stop timeout");
        else if (m_socketConn && !m_socketConn->errorString().isEmpty())
            error = m_socketConn->errorString();
        else
            error = QStringLiteral("connection closed without a close frame");
    }
    stats::CloseCause cause = code == websocket::CloseCode::Abnormal ? stats::CloseCause::Network
                                                                     : stats::CloseCause::Clean;
    if (m_cause)
        cause = *m_cause;
    else if (m_sessionCapSeen)
        cause = stats::CloseCause::SessionCap;
    m_record.closeCode = code;
    m_record.closeReason = m_cause ? m_causeReason : QString::fromUtf8(reason);
    m_record.closedBy = side;
    m_record.closeCause = cause;
    m_record.closeTime = now;
    m_record.error = error;
    SessionEvent ev;
    ev.kind = SessionEvent::Kind::Closed;
    ev.time = now;
    ev.session = m_record.id;
    ev.revision = m_record.revision;
    ev.replica = m_record.replica;
    ev.code = code;
    ev.reason = m_record.closeReason;
    ev.side = side;
    ev.cause = cause;
    ev.error = error;
    ev.seconds = now - m_record.openTime;
    m_worker.addEvent(ev);

    // The socket is inside its own call stack: it goes after this batch of events.
    m_socketConn = nullptr;
    m_worker.loop().defer([s = m_socket.release()] { delete s; });
    m_sio.reset();
    m_cause.reset();
    m_revisionBefore = m_record.revision;
    m_outageStart = now;
    m_attempt = 0;
    if (m_closingByUs)
        m_done = true;
    changed();
    afterClose();
}

} // namespace blueshift::harness
