#include "utf8validator.h"

#include <bit>
#include <cstring>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace blueshift::websocket {

namespace {
// Returns the first byte from `p` on that is not ASCII, or `end`.
inline const std::uint8_t *skipAscii(const std::uint8_t *p, const std::uint8_t *end)
{
    // Most realtime traffic is JSON, i.e. ASCII: skip it a vector at a time and land exactly on
    // the first byte that needs the state machine.
#ifdef __SSE2__
    while (end - p >= 64) {
        const auto *v = reinterpret_cast<const __m128i *>(p);
        const __m128i ab = _mm_or_si128(_mm_loadu_si128(v), _mm_loadu_si128(v + 1));
        const __m128i cd = _mm_or_si128(_mm_loadu_si128(v + 2), _mm_loadu_si128(v + 3));
        if (_mm_movemask_epi8(_mm_or_si128(ab, cd)) != 0)
            break; // the loop below finds the byte
        p += 64;
    }
    while (end - p >= 32) {
        const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p));
        const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p + 16));
        if (_mm_movemask_epi8(_mm_or_si128(a, b)) != 0) {
            const unsigned high =
                unsigned(_mm_movemask_epi8(a)) | (unsigned(_mm_movemask_epi8(b)) << 16);
            return p + std::countr_zero(high);
        }
        p += 32;
    }
    if (end - p >= 16) {
        const int high = _mm_movemask_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i *>(p)));
        if (high != 0)
            return p + std::countr_zero(unsigned(high));
        p += 16;
    }
#endif
    while (end - p >= 8) {
        std::uint64_t word;
        std::memcpy(&word, p, 8);
        const std::uint64_t high = word & 0x8080808080808080ULL;
        if (high != 0) {
            if constexpr (std::endian::native == std::endian::little)
                return p + std::countr_zero(high) / 8;
            break;
        }
        p += 8;
    }
    while (p < end && *p < 0x80)
        ++p;
    return p;
}
} // namespace

bool Utf8Validator::feed(const std::uint8_t *p, std::size_t n)
{
    const std::uint8_t *end = p + n;
    // Locals, not members, in the loop: the compiler cannot keep members in registers across
    // byte loads that might alias them.
    std::uint8_t need = m_need;
    std::uint8_t lower = m_lower;
    std::uint8_t upper = m_upper;
    bool ok = true;
    while (p < end) {
        if (need == 0) {
            p = skipAscii(p, end);
            if (p == end)
                break;
            const std::uint8_t b = *p++;
            lower = 0x80;
            upper = 0xBF;
            if (b >= 0xC2 && b <= 0xDF) {
                need = 1;
            } else if (b == 0xE0) {
                need = 2;
                lower = 0xA0; // no overlong 3-byte forms
            } else if ((b >= 0xE1 && b <= 0xEC) || b == 0xEE || b == 0xEF) {
                need = 2;
            } else if (b == 0xED) {
                need = 2;
                upper = 0x9F; // no UTF-16 surrogates
            } else if (b == 0xF0) {
                need = 3;
                lower = 0x90; // no overlong 4-byte forms
            } else if (b >= 0xF1 && b <= 0xF3) {
                need = 3;
            } else if (b == 0xF4) {
                need = 3;
                upper = 0x8F; // nothing above U+10FFFF
            } else {
                ok = false;
                break;
            }
        } else {
            const std::uint8_t b = *p++;
            if (b < lower || b > upper) {
                ok = false;
                break;
            }
            --need;
            lower = 0x80;
            upper = 0xBF;
        }
    }
    m_need = need;
    m_lower = lower;
    m_upper = upper;
    return ok;
}

} // namespace blueshift::websocket
