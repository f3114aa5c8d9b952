#include "resolver.h"

#include <netdb.h>
#include <netinet/in.h>

#include <cstring>

namespace blueshift::net {

Resolver::Resolver(std::chrono::seconds cacheTtl)
    : m_ttl(cacheTtl)
{
    for (int i = 0; i < 2; ++i)
        m_threads.emplace_back([this] { workerMain(); });
}

Resolver::~Resolver()
{
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_cv.notify_all();
    for (auto &t : m_threads)
        t.join();
}

void Resolver::resolve(const QByteArray &host, std::uint16_t port, EventLoop &loop, Result done)
{
    if (auto numeric = SocketAddress::fromNumeric(host, port)) {
        done({*numeric}, QString());
        return;
    }
    const std::string key = host.toStdString();
    {
        std::lock_guard lock(m_mutex);
        auto it = m_cache.find(key);
        if (it != m_cache.end() && it->second.expires > std::chrono::steady_clock::now()) {
            std::vector<SocketAddress> addresses = it->second.addresses;
            for (auto &a : addresses) {
                if (a.storage.ss_family == AF_INET)
                    reinterpret_cast<sockaddr_in *>(&a.storage)->sin_port = htons(port);
                else
                    reinterpret_cast<sockaddr_in6 *>(&a.storage)->sin6_port = htons(port);
            }
            done(std::move(addresses), QString());
            return;
        }
        m_jobs.push_back({host, port, &loop, std::move(done)});
    }
    m_cv.notify_one();
}

void Resolver::workerMain()
{
    for (;;) {
        Job job;
        {
            std::unique_lock lock(m_mutex);
            m_cv.wait(lock, [this] { return m_stop || !m_jobs.empty(); });
            if (m_stop)
                return;
            job = std::move(m_jobs.front());
            m_jobs.pop_front();
        }
        addrinfo hints{};
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = AI_ADDRCONFIG;
        addrinfo *res = nullptr;
        const QByteArray service = QByteArray::number(job.port);
        const int rc = ::getaddrinfo(job.host.constData(), service.constData(), &hints, &res);
        std::vector<SocketAddress> addresses;
        QString error;
        if (rc != 0) {
            error = QStringLiteral("cannot resolve %1: %2")
                        .arg(QString::fromUtf8(job.host), QString::fromLocal8Bit(gai_strerror(rc)));
        } else {
            for (addrinfo *ai = res; ai; ai = ai->ai_next) {
                SocketAddress a;
                std::memcpy(&a.storage, ai->ai_addr, ai->ai_addrlen);
                a.length = ai->ai_addrlen;
                addresses.push_back(a);
            }
            ::freeaddrinfo(res);
            std::lock_guard lock(m_mutex);
            m_cache[job.host.toStdString()] = {addresses, std::chrono::steady_clock::now() + m_ttl};
        }
        job.loop->post([done = std::move(job.done), addresses = std::move(addresses),
                        error = std::move(error)]() mutable { done(std::move(addresses), error); });
    }
}

} // namespace blueshift::net
