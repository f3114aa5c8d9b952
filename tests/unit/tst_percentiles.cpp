#include "stats/exactpercentiles.h"
#include "stats/latencyhistogram.h"

#include <QRandomGenerator>
#include <QTest>

#include <cmath>
#include <random>

using namespace blueshift::stats;

namespace blueshift::stats {
char *toString(const PercentileSummary &s)
{
    return qstrdup(QStringLiteral("n=%1 min=%2 p50=%3 p90=%4 p99=%5 max=%6")
                       .arg(s.count)
                       .arg(s.min)
                       .arg(s.p50)
                       .arg(s.p90)
                       .arg(s.p99)
                       .arg(s.max)
                       .toUtf8()
                       .constData());
}
} // namespace blueshift::stats

namespace {
enum class Shape { LogNormal, Uniform, Exponential, Bimodal, SmallIntegers, WideRange };

// RTT-like samples in microseconds, from a fixed seed.
QList<qint64> samples(Shape shape, int n, quint32 seed)
{
    std::mt19937_64 gen(seed);
    std::lognormal_distribution<double> logNormal(std::log(20000.0), 1.0); // median 20 ms
    std::uniform_int_distribution<qint64> uniform(0, 1000000);
    std::exponential_distribution<double> exponential(1.0 / 5000);
    std::uniform_int_distribution<qint64> small(0, 127);
    std::uniform_real_distribution<double> exponent(0, 32);
    std::bernoulli_distribution slow(0.1);
    QList<qint64> out;
    out.reserve(n);
    for (int i = 0; i < n; ++i) {
        switch (shape) {
        case Shape::LogNormal:
            out.append(qint64(logNormal(gen)));
            break;
        case Shape::Uniform:
            out.append(uniform(gen));
            break;
        case Shape::Exponential:
            out.append(qint64(exponential(gen)));
            break;
        case Shape::Bimodal: // 90% near 2 ms, 10% near 200 ms: a p90/p99 that jumps
            out.append(slow(gen) ? 200000 + uniform(gen) / 50 : 2000 + uniform(gen) / 5000);
            break;
        case Shape::SmallIntegers:
            out.append(small(gen));
            break;
        case Shape::WideRange: // 1 us to 71 min, every magnitude equally likely
            out.append(qint64(std::pow(2.0, exponent(gen))));
            break;
        }
    }
    return out;
}

const double quantiles[] = {0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1};
} // namespace

class tst_Percentiles : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void nearestRank_data();
    void nearestRank();
    void exactKnownValues_data();
    void exactKnownValues();
    void bucketGeometry();
    void streamingWithinError_data();
    void streamingWithinError();
    void edgeCases_data();
    void edgeCases();
    void outOfRange();
    void merge();
    void summaryMatchesQueries();
    void memoryIsFixed();
};

void tst_Percentiles::nearestRank_data()
{
    QTest::addColumn<double>("q");
    QTest::addColumn<qulonglong>("n");
    QTest::addColumn<qulonglong>("rank");
    QTest::addRow("median of 10") << 0.5 << 10ull << 5ull;
    QTest::addRow("median of 11") << 0.5 << 11ull << 6ull;
    QTest::addRow("0.7 * 10 is not 7.000000000000001") << 0.7 << 10ull << 7ull;
    QTest::addRow("0.3 * 10") << 0.3 << 10ull << 3ull;
    QTest::addRow("p99 of 100") << 0.99 << 100ull << 99ull;
    QTest::addRow("p99 of 101") << 0.99 << 101ull << 100ull;
    QTest::addRow("p99 of 1000000") << 0.99 << 1000000ull << 990000ull;
    QTest::addRow("p0 is the minimum") << 0.0 << 10ull << 1ull;
    QTest::addRow("p100 is the maximum") << 1.0 << 10ull << 10ull;
    QTest::addRow("q above 1") << 1.5 << 10ull << 10ull;
    QTest::addRow("q below 0") << -1.0 << 10ull << 1ull;
    QTest::addRow("one sample") << 0.5 << 1ull << 1ull;
    QTest::addRow("no sample") << 0.5 << 0ull << 0ull;
}

void tst_Percentiles::nearestRank()
{
    QFETCH(double, q);
    QFETCH(qulonglong, n);
    QFETCH(qulonglong, rank);
    QCOMPARE(qulonglong(blueshift::stats::nearestRank(q, n)), rank);
}

