#include "connection.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace blueshift::net {

namespace {
QString systemError(const char *what, int err)
{
    return QString::fromLatin1(what) + QStringLiteral(": ") +
           QString::fromLocal8Bit(std::strerror(err));
}

QString openSslErrors()
{
    QString out;
    while (const unsigned long e = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        if (!out.isEmpty())
            out += QStringLiteral("; ");
        out += QString::fromLatin1(buf);
    }
    return out;
}
} // namespace

Connection::Connection(EventLoop &loop, int fd, Handler *handler)
    : m_loop(loop)
    , m_handler(handler)
    , m_fd(fd)
    , m_state(State::Open)
{
    const int one = 1;
    ::setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    m_interest = EPOLLIN;
    m_loop.watch(m_fd, m_interest, this);
}

Connection::~Connection()
{
    if (m_lingering)
        m_loop.release(this);
    close();
}

std::unique_ptr<Connection> Connection::connectTo(EventLoop &loop, const sockaddr *addr,
                                                  socklen_t addrLen, Handler *handler,
                                                  QString *error)
{
    const int fd = ::socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        *error = systemError("socket", errno);
        return nullptr;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd, addr, addrLen) < 0 && errno != EINPROGRESS) {
        *error = systemError("connect", errno);
        ::close(fd);
        return nullptr;
    }
    std::unique_ptr<Connection> c(new Connection(loop, fd, handler));
    // Connected or not, completion is reported by EPOLLOUT, which keeps one code path.
    c->m_state = State::Connecting;
    c->updateInterest();
    return c;
}

bool Connection::startTls(SSL_CTX *context, bool serverSide, const QByteArray &serverName,
                          QString *error)
{
    m_ssl = SSL_new(context);
    if (!m_ssl) {
        *error = QStringLiteral("TLS: ") + openSslErrors();
        return false;
    }
    SSL_set_fd(m_ssl, m_fd);
    // Partial writes and a moving buffer let the pending output live in m_out.
    SSL_set_mode(m_ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                            SSL_MODE_RELEASE_BUFFERS);
    if (serverSide) {
        SSL_set_accept_state(m_ssl);
    } else {
        SSL_set_connect_state(m_ssl);
        if (!serverName.isEmpty()) {
            SSL_set_tlsext_host_name(m_ssl, serverName.constData());
            // Host names and IP literals are both checked against the certificate.
            if (X509_VERIFY_PARAM *param = SSL_get0_param(m_ssl);
                X509_VERIFY_PARAM_set1_ip_asc(param, serverName.constData()) != 1) {
                SSL_set_hostflags(m_ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
                SSL_set1_host(m_ssl, serverName.constData());
            }
        }
    }
    if (m_state == State::Open) {
        m_state = State::TlsHandshaking;
        continueTlsHandshake();
    }
    return true;
}

void Connection::updateInterest()
{
    if (m_state == State::Closed)
        return;
    std::uint32_t want = 0;
    switch (m_state) {
    case State::Connecting:
        want = EPOLLOUT;
        break;
    case State::TlsHandshaking:
        want = m_tlsWantsWrite ? EPOLLOUT : EPOLLIN;
        break;
    case State::Open:
        if (m_reading || m_lingering)
            want |= EPOLLIN;
        if (!m_out.isEmpty() || m_tlsWantsWrite)
            want |= EPOLLOUT;
        break;
    case State::Closed:
        break;
    }
    if (m_parked) {
        if (!m_reading && !m_lingering)
            return;
        m_parked = false;
        m_interest = want;
        m_loop.watch(m_fd, want, this);
        return;
    }
    if (want != m_interest) {
        m_interest = want;
        m_loop.rewatch(m_fd, want, this);
    }
}

void Connection::setReading(bool reading)
{
    if (reading == m_reading)
        return;
    m_reading = reading;
    updateInterest();
    // Records TLS already decrypted do not make the socket readable again: deliver them.
    if (reading && m_ssl && m_state == State::Open && SSL_has_pending(m_ssl)) {
        m_loop.defer([this] {
            if (m_state == State::Open && m_reading && m_handler)
                m_handler->onReadable(*this);
        });
    }
}

QString Connection::tlsError(int sslError, int ret)
{
    if (sslError == SSL_ERROR_SYSCALL && ret == 0 && ERR_peek_error() == 0)
        return QStringLiteral("TLS: connection closed by peer");
    if (sslError == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)
        return systemError("TLS", errno);
    QString details = openSslErrors();
    if (const long verify = SSL_get_verify_result(m_ssl); verify != X509_V_OK)
        details = QString::fromLatin1(X509_verify_cert_error_string(verify)) +
                  QStringLiteral(" (") + details + QLatin1Char(')');
    return QStringLiteral("TLS: ") + details;
}

void Connection::continueTlsHandshake()
{
    ERR_clear_error();
    const int ret = SSL_do_handshake(m_ssl);
    if (ret == 1) {
        m_tlsWantsWrite = false;
        m_state = State::Open;
        updateInterest();
        if (m_handler)
            m_handler->onConnected(*this);
        if (m_state == State::Open && !m_out.isEmpty())
            flush();
        if (m_state == State::Open && SSL_has_pending(m_ssl)) {
            m_loop.defer([this] {
                if (m_state == State::Open && m_reading && m_handler)
                    m_handler->onReadable(*this);
            });
        }
        return;
    }
    const int err = SSL_get_error(m_ssl, ret);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
        m_tlsWantsWrite = err == SSL_ERROR_WANT_WRITE;
        updateInterest();
        return;
    }
    fail(tlsError(err, ret));
}

