#pragma once

#include <cstddef>
#include <cstdint>

namespace blueshift::websocket {

// Incremental UTF-8 validator (RFC 3629): text messages arrive in fragments and in pieces of
// frames, so the state must carry across calls. Rejects overlongs, surrogates and > U+10FFFF.
class Utf8Validator
{
public:
    // Returns false as soon as the bytes cannot be a prefix of valid UTF-8.
    bool feed(const std::uint8_t *data, std::size_t size);
    // True when the bytes fed so far end on a code point boundary.
    bool isComplete() const { return m_need == 0; }
    void reset()
    {
        m_need = 0;
        m_lower = 0x80;
        m_upper = 0xBF;
    }

    static bool isValid(const std::uint8_t *data, std::size_t size)
    {
        Utf8Validator v;
        return v.feed(data, size) && v.isComplete();
    }

private:
    std::uint8_t m_need = 0;
    std::uint8_t m_lower = 0x80;
    std::uint8_t m_upper = 0xBF;
};

} // namespace blueshift::websocket
