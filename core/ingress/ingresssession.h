#pragma once

#include "router.h"
#include "routingtable.h"

#include "net/address.h"
#include "net/bytebuffer.h"
#include "net/connection.h"

#include <QByteArray>

#include <memory>
#include <string>

namespace blueshift::ingress {

class IngressWorker;

// One client connection through the ingress: reads the request head, chooses a replica,
// forwards the head, rewrites the response head, then passes bytes both ways unchanged until
// either side ends. Lives on one worker thread and deletes itself (through EventLoop::defer).
class IngressSession final : public net::Connection::Handler
{
public:
    IngressSession(IngressWorker &worker, int fd, const net::SocketAddress &peer,
                   std::string clientKey, bool overLimit);
    ~IngressSession();
    IngressSession(const IngressSession &) = delete;
    IngressSession &operator=(const IngressSession &) = delete;

    void start();
    // From the worker's sweep: ends a handshake that took too long or a tunnel left idle.
    void checkDeadline(net::EventLoop::Clock::time_point now);
    std::chrono::milliseconds idleTimeout() const { return m_idle; }

    std::size_t slot = 0; // index in the worker's session list

    void onConnected(net::Connection &conn) override;
    void onReadable(net::Connection &conn) override;
    void onDrained(net::Connection &conn) override;
    void onFailed(net::Connection &conn, const QString &error) override;

private:
    enum class Phase : std::uint8_t { Head, Connecting, Response, Tunnel, Done };

    void readRequestHead();
    void handleRequest(const http::Request &request, std::size_t headSize);
    void connectBackend(const std::shared_ptr<const AppRoutes> &routes,
                        const RouteDecision &decision);
    void readResponseHead();
    bool sendResponseHead(const http::Response &response);

    void pump(net::Connection &src, net::Connection &dst);
    void clientEnded();
    void backendEnded();
    void shutdownBackendOutput();

    // Answers the client with `status` and closes; the backend, if any, is abandoned.
    void reject(int status, const QByteArray &body);
    // Closes `dead` at once and lets the other side flush what it still holds.
    void abandon(std::unique_ptr<net::Connection> &dead);
    void lingerBoth();
    void finish();
    void releaseAccounting();

    IngressWorker &m_worker;
    std::unique_ptr<net::Connection> m_client;
    std::unique_ptr<net::Connection> m_backend;
    net::ByteBuffer m_in; // the request head, then the response head; empty in the tunnel
    QByteArray m_toBackend;
    QByteArray m_setCookie;
    std::shared_ptr<const AppRoutes> m_routes;
    std::shared_ptr<ReplicaLoad> m_load;
    QByteArray m_revisionName;
    QByteArray m_replicaName;
    net::SocketAddress m_peer;
    std::string m_clientKey;
    net::EventLoop::Clock::time_point m_started;
    net::EventLoop::Clock::time_point m_lastActivity;
    std::chrono::milliseconds m_idle{0};
    Phase m_phase = Phase::Head;
    bool m_overLimit;
    bool m_tls = false;
    bool m_tcp = false; // transport tcp: raw bytes from the first one
    bool m_upgrade = false;
    // Client bytes still to forward: the request's body for a plain request, nothing once an
    // upgrade was refused; -1 for a tunnel (a WebSocket, a chunked body). Past it, client bytes
    // are read and dropped, so a second request on the connection never reaches the replica
    // unparsed.
    qint64 m_clientBytesLeft = -1;
    bool m_clientEof = false;
    bool m_shutdownBackendWhenDrained = false;
    bool m_accounted = false;
    bool m_finished = false;
    bool m_tunnelCounted = false;
};

} // namespace blueshift::ingress
