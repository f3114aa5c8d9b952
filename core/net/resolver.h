#pragma once

#include "address.h"
#include "eventloop.h"

#include <QString>

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

namespace blueshift::net {

// Name resolution off the event loops: getaddrinfo blocks, sometimes for seconds, and one slow
// lookup must not stall every session on a loop. Answers are cached for a short time because a
// relay resolves the same upstream host for every session.
class Resolver
{
public:
    using Result = std::function<void(std::vector<SocketAddress> addresses, QString error)>;

    explicit Resolver(std::chrono::seconds cacheTtl = std::chrono::seconds(30));
    ~Resolver();
    Resolver(const Resolver &) = delete;
    Resolver &operator=(const Resolver &) = delete;

    // `done` runs on `loop`'s thread. Numeric hosts are answered without a lookup.
    void resolve(const QByteArray &host, std::uint16_t port, EventLoop &loop, Result done);

private:
    struct Job
    {
        QByteArray host;
        std::uint16_t port;
        EventLoop *loop;
        Result done;
    };
    struct CacheEntry
    {
        std::vector<SocketAddress> addresses;
        std::chrono::steady_clock::time_point expires;
    };

    void workerMain();

    std::chrono::seconds m_ttl;
    std::mutex m_mutex;
    std::condition_variable m_cv;
    std::deque<Job> m_jobs;
    std::unordered_map<std::string, CacheEntry> m_cache;
    bool m_stop = false;
    std::vector<std::thread> m_threads;
};

} // namespace blueshift::net
