#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

namespace blueshift::net {

// A growable byte queue: append at the back, consume from the front. Unlike std::vector it does
// not zero what it reserves, and release() gives the memory back, so an idle connection holds
// no buffer at all.
class ByteBuffer
{
public:
    ByteBuffer() = default;
    ByteBuffer(const ByteBuffer &) = delete;
    ByteBuffer &operator=(const ByteBuffer &) = delete;
    ByteBuffer(ByteBuffer &&other) noexcept { swap(other); }
    ByteBuffer &operator=(ByteBuffer &&other) noexcept
    {
        ByteBuffer tmp(std::move(other));
        swap(tmp);
        return *this;
    }
    ~ByteBuffer() { std::free(m_data); }

    std::uint8_t *data() { return m_data + m_begin; }
    const std::uint8_t *data() const { return m_data + m_begin; }
    std::size_t size() const { return m_end - m_begin; }
    bool isEmpty() const { return m_end == m_begin; }
    std::size_t capacity() const { return m_capacity; }

    // Space for at least `n` more bytes at the back; returns where to write them.
    std::uint8_t *reserveTail(std::size_t n)
    {
        if (m_capacity - m_end < n)
            makeRoom(n);
        return m_data + m_end;
    }
    std::size_t tailRoom() const { return m_capacity - m_end; }
    void commit(std::size_t n) { m_end += n; }

    void append(const void *bytes, std::size_t n)
    {
        if (n == 0)
            return;
        std::memcpy(reserveTail(n), bytes, n);
        m_end += n;
    }

    void consume(std::size_t n)
    {
        m_begin += n;
        if (m_begin >= m_end)
            m_begin = m_end = 0;
    }

    void clear() { m_begin = m_end = 0; }

    void release()
    {
        std::free(m_data);
        m_data = nullptr;
        m_begin = m_end = m_capacity = 0;
    }

    // Frees the memory when empty and the block is larger than `keep`.
    void shrinkIfEmpty(std::size_t keep = 0)
    {
        if (isEmpty() && m_capacity > keep)
            release();
    }

    void swap(ByteBuffer &other) noexcept
    {
        std::swap(m_data, other.m_data);
        std::swap(m_begin, other.m_begin);
        std::swap(m_end, other.m_end);
        std::swap(m_capacity, other.m_capacity);
    }

private:
    void makeRoom(std::size_t n)
    {
        const std::size_t used = size();
        if (m_begin > 0 && m_capacity - used >= n && m_begin >= used) {
            // Compact instead of growing when the consumed front is large enough.
            std::memmove(m_data, m_data + m_begin, used);
            m_begin = 0;
            m_end = used;
            return;
        }
        std::size_t want = used + n;
        std::size_t cap = m_capacity ? m_capacity : 256;
        while (cap < want)
            cap *= 2;
        if (m_begin > 0) {
            std::memmove(m_data, m_data + m_begin, used);
            m_begin = 0;
            m_end = used;
        }
        auto *p = static_cast<std::uint8_t *>(std::realloc(m_data, cap));
        if (!p)
            throw std::bad_alloc();
        m_data = p;
        m_capacity = cap;
    }

    std::uint8_t *m_data = nullptr;
    std::size_t m_begin = 0;
    std::size_t m_end = 0;
    std::size_t m_capacity = 0;
};

} // namespace blueshift::net
