#pragma once

#include "affinitycookie.h"
#include "ingress.h"
#include "router.h"

#include "net/eventloop.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace blueshift::ingress {

class IngressSession;

// What every thread of one ingress shares: options, the cookie key, the current routing table,
// the counters and the per-client-address connection counts.
struct IngressShared
{
    explicit IngressShared(IngressOptions o)
        : options(std::move(o))
        , codec(options.cookieKey)
    {}

    struct Counters
    {
        std::atomic<std::uint64_t> connectionsTotal{0};
        std::atomic<std::uint64_t> connectionsOpen{0};
        std::atomic<std::uint64_t> upgrades{0};
        std::atomic<std::uint64_t> badGateway{0};
        std::atomic<std::uint64_t> cookiesRejected{0};
        std::atomic<std::uint64_t> idleTimeouts{0};
        std::atomic<std::uint64_t> handshakeRejected{0};
        std::atomic<std::uint64_t> notRoutable{0};
        std::atomic<std::uint64_t> routedByCookie{0};
        std::atomic<std::uint64_t> routedByLabel{0};
        std::atomic<std::uint64_t> tunnelsOpen{0};

        static void add(std::atomic<std::uint64_t> &c, std::int64_t n)
        {
            c.fetch_add(std::uint64_t(n), std::memory_order_relaxed);
        }
    };

    // Counts a new connection from `ip`; false when that address is over its limit (the
    // connection still counts until release).
    bool acquireClient(const std::string &ip);
    void releaseClient(const std::string &ip);

    void setRoutes(std::shared_ptr<const AppRoutes> routes);

    const IngressOptions options;
    const AffinityCookieCodec codec;
    int listenFd = -1;
    Counters counters;

    std::mutex routesMutex;
    std::shared_ptr<const AppRoutes> routes;
    std::atomic<std::uint64_t> routesVersion{0};

private:
    std::mutex m_clientsMutex;
    std::unordered_map<std::string, int> m_clients;
};

// One ingress thread: its epoll loop, its share of the accepted connections, a read buffer all
// its tunnels share (an idle tunnel owns none), its round-robin state, and one coarse timer
// that expires slow handshakes and idle tunnels instead of a timer per connection.
class IngressWorker final : public net::EventLoop::Watcher
{
public:
    static constexpr std::size_t scratchSize = 128 * 1024;

    IngressWorker(IngressShared &shared, int index);
    ~IngressWorker();

    void start();
    void stop();

    IngressShared &shared() { return m_shared; }
    net::EventLoop &loop() { return m_loop; }
    Router &router() { return m_router; }
    std::uint8_t *scratch() { return m_scratch.get(); }
    // The newest table; cheap when it has not changed.
    const std::shared_ptr<const AppRoutes> &routes();

    void add(IngressSession *session);
    void remove(IngressSession *session);

    void handleEvents(std::uint32_t events) override; // the listening socket

private:
    void acceptPending();
    void scheduleSweep();
    void sweep();

    IngressShared &m_shared;
    int m_index;
    net::EventLoop m_loop;
    Router m_router;
    std::unique_ptr<std::uint8_t[]> m_scratch;
    std::shared_ptr<const AppRoutes> m_routes;
    std::uint64_t m_routesVersion = ~std::uint64_t(0);
    std::vector<IngressSession *> m_sessions;
    net::EventLoop::TimerId m_sweepTimer = 0;
    bool m_acceptPaused = false;
    std::thread m_thread;
};

} // namespace blueshift::ingress
