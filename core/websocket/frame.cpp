#include "frame.h"

#include "utf8validator.h"

#include <cstring>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

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

namespace {
// The key rotated so that out[0] applies to the byte `offset` bytes into the payload, repeated
// to fill 16 bytes.
void rotatedKey(std::uint8_t out[16], const std::uint8_t key[4], std::size_t offset)
{
    for (std::size_t i = 0; i < 16; ++i)
        out[i] = key[(offset + i) & 3];
}
} // namespace

void applyMask(std::uint8_t *data, std::size_t size, const std::uint8_t key[4], std::size_t offset)
{
    std::uint8_t rotated[16];
    rotatedKey(rotated, key, offset);
    std::size_t i = 0;
#ifdef __SSE2__
    const __m128i k = _mm_loadu_si128(reinterpret_cast<const __m128i *>(rotated));
    auto *v = reinterpret_cast<__m128i *>(data);
    for (; i + 64 <= size; i += 64, v += 4) {
        const __m128i a = _mm_loadu_si128(v);
        const __m128i b = _mm_loadu_si128(v + 1);
        const __m128i c = _mm_loadu_si128(v + 2);
        const __m128i d = _mm_loadu_si128(v + 3);
        _mm_storeu_si128(v, _mm_xor_si128(a, k));
        _mm_storeu_si128(v + 1, _mm_xor_si128(b, k));
        _mm_storeu_si128(v + 2, _mm_xor_si128(c, k));
        _mm_storeu_si128(v + 3, _mm_xor_si128(d, k));
    }
    for (; i + 16 <= size; i += 16, ++v)
        _mm_storeu_si128(v, _mm_xor_si128(_mm_loadu_si128(v), k));
#endif
    std::uint64_t wide;
    std::memcpy(&wide, rotated, 8);
    for (; i + 8 <= size; i += 8) {
        std::uint64_t w;
        std::memcpy(&w, data + i, 8);
        w ^= wide;
        std::memcpy(data + i, &w, 8);
    }
    // Every block so far was a multiple of four bytes long, so the rotation still lines up.
    for (; i < size; ++i)
        data[i] ^= rotated[i & 3];
}

bool remaskText(std::uint8_t *data, std::size_t size, const std::uint8_t from[4],
                const std::uint8_t to[4], Utf8Validator &validator, std::size_t offset)
{
    std::uint8_t kFrom[16];
    std::uint8_t kTo[16];
    rotatedKey(kFrom, from, offset);
    rotatedKey(kTo, to, offset);
    std::size_t i = 0;
#ifdef __SSE2__
    const __m128i vFrom = _mm_loadu_si128(reinterpret_cast<const __m128i *>(kFrom));
    const __m128i vTo = _mm_loadu_si128(reinterpret_cast<const __m128i *>(kTo));
    for (;;) {
        if (validator.isComplete()) {
            // An ASCII run: no calls in here, so the keys stay in registers. Re-masking the
            // unmasked block with `to` costs the same one XOR as applying both keys at once.
            auto *v = reinterpret_cast<__m128i *>(data + i);
            for (; i + 64 <= size; i += 64, v += 4) {
                const __m128i a = _mm_xor_si128(_mm_loadu_si128(v), vFrom);
                const __m128i b = _mm_xor_si128(_mm_loadu_si128(v + 1), vFrom);
                const __m128i c = _mm_xor_si128(_mm_loadu_si128(v + 2), vFrom);
                const __m128i d = _mm_xor_si128(_mm_loadu_si128(v + 3), vFrom);
                if (_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(c, d))) != 0)
                    break;
                _mm_storeu_si128(v, _mm_xor_si128(a, vTo));
                _mm_storeu_si128(v + 1, _mm_xor_si128(b, vTo));
                _mm_storeu_si128(v + 2, _mm_xor_si128(c, vTo));
                _mm_storeu_si128(v + 3, _mm_xor_si128(d, vTo));
            }
            for (; i + 16 <= size; i += 16, ++v) {
                const __m128i a = _mm_xor_si128(_mm_loadu_si128(v), vFrom);
                if (_mm_movemask_epi8(a) != 0)
                    break;
                _mm_storeu_si128(v, _mm_xor_si128(a, vTo));
            }
        }
        if (i + 16 > size)
            break;
        // A block with other bytes, or one that continues a sequence: unmask, validate, mask.
        auto *v = reinterpret_cast<__m128i *>(data + i);
        const __m128i plain = _mm_xor_si128(_mm_loadu_si128(v), vFrom);
        _mm_storeu_si128(v, plain);
        if (!validator.feed(data + i, 16))
            return false;
        _mm_storeu_si128(v, _mm_xor_si128(plain, vTo));
        i += 16;
    }
#else
    std::uint64_t wFrom;
    std::uint64_t wTo;
    std::memcpy(&wFrom, kFrom, 8);
    std::memcpy(&wTo, kTo, 8);
    for (; i + 8 <= size; i += 8) {
        std::uint64_t plain;
        std::memcpy(&plain, data + i, 8);
        plain ^= wFrom;
        if (!validator.isComplete() || (plain & 0x8080808080808080ULL) != 0) {
            std::memcpy(data + i, &plain, 8);
            if (!validator.feed(data + i, 8))
                return false;
        }
        plain ^= wTo;
        std::memcpy(data + i, &plain, 8);
    }
#endif
    // The tail, shorter than a block; the rotation lines up as in applyMask.
    const std::size_t rest = size - i;
    for (std::size_t j = i; j < size; ++j)
        data[j] ^= kFrom[j & 3];
    if (!validator.feed(data + i, rest))
        return false;
    for (std::size_t j = i; j < size; ++j)
        data[j] ^= kTo[j & 3];
    return true;
}

} // namespace blueshift::websocket
