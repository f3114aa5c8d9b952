#pragma once

#include "frame.h"
#include "utf8validator.h"

#include <cstdint>

namespace blueshift::websocket {

// Who sent the frames this checker sees; RFC 6455 requires clients to mask and servers not to.
enum class Sender { Client, Server };

struct Violation
{
    int closeCode = 0; // 0: no violation
    const char *reason = "";
    explicit operator bool() const { return closeCode != 0; }
};

// Applies RFC 6455's rules to one direction of a connection, frame by frame, so that a relay can
// forward frames as they come without reassembling messages: masking, RSV bits and opcodes
// (1002), control frame limits and fragmentation order (1002), the message size limit (1009,
// decided from the header before any payload is buffered) and UTF-8 in text messages (1007).
class FrameChecker
{
public:
    FrameChecker(Sender sender, std::uint64_t maxMessageBytes)
        : m_sender(sender)
        , m_maxMessageBytes(maxMessageBytes)
    {}

    // Call once per frame header, before its payload is read or buffered.
    Violation checkHeader(const FrameHeader &header);

    // Call with the unmasked payload of the frame last passed to checkHeader (possibly in
    // several pieces; `last` on the piece that ends the frame). Close frames are checked by
    // parseClosePayload instead.
    Violation checkPayload(const FrameHeader &header, const std::uint8_t *payload, std::size_t size,
                           bool last = true);

    // A relay's checkPayload for a whole client frame (not a close frame) whose payload is still
    // masked with header.maskKey: leaves it masked with `newKey` instead. Text is unmasked,
    // validated and re-masked in one pass (remaskText); other payloads take one XOR.
    Violation remaskPayload(const FrameHeader &header, std::uint8_t *payload, std::size_t size,
                            const std::uint8_t newKey[4]);

    // After checkHeader: does this frame carry (part of) a text message?
    bool isTextPayload(const FrameHeader &h) const
    {
        return h.opcode == std::uint8_t(Opcode::Text) ||
               (h.opcode == std::uint8_t(Opcode::Continuation) &&
                m_messageOpcode == std::uint8_t(Opcode::Text));
    }

    bool inFragmentedMessage() const { return m_messageOpcode != 0; }
    std::uint64_t maxMessageBytes() const { return m_maxMessageBytes; }

private:
    Violation endOfPiece(const FrameHeader &header, bool text, bool last);

    Sender m_sender;
    std::uint64_t m_maxMessageBytes;
    std::uint8_t m_messageOpcode = 0; // Text or Binary while a fragmented message is open
    std::uint64_t m_messageBytes = 0;
    Utf8Validator m_utf8;
};

} // namespace blueshift::websocket
