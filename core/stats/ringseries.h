#pragma once

#include <QList>

#include <vector>

namespace blueshift::stats {

// A point for a chart: the samples of [time, time + width) reduced to mean, min and max.
struct SeriesPoint
{
    qint64 time = 0;  // seconds
    qint64 width = 0; // seconds
    double mean = 0;
    double min = 0;
    double max = 0;
    quint32 samples = 0;
};

// One value per second (live sessions of one revision, say) kept at several resolutions, each a
// fixed ring: by default the last 15 minutes at 1 s, 6 hours at 10 s and 24 hours at 1 min. A
// read uses the finest level that still covers each part of the range. Memory is fixed when the
// series is made and does not grow with the length of the run.
class RingSeries
{
public:
    struct Level
    {
        int seconds; // bucket width
        int capacity;
    };
    static QList<Level> defaultLevels();

    // Levels from finest to coarsest; widths should grow and each should cover more time than the
    // one before it.
    explicit RingSeries(const QList<Level> &levels = defaultLevels());

    // Records a sample for `second`. Samples older than the coarsest level's window are refused;
    // several samples for one second are averaged.
    bool append(qint64 second, double value);
    void clear();

    bool isEmpty() const { return !m_started; }
    qint64 lastSecond() const { return m_last; }
    // Non-empty buckets overlapping [from, to), oldest first, without gaps or overlap between
    // levels: a coarse bucket is used up to where the next finer level begins.
    QList<SeriesPoint> points(qint64 from, qint64 to) const;
    QList<SeriesPoint> points() const;
    // The points of one level only.
    QList<SeriesPoint> levelPoints(int level) const;

    int levelCount() const { return int(m_levels.size()); }
    // The first second a level still holds.
    qint64 levelStart(int level) const;

    std::size_t memoryBytes() const;

private:
    // Floats halve the footprint; a sum of session counts stays exact up to 2^24 per bucket.
    struct Bucket
    {
        float min = 0;
        float max = 0;
        float sum = 0;
        quint32 samples = 0;
    };
    struct Ring
    {
        qint64 seconds;
        qint64 head = 0; // newest bucket number
        std::vector<Bucket> buckets;
    };
    static std::size_t slot(const Ring &ring, qint64 bucket);
    void appendPoints(const Ring &ring, qint64 fromBucket, qint64 toBucket,
                      QList<SeriesPoint> *out) const;

    std::vector<Ring> m_levels;
    qint64 m_first = 0;
    qint64 m_last = 0;
    bool m_started = false;
};

} // namespace blueshift::stats
