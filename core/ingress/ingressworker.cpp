#include "ingressworker.h"

#include "ingresssession.h"

#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

namespace blueshift::ingress {

namespace {
// The client's address without its port: what maxConnectionsPerClientIp counts.
std::string clientKey(const sockaddr_storage &ss)
{
    if (ss.ss_family == AF_INET) {
        const auto *a = reinterpret_cast<const sockaddr_in *>(&ss);
        return std::string(reinterpret_cast<const char *>(&a->sin_addr), sizeof a->sin_addr);
    }
    if (ss.ss_family == AF_INET6) {
        const auto *a = reinterpret_cast<const sockaddr_in6 *>(&ss);
        return std::string(reinterpret_cast<const char *>(&a->sin6_addr), sizeof a->sin6_addr);
    }
    return {};
}
} // namespace

bool IngressShared::acquireClient(const std::string &ip)
{
    std::lock_guard lock(m_clientsMutex);
    return ++m_clients[ip] <= options.maxConnectionsPerClientIp;
}

void IngressShared::releaseClient(const std::string &ip)
{
    std::lock_guard lock(m_clientsMutex);
    const auto it = m_clients.find(ip);
    if (it != m_clients.end() && --it->second <= 0)
        m_clients.erase(it);
}

void IngressShared::setRoutes(std::shared_ptr<const AppRoutes> r)
{
    std::lock_guard lock(routesMutex);
    routes = std::move(r);
    routesVersion.fetch_add(1, std::memory_order_release);
}

IngressWorker::IngressWorker(IngressShared &shared, int index)
    : m_shared(shared)
    , m_index(index)
    , m_router(shared.codec)
    , m_scratch(new std::uint8_t[scratchSize])
{}

IngressWorker::~IngressWorker()
{
    stop();
}

void IngressWorker::start()
{
    m_thread = std::thread([this] {
        m_loop.watch(m_shared.listenFd, EPOLLIN | EPOLLEXCLUSIVE, this);
        m_loop.run();
        m_loop.unwatch(m_shared.listenFd);
        while (!m_sessions.empty())
            delete m_sessions.back(); // removes itself from the list
        if (m_sweepTimer)
            m_loop.cancelTimer(m_sweepTimer);
        m_sweepTimer = 0;
    });
}

void IngressWorker::stop()
{
    if (!m_thread.joinable())
        return;
    m_loop.quit();
    m_thread.join();
}

const std::shared_ptr<const AppRoutes> &IngressWorker::routes()
{
    const std::uint64_t version = m_shared.routesVersion.load(std::memory_order_acquire);
    if (version != m_routesVersion) {
        std::lock_guard lock(m_shared.routesMutex);
        m_routes = m_shared.routes;
        m_routesVersion = m_shared.routesVersion.load(std::memory_order_relaxed);
    }
    return m_routes;
}

void IngressWorker::add(IngressSession *session)
{
    session->slot = m_sessions.size();
    m_sessions.push_back(session);
    if (!m_sweepTimer)
        scheduleSweep();
}

void IngressWorker::remove(IngressSession *session)
{
    const std::size_t slot = session->slot;
    if (slot >= m_sessions.size() || m_sessions[slot] != session)
        return;
    m_sessions[slot] = m_sessions.back();
    m_sessions[slot]->slot = slot;
    m_sessions.pop_back();
}

void IngressWorker::scheduleSweep()
{
    // A tenth of the shortest deadline in force, so a deadline is kept within 10 % (at most
    // a second late): one timer per thread however many tunnels it carries.
    std::chrono::milliseconds shortest = m_shared.options.handshakeTimeout;
    if (const auto &r = routes(); r && r->idleTimeout.count() > 0)
        shortest = std::min(shortest, r->idleTimeout);
    const auto period =
        std::clamp(shortest / 10, std::chrono::milliseconds(10), std::chrono::milliseconds(1000));
    m_sweepTimer = m_loop.startTimer(period, [this] {
        m_sweepTimer = 0;
        sweep();
    });
}

void IngressWorker::sweep()
{
    const auto now = m_loop.now();
    // Backwards: a session that ends swaps the last one into its slot, already visited.
    for (std::size_t i = m_sessions.size(); i-- > 0;) {
        if (i < m_sessions.size())
            m_sessions[i]->checkDeadline(now);
    }
    if (!m_sessions.empty())
        scheduleSweep();
}

void IngressWorker::handleEvents(std::uint32_t)
{
    acceptPending();
}

void IngressWorker::acceptPending()
{
    // A bounded batch, so that one busy thread leaves some connections to the others.
    for (int i = 0; i < 64; ++i) {
        sockaddr_storage ss{};
        socklen_t len = sizeof ss;
        const int fd = ::accept4(m_shared.listenFd, reinterpret_cast<sockaddr *>(&ss), &len,
                                 SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            net::SocketAddress peer;
            peer.storage = ss;
            peer.length = len;
            std::string key = clientKey(ss);
            const bool within = m_shared.acquireClient(key);
            auto *session = new IngressSession(*this, fd, peer, std::move(key), !within);
            session->start();
            continue;
        }
        if (errno == EINTR || errno == ECONNABORTED)
            continue;
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
            // Out of descriptors: stop accepting for a moment instead of spinning on the
            // listening socket, which stays readable.
            if (!m_acceptPaused) {
                m_acceptPaused = true;
                m_loop.unwatch(m_shared.listenFd);
                m_loop.startTimer(std::chrono::milliseconds(100), [this] {
                    m_acceptPaused = false;
                    m_loop.watch(m_shared.listenFd, EPOLLIN | EPOLLEXCLUSIVE, this);
                });
            }
        }
        return;
    }
}

} // namespace blueshift::ingress