void tst_Percentiles::exactKnownValues_data()
{
    QTest::addColumn<QList<qint64>>("values");
    QTest::addColumn<double>("q");
    QTest::addColumn<qint64>("expected");
    // The nearest-rank worked example: ranks ceil(q * 5) of 15 20 35 40 50.
    const QList<qint64> five{50, 35, 15, 40, 20};
    QTest::addRow("5th of five") << five << 0.05 << qint64(15);
    QTest::addRow("30th of five") << five << 0.30 << qint64(20);
    QTest::addRow("40th of five") << five << 0.40 << qint64(20);
    QTest::addRow("50th of five") << five << 0.50 << qint64(35);
    QTest::addRow("100th of five") << five << 1.0 << qint64(50);
    QList<qint64> hundred;
    for (int i = 100; i >= 1; --i)
        hundred.append(i);
    QTest::addRow("p50 of 1..100") << hundred << 0.5 << qint64(50);
    QTest::addRow("p90 of 1..100") << hundred << 0.9 << qint64(90);
    QTest::addRow("p99 of 1..100") << hundred << 0.99 << qint64(99);
    QTest::addRow("p99.9 of 1..100") << hundred << 0.999 << qint64(100);
}

void tst_Percentiles::exactKnownValues()
{
    QFETCH(QList<qint64>, values);
    QFETCH(double, q);
    QFETCH(qint64, expected);
    ExactPercentiles exact;
    LatencyHistogram histogram;
    for (qint64 v : values) {
        exact.record(v);
        histogram.record(v);
    }
    QCOMPARE(exact.percentile(q), expected);
    // Below 128 the histogram counts every value on its own, so it is exact too.
    QCOMPARE(histogram.percentile(q), expected);
}

void tst_Percentiles::bucketGeometry()
{
    const int n = LatencyHistogram::bucketCount();
    QCOMPARE(n, 1728);
    QCOMPARE(LatencyHistogram::bucketIndex(LatencyHistogram::highestTrackable), n - 1);
    QCOMPARE(LatencyHistogram::bucketLow(0), qint64(0));
    for (int i = 0; i < n; ++i) {
        const qint64 low = LatencyHistogram::bucketLow(i);
        const qint64 width = LatencyHistogram::bucketWidth(i);
        QCOMPARE(LatencyHistogram::bucketIndex(low), i);
        QCOMPARE(LatencyHistogram::bucketIndex(low + width - 1), i);
        if (i + 1 < n)
            QCOMPARE(LatencyHistogram::bucketLow(i + 1), low + width); // no gap, no overlap
        else
            QCOMPARE(low + width - 1, LatencyHistogram::highestTrackable);
        if (i >= 128)
            QVERIFY(double(width) / double(low) <= 1.0 / 64);
        else
            QCOMPARE(width, qint64(1));
    }
}

void tst_Percentiles::streamingWithinError_data()
{
    QTest::addColumn<Shape>("shape");
    QTest::addColumn<int>("count");
    QTest::addRow("log-normal, median 20 ms") << Shape::LogNormal << 100000;
    QTest::addRow("uniform to 1 s") << Shape::Uniform << 100000;
    QTest::addRow("exponential, mean 5 ms") << Shape::Exponential << 100000;
    QTest::addRow("bimodal 2 ms / 200 ms") << Shape::Bimodal << 100000;
    QTest::addRow("small integers") << Shape::SmallIntegers << 10000;
    QTest::addRow("1 us to 71 min") << Shape::WideRange << 100000;
    QTest::addRow("log-normal, 37 samples") << Shape::LogNormal << 37;
}

void tst_Percentiles::streamingWithinError()
{
    QFETCH(Shape, shape);
    QFETCH(int, count);
    ExactPercentiles exact;
    LatencyHistogram histogram;
    for (qint64 v : samples(shape, count, 42)) {
        exact.record(v);
        histogram.record(v);
    }
    QCOMPARE(histogram.count(), exact.count());
    QCOMPARE(histogram.min(), exact.min());
    QCOMPARE(histogram.max(), exact.max());
    QVERIFY(std::abs(histogram.mean() - exact.mean()) <= 1e-9 * exact.mean());
    double worst = 0;
    for (double q : quantiles) {
        const double e = double(exact.percentile(q));
        const double s = double(histogram.percentile(q));
        const double error = e > 0 ? std::abs(s - e) / e : std::abs(s - e);
        worst = std::max(worst, error);
        QVERIFY2(error <= LatencyHistogram::relativeError,
                 qPrintable(QStringLiteral("q=%1 exact=%2 streaming=%3 error=%4")
                                .arg(q)
                                .arg(e)
                                .arg(s)
                                .arg(error)));
    }
    QVERIFY(LatencyHistogram::relativeError < 0.01);
    qInfo("worst relative error %.4f%% (bound %.4f%%)", worst * 100,
          LatencyHistogram::relativeError * 100);
}

