#include "ingresssession.h"

#include "ingressworker.h"
#include "proxyheads.h"

#include "net/tlscontext.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace blueshift::ingress {

using net::Connection;

namespace {
// Stop reading a side while more than this waits to be written to the other.
constexpr std::size_t kHighWater = 256 * 1024;
constexpr std::size_t kMaxResponseHead = 64 * 1024;
constexpr auto kText = "text/plain; charset=utf-8";

QByteArray ipOf(const net::SocketAddress &a)
{
    char buf[INET6_ADDRSTRLEN] = {};
    if (a.storage.ss_family == AF_INET)
        inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in *>(&a.storage)->sin_addr, buf,
                  sizeof buf);
    else if (a.storage.ss_family == AF_INET6)
        inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6 *>(&a.storage)->sin6_addr, buf,
                  sizeof buf);
    return QByteArray(buf);
}

void discard(net::EventLoop &loop, std::unique_ptr<Connection> &conn)
{
    if (!conn)
        return;
    conn->setHandler(nullptr);
    conn->close();
    // A pending event of this batch may still name it.
    loop.defer([c = conn.release()] { delete c; });
}
} // namespace

IngressSession::IngressSession(IngressWorker &worker, int fd, const net::SocketAddress &peer,
                               std::string clientKey, bool overLimit)
    : m_worker(worker)
    , m_client(std::make_unique<Connection>(worker.loop(), fd, this))
    , m_peer(peer)
    , m_clientKey(std::move(clientKey))
    , m_started(worker.loop().now())
    , m_lastActivity(m_started)
    , m_overLimit(overLimit)
{
    IngressShared::Counters &c = m_worker.shared().counters;
    IngressShared::Counters::add(c.connectionsTotal, 1);
    IngressShared::Counters::add(c.connectionsOpen, 1);
    m_worker.add(this);
}

IngressSession::~IngressSession()
{
    releaseAccounting();
    discard(m_worker.loop(), m_client);
    discard(m_worker.loop(), m_backend);
}

void IngressSession::releaseAccounting()
{
    if (m_accounted)
        return;
    m_accounted = true;
    IngressShared::Counters &c = m_worker.shared().counters;
    IngressShared::Counters::add(c.connectionsOpen, -1);
    if (m_tunnelCounted)
        IngressShared::Counters::add(c.tunnelsOpen, -1);
    if (m_load)
        m_load->connections.fetch_sub(1, std::memory_order_relaxed);
    m_worker.shared().releaseClient(m_clientKey);
    m_worker.remove(this);
}

void IngressSession::start()
{
    const IngressOptions &options = m_worker.shared().options;
    if (options.tls) {
        m_tls = true;
        QString error;
        if (!m_client->startTls(options.tls->get(), true, QByteArray(), &error)) {
            finish();
            return;
        }
        if (m_phase == Phase::Done)
            return; // the handshake failed at once
    }
    const std::shared_ptr<const AppRoutes> &routes = m_worker.routes();
    if (routes && routes->transport == model::Transport::Tcp) {
        // A raw byte stream from the first byte: nothing to read, no header to add.
        m_tcp = true;
        IngressShared::Counters &c = m_worker.shared().counters;
        if (m_overLimit) {
            IngressShared::Counters::add(c.handshakeRejected, 1);
            finish();
            return;
        }
        const RouteDecision d = m_worker.router().routeByWeight(routes);
        if (!d.ok()) {
            IngressShared::Counters::add(c.notRoutable, 1);
            finish();
            return;
        }
        connectBackend(routes, d);
    }
}

void IngressSession::onReadable(Connection &conn)
{
    if (&conn == m_client.get()) {
        switch (m_phase) {
        case Phase::Head:
            readRequestHead();
            break;
        case Phase::Response:
        case Phase::Tunnel:
            if (m_backend)
                pump(*m_client, *m_backend);
            break;
        default:
            break;
        }
    } else if (&conn == m_backend.get()) {
        if (m_phase == Phase::Response)
            readResponseHead();
        else if (m_phase == Phase::Tunnel && m_client)
            pump(*m_backend, *m_client);
    }
}

