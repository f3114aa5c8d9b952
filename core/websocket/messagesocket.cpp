#include "messagesocket.h"

#include "closecode.h"
#include "frame.h"

#include "../net/random.h"

#include <cstring>

namespace blueshift::websocket {

using net::Connection;

MessageSocket::MessageSocket(std::unique_ptr<Connection> connection, Role role,
                             std::uint64_t maxMessageBytes, Handler *handler)
    : m_conn(std::move(connection))
    , m_role(role)
    , m_handler(handler)
    , m_checker(role == Role::Server ? Sender::Client : Sender::Server, maxMessageBytes)
{
    m_conn->setHandler(this);
}

MessageSocket::~MessageSocket()
{
    *m_alive = false;
    if (m_conn)
        m_conn->setHandler(nullptr);
}

void MessageSocket::start(net::ByteBuffer leftover)
{
    if (leftover.isEmpty())
        return;
    m_in = std::move(leftover);
    m_batching = true;
    const std::size_t used = process(m_in.data(), m_in.size());
    m_batching = false;
    if (!m_finished)
        m_in.consume(used);
    flushBatch();
}

void MessageSocket::appendFrame(Opcode opcode, bool fin, const std::uint8_t *payload,
                                std::size_t size)
{
    std::uint8_t header[14];
    std::uint8_t key[4];
    const bool masked = m_role == Role::Client;
    if (masked)
        net::fillRandom(key, 4);
    const std::size_t hl = writeFrameHeader(header, opcode, fin, size, masked ? key : nullptr);
    m_batch.append(header, hl);
    if (size) {
        std::uint8_t *dst = m_batch.reserveTail(size);
        std::memcpy(dst, payload, size);
        if (masked)
            applyMask(dst, size, key);
        m_batch.commit(size);
    }
}

void MessageSocket::flushBatch()
{
    if (m_batch.isEmpty() || !m_conn) {
        m_batch.clear();
        return;
    }
    m_conn->write(m_batch.data(), m_batch.size());
    m_batch.clear();
    m_batch.shrinkIfEmpty(64 * 1024);
}

void MessageSocket::send(Opcode opcode, const QByteArray &payload)
{
    if (!m_conn || m_closeSent)
        return;
    appendFrame(opcode, true, reinterpret_cast<const std::uint8_t *>(payload.constData()),
                std::size_t(payload.size()));
    if (!m_batching)
        flushBatch();
}

void MessageSocket::close(int code, const QByteArray &reason)
{
    if (!m_conn || m_closeSent)
        return;
    std::uint8_t payload[125];
    std::size_t len = 0;
    if (code) {
        payload[0] = std::uint8_t(code >> 8);
        payload[1] = std::uint8_t(code);
        const QByteArray r = clampCloseReason(reason);
        std::memcpy(payload + 2, r.constData(), std::size_t(r.size()));
        len = 2 + std::size_t(r.size());
    }
    appendFrame(Opcode::Close, true, payload, len);
    m_closeSent = true;
    if (!m_batching)
        flushBatch();
}

void MessageSocket::onReadable(Connection &conn)
{
    auto alive = m_alive;
    for (;;) {
        std::uint8_t *dst = m_in.reserveTail(64 * 1024);
        const long n = conn.read(dst, m_in.tailRoom());
        if (n == Connection::WouldBlock)
            return;
        if (n <= 0) {
            finish(CloseCode::Abnormal, QByteArray(), true);
            return;
        }
        m_in.commit(std::size_t(n));
        m_batching = true;
        const std::size_t used = process(m_in.data(), m_in.size());
        m_batching = false;
        if (!*alive)
            return;
        if (m_finished)
            return;
        m_in.consume(used);
        flushBatch();
        if (!m_conn)
            return;
    }
}

void MessageSocket::onFailed(Connection &, const QString &)
{
    finish(CloseCode::Abnormal, QByteArray(), true);
}

std::size_t MessageSocket::process(std::uint8_t *data, std::size_t size)
{
    std::size_t pos = 0;
    auto alive = m_alive;
    while (size - pos >= 2 && !m_finished) {
        FrameHeader h;
        const HeaderStatus hs = parseFrameHeader(data + pos, size - pos, &h);
        if (hs == HeaderStatus::NeedMore)
            break;
        if (hs == HeaderStatus::BadLength) {
            fail(CloseCode::ProtocolError, "invalid payload length");
            return pos;
        }
        if (!(pos == 0 && m_headerChecked)) {
            if (const Violation v = m_checker.checkHeader(h)) {
                fail(v.closeCode, v.reason);
                return pos;
            }
        }
        const std::uint64_t total = h.headerLength + h.payloadLength;
        if (size - pos < total) {
            m_headerChecked = true;
            break;
        }
        m_headerChecked = false;
        std::uint8_t *payload = data + pos + h.headerLength;
        const std::size_t len = std::size_t(h.payloadLength);
        if (h.masked)
            applyMask(payload, len, h.maskKey);
        pos += std::size_t(total);

        switch (static_cast<Opcode>(h.opcode)) {
        case Opcode::Ping:
            if (!m_closeSent)
                appendFrame(Opcode::Pong, true, payload, len);
            continue;
        case Opcode::Pong:
            m_handler->onPong(*this,
                              QByteArray(reinterpret_cast<const char *>(payload), qsizetype(len)));
            if (!*alive)
                return pos;
            continue;
        case Opcode::Close: {
            ClosePayload cp;
            const ClosePayloadError err = parseClosePayload(payload, len, &cp);
            if (err != ClosePayloadError::None) {
                fail(errorCloseCode(err), "invalid close frame");
                return pos;
            }
            if (!m_closeSent)
                close(cp.code == CloseCode::NoStatusReceived ? 0 : cp.code);
            finish(cp.code, cp.reason, true);
            return pos;
        }
        default:
            break;
        }
        const bool text = m_checker.isTextPayload(h);
        if (const Violation v = m_checker.checkPayload(h, payload, len)) {
            fail(v.closeCode, v.reason);
            return pos;
        }
        if (m_closeSent)
            continue; // closing: data is discarded
        if (m_echo) {
            appendFrame(static_cast<Opcode>(h.opcode), h.fin, payload, len);
            continue;
        }
        if (h.opcode != std::uint8_t(Opcode::Continuation))
            m_messageText = text;
        if (h.fin && m_message.isEmpty()) {
            m_handler->onMessage(
                *this, text, QByteArray(reinterpret_cast<const char *>(payload), qsizetype(len)));
            if (!*alive)
                return pos;
            continue;
        }
        m_message.append(reinterpret_cast<const char *>(payload), qsizetype(len));
        if (h.fin) {
            const QByteArray message = std::move(m_message);
            m_message = QByteArray();
            m_handler->onMessage(*this, m_messageText, message);
            if (!*alive)
                return pos;
        }
    }
    return pos;
}

void MessageSocket::fail(int code, const char *reason)
{
    close(code, QByteArray(reason));
    finish(code, QByteArray(reason), false);
}

void MessageSocket::finish(int code, const QByteArray &reason, bool byPeer)
{
    if (m_finished)
        return;
    m_finished = true;
    flushBatch();
    if (m_conn) {
        if (m_conn->isOpen())
            Connection::linger(std::move(m_conn));
        else
            m_conn->loop().defer([c = m_conn.release()] { delete c; });
    }
    m_handler->onClosed(*this, code, reason, byPeer);
}

} // namespace blueshift::websocket
