#include "clientsession.h"

#include "backoff.h"
#include "fleetworker.h"

#include "../net/resolver.h"
#include "../net/tlscontext.h"
#include "../websocket/closecode.h"
#include "../websocket/handshake.h"

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

QByteArray hostHeader(const QUrl &url)
{
    QByteArray host = url.host(QUrl::FullyEncoded).toLatin1();
    if (host.contains(':'))
        host = '[' + host + ']';
    const int defaultPort = url.scheme() == QLatin1String("wss") ? 443 : 80;
    const int port = url.port(defaultPort);
    if (port != defaultPort)
        host += ':' + QByteArray::number(port);
    return host;
}

QByteArray requestTarget(const QUrl &url)
{
    QByteArray target = url.path(QUrl::FullyEncoded).toLatin1();
    if (target.isEmpty())
        target = "/";
    if (url.hasQuery())
        target += '?' + url.query(QUrl::FullyEncoded).toLatin1();
    return target;
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
    const QUrl &url = cfg.url;
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
    m_key = websocket::generateClientKey();
    QByteArray req;
    req.reserve(512);
    req += "GET " + requestTarget(cfg.url) + " HTTP/1.1\r\nHost: " + hostHeader(cfg.url) +
           "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + m_key +
           "\r\nSec-WebSocket-Version: 13\r\nUser-Agent: blueshift-harness/" BLUESHIFT_VERSION
           "\r\n";
    const QByteArray cookies = m_jar.header();
    if (!cookies.isEmpty())
        req += "Cookie: " + cookies + "\r\n";
    for (const auto &h : cfg.headers)
        req += h.first + ": " + h.second + "\r\n";
    req += "\r\n";
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
    if (resp.status != 101) {
        connectFailed(QStringLiteral("HTTP %1 %2")
                          .arg(resp.status)
                          .arg(QString::fromLatin1(resp.reason.left(60))));
        return;
    }
    if (!http::headerHasToken(resp.headers, "Upgrade", "websocket") ||
        resp.header("Sec-WebSocket-Accept") != websocket::acceptKeyFor(m_key)) {
        connectFailed(QStringLiteral("invalid handshake response (Upgrade or Accept)"));
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
    m_record.revision = m_worker.intern(response.header("X-Blueshift-Revision"));
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
    if (cfg.traffic != TrafficMode::None)
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
    m_socket->close(websocket::CloseCode::Normal, reason);
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
    const qint64 sent = qFromBigEndian<qint64>(payload.constData());
    const qint64 micros = (monotonicNanos() - sent) / 1000;
    if (micros < 0 || micros > 0xFFFFFFFFll)
        return;
    const auto us = quint32(micros);
    m_record.rttLastUs = us;
    m_record.rttMinUs = m_record.rttCount ? std::min(m_record.rttMinUs, us) : us;
    m_record.rttMaxUs = std::max(m_record.rttMaxUs, us);
    ++m_record.rttCount;
    m_worker.addRtt(m_worker.now(), us, m_record.id);
    changed();
}

void ClientSession::sendTraffic()
{
    if (!m_socket || !m_socket->isOpen())
        return;
    const FleetConfig &cfg = m_worker.config();
    if (cfg.traffic == TrafficMode::Echo) {
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
    if (m_worker.config().traffic == TrafficMode::Realtime && text) {
        const QString type =
            QJsonDocument::fromJson(payload).object().value(QStringLiteral("type")).toString();
        if (type == QLatin1String("response.audio.delta")) {
            ++m_record.audioDeltas;
        } else if (type == QLatin1String("response.done")) {
            ++m_record.responses;
            m_responseInFlight = false;
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
    m_record.closeCode = code;
    m_record.closeReason = QString::fromUtf8(reason);
    m_record.closedBy = side;
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
    ev.error = error;
    ev.seconds = now - m_record.openTime;
    m_worker.addEvent(ev);

    // The socket is inside its own call stack: it goes after this batch of events.
    m_socketConn = nullptr;
    m_worker.loop().defer([s = m_socket.release()] { delete s; });
    m_revisionBefore = m_record.revision;
    m_outageStart = now;
    m_attempt = 0;
    if (m_closingByUs)
        m_done = true;
    changed();
    afterClose();
}

} // namespace blueshift::harness