void IngressSession::readRequestHead()
{
    const IngressOptions &options = m_worker.shared().options;
    for (;;) {
        std::uint8_t *dst = m_in.reserveTail(4096);
        const long n = m_client->read(dst, m_in.tailRoom());
        if (n == Connection::WouldBlock)
            return;
        if (n <= 0) {
            finish(); // gone before asking anything
            return;
        }
        m_in.commit(std::size_t(n));
        http::Request request;
        std::size_t consumed = 0;
        switch (http::parseRequestHead(reinterpret_cast<const char *>(m_in.data()), m_in.size(),
                                       options.maxHeadBytes, &request, &consumed)) {
        case http::ParseResult::NeedMore:
            continue;
        case http::ParseResult::TooLarge:
            IngressShared::Counters::add(m_worker.shared().counters.handshakeRejected, 1);
            reject(431, "request head too large\n");
            return;
        case http::ParseResult::Malformed:
            IngressShared::Counters::add(m_worker.shared().counters.handshakeRejected, 1);
            reject(400, "malformed request\n");
            return;
        case http::ParseResult::Complete:
            handleRequest(request, consumed);
            return;
        }
    }
}

void IngressSession::handleRequest(const http::Request &request, std::size_t headSize)
{
    IngressShared &shared = m_worker.shared();
    IngressShared::Counters &c = shared.counters;
    if (m_overLimit) {
        IngressShared::Counters::add(c.handshakeRejected, 1);
        reject(429, "too many connections from this address\n");
        return;
    }
    const std::shared_ptr<const AppRoutes> routes = m_worker.routes();
    m_upgrade = isUpgradeRequest(request);
    if (routes && routes->transport == model::Transport::Http2 && m_upgrade) {
        // What Container Apps answers: an HTTP/2 backend cannot take an HTTP/1.1 upgrade.
        IngressShared::Counters::add(c.badGateway, 1);
        reject(502, "the app's transport is http2: HTTP/1.1 upgrades cannot reach it\n");
        return;
    }
    const std::int64_t now = AffinityCookieCodec::nowSeconds();
    const RouteDecision d = m_worker.router().route(routes, &request, now);
    if (d.cookieRejected)
        IngressShared::Counters::add(c.cookiesRejected, 1);
    if (!d.ok()) {
        IngressShared::Counters::add(c.notRoutable, 1);
        if (d.failure == RouteDecision::Failure::UnknownLabel)
            reject(404, "no such traffic label\n");
        else
            reject(503, "no revision is ready to take this connection\n");
        return;
    }
    if (d.via == RouteDecision::Via::Cookie)
        IngressShared::Counters::add(c.routedByCookie, 1);
    else if (d.via == RouteDecision::Via::Label)
        IngressShared::Counters::add(c.routedByLabel, 1);

    m_toBackend = forwardedRequestHead(request, ipOf(m_peer), m_tls, m_upgrade);
    // Whatever followed the head (a body, early frames) goes right behind it; for a plain
    // request only its body.
    qint64 trailing = qint64(m_in.size() - headSize);
    if (!m_upgrade && !request.transferEncoding) {
        m_clientBytesLeft = std::max<qint64>(request.contentLength, 0);
        trailing = std::min(trailing, m_clientBytesLeft);
        m_clientBytesLeft -= trailing;
    }
    m_toBackend.append(reinterpret_cast<const char *>(m_in.data()) + headSize, qsizetype(trailing));
    m_in.release();
    if (routes->sticky) {
        AffinityTicket ticket{routes->app, d.revision->name, d.replica->name,
                              now + shared.options.cookieLifetime.count()};
        m_setCookie = shared.codec.setCookieValue(ticket, now, m_tls);
    }
    connectBackend(routes, d);
}

void IngressSession::connectBackend(const std::shared_ptr<const AppRoutes> &routes,
                                    const RouteDecision &decision)
{
    m_routes = routes;
    m_idle = routes->idleTimeout;
    m_revisionName = decision.revision->name.toUtf8();
    m_replicaName = decision.replica->name.toUtf8();
    m_load = decision.replica->load;
    if (m_load) {
        m_load->connections.fetch_add(1, std::memory_order_relaxed);
        m_load->total.fetch_add(1, std::memory_order_relaxed);
    }
    m_phase = Phase::Connecting;
    m_lastActivity = m_worker.loop().now();
    const net::SocketAddress &addr = decision.replica->address;
    QString error;
    m_backend = Connection::connectTo(m_worker.loop(), addr.get(), addr.length, this, &error);
    if (!m_backend) {
        IngressShared::Counters::add(m_worker.shared().counters.badGateway, 1);
        reject(502, "replica unavailable: " + error.toUtf8() + '\n');
        return;
    }
    // Nothing more from the client until the replica can take it.
    m_client->setReading(false);
}

