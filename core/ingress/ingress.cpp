#include "ingress.h"

#include "ingressworker.h"

#include "http/httpserver.h"

#include <unistd.h>

namespace blueshift::ingress {

struct Ingress::Private
{
    explicit Private(IngressOptions options)
        : shared(std::move(options))
    {}
    IngressShared shared;
    std::vector<std::unique_ptr<IngressWorker>> workers;
    std::uint16_t port = 0;
};

Ingress::Ingress(IngressOptions options)
    : d(std::make_unique<Private>(std::move(options)))
{}

Ingress::~Ingress()
{
    stop();
    if (d->shared.listenFd >= 0)
        ::close(d->shared.listenFd);
}

bool Ingress::listen(const net::HostPort &where, QString *error)
{
    const int fd = net::listenTcp(where, error);
    if (fd < 0)
        return false;
    d->shared.listenFd = fd;
    d->port = net::SocketAddress::ofSocket(fd, false).port();
    return true;
}

std::uint16_t Ingress::port() const
{
    return d->port;
}

void Ingress::start()
{
    if (d->shared.listenFd < 0 || !d->workers.empty())
        return;
    int threads = d->shared.options.threads;
    if (threads <= 0)
        threads = http::HttpServer::defaultThreadCount();
    for (int i = 0; i < threads; ++i)
        d->workers.push_back(std::make_unique<IngressWorker>(d->shared, i));
    for (auto &w : d->workers)
        w->start();
}

void Ingress::stop()
{
    for (auto &w : d->workers)
        w->stop();
    d->workers.clear();
}

int Ingress::threadCount() const
{
    return int(d->workers.size());
}

void Ingress::setRoutes(std::shared_ptr<const AppRoutes> routes)
{
    d->shared.setRoutes(std::move(routes));
}

std::shared_ptr<const AppRoutes> Ingress::routes() const
{
    std::lock_guard lock(d->shared.routesMutex);
    return d->shared.routes;
}

IngressStats Ingress::stats() const
{
    const IngressShared::Counters &c = d->shared.counters;
    auto get = [](const std::atomic<std::uint64_t> &v) {
        return v.load(std::memory_order_relaxed);
    };
    IngressStats s;
    s.connectionsTotal = get(c.connectionsTotal);
    s.connectionsOpen = get(c.connectionsOpen);
    s.upgrades = get(c.upgrades);
    s.badGateway = get(c.badGateway);
    s.cookiesRejected = get(c.cookiesRejected);
    s.idleTimeouts = get(c.idleTimeouts);
    s.handshakeRejected = get(c.handshakeRejected);
    s.notRoutable = get(c.notRoutable);
    s.routedByCookie = get(c.routedByCookie);
    s.routedByLabel = get(c.routedByLabel);
    s.tunnelsOpen = get(c.tunnelsOpen);
    return s;
}

} // namespace blueshift::ingress
