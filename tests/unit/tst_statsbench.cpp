#include "stats/closetally.h"
#include "stats/exactpercentiles.h"
#include "stats/kaplanmeier.h"
#include "stats/latencyhistogram.h"
#include "stats/livesurvival.h"
#include "stats/ringseries.h"
#include "stats/survivalsvg.h"
#include "stats/timeseriespercentiles.h"

#include <QRandomGenerator>
#include <QTest>

#include <vector>

using namespace blueshift::stats;

// Costs of the statistics at the scale the harness runs them: 10,000 sessions, a GUI refresh a
// few times a second. Each function is a QBENCHMARK; run this executable by hand for figures
// (ctest runs it once as a smoke test). memoryFor10kSessions prints the footprint.
class tst_StatsBench : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void kaplanMeierExactFromScratch();
    void kaplanMeierExactAfter100New();
    void kaplanMeierLiveRefresh();
    void histogramRecord10k();
    void histogramSummary();
    void exactPercentiles10k();
    void survivalSvg10k();
    void memoryFor10kSessions();

private:
    struct Observation
    {
        double age;
        bool closed;
    };
    std::vector<Observation> m_observations;
    std::vector<qint64> m_rtts;
};

void tst_StatsBench::initTestCase()
{
    QRandomGenerator rng(1234);
    for (int i = 0; i < 10000; ++i)
        m_observations.push_back({rng.bounded(4 * 3600.0), rng.bounded(4) == 0});
    for (int i = 0; i < 10000; ++i)
        m_rtts.push_back(500 + qint64(rng.bounded(200000)) * qint64(rng.bounded(8) == 0 ? 10 : 1));
}

void tst_StatsBench::kaplanMeierExactFromScratch()
{
    // Every observation new: one sort of 10,000 and one pass.
    QBENCHMARK
    {
        KaplanMeier km;
        km.reserve(m_observations.size());
        for (const Observation &o : m_observations)
            km.add(o.age, o.closed);
        QCOMPARE(km.curve().subjects(), 10000);
    }
}

void tst_StatsBench::kaplanMeierExactAfter100New()
{
    // The sorted 10,000 stay sorted; 100 new ones are sorted and merged in. The copy of the
    // estimator (about 160 KB) is part of the figure.
    KaplanMeier base;
    for (const Observation &o : m_observations)
        base.add(o.age, o.closed);
    (void)base.curve();
    QBENCHMARK
    {
        KaplanMeier km = base;
        for (int i = 0; i < 100; ++i)
            km.add(double(i) * 97.0, i % 3 == 0);
        QCOMPARE(km.curve().subjects(), 10100);
    }
}

void tst_StatsBench::kaplanMeierLiveRefresh()
{
    // What a chart refresh costs mid-run: 10,000 sessions open (censored at their current age),
    // 30,000 already closed, 1 s bins over a 6 h horizon.
    LiveSurvival live(1.0, 6 * 3600);
    QRandomGenerator rng(99);
    for (int i = 0; i < 30000; ++i) {
        const LiveSurvival::Handle h = live.open(rng.bounded(3600.0));
        live.close(h, 3600 + rng.bounded(3600.0), rng.bounded(2) == 0);
    }
    for (int i = 0; i < 10000; ++i)
        live.open(rng.bounded(7200.0));
    double now = 7200;
    QBENCHMARK
    {
        const SurvivalCurve curve = live.curve(now);
        QCOMPARE(curve.subjects(), 40000);
        now += 0.25;
    }
}

void tst_StatsBench::histogramRecord10k()
{
    LatencyHistogram h;
    QBENCHMARK
    {
        for (qint64 v : m_rtts)
            h.record(v);
    }
    QVERIFY(h.count() >= 10000);
}

void tst_StatsBench::histogramSummary()
{
    LatencyHistogram h;
    for (qint64 v : m_rtts)
        h.record(v);
    PercentileSummary s;
    QBENCHMARK
    {
        s = h.summary();
    }
    QCOMPARE(s.count, quint64(10000));
}

