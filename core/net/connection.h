#pragma once

#include "bytebuffer.h"
#include "eventloop.h"

#include <QString>

#include <atomic>

#include <cstdint>
#include <memory>

#include <sys/socket.h>

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;

namespace blueshift::net {

// A non-blocking TCP stream on an EventLoop, optionally TLS. Writes go straight to the socket
// and only the part the kernel would not take is buffered, so an idle connection owns no
// buffer. Not thread-safe: lives and dies on its loop's thread, destroyed through
// EventLoop::defer (or linger) because a pending event in the same batch may still name it.
class Connection final : public EventLoop::Watcher
{
public:
    class Handler
    {
    public:
        // TCP connected (and the TLS handshake done, when TLS was started).
        virtual void onConnected(Connection &) {}
        // Data, end of stream or an error is waiting: call read() until it says WouldBlock.
        virtual void onReadable(Connection &) = 0;
        // Everything written has reached the kernel.
        virtual void onDrained(Connection &) {}
        // Connect, TLS or write failure; the connection is already closed.
        virtual void onFailed(Connection &, const QString &error) = 0;

    protected:
        ~Handler() = default;
    };

    enum ReadStatus : long { EndOfStream = 0, WouldBlock = -1, Error = -2 };

    // Takes ownership of an accepted, connected socket.
    Connection(EventLoop &loop, int fd, Handler *handler);
    ~Connection();
    Connection(const Connection &) = delete;
    Connection &operator=(const Connection &) = delete;

    // Starts a non-blocking connect; failures are reported through onFailed.
    static std::unique_ptr<Connection> connectTo(EventLoop &loop, const sockaddr *addr,
                                                 socklen_t addrLen, Handler *handler,
                                                 QString *error);

    // Client side: verifies the peer against `serverName` (SNI and host name check).
    // Server side: pass an empty name. Call before connecting completes or right after accept.
    bool startTls(SSL_CTX *context, bool serverSide, const QByteArray &serverName, QString *error);

    void setHandler(Handler *handler) { m_handler = handler; }
    EventLoop &loop() { return m_loop; }
    int fd() const { return m_fd; }
    bool isOpen() const { return m_state == State::Open; }
    bool isClosed() const { return m_state == State::Closed; }
    const QString &errorString() const { return m_error; }

    // > 0: bytes read; EndOfStream; WouldBlock; Error (see errorString()).
    long read(std::uint8_t *dst, std::size_t capacity);

    // Sends what the socket takes now and buffers the rest (also while still connecting).
    // Returns false when the connection failed; the caller will also get onFailed.
    bool write(const std::uint8_t *data, std::size_t size);
    std::size_t pendingOutput() const { return m_out.size(); }

    // Stops or resumes read notifications (backpressure).
    void setReading(bool reading);
    bool isReading() const { return m_reading; }

    void close();

    // Hands the connection over to a graceful close: flush what is buffered, send FIN (and
    // TLS close_notify), discard whatever the peer still sends until it closes or `timeout`
    // passes, then free itself. Avoids the RST that closing with unread input causes, which
    // can destroy the peer's copy of our final close frame.
    static void linger(std::unique_ptr<Connection> connection,
                       std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));

    // Connections handed to linger() that have not finished closing, process-wide.
    static int lingeringCount() { return s_lingering.load(std::memory_order_relaxed); }

    void handleEvents(std::uint32_t events) override;

private:
    static inline std::atomic<int> s_lingering{0};

    enum class State : std::uint8_t { Connecting, TlsHandshaking, Open, Closed };

    void fail(const QString &error);
    void updateInterest();
    bool flush();
    void continueTlsHandshake();
    void finishConnect();
    void lingerStep();
    QString tlsError(int sslError, int ret);

    EventLoop &m_loop;
    Handler *m_handler;
    SSL *m_ssl = nullptr;
    int m_fd;
    State m_state;
    bool m_reading = true;
    bool m_tlsWantsWrite = false; // the TLS engine needs the socket writable to read
    bool m_lingering = false;
    bool m_parked = false; // out of epoll after a hang-up while paused
    std::uint32_t m_interest = 0;
    ByteBuffer m_out;
    QString m_error;
    EventLoop::TimerId m_lingerTimer = 0;
    std::unique_ptr<Connection> m_self; // owned by itself while lingering
};

} // namespace blueshift::net