void Connection::finishConnect()
{
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(m_fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
        fail(systemError("connect", err));
        return;
    }
    if (m_ssl) {
        m_state = State::TlsHandshaking;
        continueTlsHandshake();
        return;
    }
    m_state = State::Open;
    updateInterest();
    if (m_handler)
        m_handler->onConnected(*this);
    if (m_state == State::Open && !m_out.isEmpty())
        flush();
}

long Connection::read(std::uint8_t *dst, std::size_t capacity)
{
    if (m_state != State::Open)
        return m_state == State::Closed ? Error : WouldBlock;
    if (!m_ssl) {
        for (;;) {
            const ssize_t n = ::recv(m_fd, dst, capacity, 0);
            if (n >= 0)
                return long(n);
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return WouldBlock;
            m_error = systemError("recv", errno);
            return Error;
        }
    }
    ERR_clear_error();
    const int n = SSL_read(m_ssl, dst, int(std::min<std::size_t>(capacity, 1 << 30)));
    if (n > 0)
        return n;
    const int err = SSL_get_error(m_ssl, n);
    switch (err) {
    case SSL_ERROR_WANT_READ:
        return WouldBlock;
    case SSL_ERROR_WANT_WRITE:
        m_tlsWantsWrite = true;
        updateInterest();
        return WouldBlock;
    case SSL_ERROR_ZERO_RETURN:
        return EndOfStream;
    case SSL_ERROR_SYSCALL:
        if (n == 0 && ERR_peek_error() == 0)
            return EndOfStream; // TCP FIN without close_notify; WebSocket has its own close
        [[fallthrough]];
    default:
        m_error = tlsError(err, n);
        return Error;
    }
}

bool Connection::write(const std::uint8_t *data, std::size_t size)
{
    if (m_state == State::Closed)
        return false;
    if (size == 0)
        return true;
    if (m_state != State::Open || !m_out.isEmpty() || m_tlsWantsWrite) {
        m_out.append(data, size);
        updateInterest();
        return true;
    }
    std::size_t done = 0;
    if (!m_ssl) {
        while (done < size) {
            const ssize_t n = ::send(m_fd, data + done, size - done, MSG_NOSIGNAL);
            if (n >= 0) {
                done += std::size_t(n);
                continue;
            }
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            fail(systemError("send", errno));
            return false;
        }
    } else {
        ERR_clear_error();
        const int n = SSL_write(m_ssl, data, int(std::min<std::size_t>(size, 1 << 30)));
        if (n > 0) {
            done = std::size_t(n);
        } else {
            const int err = SSL_get_error(m_ssl, n);
            if (err != SSL_ERROR_WANT_WRITE && err != SSL_ERROR_WANT_READ) {
                fail(tlsError(err, n));
                return false;
            }
        }
    }
    if (done < size) {
        m_out.append(data + done, size - done);
        updateInterest();
    }
    return true;
}

