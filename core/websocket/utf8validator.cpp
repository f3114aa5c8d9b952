#include "utf8validator.h"

#include <cstring>

namespace blueshift::websocket {

bool Utf8Validator::feed(const std::uint8_t *p, std::size_t n)
{
    const std::uint8_t *end = p + n;
    while (p < end) {
        if (m_need == 0) {
            // Most realtime traffic is JSON, i.e. ASCII: skip it eight bytes at a time.
            while (end - p >= 8) {
                std::uint64_t word;
                std::memcpy(&word, p, 8);
                if (word & 0x8080808080808080ULL)
                    break;
                p += 8;
            }
            if (p == end)
                break;
            const std::uint8_t b = *p++;
            if (b < 0x80)
                continue;
            m_lower = 0x80;
            m_upper = 0xBF;
            if (b >= 0xC2 && b <= 0xDF) {
                m_need = 1;
            } else if (b == 0xE0) {
                m_need = 2;
                m_lower = 0xA0; // no overlong 3-byte forms
            } else if ((b >= 0xE1 && b <= 0xEC) || b == 0xEE || b == 0xEF) {
                m_need = 2;
            } else if (b == 0xED) {
                m_need = 2;
                m_upper = 0x9F; // no UTF-16 surrogates
            } else if (b == 0xF0) {
                m_need = 3;
                m_lower = 0x90; // no overlong 4-byte forms
            } else if (b >= 0xF1 && b <= 0xF3) {
                m_need = 3;
            } else if (b == 0xF4) {
                m_need = 3;
                m_upper = 0x8F; // nothing above U+10FFFF
            } else {
                return false;
            }
        } else {
            const std::uint8_t b = *p++;
            if (b < m_lower || b > m_upper)
                return false;
            --m_need;
            m_lower = 0x80;
            m_upper = 0xBF;
        }
    }
    return true;
}

} // namespace blueshift::websocket
