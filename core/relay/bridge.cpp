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

#include <cstring>

#include <malloc.h>

namespace blueshift::relay {

using namespace blueshift::websocket;
using net::Connection;
using namespace detail;

namespace {

// A complete close frame; code 0 means an empty payload ("no status").
QByteArray closeFrame(int code, const QByteArray &reason, bool masked)
{
    std::uint8_t payload[125];
    std::size_t len = 0;
    if (code) {
        payload[0] = std::uint8_t(code >> 8);
        payload[1] = std::uint8_t(code);
        const QByteArray r = clampCloseReason(reason);
        std::memcpy(payload + 2, r.constData(), std::size_t(r.size()));
        len = 2 + std::size_t(r.size());
    }
    std::uint8_t header[14];
    std::uint8_t key[4];
    if (masked)
        net::fillRandom(key, 4);
    const std::size_t hl =
        writeFrameHeader(header, Opcode::Close, true, len, masked ? key : nullptr);
    if (masked)
        applyMask(payload, len, key);
    QByteArray frame(reinterpret_cast<const char *>(header), qsizetype(hl));
    frame.append(reinterpret_cast<const char *>(payload), qsizetype(len));
    return frame;
}

int wireCode(int received)
{
    // An empty close frame is answered with an empty one: 1005 never goes on the wire.
    return received == CloseCode::NoStatusReceived ? 0 : received;
}
} // namespace

namespace detail {

// glibc keeps the pages of freed heap blocks unless they sit at the top of the heap, so a burst
// of large messages queued before their upstreams opened leaves each idle session's RSS tens of
// KiB above its live heap. Once such a buffer is freed, hand the free pages back a second later,
// at most once a second per worker thread.
constexpr std::size_t kTrimAfterFreeing = 64 * 1024;

void releaseLarge(net::ByteBuffer &buffer, net::EventLoop &loop)
{
    const bool large = buffer.capacity() >= kTrimAfterFreeing;
    buffer.release();
#ifdef __GLIBC__
    // malloc_trim takes 0.2-1 ms with 5,000 sessions' heap; never more than once a second.
    thread_local bool trimScheduled = false;
    if (!large || trimScheduled)
        return;
    trimScheduled = true;
    loop.startTimer(std::chrono::seconds(1), [] {
        trimScheduled = false;
        malloc_trim(0);
    });
#else
    Q_UNUSED(large);
    Q_UNUSED(loop);
#endif
}

} // namespace detail

Bridge::Bridge(RelayService &service, http::HttpWorker &worker, RelayWorkerState &state,
               std::unique_ptr<Connection> client, net::ByteBuffer leftover, QByteArray sessionId,
               QString peer)
    : m_service(service)
    , m_worker(worker)
    , m_state(state)
    , m_client(Sender::Client, service.config().maxMessageBytes)
    , m_upstream(Sender::Server, service.config().maxMessageBytes)
    , m_sessionId(std::move(sessionId))
    , m_peer(std::move(peer))
{
    m_client.conn = std::move(client);
    m_client.conn->setHandler(this);
    m_client.in = std::move(leftover);
}

Bridge::~Bridge()
{
    *m_alive = false;
    if (m_upstreamTimer)
        m_worker.loop().cancelTimer(m_upstreamTimer);
}

void Bridge::start()
{
    m_age.start();
    WorkerCounters &c = m_state.counters;
    WorkerCounters::add(c.sessionsOpen, 1);
    WorkerCounters::add(c.sessionsTotal, 1);
    m_state.bridges.insert(this);

    m_service.log().info(QStringLiteral("client.connected"), QString::fromLatin1(m_sessionId),
                         {{QStringLiteral("peer"), m_peer}});

    const double timeout = m_service.config().upstreamTimeoutSeconds;
    m_upstreamTimer = m_worker.loop().startTimer(
        std::chrono::milliseconds(qint64(timeout * 1000)), [this, timeout] {
            m_upstreamTimer = 0;
            upstreamFailed(QStringLiteral("no WebSocket after %1 s").arg(timeout));
        });

    const UpstreamTarget &up = m_service.upstream();
    m_service.resolver().resolve(
        up.host, up.port, m_worker.loop(),
        [this, alive = m_alive](std::vector<net::SocketAddress> addresses, QString error) {
            if (!*alive || m_upstreamState != UpstreamState::Resolving)
                return;
            if (addresses.empty()) {
                upstreamFailed(error);
                return;
            }
            m_addresses = std::move(addresses);
            connectNext();
        });

    // Frames the client sent right behind its upgrade request.
    if (!m_client.in.isEmpty() && m_client.conn) {
        bool stop = false;
        const std::size_t used =
            processFrames(Dir::ToUpstream, m_client.in.data(), m_client.in.size(), &stop);
        if (!stop)
            m_client.in.consume(used);
    }
    // The HTTP phase's read buffer, usually empty by now: an idle session holds no buffer.
    m_client.in.shrinkIfEmpty();
}

void Bridge::onConnected(Connection &conn)
{
    if (&conn != m_upstream.conn.get())
        return;
    m_upstreamState = UpstreamState::Handshaking;
    const UpstreamTarget &up = m_service.upstream();
    const qsizetype colon = m_peer.lastIndexOf(QLatin1Char(':'));
    QString peerHost = m_peer.left(colon);
    if (peerHost.startsWith(QLatin1Char('[')))
        peerHost = peerHost.mid(1, peerHost.size() - 2);
    ClientHandshakeOptions options;
    options.target = up.requestTarget;
    options.hostHeader = up.hostHeader;
    options.userAgent = QByteArrayLiteral("blueshift-relay/" BLUESHIFT_VERSION);
    options.extraHeaders.append({QByteArrayLiteral("X-Forwarded-For"), peerHost.toLatin1()});
    options.extraHeaders.append(m_service.config().upstreamHeaders);
    const ClientHandshake handshake(std::move(options));
    m_upstreamKey = handshake.key();
    const QByteArray req = handshake.request();
    conn.write(reinterpret_cast<const std::uint8_t *>(req.constData()), std::size_t(req.size()));
}

void Bridge::onReadable(Connection &conn)
{
    if (&conn == m_client.conn.get())
        pump(Dir::ToUpstream);
    else if (&conn == m_upstream.conn.get()) {
        if (m_upstreamState == UpstreamState::Handshaking)
            readHandshakeResponse();
        else if (m_upstreamState == UpstreamState::Open)
            pump(Dir::ToClient);
    }
}

void Bridge::onDrained(Connection &conn)
{
    // The other side may read again (backpressure released).
    if (&conn == m_upstream.conn.get() && m_client.conn)
        m_client.conn->setReading(true);
    else if (&conn == m_client.conn.get() && m_upstream.conn &&
             m_upstreamState == UpstreamState::Open)
        m_upstream.conn->setReading(true);
}

void Bridge::onFailed(Connection &conn, const QString &error)
{
    if (&conn == m_client.conn.get()) {
        peerLost(Dir::ToUpstream, error);
        return;
    }
    if (&conn != m_upstream.conn.get())
        return;
    switch (m_upstreamState) {
    case UpstreamState::Connecting:
        m_lastConnectError = error;
        connectNext();
        break;
    case UpstreamState::Handshaking:
        upstreamFailed(error);
        break;
    case UpstreamState::Open:
        peerLost(Dir::ToClient, error);
        break;
    default:
        break;
    }
}

std::size_t Bridge::backlog(Dir dir) const
{
    if (dir == Dir::ToClient)
        return m_client.conn ? m_client.conn->pendingOutput() : 0;
    if (m_upstreamState == UpstreamState::Open)
        return m_upstream.conn ? m_upstream.conn->pendingOutput() : 0;
    return m_pending.size();
}

void Bridge::pump(Dir dir)
{
    Side &src = source(dir);
    const bool tls = dir == Dir::ToClient && m_service.upstream().tls;
    while (src.conn && !src.conn->isClosed()) {
        if (backlog(dir) >= kHighWater) {
            src.conn->setReading(false);
            return;
        }
        const bool useScratch = src.in.isEmpty();
        std::uint8_t *area;
        std::size_t capacity;
        if (useScratch) {
            area = m_worker.scratch();
            capacity = http::HttpWorker::scratchSize;
        } else {
            area = src.in.reserveTail(16 * 1024);
            capacity = src.in.tailRoom();
        }
        const long n = src.conn->read(area, capacity);
        if (n == Connection::WouldBlock)
            return;
        if (n == Connection::EndOfStream) {
            peerLost(dir, QStringLiteral("connection closed without a close frame"));
            return;
        }
        if (n == Connection::Error) {
            peerLost(dir, src.conn->errorString());
            return;
        }
        bool stop = false;
        if (useScratch) {
            const std::size_t used = processFrames(dir, area, std::size_t(n), &stop);
            if (stop)
                return;
            if (used < std::size_t(n))
                src.in.append(area + used, std::size_t(n) - used);
        } else {
            src.in.commit(std::size_t(n));
            const std::size_t used = processFrames(dir, src.in.data(), src.in.size(), &stop);
            if (stop)
                return;
            src.in.consume(used);
            // Freed as soon as no partial frame waits in it: a session that goes quiet after
            // busy traffic would otherwise keep tens of KiB. Reads then go to the scratch area
            // again, so the cost is one allocation per frame that straddles reads.
            src.in.shrinkIfEmpty();
        }
        // A short read means the socket is empty; epoll will say when more comes. TLS may
        // still hold decrypted records, so keep reading until it says WouldBlock.
        if (!tls && std::size_t(n) < capacity)
            return;
    }
}

std::size_t Bridge::processFrames(Dir dir, std::uint8_t *data, std::size_t size, bool *stop)
{
    Side &src = source(dir);
    std::size_t pos = 0;
    std::uint64_t messages = 0;
    std::uint64_t bytes = 0;
    auto flushCounters = [&] {
        src.messages += messages;
        src.bytes += bytes;
        WorkerCounters &c = m_state.counters;
        if (dir == Dir::ToUpstream) {
            WorkerCounters::add(c.messagesToUpstream, messages);
            WorkerCounters::add(c.bytesToUpstream, bytes);
        } else {
            WorkerCounters::add(c.messagesToClient, messages);
            WorkerCounters::add(c.bytesToClient, bytes);
        }
    };
    // Forwards everything before `pos`, then stops on a violation or close.
    auto bail = [&](auto &&action) {
        forward(dir, data, pos);
        flushCounters();
        action();
        *stop = true;
        return pos;
    };

    while (size - pos >= 2) {
        FrameHeader h;
        const HeaderStatus hs = parseFrameHeader(data + pos, size - pos, &h);
        if (hs == HeaderStatus::NeedMore)
            break;
        if (hs == HeaderStatus::BadLength)
            return bail([&] {
                violation(dir, {CloseCode::ProtocolError, "invalid payload length"});
            });
        // A frame split over reads starts the next window: check its header only once.
        if (!(pos == 0 && src.headerChecked)) {
            if (const Violation v = src.checker.checkHeader(h))
                return bail([&] { violation(dir, v); });
        }
        const std::uint64_t total = h.headerLength + h.payloadLength;
        if (size - pos < total) {
            src.headerChecked = true;
            break;
        }
        src.headerChecked = false;
        std::uint8_t *payload = data + pos + h.headerLength;
        const std::size_t len = std::size_t(h.payloadLength);
        const bool isClose = h.opcode == std::uint8_t(Opcode::Close);

        if (dir == Dir::ToUpstream) {
            if (isClose) {
                applyMask(payload, len, h.maskKey);
                return bail([&] { handleClose(dir, payload, len); }) + std::size_t(total);
            }
            // Re-mask with a key of our own: a client must not choose the upstream leg's bytes.
            // Text is unmasked, validated and re-masked in the same pass over the payload.
            std::uint8_t key[4];
            net::fillRandom(key, 4);
            if (const Violation v = src.checker.remaskPayload(h, payload, len, key))
                return bail([&] { violation(dir, v); });
            std::memcpy(data + pos + h.headerLength - 4, key, 4);
        } else {
            if (isClose)
                return bail([&] { handleClose(dir, payload, len); }) + std::size_t(total);
            if (const Violation v = src.checker.checkPayload(h, payload, len))
                return bail([&] { violation(dir, v); });
            // The realtime service's session cap, counted as it passes: only short unfragmented
            // text frames are looked at (an error event; audio deltas are kilobytes).
            if (h.opcode == std::uint8_t(Opcode::Text) && h.fin && len < 512 &&
                ::memmem(payload, len, "\"session_expired\"", 17) != nullptr)
                WorkerCounters::add(m_state.counters.sessionsExpired, 1);
        }
        if (!isControlOpcode(h.opcode)) {
            messages += h.fin ? 1 : 0;
            bytes += len;
        }
        pos += std::size_t(total);
    }
    forward(dir, data, pos);
    flushCounters();
    if (!src.conn)
        *stop = true;
    return pos;
}

void Bridge::forward(Dir dir, const std::uint8_t *data, std::size_t size)
{
    if (size == 0)
        return;
    if (dir == Dir::ToClient) {
        if (m_client.conn)
            m_client.conn->write(data, size);
        return;
    }
    switch (m_upstreamState) {
    case UpstreamState::Open:
        if (m_upstream.conn)
            m_upstream.conn->write(data, size);
        break;
    case UpstreamState::Gone:
        break;
    default:
        // Not open yet: queued, and the client paused by pump() once this passes kHighWater.
        m_pending.append(data, size);
        break;
    }
}

void Bridge::handleClose(Dir dir, const std::uint8_t *payload, std::size_t size)
{
    ClosePayload cp;
    if (const ClosePayloadError err = parseClosePayload(payload, size, &cp);
        err != ClosePayloadError::None) {
        violation(dir, {errorCloseCode(err), "invalid close frame"});
        return;
    }
    if (dir == Dir::ToUpstream) {
        logClosed(cp.code, cp.reason, "client");
        closeSide(Dir::ToClient, wireCode(cp.code), QByteArray());
        if (m_upstreamState == UpstreamState::Open) {
            closeSide(Dir::ToUpstream, wireCode(cp.code), cp.reason);
        } else if (m_upstreamState != UpstreamState::Gone) {
            // Still connecting: deliver the queued messages, then this close.
            const QByteArray frame = closeFrame(wireCode(cp.code), cp.reason, true);
            m_pending.append(frame.constData(), std::size_t(frame.size()));
            m_pendingClose = true;
        }
    } else {
        logClosed(cp.code, cp.reason, "upstream");
        closeSide(Dir::ToUpstream, wireCode(cp.code), QByteArray());
        closeSide(Dir::ToClient, wireCode(cp.code), cp.reason);
    }
    maybeFinish();
}

void Bridge::violation(Dir dir, const Violation &v)
{
    if (dir == Dir::ToUpstream) {
        logClosed(v.closeCode, v.reason, "relay", QStringLiteral("client protocol error"));
        closeSide(Dir::ToClient, v.closeCode, v.reason);
        closeSide(Dir::ToUpstream, CloseCode::GoingAway, "client protocol error");
    } else {
        logClosed(CloseCode::InternalError, "upstream protocol error", "relay",
                  QStringLiteral("upstream protocol error: ") + QString::fromLatin1(v.reason));
        closeSide(Dir::ToUpstream, v.closeCode, v.reason);
        closeSide(Dir::ToClient, CloseCode::InternalError,
                  QByteArray("upstream protocol error: ") + v.reason);
    }
    maybeFinish();
}

void Bridge::peerLost(Dir dir, const QString &error)
{
    if (dir == Dir::ToUpstream) {
        logClosed(CloseCode::Abnormal, QByteArray(), "client", error);
        if (m_client.conn) {
            m_client.conn->close();
            m_worker.loop().defer([c = m_client.conn.release()] { delete c; });
        }
        if (m_upstreamState == UpstreamState::Open) {
            closeSide(Dir::ToUpstream, CloseCode::GoingAway, "client disconnected");
        } else if (m_upstreamState != UpstreamState::Gone) {
            const QByteArray frame = closeFrame(CloseCode::GoingAway, "client disconnected", true);
            m_pending.append(frame.constData(), std::size_t(frame.size()));
            m_pendingClose = true;
        }
    } else {
        WorkerCounters::add(m_state.counters.upstreamFailures, 1);
        logClosed(CloseCode::Abnormal, QByteArray(), "upstream", error);
        if (m_upstream.conn) {
            m_upstream.conn->close();
            m_worker.loop().defer([c = m_upstream.conn.release()] { delete c; });
        }
        m_upstreamState = UpstreamState::Gone;
        closeSide(Dir::ToClient, CloseCode::InternalError, "upstream connection lost");
    }
    maybeFinish();
}

void Bridge::closeSide(Dir towards, int code, const QByteArray &reason)
{
    Side &s = towards == Dir::ToClient ? m_client : m_upstream;
    if (towards == Dir::ToUpstream) {
        const bool open = m_upstreamState == UpstreamState::Open;
        m_upstreamState = UpstreamState::Gone;
        releaseLarge(m_pending, m_worker.loop());
        if (!open) {
            // Never opened: abandon the attempt.
            if (s.conn) {
                s.conn->close();
                m_worker.loop().defer([c = s.conn.release()] { delete c; });
            }
            return;
        }
    }
    if (!s.conn)
        return;
    const QByteArray frame = closeFrame(code, reason, towards == Dir::ToUpstream);
    s.conn->write(reinterpret_cast<const std::uint8_t *>(frame.constData()),
                  std::size_t(frame.size()));
    Connection::linger(std::move(s.conn));
}

void Bridge::logClosed(int code, const QByteArray &reason, const char *side, const QString &error)
{
    if (m_closeLogged)
        return;
    m_closeLogged = true;
    m_service.closes().record(code, side);
    QJsonObject fields{{QStringLiteral("code"), code},
                       {QStringLiteral("reason"), QString::fromUtf8(reason)},
                       {QStringLiteral("side"), QString::fromLatin1(side)}};
    if (!error.isEmpty())
        fields.insert(QStringLiteral("error"), error);
    m_service.log().info(QStringLiteral("connection.closed"), QString::fromLatin1(m_sessionId),
                         fields);
}

void Bridge::closeForDrain()
{
    logClosed(CloseCode::GoingAway, "revision draining", "relay");
    closeSide(Dir::ToClient, CloseCode::GoingAway, "revision draining");
    closeSide(Dir::ToUpstream, CloseCode::GoingAway, "revision draining");
    maybeFinish();
}

void Bridge::maybeFinish()
{
    if (m_finished || m_client.conn || (m_upstream.conn && m_upstreamState != UpstreamState::Gone))
        return;
    m_finished = true;
    *m_alive = false;
    if (m_upstreamTimer) {
        m_worker.loop().cancelTimer(m_upstreamTimer);
        m_upstreamTimer = 0;
    }
    if (m_upstream.conn) {
        m_upstream.conn->close();
        m_worker.loop().defer([c = m_upstream.conn.release()] { delete c; });
    }
    m_service.log().info(QStringLiteral("bridge.completed"), QString::fromLatin1(m_sessionId),
                         {{QStringLiteral("messages_to_upstream"), double(m_client.messages)},
                          {QStringLiteral("bytes_to_upstream"), double(m_client.bytes)},
                          {QStringLiteral("messages_to_client"), double(m_upstream.messages)},
                          {QStringLiteral("bytes_to_client"), double(m_upstream.bytes)},
                          {QStringLiteral("duration_ms"), double(m_age.elapsed())}});
    m_service.sessionEnded(m_state, this);
    m_worker.loop().defer([this] { delete this; });
}

} // namespace blueshift::relay
