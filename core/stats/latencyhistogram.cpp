#include "latencyhistogram.h"

#include <bit>

namespace blueshift::stats {

namespace {
constexpr int exactLimit = 1 << LatencyHistogram::subBucketBits; // 128: counted one by one
constexpr int halfBuckets = exactLimit / 2;                      // 64 per power of two above
} // namespace

int LatencyHistogram::bucketIndex(qint64 value)
{
    const quint64 v = quint64(std::clamp<qint64>(value, 0, highestTrackable));
    if (v < quint64(exactLimit))
        return int(v);
    // v in [2^m, 2^(m+1)) with m >= 7: keep its top 7 bits, whose first is always 1.
    const int shift = std::bit_width(v) - subBucketBits;
    return halfBuckets * shift + int(v >> shift);
}

qint64 LatencyHistogram::bucketLow(int index)
{
    if (index < exactLimit)
        return index;
    const int shift = index / halfBuckets - 1;
    const qint64 top = index % halfBuckets + halfBuckets;
    return top << shift;
}

qint64 LatencyHistogram::bucketWidth(int index)
{
    return index < exactLimit ? 1 : qint64(1) << (index / halfBuckets - 1);
}

int LatencyHistogram::bucketCount()
{
    return bucketIndex(highestTrackable) + 1;
}

LatencyHistogram::LatencyHistogram()
    : m_counts(std::size_t(bucketCount()), 0)
{}

void LatencyHistogram::record(qint64 value, quint64 count)
{
    if (count == 0)
        return;
    value = std::max<qint64>(value, 0);
    m_counts[std::size_t(bucketIndex(value))] += count;
    if (m_count == 0) {
        m_min = m_max = value;
    } else {
        m_min = std::min(m_min, value);
        m_max = std::max(m_max, value);
    }
    m_count += count;
    m_sum += double(value) * double(count);
}

void LatencyHistogram::merge(const LatencyHistogram &other)
{
    if (other.m_count == 0)
        return;
    for (std::size_t i = 0; i < m_counts.size(); ++i)
        m_counts[i] += other.m_counts[i];
    m_min = m_count ? std::min(m_min, other.m_min) : other.m_min;
    m_max = m_count ? std::max(m_max, other.m_max) : other.m_max;
    m_count += other.m_count;
    m_sum += other.m_sum;
}

void LatencyHistogram::clear()
{
    std::fill(m_counts.begin(), m_counts.end(), 0);
    m_count = 0;
    m_min = m_max = 0;
    m_sum = 0;
}

qint64 LatencyHistogram::representative(int index) const
{
    const qint64 mid = bucketLow(index) + (bucketWidth(index) - 1) / 2;
    return std::clamp(mid, m_min, m_max);
}

qint64 LatencyHistogram::percentile(double q) const
{
    if (m_count == 0)
        return 0;
    const quint64 rank = nearestRank(q, m_count);
    // The smallest and the largest sample are known exactly.
    if (rank == 1)
        return m_min;
    if (rank == m_count)
        return m_max;
    quint64 seen = 0;
    for (std::size_t i = 0; i < m_counts.size(); ++i) {
        seen += m_counts[i];
        if (seen >= rank)
            return representative(int(i));
    }
    return m_max;
}

PercentileSummary LatencyHistogram::summary() const
{
    PercentileSummary s;
    s.count = m_count;
    if (m_count == 0)
        return s;
    s.min = m_min;
    s.max = m_max;
    const quint64 ranks[] = {nearestRank(0.5, m_count), nearestRank(0.9, m_count),
                             nearestRank(0.99, m_count)};
    qint64 *const out[] = {&s.p50, &s.p90, &s.p99};
    int next = 0;
    quint64 seen = 0;
    for (std::size_t i = 0; i < m_counts.size() && next < 3; ++i) {
        seen += m_counts[i];
        while (next < 3 && seen >= ranks[next])
            *out[next++] = representative(int(i));
    }
    for (int k = 0; k < 3; ++k) {
        if (ranks[k] == 1)
            *out[k] = m_min;
        else if (ranks[k] == m_count)
            *out[k] = m_max;
    }
    return s;
}

std::size_t LatencyHistogram::memoryBytes() const
{
    return sizeof(*this) + m_counts.capacity() * sizeof(quint64);
}

} // namespace blueshift::stats
