#pragma once

#include "percentilesummary.h"

#include <vector>

namespace blueshift::stats {

// A bounded-memory latency histogram (HDR-style, log-linear): values below 128 are counted
// exactly, larger ones in 64 sub-buckets per power of two, so a reported percentile is within
// 1/128 (0.8%) of the exact nearest-rank value. Range 0 .. 2^32-1 (71 minutes in microseconds);
// larger values are counted at the top, though max() stays exact. About 14 KB, whatever the count.
class LatencyHistogram
{
public:
    static constexpr int subBucketBits = 7;
    static constexpr qint64 highestTrackable = (qint64(1) << 32) - 1;
    static constexpr double relativeError = 1.0 / (1 << subBucketBits);

    LatencyHistogram();

    void record(qint64 value, quint64 count = 1);
    void merge(const LatencyHistogram &other);
    void clear();

    quint64 count() const { return m_count; }
    bool isEmpty() const { return m_count == 0; }
    qint64 min() const { return m_count ? m_min : 0; }
    qint64 max() const { return m_count ? m_max : 0; }
    double mean() const { return m_count ? m_sum / double(m_count) : 0.0; }

    // Nearest rank (see nearestRank()), reported as the middle of its bucket clamped to
    // [min, max]; the lowest and highest rank give min() and max() exactly. 0 when empty.
    qint64 percentile(double q) const;
    // p50, p90, p99 in one pass.
    PercentileSummary summary() const;

    // Bucket geometry, exposed for tests.
    static int bucketIndex(qint64 value);
    static qint64 bucketLow(int index);
    static qint64 bucketWidth(int index);
    static int bucketCount();

    std::size_t memoryBytes() const;

private:
    qint64 representative(int index) const;

    std::vector<quint64> m_counts;
    quint64 m_count = 0;
    qint64 m_min = 0;
    qint64 m_max = 0;
    double m_sum = 0;
};

} // namespace blueshift::stats
