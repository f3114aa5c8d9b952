#include "httpserver.h"

#include "../net/connection.h"
#include "../net/tlscontext.h"
#include "../websocket/handshake.h"

#include <sched.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace blueshift::http {

// The HTTP phase of one accepted connection: reads request heads, answers them, and hands the
// socket to the service when a WebSocket upgrade is accepted.
class HttpConnection final : public net::Connection::Handler
{
public:
    HttpConnection(HttpWorker &worker, int fd)
        : m_worker(worker)
        , m_conn(std::make_unique<net::Connection>(worker.loop(), fd, this))
    {
        m_worker.m_connections.insert(this);
        armTimer(worker.m_options.headTimeout);
        if (worker.m_options.tls) {
            QString error;
            if (!m_conn->startTls(worker.m_options.tls->get(), true, QByteArray(), &error))
                finish(false);
        }
    }

    ~HttpConnection()
    {
        cancelTimer();
        m_worker.m_connections.erase(this);
    }

    void onReadable(net::Connection &conn) override
    {
        for (;;) {
            std::uint8_t *dst = m_in.reserveTail(4096);
            const long n = conn.read(dst, m_in.tailRoom());
            if (n == net::Connection::WouldBlock)
                return;
            if (n <= 0) {
                finish(false);
                return;
            }
            m_in.commit(std::size_t(n));
            if (!processRequests())
                return;
        }
    }

    void onFailed(net::Connection &, const QString &) override { finish(false); }

private:
    void armTimer(std::chrono::milliseconds timeout)
    {
        cancelTimer();
        m_timer = m_worker.loop().startTimer(timeout, [this] {
            m_timer = 0;
            // A head that never completes (slowloris) or an idle keep-alive connection.
            if (!m_in.isEmpty())
                sendAndClose(Reply{408, "text/plain; charset=utf-8", "request timeout\n", {}},
                             false);
            else
                finish(false);
        });
    }

    void cancelTimer()
    {
        if (m_timer) {
            m_worker.loop().cancelTimer(m_timer);
            m_timer = 0;
        }
    }

    // Returns false once the connection is gone or handed over.
    bool processRequests()
    {
        while (!m_in.isEmpty()) {
            Request req;
            std::size_t consumed = 0;
            const ParseResult r =
                parseRequestHead(reinterpret_cast<const char *>(m_in.data()), m_in.size(),
                                 m_worker.m_options.maxHeadBytes, &req, &consumed);
            if (r == ParseResult::NeedMore)
                return true;
            if (r == ParseResult::TooLarge) {
                sendAndClose(
                    Reply{431, "text/plain; charset=utf-8", "request head too large\n", {}}, false);
                return false;
            }
            if (r == ParseResult::Malformed) {
                sendAndClose(Reply{400, "text/plain; charset=utf-8", "malformed request\n", {}},
                             false);
                return false;
            }
            m_in.consume(consumed);
            if (!dispatch(req))
                return false;
        }
        m_in.shrinkIfEmpty();
        armTimer(m_worker.m_options.keepAliveTimeout);
        return true;
    }

    bool dispatch(const Request &req)
    {
        const bool head = req.method == "HEAD";
        if (req.transferEncoding || req.contentLength > 0) {
            // Nothing here takes a request body; refusing is safer than skipping one.
            sendAndClose(
                Reply{400, "text/plain; charset=utf-8", "request bodies are not accepted\n", {}},
                head);
            return false;
        }
        if (headerHasToken(req.headers, "Upgrade", "websocket"))
            return upgrade(req);
        Reply reply = m_worker.m_service.handle(req, m_worker);
        const bool keepAlive = req.keepAlive() && reply.status < 400;
        const QByteArray bytes = buildResponse(reply.status, reply.contentType, reply.body,
                                               keepAlive, reply.headers, head);
        if (!keepAlive) {
            sendAndClose(bytes);
            return false;
        }
        m_conn->write(reinterpret_cast<const std::uint8_t *>(bytes.constData()),
                      std::size_t(bytes.size()));
        return !m_conn->isClosed();
    }

    bool upgrade(const Request &req)
    {
        if (req.method != "GET" || req.minorVersion != 1 ||
            !headerHasToken(req.headers, "Connection", "upgrade")) {
            sendAndClose(
                Reply{400, "text/plain; charset=utf-8", "not a valid WebSocket upgrade\n", {}},
                false);
            return false;
        }
        if (req.header("Sec-WebSocket-Version") != "13") {
            sendAndClose(Reply{426,
                               "text/plain; charset=utf-8",
                               "WebSocket version 13 required\n",
                               {{"Sec-WebSocket-Version", "13"}}},
                         false);
            return false;
        }
        const QByteArray key = req.header("Sec-WebSocket-Key");
        if (!websocket::isValidClientKey(key)) {
            sendAndClose(Reply{400, "text/plain; charset=utf-8", "invalid Sec-WebSocket-Key\n", {}},
                         false);
            return false;
        }
        UpgradeDecision decision = m_worker.m_service.checkUpgrade(req, m_worker);
        if (!decision.accept) {
            sendAndClose(decision.rejection, false);
            return false;
        }
        QByteArray response = "HTTP/1.1 101 Switching Protocols\r\n"
                              "Upgrade: websocket\r\n"
                              "Connection: Upgrade\r\n"
                              "Sec-WebSocket-Accept: " +
                              websocket::acceptKeyFor(key) + "\r\n";
        for (const auto &h : decision.headers)
            response += h.first + ": " + h.second + "\r\n";
        response += "\r\n";
        cancelTimer();
        m_conn->write(reinterpret_cast<const std::uint8_t *>(response.constData()),
                      std::size_t(response.size()));
        if (m_conn->isClosed()) {
            finish(false);
            return false;
        }
        // Bytes that followed the request go to the service; an empty buffer is freed rather
        // than handed on, or every idle session would keep its 4 KiB.
        m_in.shrinkIfEmpty();
        net::ByteBuffer leftover;
        leftover.swap(m_in);
        m_conn->setHandler(nullptr);
        m_worker.m_service.startSession(m_worker, std::move(m_conn), std::move(leftover), req,
                                        decision);
        finish(false);
        return false;
    }