void tst_Percentiles::edgeCases_data()
{
    QTest::addColumn<QList<qint64>>("values");
    QTest::addColumn<PercentileSummary>("expected");
    QTest::addRow("empty") << QList<qint64>() << PercentileSummary{};
    QTest::addRow("one sample") << QList<qint64>{123457}
                                << PercentileSummary{1, 123457, 123457, 123457, 123457, 123457};
    QTest::addRow("one zero") << QList<qint64>{0} << PercentileSummary{1, 0, 0, 0, 0, 0};
    // Clamping the bucket's middle to [min, max] makes a constant exact at any magnitude.
    QTest::addRow("all equal") << QList<qint64>(1000, 777777)
                               << PercentileSummary{1000, 777777, 777777, 777777, 777777, 777777};
    QTest::addRow("negative counts as 0")
        << QList<qint64>{-5, -1} << PercentileSummary{2, 0, 0, 0, 0, 0};
    // Two values: p50 is the lower (rank 1), p90 and p99 the upper (rank 2).
    QTest::addRow("two values") << QList<qint64>{10, 20}
                                << PercentileSummary{2, 10, 10, 20, 20, 20};
}

void tst_Percentiles::edgeCases()
{
    QFETCH(QList<qint64>, values);
    QFETCH(PercentileSummary, expected);
    ExactPercentiles exact;
    LatencyHistogram histogram;
    for (qint64 v : values) {
        exact.record(std::max<qint64>(v, 0));
        histogram.record(v);
    }
    QCOMPARE(histogram.summary(), expected);
    QCOMPARE(exact.summary(), expected);
    QCOMPARE(histogram.isEmpty(), values.isEmpty());
}

void tst_Percentiles::outOfRange()
{
    LatencyHistogram h;
    const qint64 huge = qint64(1) << 40;
    h.record(100);
    h.record(huge);
    QCOMPARE(h.max(), huge);                  // exact
    QCOMPARE(h.percentile(1), huge);          // the top is the maximum
    QCOMPARE(h.percentile(0.5), qint64(100)); // the rest unaffected
    h.record(LatencyHistogram::highestTrackable);
    QVERIFY(h.percentile(0.67) <= huge);
}

void tst_Percentiles::merge()
{
    const QList<qint64> a = samples(Shape::LogNormal, 5000, 1);
    const QList<qint64> b = samples(Shape::Bimodal, 3000, 2);
    LatencyHistogram ha, hb, hall;
    ExactPercentiles ea, eb, eall;
    for (qint64 v : a) {
        ha.record(v);
        ea.record(v);
        hall.record(v);
        eall.record(v);
    }
    for (qint64 v : b) {
        hb.record(v);
        eb.record(v);
        hall.record(v);
        eall.record(v);
    }
    ha.merge(hb);
    ea.merge(eb);
    QCOMPARE(ha.summary(), hall.summary());
    QCOMPARE(ea.summary(), eall.summary());
    LatencyHistogram empty;
    empty.merge(hall);
    QCOMPARE(empty.summary(), hall.summary());
    hall.merge(LatencyHistogram());
    QCOMPARE(empty.summary(), hall.summary());
}

void tst_Percentiles::summaryMatchesQueries()
{
    LatencyHistogram h;
    for (qint64 v : samples(Shape::Exponential, 20000, 9))
        h.record(v);
    const PercentileSummary s = h.summary();
    QCOMPARE(s.p50, h.percentile(0.5));
    QCOMPARE(s.p90, h.percentile(0.9));
    QCOMPARE(s.p99, h.percentile(0.99));
    QCOMPARE(s.min, h.percentile(0));
    QCOMPARE(s.max, h.percentile(1));
    h.clear();
    QCOMPARE(h.summary(), PercentileSummary{});
}

void tst_Percentiles::memoryIsFixed()
{
    LatencyHistogram h;
    const std::size_t before = h.memoryBytes();
    QVERIFY2(before < 16 * 1024, QByteArray::number(qulonglong(before)));
    for (qint64 v : samples(Shape::WideRange, 1000000, 5))
        h.record(v);
    QCOMPARE(h.memoryBytes(), before);
}

QTEST_GUILESS_MAIN(tst_Percentiles)
#include "tst_percentiles.moc"
