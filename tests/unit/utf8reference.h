#pragma once

// Deliberately simple references for the optimised UTF-8 and masking code: byte at a time, and
// the validator written as a decoder (code point arithmetic) rather than as a state machine, so
// that it does not share the implementation's mistakes.

#include <QByteArray>
#include <QRandomGenerator>

#include <cstddef>
#include <cstdint>

namespace reference {

struct Utf8Verdict
{
    bool prefixValid = true; // what Utf8Validator::feed returns
    bool complete = true;    // ends on a code point boundary
};

inline Utf8Verdict utf8(const std::uint8_t *p, std::size_t n)
{
    std::size_t i = 0;
    while (i < n) {
        const std::uint8_t b = p[i];
        int len;
        std::uint32_t cp;
        if (b < 0x80) {
            ++i;
            continue;
        } else if ((b & 0xE0) == 0xC0) {
            len = 2;
            cp = b & 0x1F;
        } else if ((b & 0xF0) == 0xE0) {
            len = 3;
            cp = b & 0x0F;
        } else if ((b & 0xF8) == 0xF0) {
            len = 4;
            cp = b & 0x07;
        } else {
            return {false, false};
        }
        int have = 1;
        while (have < len && i + std::size_t(have) < n) {
            const std::uint8_t c = p[i + std::size_t(have)];
            if ((c & 0xC0) != 0x80)
                return {false, false};
            cp = (cp << 6) | (c & 0x3F);
            ++have;
        }
        // The code points this (possibly truncated) sequence can still become: [lo, hi].
        const int missing = len - have;
        const std::uint32_t lo = cp << (6 * missing);
        const std::uint32_t hi = lo | ((1u << (6 * missing)) - 1);
        const std::uint32_t minimum = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
        const std::uint32_t maximum = len == 2 ? 0x7FF : len == 3 ? 0xFFFF : 0x10FFFF;
        const std::uint32_t from = lo > minimum ? lo : minimum;
        const std::uint32_t to = hi < maximum ? hi : maximum;
        const bool onlySurrogates = from >= 0xD800 && to <= 0xDFFF;
        if (from > to || onlySurrogates)
            return {false, false};
        if (missing > 0)
            return {true, false};
        i += std::size_t(len);
    }
    return {true, true};
}

inline void mask(std::uint8_t *data, std::size_t size, const std::uint8_t key[4],
                 std::size_t offset)
{
    for (std::size_t i = 0; i < size; ++i)
        data[i] ^= key[(offset + i) % 4];
}

// Random text that is mostly ASCII, with characters of every encoded length.
inline QByteArray randomUtf8(QRandomGenerator &rng, int bytes)
{
    QByteArray out;
    while (out.size() < bytes) {
        const int kind = int(rng.bounded(10));
        std::uint32_t cp;
        if (kind < 6)
            cp = rng.bounded(0x20u, 0x7Fu);
        else if (kind < 7)
            cp = rng.bounded(0x80u, 0x800u);
        else if (kind < 8) {
            cp = rng.bounded(0x800u, 0x10000u);
            if (cp >= 0xD800 && cp <= 0xDFFF)
                cp = 0xE000;
        } else if (kind < 9)
            cp = rng.bounded(0x10000u, 0x110000u);
        else
            cp = 'a';
        if (cp < 0x80) {
            out += char(cp);
        } else if (cp < 0x800) {
            out += char(0xC0 | (cp >> 6));
            out += char(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += char(0xE0 | (cp >> 12));
            out += char(0x80 | ((cp >> 6) & 0x3F));
            out += char(0x80 | (cp & 0x3F));
        } else {
            out += char(0xF0 | (cp >> 18));
            out += char(0x80 | ((cp >> 12) & 0x3F));
            out += char(0x80 | ((cp >> 6) & 0x3F));
            out += char(0x80 | (cp & 0x3F));
        }
    }
    return out;
}

// Damages `text` at `pos` in one of several ways that break UTF-8 (or, for some, leave it
// valid: the reference decides).
inline void corrupt(QByteArray &text, qsizetype pos, int how)
{
    static const char *const replacements[] = {
        "\x80",             // lone continuation
        "\xff",             // never valid
        "\xc0\xaf",         // overlong 2-byte
        "\xe0\x80\xaf",     // overlong 3-byte
        "\xed\xa0\x80",     // surrogate
        "\xf4\x90\x80\x80", // above U+10FFFF
        "\xf5",             // invalid lead
        "\xe2\x82",         // truncated 3-byte
        "\xf0\x9f\x98",     // truncated 4-byte
        "\xc3",             // lead without continuation
    };
    constexpr int count = int(sizeof replacements / sizeof replacements[0]);
    if (pos > text.size())
        pos = text.size();
    text.insert(pos, replacements[how % count]);
}

} // namespace reference