void IngressSession::onConnected(Connection &conn)
{
    if (&conn != m_backend.get() || m_phase != Phase::Connecting)
        return;
    m_phase = m_tcp ? Phase::Tunnel : Phase::Response;
    if (m_tcp) {
        m_tunnelCounted = true;
        IngressShared::Counters::add(m_worker.shared().counters.tunnelsOpen, 1);
    }
    if (!m_toBackend.isEmpty()) {
        const QByteArray head = std::move(m_toBackend);
        m_toBackend = QByteArray();
        if (!m_backend->write(reinterpret_cast<const std::uint8_t *>(head.constData()),
                              std::size_t(head.size())))
            return; // onFailed has answered
    }
    if (m_client && !m_clientEof)
        m_client->setReading(true);
}

void IngressSession::readResponseHead()
{
    bool ended = false;
    for (;;) {
        std::uint8_t *dst = m_in.reserveTail(4096);
        const long n = m_backend->read(dst, m_in.tailRoom());
        if (n == Connection::WouldBlock)
            break;
        if (n == Connection::EndOfStream) {
            ended = true;
            break;
        }
        if (n == Connection::Error) {
            IngressShared::Counters::add(m_worker.shared().counters.badGateway, 1);
            reject(502, "replica failed: " + m_backend->errorString().toUtf8() + '\n');
            return;
        }
        m_in.commit(std::size_t(n));
        m_lastActivity = m_worker.loop().now();
        if (m_in.size() > kMaxResponseHead)
            break;
    }
    for (;;) {
        http::Response response;
        std::size_t consumed = 0;
        const auto r = http::parseResponseHead(reinterpret_cast<const char *>(m_in.data()),
                                               m_in.size(), kMaxResponseHead, &response, &consumed);
        if (r == http::ParseResult::NeedMore && !ended)
            return;
        if (r != http::ParseResult::Complete) {
            IngressShared::Counters::add(m_worker.shared().counters.badGateway, 1);
            reject(502, r == http::ParseResult::NeedMore
                            ? "the replica closed the connection without a response\n"
                            : "the replica sent a malformed response\n");
            return;
        }
        if (response.status >= 100 && response.status < 200 && response.status != 101) {
            // 100 Continue and friends pass as they are; the final head follows.
            m_client->write(m_in.data(), consumed);
            m_in.consume(consumed);
            if (m_phase == Phase::Done)
                return;
            continue;
        }
        m_in.consume(consumed);
        if (!sendResponseHead(response))
            return;
        break;
    }
    if (ended) {
        backendEnded();
        return;
    }
    pump(*m_backend, *m_client);
}

bool IngressSession::sendResponseHead(const http::Response &response)
{
    const bool switched = response.status == 101 && m_upgrade;
    if (m_upgrade && !switched)
        m_clientBytesLeft = 0; // a refused upgrade: nothing more of the client's reaches it
    const QByteArray head =
        clientResponseHead(response, m_revisionName, m_replicaName, m_setCookie, !switched);
    m_setCookie = QByteArray();
    m_phase = Phase::Tunnel;
    m_tunnelCounted = true;
    IngressShared::Counters &c = m_worker.shared().counters;
    IngressShared::Counters::add(c.tunnelsOpen, 1);
    if (switched)
        IngressShared::Counters::add(c.upgrades, 1);
    if (!m_client->write(reinterpret_cast<const std::uint8_t *>(head.constData()),
                         std::size_t(head.size())))
        return false;
    if (!m_in.isEmpty() && !m_client->write(m_in.data(), m_in.size()))
        return false;
    m_in.release();
    return m_phase != Phase::Done;
}

void IngressSession::pump(Connection &src, Connection &dst)
{
    const bool fromClient = &src == m_client.get();
    // TLS may hold decrypted records the socket no longer shows: read until WouldBlock.
    const bool drainFully = fromClient && m_tls;
    std::uint8_t *scratch = m_worker.scratch();
    for (;;) {
        if (dst.pendingOutput() >= kHighWater) {
            src.setReading(false);
            return;
        }
        std::size_t room = IngressWorker::scratchSize;
        const bool limited = fromClient && m_clientBytesLeft >= 0;
        if (limited && m_clientBytesLeft > 0)
            room = std::min(room, std::size_t(m_clientBytesLeft));
        const long n = src.read(scratch, room);
        if (n == Connection::WouldBlock)
            return;
        if (n == Connection::EndOfStream) {
            fromClient ? clientEnded() : backendEnded();
            return;
        }
        if (n == Connection::Error) {
            abandon(fromClient ? m_client : m_backend);
            return;
        }
        m_lastActivity = m_worker.loop().now();
        if (limited && m_clientBytesLeft == 0)
            continue; // past the request: read and dropped, so the client's EOF is still seen
        if (limited)
            m_clientBytesLeft -= n;
        if (!dst.write(scratch, std::size_t(n)) || m_phase == Phase::Done)
            return; // the write failed and onFailed has ended the session
        if (!drainFully && std::size_t(n) < room)
            return;
    }
}

