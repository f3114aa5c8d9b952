#include "loadclient.h"

#include "http/httpmessage.h"
#include "net/random.h"
#include "websocket/clienthandshake.h"
#include "websocket/frame.h"

#include <QString> // QByteArray concatenation goes through QStringBuilder

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace blueshift::bench {

using namespace blueshift::websocket;

namespace {
// One read buffer for every client: the generator is single-threaded, and payloads are only
// skipped, never kept.
constexpr std::size_t kScratchSize = 256 * 1024;
std::uint8_t g_scratch[kScratchSize];

constexpr std::size_t kMaxHandshakeResponse = 16 * 1024;
constexpr int kMaxIov = 64;

QByteArray errnoText(const char *what, int err)
{
    return QByteArray(what) + ": " + std::strerror(err);
}
} // namespace

FrameSet::FrameSet(std::size_t payloadSize, bool binary, int variants)
    : m_payloadSize(payloadSize)
    , m_opcode(std::uint8_t(binary ? Opcode::Binary : Opcode::Text))
{
    std::vector<std::uint8_t> payload(payloadSize);
    if (binary) {
        net::fillRandom(payload.data(), payload.size());
    } else {
        // JSON-shaped ASCII, like most realtime traffic, so text frames take the relay's fast
        // UTF-8 path exactly as production messages would.
        static const char prefix[] = "{\"type\":\"bench\",\"data\":\"";
        for (std::size_t i = 0; i < payloadSize; ++i)
            payload[i] = std::uint8_t('a' + i % 26);
        if (payloadSize >= sizeof prefix + 2) {
            std::memcpy(payload.data(), prefix, sizeof prefix - 1);
            payload[payloadSize - 2] = '"';
            payload[payloadSize - 1] = '}';
        }
    }
    for (int v = 0; v < std::max(1, variants); ++v) {
        std::uint8_t key[4];
        net::fillRandom(key, sizeof key);
        std::uint8_t header[14];
        const std::size_t hl = writeFrameHeader(header, Opcode(m_opcode), true, payloadSize, key);
        std::vector<std::uint8_t> frame(hl + payloadSize);
        std::memcpy(frame.data(), header, hl);
        if (payloadSize) {
            std::memcpy(frame.data() + hl, payload.data(), payloadSize);
            applyMask(frame.data() + hl, payloadSize, key);
        }
        m_frames.push_back(std::move(frame));
    }
}

LoadClient::LoadClient(net::EventLoop &loop, const FrameSet &frames, Listener *listener)
    : m_loop(loop)
    , m_frames(frames)
    , m_listener(listener)
{}

LoadClient::~LoadClient()
{
    close();
}

bool LoadClient::start(const net::SocketAddress &address, const QByteArray &hostHeader,
                       const QByteArray &target, const net::SocketAddress *source)
{
    m_startTime = net::EventLoop::Clock::now();
    m_fd = ::socket(address.get()->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (m_fd < 0) {
        fail(errnoText("socket", errno));
        return false;
    }
    // Latency mode sends one small frame at a time; Nagle would hold it back.
    const int one = 1;
    ::setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (source) {
        // The port is left to connect(), which can share it between destinations.
        ::setsockopt(m_fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        if (::bind(m_fd, source->get(), source->length) < 0) {
            fail(errnoText("bind", errno));
            return false;
        }
    }
    if (::connect(m_fd, address.get(), address.length) < 0 && errno != EINPROGRESS) {
        fail(errnoText("connect", errno));
        return false;
    }
    websocket::ClientHandshakeOptions options;
    options.target = target;
    options.hostHeader = hostHeader;
    options.userAgent = QByteArrayLiteral("blueshift-wsload");
    const websocket::ClientHandshake handshake(std::move(options));
    m_key = handshake.key();
    m_request = handshake.request();
    m_state = State::Connecting;
    m_interest = EPOLLOUT;
    m_loop.watch(m_fd, m_interest, this);
    return true;
}

void LoadClient::setInterest(std::uint32_t events)
{
    if (events == m_interest || m_fd < 0)
        return;
    m_interest = events;
    m_loop.rewatch(m_fd, events, this);
}

void LoadClient::close()
{
    if (m_fd >= 0) {
        m_loop.unwatch(m_fd);
        ::close(m_fd);
        m_fd = -1;
    }
    m_state = State::Closed;
}

void LoadClient::closeSession()
{
    if (m_state != State::Open)
        return;
    // A masked close frame with code 1000 (normal closure).
    std::uint8_t frame[14 + 2];
    std::uint8_t key[4];
    net::fillRandom(key, sizeof key);
    const std::size_t hl = writeFrameHeader(frame, Opcode::Close, true, 2, key);
    frame[hl] = std::uint8_t(1000 >> 8);
    frame[hl + 1] = std::uint8_t(1000 & 0xff);
    applyMask(frame + hl, 2, key);
    const std::size_t size = hl + 2;
    ssize_t n;
    do {
        n = ::send(m_fd, frame, size, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    // An open session with nothing in flight has an empty send buffer: a few bytes always fit.
    if (n != ssize_t(size)) {
        fail(n < 0 ? errnoText("send", errno) : QByteArray("close frame not written at once"));
        return;
    }
    m_state = State::Closing;
    setInterest(EPOLLIN);
}

void LoadClient::fail(const QByteArray &why)
{
    if (m_state == State::Closed)
        return;
    close();
    m_listener->onFailed(*this, why);
}

void LoadClient::send(std::uint64_t count)
{
    if (m_state == State::Closed || count == 0)
        return;
    m_queued += count;
    m_sent += count;
    m_lastSend = net::EventLoop::Clock::now();
    if (m_state == State::Open)
        flush();
}

void LoadClient::flush()
{
    const std::size_t frameSize = m_frames.frameSize();
    const int variants = m_frames.variants();
    while (m_queued > 0) {
        iovec iov[kMaxIov];
        int n = 0;
        int variant = m_nextVariant;
        std::size_t offset = m_headOffset;
        std::size_t attempted = 0;
        for (std::uint64_t left = m_queued; n < kMaxIov && left > 0; --left, ++n) {
            iov[n].iov_base = const_cast<std::uint8_t *>(m_frames.frame(variant)) + offset;
            iov[n].iov_len = frameSize - offset;
            attempted += iov[n].iov_len;
            offset = 0;
            variant = (variant + 1) % variants;
        }
        msghdr msg{};
        msg.msg_iov = iov;
        msg.msg_iovlen = std::size_t(n);
        const ssize_t written = ::sendmsg(m_fd, &msg, MSG_NOSIGNAL);
        if (written < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            fail(errnoText("send", errno));
            return;
        }
        std::size_t left = std::size_t(written);
        while (left > 0) {
            const std::size_t rest = frameSize - m_headOffset;
            if (left < rest) {
                m_headOffset += left;
                break;
            }
            left -= rest;
            m_headOffset = 0;
            --m_queued;
            m_nextVariant = (m_nextVariant + 1) % variants;
        }
        // A short write means the socket buffer is full: wait for EPOLLOUT rather than
        // spending a syscall on EAGAIN.
        if (std::size_t(written) < attempted)
            break;
    }
    setInterest(EPOLLIN | (m_queued > 0 ? std::uint32_t(EPOLLOUT) : 0u));
}

void LoadClient::handleEvents(std::uint32_t events)
{
    switch (m_state) {
    case State::Idle:
    case State::Closed:
        return;
    case State::Connecting: {
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(m_fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) {
            fail(errnoText("connect", err));
            return;
        }
        m_state = State::Handshaking;
        [[fallthrough]];
    }
    case State::Handshaking:
        if (m_requestWritten < std::size_t(m_request.size())) {
            const ssize_t n =
                ::send(m_fd, m_request.constData() + m_requestWritten,
                       std::size_t(m_request.size()) - m_requestWritten, MSG_NOSIGNAL);
            if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                fail(errnoText("send", errno));
                return;
            }
            if (n > 0)
                m_requestWritten += std::size_t(n);
            const bool done = m_requestWritten == std::size_t(m_request.size());
            setInterest(done ? std::uint32_t(EPOLLIN) : std::uint32_t(EPOLLOUT));
            return;
        }
        if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
            readHandshake();
        return;
    case State::Open:
        if (events & EPOLLOUT) {
            flush();
            if (m_state != State::Open)
                return;
        }
        if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
            readFrames();
        return;
    case State::Closing:
        if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
            readFrames();
        return;
    }
}

void LoadClient::readHandshake()
{
    for (;;) {
        char buf[4096];
        const ssize_t n = ::recv(m_fd, buf, sizeof buf, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            fail(errnoText("recv", errno));
            return;
        }
        if (n == 0) {
            fail("connection closed during the opening handshake");
            return;
        }
        m_head.append(buf, n);
        if (m_head.size() > qsizetype(kMaxHandshakeResponse)) {
            fail("handshake response too large");
            return;
        }
    }
    http::Response response;
    std::size_t consumed = 0;
    const http::ParseResult r =
        http::parseResponseHead(m_head.constData(), std::size_t(m_head.size()),
                                kMaxHandshakeResponse, &response, &consumed);
    if (r == http::ParseResult::NeedMore)
        return;
    if (r != http::ParseResult::Complete) {
        fail("malformed handshake response");
        return;
    }
    if (const auto failure = websocket::ClientHandshake::check(response, m_key);
        failure != websocket::HandshakeFailure::None) {
        fail(websocket::handshakeFailureText(failure, response).toUtf8());
        return;
    }
    m_state = State::Open;
    const QByteArray leftover = m_head.mid(qsizetype(consumed));
    m_head = QByteArray();
    m_request = QByteArray();
    setInterest(EPOLLIN | (m_queued > 0 ? std::uint32_t(EPOLLOUT) : 0u));
    m_listener->onOpen(*this);
    if (m_state != State::Open)
        return;
    std::uint64_t messages = 0;
    if (!consume(reinterpret_cast<const std::uint8_t *>(leftover.constData()),
                 std::size_t(leftover.size()), &messages))
        return;
    if (messages) {
        m_received += messages;
        m_listener->onEchoes(*this, messages);
    }
}

void LoadClient::readFrames()
{
    std::uint64_t messages = 0;
    for (;;) {
        const ssize_t n = ::recv(m_fd, g_scratch, kScratchSize, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            fail(errnoText("recv", errno));
            return;
        }
        if (n == 0) {
            if (m_state == State::Closing && m_closeReceived) {
                close();
                m_listener->onClosed(*this);
                return;
            }
            fail("connection closed by the peer without a close frame");
            return;
        }
        if (!consume(g_scratch, std::size_t(n), &messages))
            return;
        // A short read drained the socket; level-triggered epoll reports the next data.
        if (std::size_t(n) < kScratchSize)
            break;
    }
    if (messages) {
        m_received += messages;
        m_listener->onEchoes(*this, messages);
    }
}

bool LoadClient::consume(const std::uint8_t *data, std::size_t size, std::uint64_t *messages)
{
    std::size_t pos = 0;
    while (pos < size) {
        if (m_skip > 0) {
            const std::size_t take = std::size_t(std::min<std::uint64_t>(m_skip, size - pos));
            if (m_inClose)
                m_closePayload.append(reinterpret_cast<const char *>(data + pos), qsizetype(take));
            pos += take;
            m_skip -= take;
            if (m_skip == 0 && m_frameCounts)
                ++*messages;
            if (m_skip == 0 && m_inClose) {
                if (!closeExpected())
                    return false;
            }
            continue;
        }
        // The header is parsed in place unless part of it came with the previous read.
        const std::size_t carried = m_headerBytes;
        const std::uint8_t *header = data + pos;
        std::size_t available = size - pos;
        if (carried > 0) {
            const std::size_t copy = std::min(sizeof m_header - carried, size - pos);
            std::memcpy(m_header + carried, data + pos, copy);
            header = m_header;
            available = carried + copy;
        }
        FrameHeader h;
        const HeaderStatus status = parseFrameHeader(header, available, &h);
        if (status == HeaderStatus::NeedMore) {
            if (carried == 0)
                std::memcpy(m_header, data + pos, size - pos);
            m_headerBytes = available;
            return true;
        }
        if (status == HeaderStatus::BadLength) {
            fail("frame with an invalid length");
            return false;
        }
        pos += h.headerLength - carried;
        m_headerBytes = 0;
        if (h.masked) {
            fail("masked frame from the server");
            return false;
        }
        if (h.opcode == std::uint8_t(Opcode::Close)) {
            m_inClose = true;
            m_frameCounts = false;
            m_skip = h.payloadLength;
            if (m_skip == 0 && !closeExpected())
                return false;
            continue;
        }
        m_frameCounts = !isControlOpcode(h.opcode);
        if (m_frameCounts && (h.opcode != m_frames.opcode() || !h.fin ||
                              h.payloadLength != m_frames.payloadSize())) {
            // An echo must come back as it was sent; anything else means a broken proxy.
            fail("unexpected frame: opcode " + QByteArray::number(h.opcode) + ", " +
                 QByteArray::number(qulonglong(h.payloadLength)) + " bytes");
            return false;
        }
        m_skip = h.payloadLength;
        if (m_skip == 0 && m_frameCounts)
            ++*messages;
    }
    return true;
}

bool LoadClient::closeExpected()
{
    if (m_state != State::Closing) {
        failWithClose();
        return false;
    }
    // The answer to closeSession(): the end of stream follows.
    m_closeReceived = true;
    m_inClose = false;
    m_closePayload.clear();
    return true;
}

void LoadClient::failWithClose()
{
    QByteArray why = "the server closed the session";
    if (m_closePayload.size() >= 2) {
        const int code = (std::uint8_t(m_closePayload[0]) << 8) | std::uint8_t(m_closePayload[1]);
        why += ": " + QByteArray::number(code) + ' ' + m_closePayload.mid(2);
    }
    fail(why);
}

} // namespace blueshift::bench
