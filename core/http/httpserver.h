#pragma once

#include "httpmessage.h"

#include "../net/address.h"
#include "../net/bytebuffer.h"
#include "../net/eventloop.h"

#include <QString>

#include <atomic>
#include <memory>
#include <thread>
#include <unordered_set>
#include <vector>

namespace blueshift::net {
class Connection;
class TlsContext;
} // namespace blueshift::net

namespace blueshift::http {

class HttpWorker;
class HttpConnection;

struct Reply
{
    int status = 200;
    QByteArray contentType = "text/plain; charset=utf-8";
    QByteArray body;
    HeaderList headers;
};

// What a service says to a WebSocket upgrade: accept (the server answers 101 with `headers`
// added) or reject with `rejection`.
struct UpgradeDecision
{
    bool accept = false;
    Reply rejection;
    HeaderList headers;
    QByteArray sessionId;
};

// The program behind an HttpServer. Every call happens on a worker thread, concurrently with
// the other workers, so implementations keep per-worker state or synchronise.
class HttpService
{
public:
    virtual ~HttpService() = default;
    virtual void workerStarted(HttpWorker &) {}
    virtual void workerStopping(HttpWorker &) {}
    virtual Reply handle(const Request &request, HttpWorker &worker) = 0;
    // Called for requests that ask for a WebSocket upgrade, after the server has checked the
    // RFC 6455 handshake fields.
    virtual UpgradeDecision checkUpgrade(const Request &request, HttpWorker &worker) = 0;
    // The 101 has been queued on `client`; `leftover` holds bytes that followed the request.
    virtual void startSession(HttpWorker &worker, std::unique_ptr<net::Connection> client,
                              net::ByteBuffer leftover, const Request &request,
                              const UpgradeDecision &decision) = 0;
};

struct HttpServerOptions
{
    int threads = 0; // 0: one per CPU this process may run on
    std::size_t maxHeadBytes = 16 * 1024;
    std::chrono::milliseconds headTimeout{10000};
    std::chrono::milliseconds keepAliveTimeout{60000};
    // Serve TLS (wss/https) with this context; plain when null.
    std::shared_ptr<net::TlsContext> tls;
};

// One listening socket served by N worker threads, each with its own epoll loop; the kernel
// hands each new connection to one idle worker (EPOLLEXCLUSIVE). Speaks enough HTTP/1.1 for
// health checks, metrics and the WebSocket opening handshake.
class HttpServer
{
public:
    HttpServer(HttpService &service, HttpServerOptions options = {});
    ~HttpServer();

    bool listen(const net::HostPort &where, QString *error);
    std::uint16_t port() const { return m_port; }
    void start();
    // Stops the loops and joins the threads; sessions still open are destroyed.
    void stop();

    int workerCount() const { return int(m_workers.size()); }
    HttpWorker &worker(int index) { return *m_workers[std::size_t(index)]; }
    // Runs `fn` on every worker's thread.
    void forEachWorker(const std::function<void(HttpWorker &)> &fn);

    static int defaultThreadCount();

private:
    HttpService &m_service;
    HttpServerOptions m_options;
    int m_listenFd = -1;
    std::uint16_t m_port = 0;
    std::vector<std::unique_ptr<HttpWorker>> m_workers;
};

class HttpWorker final : public net::EventLoop::Watcher
{
public:
    HttpWorker(HttpServer &server, HttpService &service, const HttpServerOptions &options,
               int index, int listenFd);
    ~HttpWorker();

    net::EventLoop &loop() { return m_loop; }
    int index() const { return m_index; }
    // A large read buffer shared by every connection of this thread: a connection only keeps
    // bytes of its own when a frame straddles two reads.
    std::uint8_t *scratch() { return m_scratch.get(); }
    static constexpr std::size_t scratchSize = 256 * 1024;

    // Per-worker state of the service, owned by the worker.
    void setServiceData(std::shared_ptr<void> data) { m_serviceData = std::move(data); }
    template<typename T>
    T *serviceData() const
    {
        return static_cast<T *>(m_serviceData.get());
    }

    void start();
    void stop();
    void handleEvents(std::uint32_t events) override; // the listening socket

private:
    friend class HttpConnection;
    void acceptPending();

    HttpServer &m_server;
    HttpService &m_service;
    const HttpServerOptions &m_options;
    int m_index;
    int m_listenFd;
    net::EventLoop m_loop;
    std::unique_ptr<std::uint8_t[]> m_scratch;
    std::shared_ptr<void> m_serviceData;
    std::unordered_set<HttpConnection *> m_connections;
    std::thread m_thread;
    bool m_acceptPaused = false;
};

} // namespace blueshift::http
