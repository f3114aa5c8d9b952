#pragma once

#include <cstddef>
#include <cstdint>

namespace blueshift::websocket {

class Utf8Validator;

enum class Opcode : std::uint8_t {
    Continuation = 0x0,
    Text = 0x1,
    Binary = 0x2,
    Close = 0x8,
    Ping = 0x9,
    Pong = 0xA,
};

inline bool isControlOpcode(std::uint8_t opcode)
{
    return opcode & 0x8;
}

// The fixed part of a frame, as decoded from the wire (RFC 6455 section 5.2).
struct FrameHeader
{
    bool fin = false;
    std::uint8_t rsv = 0; // the three RSV bits, shifted down
    std::uint8_t opcode = 0;
    bool masked = false;
    std::uint8_t maskKey[4] = {0, 0, 0, 0};
    std::uint64_t payloadLength = 0;
    std::uint8_t headerLength = 0; // 2 to 14 bytes
};

enum class HeaderStatus {
    Complete,
    NeedMore,
    BadLength, // 64-bit length with the most significant bit set
};

// Decodes a frame header from the first bytes of `data`. Never reads past `size`.
HeaderStatus parseFrameHeader(const std::uint8_t *data, std::size_t size, FrameHeader *out);

// Encodes a header; returns its length (2 to 14). `out` must hold 14 bytes.
std::size_t writeFrameHeader(std::uint8_t *out, Opcode opcode, bool fin, std::uint64_t length,
                             const std::uint8_t *maskKey /* nullptr: unmasked */);

// XORs `data` with the 4-byte key, as if `data` started `offset` bytes into the payload.
// 16 bytes at a time (SSE2; eight without it): masking is on the relay's hot path.
void applyMask(std::uint8_t *data, std::size_t size, const std::uint8_t key[4],
               std::size_t offset = 0);

// A relay's pass over a client's text payload: `data` arrives masked with `from` and leaves
// masked with `to`, and `validator` is fed the unmasked bytes, touching each byte once. Blocks
// that are all ASCII (and do not continue a sequence) are re-masked with one XOR; any other
// block is unmasked, fed to the validator and masked again. Returns what validator.feed()
// would; after false, `data` holds unspecified bytes.
bool remaskText(std::uint8_t *data, std::size_t size, const std::uint8_t from[4],
                const std::uint8_t to[4], Utf8Validator &validator, std::size_t offset = 0);

} // namespace blueshift::websocket