void IngressSession::clientEnded()
{
    // Half-close: the client has sent everything, the replica may still answer.
    m_clientEof = true;
    m_client->setReading(false);
    if (!m_backend) {
        finish();
        return;
    }
    if (m_backend->pendingOutput() == 0)
        shutdownBackendOutput();
    else
        m_shutdownBackendWhenDrained = true;
}

void IngressSession::shutdownBackendOutput()
{
    m_shutdownBackendWhenDrained = false;
    if (m_backend && m_backend->isOpen())
        ::shutdown(m_backend->fd(), SHUT_WR);
}

void IngressSession::backendEnded()
{
    discard(m_worker.loop(), m_backend);
    if (m_client)
        Connection::linger(std::move(m_client));
    finish();
}

void IngressSession::onDrained(Connection &conn)
{
    if (&conn == m_backend.get()) {
        if (m_shutdownBackendWhenDrained)
            shutdownBackendOutput();
        if (m_client && !m_clientEof && (m_phase == Phase::Response || m_phase == Phase::Tunnel))
            m_client->setReading(true);
    } else if (&conn == m_client.get()) {
        if (m_backend && m_phase == Phase::Tunnel)
            m_backend->setReading(true);
    }
}

void IngressSession::onFailed(Connection &conn, const QString &error)
{
    if (&conn == m_client.get()) {
        abandon(m_client);
        return;
    }
    if (&conn != m_backend.get())
        return;
    if (m_phase == Phase::Connecting || m_phase == Phase::Response) {
        IngressShared::Counters::add(m_worker.shared().counters.badGateway, 1);
        reject(502, "replica unavailable: " + error.toUtf8() + '\n');
        return;
    }
    abandon(m_backend);
}

void IngressSession::abandon(std::unique_ptr<Connection> &dead)
{
    discard(m_worker.loop(), dead);
    if (m_phase == Phase::Tunnel) {
        // The survivor gets what it is still owed, then an end of stream.
        if (m_client)
            Connection::linger(std::move(m_client));
        if (m_backend)
            Connection::linger(std::move(m_backend));
    }
    finish();
}

void IngressSession::lingerBoth()
{
    if (m_client)
        Connection::linger(std::move(m_client));
    if (m_backend)
        Connection::linger(std::move(m_backend));
}

void IngressSession::reject(int status, const QByteArray &body)
{
    discard(m_worker.loop(), m_backend);
    // A raw TCP client gets no HTTP answer: its connection just ends.
    if (m_client && !m_tcp) {
        const QByteArray bytes = http::buildResponse(status, kText, body, false);
        m_client->write(reinterpret_cast<const std::uint8_t *>(bytes.constData()),
                        std::size_t(bytes.size()));
        if (m_client)
            Connection::linger(std::move(m_client));
    }
    finish();
}

void IngressSession::checkDeadline(net::EventLoop::Clock::time_point now)
{
    IngressShared::Counters &c = m_worker.shared().counters;
    switch (m_phase) {
    case Phase::Head:
        if (now - m_started >= m_worker.shared().options.handshakeTimeout) {
            IngressShared::Counters::add(c.handshakeRejected, 1);
            if (m_client && m_client->isOpen())
                reject(408, "request timeout\n");
            else
                finish();
        }
        return;
    case Phase::Connecting:
    case Phase::Response:
        if (m_idle.count() > 0 && now - m_lastActivity >= m_idle) {
            IngressShared::Counters::add(c.idleTimeouts, 1);
            reject(504, "the replica did not answer\n");
        }
        return;
    case Phase::Tunnel:
        if (m_idle.count() > 0 && now - m_lastActivity >= m_idle) {
            // As in the cloud: both connections are closed, the client just sees them end.
            IngressShared::Counters::add(c.idleTimeouts, 1);
            lingerBoth();
            finish();
        }
        return;
    case Phase::Done:
        return;
    }
}

void IngressSession::finish()
{
    if (m_finished)
        return;
    m_finished = true;
    m_phase = Phase::Done;
    releaseAccounting();
    discard(m_worker.loop(), m_client);
    discard(m_worker.loop(), m_backend);
    m_worker.loop().defer([this] { delete this; });
}

} // namespace blueshift::ingress
