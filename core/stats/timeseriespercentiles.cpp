#include "timeseriespercentiles.h"

#include <cmath>

namespace blueshift::stats {

namespace {
quint32 clamp32(qint64 v)
{
    return quint32(std::clamp<qint64>(v, 0, LatencyHistogram::highestTrackable));
}

std::size_t slotOf(qint64 bucket, std::size_t capacity)
{
    const qint64 c = qint64(capacity);
    return std::size_t(((bucket % c) + c) % c);
}
} // namespace

TimeSeriesPercentiles::TimeSeriesPercentiles(int bucketSeconds, int capacity)
    : m_bucketSeconds(std::max(1, bucketSeconds))
    , m_ring(std::size_t(std::max(1, capacity)))
{}

TimeSeriesPercentiles::Packed TimeSeriesPercentiles::pack(const PercentileSummary &s)
{
    return {quint32(std::min<quint64>(s.count, 0xffffffffu)),
            clamp32(s.min),
            clamp32(s.p50),
            clamp32(s.p90),
            clamp32(s.p99),
            clamp32(s.max)};
}

PercentileSummary TimeSeriesPercentiles::unpack(const Packed &p)
{
    return {p.count, p.min, p.p50, p.p90, p.p99, p.max};
}

void TimeSeriesPercentiles::closeCurrent()
{
    m_ring[slotOf(m_current, m_ring.size())] = pack(m_live.summary());
    m_live.clear();
}

void TimeSeriesPercentiles::record(double timeSeconds, qint64 micros)
{
    if (!std::isfinite(timeSeconds))
        return;
    const qint64 bucket = qint64(std::floor(timeSeconds / m_bucketSeconds));
    if (!m_started) {
        m_current = bucket;
        m_started = true;
    } else if (bucket > m_current) {
        closeCurrent();
        // Buckets skipped over had no sample; their slots may hold a lap-old summary.
        const qint64 gap = std::min<qint64>(bucket - m_current - 1, qint64(m_ring.size()));
        for (qint64 b = m_current + 1; b <= m_current + gap; ++b)
            m_ring[slotOf(b, m_ring.size())] = Packed();
        m_current = bucket;
    }
    m_live.record(micros);
    m_total.record(micros);
}

void TimeSeriesPercentiles::clear()
{
    std::fill(m_ring.begin(), m_ring.end(), Packed());
    m_live.clear();
    m_total.clear();
    m_started = false;
    m_current = 0;
}

QList<PercentileBucket> TimeSeriesPercentiles::buckets(double from, double to) const
{
    QList<PercentileBucket> out;
    if (!m_started)
        return out;
    const qint64 oldest = m_current - qint64(m_ring.size()) + 1;
    // Clamp before converting: a caller's -infinity must not reach an integer.
    from = std::max(from, double(oldest * m_bucketSeconds));
    to = std::min(to, double((m_current + 1) * m_bucketSeconds));
    const qint64 first = qint64(std::ceil(from / m_bucketSeconds));
    const qint64 last = qint64(std::ceil(to / m_bucketSeconds)) - 1;
    for (qint64 b = first; b <= last; ++b) {
        const PercentileSummary s =
            b == m_current ? m_live.summary() : unpack(m_ring[slotOf(b, m_ring.size())]);
        if (s.count > 0)
            out.append({double(b * m_bucketSeconds), double(m_bucketSeconds), s});
    }
    return out;
}

QList<PercentileBucket> TimeSeriesPercentiles::buckets() const
{
    const double end = double((m_current + 1) * m_bucketSeconds);
    return buckets(end - double(m_ring.size()) * m_bucketSeconds, end);
}

std::size_t TimeSeriesPercentiles::memoryBytes() const
{
    return sizeof(*this) - 2 * sizeof(LatencyHistogram) + m_ring.capacity() * sizeof(Packed) +
           m_live.memoryBytes() + m_total.memoryBytes();
}

} // namespace blueshift::stats
