#include "stats/timeseriespercentiles.h"

#include <QTest>

using namespace blueshift::stats;

namespace {
// "start:count:p50:p99" per bucket, for compact expectations.
QStringList describe(const QList<PercentileBucket> &buckets)
{
    QStringList out;
    for (const PercentileBucket &b : buckets)
        out.append(QStringLiteral("%1:%2:%3:%4")
                       .arg(b.start)
                       .arg(b.summary.count)
                       .arg(b.summary.p50)
                       .arg(b.summary.p99));
    return out;
}

QStringList split(const char *s)
{
    return QString::fromLatin1(s).split(QLatin1Char(' '), Qt::SkipEmptyParts);
}
} // namespace

class tst_TimeSeriesPercentiles : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void bucketsBySecond();
    void bucketMatchesHistogram();
    void keepsOnlyCapacity_data();
    void keepsOnlyCapacity();
    void gapsClearOldSlots();
    void lateSampleGoesToCurrentBucket();
    void rangeQuery();
    void wideBuckets();
    void totalCoversWholeRun();
    void memoryIsFixed();
};

void tst_TimeSeriesPercentiles::bucketsBySecond()
{
    TimeSeriesPercentiles ts;
    QVERIFY(ts.buckets().isEmpty());
    ts.record(0.1, 100);
    ts.record(0.5, 300);
    ts.record(1.2, 1000);
    ts.record(3.7, 50); // nothing in second 2: no bucket
    QCOMPARE(describe(ts.buckets()), split("0:2:100:300 1:1:1000:1000 3:1:50:50"));
    QCOMPARE(ts.buckets().constFirst().width, 1.0);
}

void tst_TimeSeriesPercentiles::bucketMatchesHistogram()
{
    TimeSeriesPercentiles ts;
    LatencyHistogram second5;
    for (int i = 0; i < 1000; ++i) {
        const qint64 rtt = 1000 + (i * 7919) % 50000;
        ts.record(5 + i / 1000.0, rtt);
        second5.record(rtt);
    }
    ts.record(6.0, 1); // closes second 5
    const QList<PercentileBucket> b = ts.buckets(5, 6);
    QCOMPARE(b.size(), 1);
    // The ring keeps the percentiles the histogram had when its second ended.
    QCOMPARE(b.constFirst().summary, second5.summary());
}

void tst_TimeSeriesPercentiles::keepsOnlyCapacity_data()
{
    QTest::addColumn<int>("capacity");
    QTest::addColumn<int>("seconds");
    QTest::addRow("not yet full") << 10 << 7;
    QTest::addRow("exactly full") << 10 << 10;
    QTest::addRow("ten laps") << 10 << 100;
    QTest::addRow("15 minutes of an hour") << 900 << 3600;
}

void tst_TimeSeriesPercentiles::keepsOnlyCapacity()
{
    QFETCH(int, capacity);
    QFETCH(int, seconds);
    TimeSeriesPercentiles ts(1, capacity);
    for (int s = 0; s < seconds; ++s)
        ts.record(s + 0.5, 1000 + s);
    const QList<PercentileBucket> b = ts.buckets();
    QCOMPARE(b.size(), std::min(capacity, seconds));
    QCOMPARE(b.constLast().start, double(seconds - 1));
    QCOMPARE(b.constFirst().start, double(std::max(0, seconds - capacity)));
    for (const PercentileBucket &bucket : b)
        QCOMPARE(bucket.summary.p50, qint64(1000 + bucket.start));
}

void tst_TimeSeriesPercentiles::gapsClearOldSlots()
{
    TimeSeriesPercentiles ts(1, 5);
    for (int s = 0; s < 5; ++s)
        ts.record(s, 10 * (s + 1));
    // Seconds 5 and 6 pass without a sample; their slots held seconds 0 and 1.
    ts.record(7, 80);
    QCOMPARE(describe(ts.buckets()), split("3:1:40:40 4:1:50:50 7:1:80:80"));
    ts.record(1000, 90);
    QCOMPARE(describe(ts.buckets()), split("1000:1:90:90"));
}

void tst_TimeSeriesPercentiles::lateSampleGoesToCurrentBucket()
{
    TimeSeriesPercentiles ts;
    ts.record(1, 10);
    ts.record(2, 20);
    ts.record(1.5, 30); // a pong that arrived out of order
    QCOMPARE(describe(ts.buckets()), split("1:1:10:10 2:2:20:30"));
}

void tst_TimeSeriesPercentiles::rangeQuery()
{
    TimeSeriesPercentiles ts;
    for (int s = 0; s < 10; ++s)
        ts.record(s, s + 1);
    QCOMPARE(describe(ts.buckets(2, 4)), split("2:1:3:3 3:1:4:4"));
    QCOMPARE(describe(ts.buckets(2.5, 4.01)), split("3:1:4:4 4:1:5:5"));
    QCOMPARE(ts.buckets(20, 30).size(), 0);
    QCOMPARE(ts.buckets(-std::numeric_limits<double>::infinity(),
                        std::numeric_limits<double>::infinity())
                 .size(),
             10);
}

void tst_TimeSeriesPercentiles::wideBuckets()
{
    TimeSeriesPercentiles ts(10, 6);
    ts.record(0, 1);
    ts.record(9.9, 2);
    ts.record(10, 3);
    ts.record(-0.5, 4); // before the run started: counted in the live bucket
    QCOMPARE(describe(ts.buckets()), split("0:2:1:2 10:2:3:4"));
    QCOMPARE(ts.buckets().constFirst().width, 10.0);
}

void tst_TimeSeriesPercentiles::totalCoversWholeRun()
{
    TimeSeriesPercentiles ts(1, 3);
    for (int s = 0; s < 100; ++s)
        ts.record(s, s);
    QCOMPARE(ts.buckets().size(), 3);
    QCOMPARE(ts.total().count(), quint64(100));
    QCOMPARE(ts.total().percentile(0.5), qint64(49));
    ts.clear();
    QVERIFY(ts.buckets().isEmpty());
    QCOMPARE(ts.total().count(), quint64(0));
}

void tst_TimeSeriesPercentiles::memoryIsFixed()
{
    TimeSeriesPercentiles ts(1, 900);
    const std::size_t before = ts.memoryBytes();
    // 900 summaries of 24 bytes and two histograms of about 14 KB.
    QVERIFY2(before < 900 * 24 + 2 * 14 * 1024 + 1024, QByteArray::number(qulonglong(before)));
    // Ten hours at 100 samples a second.
    for (int s = 0; s < 36000; ++s) {
        for (int i = 0; i < 100; ++i)
            ts.record(s + i / 100.0, 1000 + i * 37);
    }
    QCOMPARE(ts.memoryBytes(), before);
    QCOMPARE(ts.buckets().size(), 900);
}

QTEST_GUILESS_MAIN(tst_TimeSeriesPercentiles)
#include "tst_timeseriespercentiles.moc"
