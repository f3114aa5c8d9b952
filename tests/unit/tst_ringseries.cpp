#include "stats/ringseries.h"

#include <QTest>

#include <cmath>

using namespace blueshift::stats;

namespace blueshift::stats {
QByteArray describe(const SeriesPoint &p)
{
    return QStringLiteral("[%1+%2) mean=%3 min=%4 max=%5 n=%6")
        .arg(p.time)
        .arg(p.width)
        .arg(p.mean)
        .arg(p.min)
        .arg(p.max)
        .arg(p.samples)
        .toUtf8();
}

char *toString(const SeriesPoint &p)
{
    return qstrdup(describe(p).constData());
}
} // namespace blueshift::stats

namespace {
// Checks that points follow one another with neither gap nor overlap.
QByteArray discontinuity(const QList<SeriesPoint> &points)
{
    for (qsizetype i = 1; i < points.size(); ++i) {
        const SeriesPoint &a = points.at(i - 1);
        if (points.at(i).time != a.time + a.width)
            return "after " + describe(a) + " comes " + describe(points.at(i));
    }
    return {};
}
} // namespace

class tst_RingSeries : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void defaultLevels();
    void finestLevelKeepsLastCapacity();
    void downsampling_data();
    void downsampling();
    void readUsesFinestLevelAvailable_data();
    void readUsesFinestLevelAvailable();
    void partialRange();
    void gapsHaveNoPoints();
    void samplesInOneSecondAreAveraged();
    void tooOldIsRefused();
    void jumpFarAhead();
    void memoryIsFixed();
};

void tst_RingSeries::defaultLevels()
{
    const QList<RingSeries::Level> levels = RingSeries::defaultLevels();
    QCOMPARE(levels.size(), 3);
    QCOMPARE(levels[0].seconds * levels[0].capacity, 15 * 60);  // 15 min at 1 s
    QCOMPARE(levels[1].seconds * levels[1].capacity, 6 * 3600); // 6 h at 10 s
    QCOMPARE(levels[2].seconds, 60);
    RingSeries s;
    QCOMPARE(s.levelCount(), 3);
    QVERIFY(s.isEmpty());
    QVERIFY(s.points().isEmpty());
}

void tst_RingSeries::finestLevelKeepsLastCapacity()
{
    RingSeries s({{1, 10}, {5, 10}});
    for (int t = 0; t < 100; ++t)
        QVERIFY(s.append(t, t));
    const QList<SeriesPoint> fine = s.levelPoints(0);
    QCOMPARE(fine.size(), 10);
    QCOMPARE(fine.constFirst().time, qint64(90));
    QCOMPARE(fine.constLast().mean, 99.0);
    QCOMPARE(s.levelStart(0), qint64(90));
    const QList<SeriesPoint> coarse = s.levelPoints(1);
    QCOMPARE(coarse.size(), 10);
    QCOMPARE(coarse.constFirst().time, qint64(50));
    QCOMPARE(s.levelStart(1), qint64(50));
    QCOMPARE(s.lastSecond(), qint64(99));
}

void tst_RingSeries::downsampling_data()
{
    QTest::addColumn<int>("width");
    QTest::addColumn<qint64>("bucket");
    QTest::addColumn<double>("mean");
    QTest::addColumn<double>("min");
    QTest::addColumn<double>("max");
    QTest::addColumn<int>("samples");
    // Values are (second * 7) mod 11 for seconds 0..599: 0 7 3 10 6 2 9 5 1 8 | 4 0 7 3 10 6 2 9 5
    // 1 | ...; a 60 s bucket is five whole cycles (5 * 55) and 0 7 3 10 6.
    QTest::addRow("10 s, first") << 10 << qint64(0) << 5.1 << 0.0 << 10.0 << 10;
    QTest::addRow("10 s, second") << 10 << qint64(10) << 4.7 << 0.0 << 10.0 << 10;
    QTest::addRow("60 s") << 60 << qint64(0) << (5.0 * 55 + 0 + 7 + 3 + 10 + 6) / 60 << 0.0 << 10.0
                          << 60;
}

void tst_RingSeries::downsampling()
{
    QFETCH(int, width);
    QFETCH(qint64, bucket);
    QFETCH(double, mean);
    QFETCH(double, min);
    QFETCH(double, max);
    QFETCH(int, samples);
    RingSeries s({{1, 900}, {10, 2160}, {60, 1440}});
    for (int t = 0; t < 600; ++t)
        s.append(t, (t * 7) % 11);
    const int level = width == 10 ? 1 : 2;
    const QList<SeriesPoint> points = s.levelPoints(level);
    auto it = std::find_if(points.cbegin(), points.cend(),
                           [&](const SeriesPoint &p) { return p.time == bucket; });
    QVERIFY(it != points.cend());
    QCOMPARE(it->width, qint64(width));
    QVERIFY2(std::abs(it->mean - mean) < 1e-6, describe(*it).constData());
    QCOMPARE(it->min, min);
    QCOMPARE(it->max, max);
    QCOMPARE(int(it->samples), samples);
}

void tst_RingSeries::readUsesFinestLevelAvailable_data()
{
    QTest::addColumn<int>("seconds");
    QTest::addColumn<QList<int>>("pointsPerLevel"); // coarsest first
    // Levels 1 s x 60, 10 s x 60, 60 s x 60; one sample per second from 0.
    // 50 s: everything still at 1 s.
    QTest::addRow("50 s") << 50 << QList<int>{0, 0, 50};
    // 2000 s: 1 s covers 1940..1999, 10 s covers 1400..1999; 60 s buckets 0..1380 (24) are used
    // up to 1440, then 10 s buckets 1440..1930 (50), then 60 one-second points.
    QTest::addRow("2000 s") << 2000 << QList<int>{24, 50, 60};
    // 5000 s: the 60 s ring is full (buckets 24..83, from 1440) and used up to 4440; the 10 s
    // ring covers 4400..4999 and is used from 4440 to 4940.
    QTest::addRow("5000 s") << 5000 << QList<int>{50, 50, 60};
}

