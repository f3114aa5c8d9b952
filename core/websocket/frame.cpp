#include "frame.h"

#include <cstring>

namespace blueshift::websocket {

HeaderStatus parseFrameHeader(const std::uint8_t *data, std::size_t size, FrameHeader *out)
{
    if (size < 2)
        return HeaderStatus::NeedMore;
    const std::uint8_t b0 = data[0];
    const std::uint8_t b1 = data[1];
    out->fin = b0 & 0x80;
    out->rsv = (b0 >> 4) & 0x7;
    out->opcode = b0 & 0x0F;
    out->masked = b1 & 0x80;
    std::size_t pos = 2;
    std::uint64_t length = b1 & 0x7F;
    if (length == 126) {
        if (size < pos + 2)
            return HeaderStatus::NeedMore;
        length = (std::uint64_t(data[2]) << 8) | data[3];
        pos += 2;
    } else if (length == 127) {
        if (size < pos + 8)
            return HeaderStatus::NeedMore;
        length = 0;
        for (int i = 0; i < 8; ++i)
            length = (length << 8) | data[pos + i];
        pos += 8;
        if (length >> 63)
            return HeaderStatus::BadLength;
    }
    if (out->masked) {
        if (size < pos + 4)
            return HeaderStatus::NeedMore;
        std::memcpy(out->maskKey, data + pos, 4);
        pos += 4;
    }
    out->payloadLength = length;
    out->headerLength = static_cast<std::uint8_t>(pos);
    return HeaderStatus::Complete;
}

std::size_t writeFrameHeader(std::uint8_t *out, Opcode opcode, bool fin, std::uint64_t length,
                             const std::uint8_t *maskKey)
{
    out[0] = static_cast<std::uint8_t>((fin ? 0x80 : 0) | static_cast<std::uint8_t>(opcode));
    const std::uint8_t maskBit = maskKey ? 0x80 : 0;
    std::size_t pos = 2;
    if (length < 126) {
        out[1] = maskBit | static_cast<std::uint8_t>(length);
    } else if (length <= 0xFFFF) {
        out[1] = maskBit | 126;
        out[2] = static_cast<std::uint8_t>(length >> 8);
        out[3] = static_cast<std::uint8_t>(length);
        pos = 4;
    } else {
        out[1] = maskBit | 127;
        for (int i = 0; i < 8; ++i)
            out[2 + i] = static_cast<std::uint8_t>(length >> (56 - 8 * i));
        pos = 10;
    }
    if (maskKey) {
        std::memcpy(out + pos, maskKey, 4);
        pos += 4;
    }
    return pos;
}

void applyMask(std::uint8_t *data, std::size_t size, const std::uint8_t key[4], std::size_t offset)
{
    // Rotate the key so that rotated[0] applies to data[0].
    std::uint8_t rotated[8];
    for (int i = 0; i < 8; ++i)
        rotated[i] = key[(offset + i) & 3];
    std::uint64_t wide;
    std::memcpy(&wide, rotated, 8);
    std::size_t i = 0;
    for (; i + 32 <= size; i += 32) {
        std::uint64_t w[4];
        std::memcpy(w, data + i, 32);
        w[0] ^= wide;
        w[1] ^= wide;
        w[2] ^= wide;
        w[3] ^= wide;
        std::memcpy(data + i, w, 32);
    }
    for (; i + 8 <= size; i += 8) {
        std::uint64_t w;
        std::memcpy(&w, data + i, 8);
        w ^= wide;
        std::memcpy(data + i, &w, 8);
    }
    for (; i < size; ++i)
        data[i] ^= rotated[i & 7];
}

} // namespace blueshift::websocket