bool Connection::flush()
{
    while (!m_out.isEmpty()) {
        if (!m_ssl) {
            const ssize_t n = ::send(m_fd, m_out.data(), m_out.size(), MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK)
                    break;
                fail(systemError("send", errno));
                return false;
            }
            m_out.consume(std::size_t(n));
        } else {
            ERR_clear_error();
            const int n =
                SSL_write(m_ssl, m_out.data(), int(std::min<std::size_t>(m_out.size(), 1 << 30)));
            if (n <= 0) {
                const int err = SSL_get_error(m_ssl, n);
                if (err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_WANT_READ)
                    break;
                fail(tlsError(err, n));
                return false;
            }
            m_out.consume(std::size_t(n));
        }
    }
    // A large burst leaves a large block behind; an idle connection should hold none.
    m_out.shrinkIfEmpty();
    updateInterest();
    return true;
}

void Connection::handleEvents(std::uint32_t events)
{
    switch (m_state) {
    case State::Closed:
        return;
    case State::Connecting:
        finishConnect();
        return;
    case State::TlsHandshaking:
        continueTlsHandshake();
        return;
    case State::Open:
        break;
    }
    if (m_lingering) {
        lingerStep();
        return;
    }
    if (events & EPOLLOUT) {
        m_tlsWantsWrite = false;
        const bool hadOutput = !m_out.isEmpty();
        if (!flush())
            return;
        if (hadOutput && m_out.isEmpty() && m_handler)
            m_handler->onDrained(*this);
        if (m_state != State::Open)
            return;
    }
    if (!m_reading && (events & (EPOLLHUP | EPOLLERR))) {
        // epoll reports a hang-up whatever the interest, so a paused reader would spin: take
        // the socket out of epoll until reading resumes and finds the end of the stream.
        m_loop.unwatch(m_fd);
        m_parked = true;
        return;
    }
    if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && m_handler)
        m_handler->onReadable(*this);
}

void Connection::fail(const QString &error)
{
    m_error = error;
    close();
    if (m_lingering) {
        m_loop.defer([this] { m_self.reset(); });
        return;
    }
    if (m_handler)
        m_handler->onFailed(*this, error);
}

void Connection::close()
{
    if (m_state == State::Closed)
        return;
    m_state = State::Closed;
    if (m_lingering)
        s_lingering.fetch_sub(1, std::memory_order_relaxed);
    if (m_lingerTimer) {
        m_loop.cancelTimer(m_lingerTimer);
        m_lingerTimer = 0;
    }
    m_loop.unwatch(m_fd);
    if (m_ssl) {
        SSL_free(m_ssl);
        m_ssl = nullptr;
    }
    ::close(m_fd);
    m_fd = -1;
    m_out.release();
}

void Connection::linger(std::unique_ptr<Connection> connection, std::chrono::milliseconds timeout)
{
    Connection *c = connection.get();
    if (!c)
        return;
    c->m_handler = nullptr;
    if (c->m_state != State::Open) {
        c->close();
        c->m_loop.defer([owned = connection.release()] { delete owned; });
        return;
    }
    c->m_self = std::move(connection);
    c->m_loop.adopt(c, [c] {
        c->close();
        c->m_self.reset();
    });
    c->m_lingering = true;
    s_lingering.fetch_add(1, std::memory_order_relaxed);
    c->m_lingerTimer = c->m_loop.startTimer(timeout, [c] {
        c->m_lingerTimer = 0;
        c->close();
        c->m_self.reset();
    });
    c->updateInterest();
    c->lingerStep();
}

void Connection::lingerStep()
{
    if (!m_out.isEmpty()) {
        if (!flush() || !m_out.isEmpty())
            return;
    }
    if (m_fd >= 0 && !m_tlsWantsWrite) {
        if (m_ssl && !(SSL_get_shutdown(m_ssl) & SSL_SENT_SHUTDOWN)) {
            ERR_clear_error();
            SSL_shutdown(m_ssl);
        }
        ::shutdown(m_fd, SHUT_WR);
    }
    // Discard whatever arrives until the peer closes too.
    std::uint8_t sink[4096];
    for (;;) {
        const ssize_t n = ::recv(m_fd, sink, sizeof sink, 0);
        if (n > 0)
            continue;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        break; // EOF or error
    }
    close();
    m_loop.defer([this] { m_self.reset(); });
}

} // namespace blueshift::net