void tst_RingSeries::readUsesFinestLevelAvailable()
{
    QFETCH(int, seconds);
    QFETCH(QList<int>, pointsPerLevel);
    RingSeries s({{1, 60}, {10, 60}, {60, 60}});
    QList<double> raw;
    for (int t = 0; t < seconds; ++t) {
        raw.append(t % 100);
        s.append(t, t % 100);
    }
    const QList<SeriesPoint> points = s.points();
    const QByteArray gap = discontinuity(points);
    QVERIFY2(gap.isEmpty(), gap.constData());
    QCOMPARE(points.constLast().time + points.constLast().width, qint64(seconds));
    QList<int> perLevel{0, 0, 0};
    for (const SeriesPoint &p : points) {
        perLevel[p.width == 60 ? 0 : p.width == 10 ? 1 : 2] += 1;
        // Every point is the mean of the raw samples it spans.
        double sum = 0;
        int n = 0;
        for (qint64 t = std::max<qint64>(p.time, 0); t < p.time + p.width && t < seconds; ++t) {
            sum += raw.at(t);
            ++n;
        }
        QCOMPARE(int(p.samples), n);
        QVERIFY2(std::abs(p.mean - sum / n) < 1e-4, describe(p).constData());
    }
    QCOMPARE(perLevel, pointsPerLevel);
}

void tst_RingSeries::partialRange()
{
    RingSeries s({{1, 60}, {10, 60}, {60, 60}});
    for (int t = 0; t < 2000; ++t)
        s.append(t, 1);
    QList<SeriesPoint> p = s.points(1950, 1960);
    QCOMPARE(p.size(), 10);
    QCOMPARE(p.constFirst().time, qint64(1950));
    QCOMPARE(p.constFirst().width, qint64(1));
    // Coarse buckets that overlap the range are included whole.
    p = s.points(100, 200);
    QCOMPARE(p.size(), 3);
    QCOMPARE(p.constFirst().time, qint64(60));
    QCOMPARE(p.constLast().time, qint64(180));
    QVERIFY(s.points(5000, 6000).isEmpty());
    QVERIFY(s.points(10, 10).isEmpty());
}

void tst_RingSeries::gapsHaveNoPoints()
{
    RingSeries s;
    for (int t = 0; t < 10; ++t)
        s.append(t, 5);
    for (int t = 20; t < 30; ++t)
        s.append(t, 7);
    const QList<SeriesPoint> p = s.points();
    QCOMPARE(p.size(), 20);
    QCOMPARE(p.at(9).time, qint64(9));
    QCOMPARE(p.at(10).time, qint64(20));
    QCOMPARE(p.at(10).mean, 7.0);
}

void tst_RingSeries::samplesInOneSecondAreAveraged()
{
    RingSeries s;
    s.append(3, 10);
    s.append(3, 20);
    s.append(3, 60);
    const QList<SeriesPoint> p = s.points();
    QCOMPARE(p.size(), 1);
    QCOMPARE(p[0].mean, 30.0);
    QCOMPARE(p[0].min, 10.0);
    QCOMPARE(p[0].max, 60.0);
    QCOMPARE(p[0].samples, 3u);
}

void tst_RingSeries::tooOldIsRefused()
{
    RingSeries s({{1, 10}, {10, 10}});
    for (int t = 0; t < 1000; ++t)
        s.append(t, 1);
    QVERIFY(!s.append(500, 1)); // before the 10 s level's 100 s window
    QVERIFY(s.append(950, 3));  // the 1 s level has lost it, the 10 s level has not
    QCOMPARE(s.levelPoints(1).constFirst().time, qint64(900));
    QVERIFY(!s.append(0, std::nan("")));
    QVERIFY(!s.append(1001, std::numeric_limits<double>::infinity()));
}

void tst_RingSeries::jumpFarAhead()
{
    RingSeries s;
    for (int t = 0; t < 100; ++t)
        s.append(t, 1);
    s.append(10000000, 42);
    const QList<SeriesPoint> p = s.points();
    QCOMPARE(p.size(), 1);
    QCOMPARE(p[0].time, qint64(10000000));
    QCOMPARE(p[0].mean, 42.0);
    s.clear();
    QVERIFY(s.isEmpty());
    QVERIFY(s.points().isEmpty());
}

void tst_RingSeries::memoryIsFixed()
{
    RingSeries s;
    const std::size_t before = s.memoryBytes();
    // 900 + 2160 + 1440 buckets of 16 bytes: about 70 KB per series, whatever the run length.
    QVERIFY2(before <= (900 + 2160 + 1440) * 16 + 512, QByteArray::number(qulonglong(before)));
    for (int t = 0; t < 48 * 3600; ++t)
        s.append(t, t % 1000);
    QCOMPARE(s.memoryBytes(), before);
    const QList<SeriesPoint> p = s.points();
    const QByteArray gap = discontinuity(p);
    QVERIFY2(gap.isEmpty(), gap.constData());
    // 24 h of minutes is the oldest part; the run's first day is gone.
    QVERIFY(p.constFirst().time >= 24 * 3600);
    QCOMPARE(p.constLast().time, qint64(48 * 3600 - 1));
    QVERIFY(p.size() < 900 + 2160 + 1440);
}

QTEST_GUILESS_MAIN(tst_RingSeries)
#include "tst_ringseries.moc"