void tst_StatsBench::exactPercentiles10k()
{
    // The reference: keep every sample and sort.
    QBENCHMARK
    {
        ExactPercentiles e;
        for (qint64 v : m_rtts)
            e.record(v);
        QVERIFY(e.summary().count == 10000);
    }
}

void tst_StatsBench::survivalSvg10k()
{
    KaplanMeier km;
    for (const Observation &o : m_observations)
        km.add(o.age, o.closed);
    const QList<NamedSurvivalCurve> curves{{QStringLiteral("app--blue"), km.curve()}};
    QByteArray svg;
    QBENCHMARK
    {
        svg = survivalSvg(curves, QStringLiteral("Survival"));
    }
    QVERIFY2(svg.size() < 32 * 1024, QByteArray::number(svg.size()));
}

void tst_StatsBench::memoryFor10kSessions()
{
    // Everything the harness keeps for a 10,000-session run over two revisions: a live survival
    // tracker and a live-sessions series per revision, RTT percentiles per second (15 min) and
    // per 10 s (6 h), the reconnect-time histogram and the close tally.
    QRandomGenerator rng(5);
    LiveSurvival blue, green;
    RingSeries blueLive, greenLive;
    TimeSeriesPercentiles rttPerSecond(1, 900);
    TimeSeriesPercentiles rttPer10s(10, 2160);
    LatencyHistogram reconnects;
    CloseTally closes;
    for (int s = 0; s < 5; ++s)
        closes.timeline().addStep(s * 600.0, QStringLiteral("step %1").arg(s));
    for (int i = 0; i < 5000; ++i) {
        blue.open(rng.bounded(600.0));
        green.open(600 + rng.bounded(600.0));
    }
    // Two hours of once-a-second samples, RTTs at 100 a second, closes and reconnects.
    const int codes[] = {1000, 1001, 1006, 1011, 1012, 4000};
    for (int t = 0; t < 7200; ++t) {
        blueLive.append(t, blue.openCount());
        greenLive.append(t, green.openCount());
        for (int i = 0; i < 100; ++i) {
            const qint64 rtt = 1000 + qint64(rng.bounded(50000));
            rttPerSecond.record(t + i / 100.0, rtt);
            rttPer10s.record(t + i / 100.0, rtt);
        }
        const int code = codes[rng.bounded(6)];
        closes.recordAt(t,
                        rng.bounded(2) ? QStringLiteral("app--blue") : QStringLiteral("app--green"),
                        code, CloseSide(rng.bounded(3)));
        reconnects.record(qint64(rng.bounded(3000000)));
        if (t % 250 == 0) {
            (void)blue.curve(t);
            (void)green.curve(t);
        }
    }
    const std::size_t survival = blue.memoryBytes() + green.memoryBytes();
    const std::size_t series = blueLive.memoryBytes() + greenLive.memoryBytes();
    const std::size_t rtt = rttPerSecond.memoryBytes() + rttPer10s.memoryBytes();
    const std::size_t total =
        survival + series + rtt + reconnects.memoryBytes() + closes.memoryBytes();
    qInfo("survival (2 revisions, 10,000 open, 1 s bins over 6 h): %zu bytes", survival);
    qInfo("live sessions series (2 revisions, 15 min/1 s, 6 h/10 s, 24 h/1 min): %zu bytes",
          series);
    qInfo("RTT percentiles (15 min at 1 s, 6 h at 10 s, whole-run histograms): %zu bytes", rtt);
    qInfo("reconnect histogram: %zu bytes, close tally (%lld cells): %zu bytes",
          reconnects.memoryBytes(), qlonglong(closes.rows().size()), closes.memoryBytes());
    qInfo("total: %zu bytes (%.1f bytes per session)", total, double(total) / 10000);
    QVERIFY2(total < 2 * 1024 * 1024, QByteArray::number(qulonglong(total)));
}

QTEST_GUILESS_MAIN(tst_StatsBench)
#include "tst_statsbench.moc"
