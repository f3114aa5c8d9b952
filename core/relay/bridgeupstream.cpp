// A Bridge's upstream leg: connecting to the next resolved address, the opening handshake
// and its answer, and what follows success or failure. The data path is in bridge.cpp.
#include "bridge.h"
#include "bridgebuffers.h"

#include "relayservice.h"

#include "../http/httpmessage.h"
#include "../net/random.h"
#include "../websocket/clienthandshake.h"
#include "../websocket/closecode.h"
#include "../websocket/frame.h"
#include "../websocket/handshake.h"

#include <QJsonObject>

namespace blueshift::relay {

using namespace blueshift::websocket;
using namespace detail;
using net::Connection;

void Bridge::connectNext()
{
    if (m_upstream.conn) {
        m_worker.loop().defer([c = m_upstream.conn.release()] { delete c; });
    }
    if (m_nextAddress >= m_addresses.size()) {
        upstreamFailed(m_lastConnectError);
        return;
    }
    const net::SocketAddress &addr = m_addresses[m_nextAddress++];
    QString error;
    m_upstream.conn = Connection::connectTo(m_worker.loop(), addr.get(), addr.length, this, &error);
    if (m_upstream.conn && m_service.upstream().tls &&
        !m_upstream.conn->startTls(m_service.upstreamTls()->get(), false, m_service.upstream().host,
                                   &error)) {
        m_upstream.conn.reset();
    }
    if (!m_upstream.conn) {
        m_lastConnectError = error;
        connectNext();
        return;
    }
    m_upstreamState = UpstreamState::Connecting;
}

void Bridge::readHandshakeResponse()
{
    Side &up = m_upstream;
    // An upstream that refuses the upgrade usually sends its response and closes at once: the
    // end of the stream can come in the same wakeup as the response, which must still be read.
    bool ended = false;
    for (;;) {
        std::uint8_t *dst = up.in.reserveTail(4096);
        const long n = up.conn->read(dst, up.in.tailRoom());
        if (n == Connection::WouldBlock)
            break;
        if (n == Connection::EndOfStream) {
            ended = true;
            break;
        }
        if (n == Connection::Error) {
            upstreamFailed(up.conn->errorString());
            return;
        }
        up.in.commit(std::size_t(n));
        if (up.in.size() > kMaxHandshakeResponse)
            break;
    }
    http::Response resp;
    std::size_t consumed = 0;
    const auto r = http::parseResponseHead(reinterpret_cast<const char *>(up.in.data()),
                                           up.in.size(), kMaxHandshakeResponse, &resp, &consumed);
    if (r == http::ParseResult::NeedMore) {
        if (ended)
            upstreamFailed(QStringLiteral("upstream closed the connection during the handshake"));
        return;
    }
    if (r != http::ParseResult::Complete) {
        upstreamFailed(QStringLiteral("malformed handshake response"));
        return;
    }
    if (const HandshakeFailure failure = ClientHandshake::check(resp, m_upstreamKey);
        failure != HandshakeFailure::None) {
        const QString text = handshakeFailureText(failure, resp);
        upstreamFailed(failure == HandshakeFailure::NotSwitching
                           ? QStringLiteral("upstream refused the upgrade: ") + text
                           : text);
        return;
    }
    up.in.consume(consumed);
    upstreamOpened();
    if (m_upstreamState != UpstreamState::Open || !m_upstream.conn)
        return;
    if (!up.in.isEmpty()) {
        bool stop = false;
        const std::size_t used = processFrames(Dir::ToClient, up.in.data(), up.in.size(), &stop);
        if (stop)
            return;
        up.in.consume(used);
    }
    up.in.shrinkIfEmpty();
    pump(Dir::ToClient);
}

void Bridge::upstreamOpened()
{
    if (m_upstreamTimer) {
        m_worker.loop().cancelTimer(m_upstreamTimer);
        m_upstreamTimer = 0;
    }
    m_upstreamState = UpstreamState::Open;
    m_service.log().info(QStringLiteral("upstream.connected"), QString::fromLatin1(m_sessionId),
                         {{QStringLiteral("upstream"), m_service.upstream().displayUrl},
                          {QStringLiteral("connect_ms"), double(m_age.elapsed())}});
    // Only connecting needed these; a session may stay open for hours.
    m_addresses = std::vector<net::SocketAddress>();
    m_upstreamKey = QByteArray();
    m_lastConnectError = QString();
    m_peer = QString();
    if (!m_pending.isEmpty()) {
        m_upstream.conn->write(m_pending.data(), m_pending.size());
        releaseLarge(m_pending, m_worker.loop());
    }
    if (m_pendingClose) {
        // The client left before the upstream opened: its messages and close are delivered.
        Connection::linger(std::move(m_upstream.conn));
        m_upstreamState = UpstreamState::Gone;
        maybeFinish();
        return;
    }
    if (m_client.conn && m_upstream.conn && m_upstream.conn->pendingOutput() < kHighWater)
        m_client.conn->setReading(true);
}

void Bridge::upstreamFailed(const QString &why)
{
    if (m_upstreamState == UpstreamState::Gone || m_finished)
        return;
    if (m_upstreamTimer) {
        m_worker.loop().cancelTimer(m_upstreamTimer);
        m_upstreamTimer = 0;
    }
    if (m_upstream.conn) {
        m_upstream.conn->close();
        m_worker.loop().defer([c = m_upstream.conn.release()] { delete c; });
    }
    m_upstreamState = UpstreamState::Gone;
    releaseLarge(m_pending, m_worker.loop());
    WorkerCounters::add(m_state.counters.upstreamFailures, 1);
    m_service.log().write(telemetry::Level::Warning, QStringLiteral("upstream.failed"),
                          QString::fromLatin1(m_sessionId),
                          {{QStringLiteral("upstream"), m_service.upstream().displayUrl},
                           {QStringLiteral("error"), why}});
    if (m_client.conn) {
        const QByteArray reason = "upstream unavailable: " + why.toUtf8();
        logClosed(CloseCode::InternalError, clampCloseReason(reason), "relay", why);
        closeSide(Dir::ToClient, CloseCode::InternalError, reason);
    }
    maybeFinish();
}

} // namespace blueshift::relay