    void sendAndClose(const Reply &reply, bool headOnly)
    {
        sendAndClose(buildResponse(reply.status, reply.contentType, reply.body, false,
                                   reply.headers, headOnly));
    }

    void sendAndClose(const QByteArray &bytes)
    {
        m_conn->write(reinterpret_cast<const std::uint8_t *>(bytes.constData()),
                      std::size_t(bytes.size()));
        finish(true);
    }

    void finish(bool graceful)
    {
        if (m_finished)
            return;
        m_finished = true;
        cancelTimer();
        if (m_conn) {
            m_conn->setHandler(nullptr);
            if (graceful)
                net::Connection::linger(std::move(m_conn));
            else
                m_worker.loop().defer([c = m_conn.release()] { delete c; });
        }
        m_worker.loop().defer([this] { delete this; });
    }

    HttpWorker &m_worker;
    std::unique_ptr<net::Connection> m_conn;
    net::ByteBuffer m_in;
    net::EventLoop::TimerId m_timer = 0;
    bool m_finished = false;
};

HttpServer::HttpServer(HttpService &service, HttpServerOptions options)
    : m_service(service)
    , m_options(options)
{
    if (m_options.threads <= 0)
        m_options.threads = defaultThreadCount();
}

HttpServer::~HttpServer()
{
    stop();
    if (m_listenFd >= 0)
        ::close(m_listenFd);
}

int HttpServer::defaultThreadCount()
{
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        return std::max(1, CPU_COUNT(&set));
    return std::max(1, int(std::thread::hardware_concurrency()));
}

bool HttpServer::listen(const net::HostPort &where, QString *error)
{
    m_listenFd = net::listenTcp(where, error);
    if (m_listenFd < 0)
        return false;
    m_port = net::SocketAddress::ofSocket(m_listenFd, false).port();
    return true;
}

void HttpServer::start()
{
    for (int i = 0; i < m_options.threads; ++i)
        m_workers.push_back(
            std::make_unique<HttpWorker>(*this, m_service, m_options, i, m_listenFd));
    for (auto &w : m_workers)
        w->start();
}

void HttpServer::stop()
{
    for (auto &w : m_workers)
        w->stop();
    m_workers.clear();
}

void HttpServer::forEachWorker(const std::function<void(HttpWorker &)> &fn)
{
    for (auto &w : m_workers) {
        HttpWorker *worker = w.get();
        worker->loop().post([worker, fn] { fn(*worker); });
    }
}

HttpWorker::HttpWorker(HttpServer &server, HttpService &service, const HttpServerOptions &options,
                       int index, int listenFd)
    : m_server(server)
    , m_service(service)
    , m_options(options)
    , m_index(index)
    , m_listenFd(listenFd)
    , m_scratch(new std::uint8_t[scratchSize])
{}

HttpWorker::~HttpWorker()
{
    stop();
}

void HttpWorker::start()
{
    m_thread = std::thread([this] {
        m_service.workerStarted(*this);
        m_loop.watch(m_listenFd, EPOLLIN | EPOLLEXCLUSIVE, this);
        m_loop.run();
        m_loop.unwatch(m_listenFd);
        while (!m_connections.empty())
            delete *m_connections.begin();
        m_service.workerStopping(*this);
        m_serviceData.reset();
    });
}

void HttpWorker::stop()
{
    if (!m_thread.joinable())
        return;
    m_loop.quit();
    m_thread.join();
}

void HttpWorker::handleEvents(std::uint32_t)
{
    acceptPending();
}

void HttpWorker::acceptPending()
{
    // A bounded batch, so that one busy worker leaves some connections to the others.
    for (int i = 0; i < 64; ++i) {
        const int fd = ::accept4(m_listenFd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            new HttpConnection(*this, fd); // owns itself
            continue;
        }
        if (errno == EINTR || errno == ECONNABORTED)
            continue;
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
            // Out of descriptors: stop accepting for a moment instead of spinning on the
            // listening socket, which stays readable.
            if (!m_acceptPaused) {
                m_acceptPaused = true;
                m_loop.unwatch(m_listenFd);
                m_loop.startTimer(std::chrono::milliseconds(100), [this] {
                    m_acceptPaused = false;
                    m_loop.watch(m_listenFd, EPOLLIN | EPOLLEXCLUSIVE, this);
                });
            }
        }
        return;
    }
}

} // namespace blueshift::http
