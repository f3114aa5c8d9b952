#pragma once

#include "latencyhistogram.h"

#include <QList>

#include <vector>

namespace blueshift::stats {

struct PercentileBucket
{
    double start = 0; // seconds
    double width = 0; // seconds
    PercentileSummary summary;
};

// RTT percentiles per time bucket (1 s by default) for the last `capacity` buckets, for the
// "RTT over time" chart, plus a histogram of the whole run. One live histogram fills the current
// bucket; when time moves on it is reduced to its percentiles in a ring, so memory is fixed.
// Samples that arrive for a bucket already closed are counted in the current one.
class TimeSeriesPercentiles
{
public:
    explicit TimeSeriesPercentiles(int bucketSeconds = 1, int capacity = 900);

    void record(double timeSeconds, qint64 micros);
    void clear();

    int bucketSeconds() const { return m_bucketSeconds; }
    int capacity() const { return int(m_ring.size()); }
    // Buckets with at least one sample whose start lies in [from, to), oldest first, including
    // the one still filling.
    QList<PercentileBucket> buckets(double from, double to) const;
    QList<PercentileBucket> buckets() const;
    const LatencyHistogram &total() const { return m_total; }

    std::size_t memoryBytes() const;

private:
    // The summary as kept in the ring: values clamped to 32 bits, as the histogram's range is.
    struct Packed
    {
        quint32 count = 0;
        quint32 min = 0;
        quint32 p50 = 0;
        quint32 p90 = 0;
        quint32 p99 = 0;
        quint32 max = 0;
    };
    static Packed pack(const PercentileSummary &s);
    static PercentileSummary unpack(const Packed &p);
    void closeCurrent();

    int m_bucketSeconds;
    std::vector<Packed> m_ring; // slot = bucket number mod capacity
    qint64 m_current = 0;       // bucket number m_live is filling
    bool m_started = false;
    LatencyHistogram m_live;
    LatencyHistogram m_total;
};

} // namespace blueshift::stats
