#include "ringseries.h"

#include <algorithm>
#include <cmath>

namespace blueshift::stats {

namespace {
qint64 floorDiv(qint64 a, qint64 b)
{
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}
} // namespace

QList<RingSeries::Level> RingSeries::defaultLevels()
{
    return {{1, 15 * 60}, {10, 6 * 360}, {60, 24 * 60}};
}

RingSeries::RingSeries(const QList<Level> &levels)
{
    for (const Level &l : levels) {
        if (l.seconds > 0 && l.capacity > 0)
            m_levels.push_back({l.seconds, 0, std::vector<Bucket>(std::size_t(l.capacity))});
    }
    if (m_levels.empty())
        m_levels.push_back({1, 0, std::vector<Bucket>(1)});
}

std::size_t RingSeries::slot(const Ring &ring, qint64 bucket)
{
    const qint64 c = qint64(ring.buckets.size());
    return std::size_t(((bucket % c) + c) % c);
}

bool RingSeries::append(qint64 second, double value)
{
    if (!std::isfinite(value))
        return false;
    if (!m_started) {
        for (Ring &r : m_levels)
            r.head = floorDiv(second, r.seconds);
        m_first = m_last = second;
        m_started = true;
    }
    bool kept = false;
    for (Ring &r : m_levels) {
        const qint64 b = floorDiv(second, r.seconds);
        const qint64 capacity = qint64(r.buckets.size());
        if (b > r.head) {
            // Clear the slots being reused, at most one lap's worth.
            const qint64 from = std::max(r.head + 1, b - capacity + 1);
            for (qint64 c = from; c <= b; ++c)
                r.buckets[slot(r, c)] = Bucket();
            r.head = b;
        } else if (b <= r.head - capacity) {
            continue; // older than this level's window
        }
        Bucket &bucket = r.buckets[slot(r, b)];
        const float v = float(value);
        if (bucket.samples == 0) {
            bucket.min = bucket.max = v;
        } else {
            bucket.min = std::min(bucket.min, v);
            bucket.max = std::max(bucket.max, v);
        }
        bucket.sum += v;
        ++bucket.samples;
        kept = true;
    }
    if (kept) {
        m_first = std::min(m_first, second);
        m_last = std::max(m_last, second);
    }
    return kept;
}

void RingSeries::clear()
{
    for (Ring &r : m_levels) {
        std::fill(r.buckets.begin(), r.buckets.end(), Bucket());
        r.head = 0;
    }
    m_started = false;
    m_first = m_last = 0;
}

qint64 RingSeries::levelStart(int level) const
{
    const Ring &r = m_levels.at(std::size_t(level));
    return std::max(m_first, (r.head - qint64(r.buckets.size()) + 1) * r.seconds);
}

void RingSeries::appendPoints(const Ring &ring, qint64 fromBucket, qint64 toBucket,
                              QList<SeriesPoint> *out) const
{
    for (qint64 b = fromBucket; b <= toBucket; ++b) {
        const Bucket &bucket = ring.buckets[slot(ring, b)];
        if (bucket.samples == 0)
            continue;
        out->append({b * ring.seconds, ring.seconds, double(bucket.sum) / bucket.samples,
                     double(bucket.min), double(bucket.max), bucket.samples});
    }
}

QList<SeriesPoint> RingSeries::points(qint64 from, qint64 to) const
{
    QList<SeriesPoint> out;
    if (!m_started || from >= to)
        return out;
    qint64 cursor = from;
    for (int i = int(m_levels.size()) - 1; i >= 0; --i) {
        const Ring &r = m_levels[std::size_t(i)];
        // A coarse bucket is used if it starts before the next finer level's window does.
        qint64 limit = to;
        if (i > 0) {
            const Ring &finer = m_levels[std::size_t(i - 1)];
            limit =
                std::min(limit, (finer.head - qint64(finer.buckets.size()) + 1) * finer.seconds);
        }
        const qint64 first =
            std::max(floorDiv(cursor, r.seconds), r.head - qint64(r.buckets.size()) + 1);
        const qint64 last = std::min(r.head, floorDiv(limit + r.seconds - 1, r.seconds) - 1);
        if (last < first)
            continue;
        appendPoints(r, first, last, &out);
        cursor = std::max(cursor, (last + 1) * r.seconds);
    }
    return out;
}

QList<SeriesPoint> RingSeries::points() const
{
    return points(m_first, m_last + 1);
}

QList<SeriesPoint> RingSeries::levelPoints(int level) const
{
    QList<SeriesPoint> out;
    if (!m_started || level < 0 || level >= levelCount())
        return out;
    const Ring &r = m_levels[std::size_t(level)];
    appendPoints(r, r.head - qint64(r.buckets.size()) + 1, r.head, &out);
    return out;
}

std::size_t RingSeries::memoryBytes() const
{
    std::size_t bytes = sizeof(*this) + m_levels.capacity() * sizeof(Ring);
    for (const Ring &r : m_levels)
        bytes += r.buckets.capacity() * sizeof(Bucket);
    return bytes;
}

} // namespace blueshift::stats
