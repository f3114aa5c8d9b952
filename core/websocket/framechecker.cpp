#include "framechecker.h"

#include "closecode.h"

namespace blueshift::websocket {

Violation FrameChecker::checkHeader(const FrameHeader &h)
{
    if (m_sender == Sender::Client && !h.masked)
        return {CloseCode::ProtocolError, "client frame not masked"};
    if (m_sender == Sender::Server && h.masked)
        return {CloseCode::ProtocolError, "server frame masked"};
    if (h.rsv != 0)
        return {CloseCode::ProtocolError, "reserved bits set without an extension"};

    switch (static_cast<Opcode>(h.opcode)) {
    case Opcode::Close:
    case Opcode::Ping:
    case Opcode::Pong:
        if (!h.fin)
            return {CloseCode::ProtocolError, "fragmented control frame"};
        if (h.payloadLength > 125)
            return {CloseCode::ProtocolError, "control frame payload over 125 bytes"};
        return {};
    case Opcode::Text:
    case Opcode::Binary:
        if (m_messageOpcode != 0)
            return {CloseCode::ProtocolError, "new message inside a fragmented message"};
        if (h.payloadLength > m_maxMessageBytes)
            return {CloseCode::MessageTooBig, "message exceeds the size limit"};
        m_messageBytes = h.payloadLength;
        m_utf8.reset();
        if (!h.fin)
            m_messageOpcode = h.opcode;
        return {};
    case Opcode::Continuation:
        if (m_messageOpcode == 0)
            return {CloseCode::ProtocolError, "continuation frame without a message"};
        if (h.payloadLength > m_maxMessageBytes - m_messageBytes)
            return {CloseCode::MessageTooBig, "message exceeds the size limit"};
        m_messageBytes += h.payloadLength;
        return {};
    }
    return {CloseCode::ProtocolError, "reserved opcode"};
}

Violation FrameChecker::checkPayload(const FrameHeader &h, const std::uint8_t *payload,
                                     std::size_t size, bool last)
{
    if (isControlOpcode(h.opcode))
        return {};
    const bool text = isTextPayload(h);
    if (text && !m_utf8.feed(payload, size))
        return {CloseCode::InvalidPayload, "invalid UTF-8 in text message"};
    return endOfPiece(h, text, last);
}

Violation FrameChecker::remaskPayload(const FrameHeader &h, std::uint8_t *payload, std::size_t size,
                                      const std::uint8_t newKey[4])
{
    if (!isTextPayload(h)) {
        std::uint8_t both[4];
        for (int i = 0; i < 4; ++i)
            both[i] = h.maskKey[i] ^ newKey[i];
        applyMask(payload, size, both);
        return isControlOpcode(h.opcode) ? Violation{} : endOfPiece(h, false, true);
    }
    if (!remaskText(payload, size, h.maskKey, newKey, m_utf8))
        return {CloseCode::InvalidPayload, "invalid UTF-8 in text message"};
    return endOfPiece(h, true, true);
}

Violation FrameChecker::endOfPiece(const FrameHeader &h, bool text, bool last)
{
    if (last && h.fin) {
        if (text && !m_utf8.isComplete())
            return {CloseCode::InvalidPayload, "text message ends inside a UTF-8 sequence"};
        m_messageOpcode = 0;
        m_messageBytes = 0;
    }
    return {};
}

} // namespace blueshift::websocket
