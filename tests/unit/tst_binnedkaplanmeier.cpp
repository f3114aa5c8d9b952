#include "stats/binnedkaplanmeier.h"
#include "stats/kaplanmeier.h"
#include "stats/livesurvival.h"

#include <QRandomGenerator>
#include <QTest>

#include <cmath>

using namespace blueshift::stats;

namespace {
// Compares two curves row by row and says where they part.
QByteArray curveDifference(const SurvivalCurve &a, const SurvivalCurve &b)
{
    if (a.points().size() != b.points().size())
        return QByteArray("row counts differ: ") + QByteArray::number(a.points().size()) + " vs " +
               QByteArray::number(b.points().size());
    for (qsizetype i = 0; i < a.points().size(); ++i) {
        const SurvivalPoint &p = a.points().at(i);
        const SurvivalPoint &q = b.points().at(i);
        if (p.time != q.time || p.atRisk != q.atRisk || p.events != q.events ||
            p.censored != q.censored || std::abs(p.survival - q.survival) > 1e-12)
            return QByteArray("row ") + QByteArray::number(i) +
                   " at t=" + QByteArray::number(p.time) + " / " + QByteArray::number(q.time);
    }
    return {};
}
} // namespace

class tst_BinnedKaplanMeier : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void equalsExactOnWholeSeconds_data();
    void equalsExactOnWholeSeconds();
    void roundsAgesDown_data();
    void roundsAgesDown();
    void horizonCensors();
    void removeUndoesAdd();
    void merge();
    void memoryDoesNotGrow();
    void liveCensorsOpenSessionsAtTheirAge();
    void liveReusesSlots();
    void liveIgnoresUnknownHandles();
};

void tst_BinnedKaplanMeier::equalsExactOnWholeSeconds_data()
{
    QTest::addColumn<int>("sessions");
    QTest::addColumn<int>("maxAge");
    QTest::addColumn<int>("censoredPercent");
    QTest::addRow("few, many ties") << 50 << 10 << 30;
    QTest::addRow("10k over an hour") << 10000 << 3600 << 50;
    QTest::addRow("no censoring") << 2000 << 600 << 0;
    QTest::addRow("all censored") << 500 << 600 << 100;
}

void tst_BinnedKaplanMeier::equalsExactOnWholeSeconds()
{
    QFETCH(int, sessions);
    QFETCH(int, maxAge);
    QFETCH(int, censoredPercent);
    QRandomGenerator rng(7);
    KaplanMeier exact;
    BinnedKaplanMeier binned(1.0, 6 * 3600);
    for (int i = 0; i < sessions; ++i) {
        const double age = double(rng.bounded(maxAge + 1));
        const bool closed = int(rng.bounded(100)) >= censoredPercent;
        exact.add(age, closed);
        binned.add(age, closed);
    }
    QCOMPARE(binned.size(), sessions);
    const QByteArray diff = curveDifference(exact.curve(), binned.curve());
    QVERIFY2(diff.isEmpty(), diff.constData());
    QCOMPARE(binned.curve().median(), exact.median());
}

void tst_BinnedKaplanMeier::roundsAgesDown_data()
{
    QTest::addColumn<double>("resolution");
    QTest::addColumn<QList<double>>("events");
    QTest::addColumn<QList<double>>("expectedTimes");
    QTest::addColumn<QList<int>>("expectedEvents");
    QTest::addRow("1 s") << 1.0 << QList<double>{1.2, 1.7, 2.0, 0.4} << QList<double>{0, 1, 2}
                         << QList<int>{1, 2, 1};
    QTest::addRow("10 s") << 10.0 << QList<double>{5, 15, 19.99, 25} << QList<double>{0, 10, 20}
                          << QList<int>{1, 2, 1};
    QTest::addRow("250 ms") << 0.25 << QList<double>{0.1, 0.3, 0.49, 0.5}
                            << QList<double>{0, 0.25, 0.5} << QList<int>{1, 2, 1};
}

void tst_BinnedKaplanMeier::roundsAgesDown()
{
    QFETCH(double, resolution);
    QFETCH(QList<double>, events);
    QFETCH(QList<double>, expectedTimes);
    QFETCH(QList<int>, expectedEvents);
    BinnedKaplanMeier km(resolution, 3600);
    for (double e : events)
        km.add(e, true);
    const SurvivalCurve curve = km.curve();
    QCOMPARE(curve.points().size(), expectedTimes.size());
    for (qsizetype i = 0; i < expectedTimes.size(); ++i) {
        QCOMPARE(curve.points().at(i).time, expectedTimes.at(i));
        QCOMPARE(curve.points().at(i).events, expectedEvents.at(i));
    }
    QCOMPARE(curve.points().constLast().survival, 0.0);
}

void tst_BinnedKaplanMeier::horizonCensors()
{
    // Horizon 100 s: the event at 150 happened beyond what the curve covers, so it is censored
    // at 100 with the censoring at 500. S(50) = 2/3, and stays there.
    BinnedKaplanMeier km(1.0, 100);
    QCOMPARE(km.horizon(), 100.0);
    km.add(50, true);
    km.add(150, true);
    km.add(500, false);
    const SurvivalCurve curve = km.curve();
    QCOMPARE(curve.points().size(), 2);
    QCOMPARE(curve.points().at(0).atRisk, 3);
    QCOMPARE(curve.survivalAt(1e9), 2.0 / 3);
    QCOMPARE(curve.points().at(1).time, 100.0);
    QCOMPARE(curve.points().at(1).censored, 2);
    QCOMPARE(curve.remaining(), 0);
}

void tst_BinnedKaplanMeier::removeUndoesAdd()
{
    BinnedKaplanMeier km;
    km.add(10, true);
    km.add(20, false);
    km.add(99999, false);
    km.add(30, true, 3);
    km.remove(30, true, 2);
    km.remove(99999, false);
    km.remove(20, true); // never added as an event: nothing to remove
    QCOMPARE(km.size(), 3);
    KaplanMeier exact;
    exact.add(10, true);
    exact.add(20, false);
    exact.add(30, true);
    const QByteArray diff = curveDifference(exact.curve(), km.curve());
    QVERIFY2(diff.isEmpty(), diff.constData());
}

void tst_BinnedKaplanMeier::merge()
{
    BinnedKaplanMeier a, b, all;
    for (int i = 0; i < 100; ++i) {
        (i % 2 ? a : b).add(i % 17, i % 3 != 0);
        all.add(i % 17, i % 3 != 0);
    }
    QVERIFY(a.merge(b));
    QCOMPARE(a.size(), 100);
    const QByteArray diff = curveDifference(all.curve(), a.curve());
    QVERIFY2(diff.isEmpty(), diff.constData());
    QVERIFY(!a.merge(BinnedKaplanMeier(2.0, 6 * 3600)));
    QVERIFY(!a.merge(BinnedKaplanMeier(1.0, 3600)));
}

void tst_BinnedKaplanMeier::memoryDoesNotGrow()
{
    BinnedKaplanMeier km(1.0, 6 * 3600);
    (void)km.curve(std::vector<double>(10, 1.0));
    const std::size_t before = km.memoryBytes();
    // Two counters per bin: 21,600 bins of 1 s for 6 hours, 4 bytes each, plus the scratch.
    QVERIFY2(before <= 3 * 21600 * sizeof(quint32) + sizeof(km),
             QByteArray::number(qulonglong(before)));
    QRandomGenerator rng(3);
    for (int i = 0; i < 200000; ++i)
        km.add(rng.bounded(30000.0), i % 2);
    (void)km.curve(std::vector<double>(10, 1.0));
    QCOMPARE(km.memoryBytes(), before);
}

void tst_BinnedKaplanMeier::liveCensorsOpenSessionsAtTheirAge()
{
    LiveSurvival live;
    QList<LiveSurvival::Handle> h;
    for (int i = 0; i < 5; ++i)
        h.append(live.open(double(i)));
    live.close(h[0], 10, true);  // closed by the server at age 10: event
    live.close(h[1], 6, false);  // ended by the harness at age 5: censored
    live.close(h[3], 3.5, true); // age 0.5: event, in bin 0
    QCOMPARE(live.openCount(), 2);
    QCOMPARE(live.closedCount(), 3);
    // At 20 s, h2 (opened at 2) and h4 (at 4) are 18 and 16 seconds old.
    KaplanMeier exact;
    exact.add(10, true);
    exact.add(5, false);
    exact.add(0, true);
    exact.add(18, false);
    exact.add(16, false);
    QByteArray diff = curveDifference(exact.curve(), live.curve(20));
    QVERIFY2(diff.isEmpty(), diff.constData());
    // The same sessions a minute later: only the open ones age.
    KaplanMeier later;
    later.add(10, true);
    later.add(5, false);
    later.add(0, true);
    later.add(78, false);
    later.add(76, false);
    diff = curveDifference(later.curve(), live.curve(80));
    QVERIFY2(diff.isEmpty(), diff.constData());
    QCOMPARE(live.curve(80).survivalAt(100), 0.8 * (2.0 / 3));
}

void tst_BinnedKaplanMeier::liveReusesSlots()
{
    LiveSurvival live(1.0, 3600);
    // 10,000 sessions at once, then a long run of reconnects: slots are recycled, so the
    // footprint stays that of the peak.
    QList<LiveSurvival::Handle> handles;
    for (int i = 0; i < 10000; ++i)
        handles.append(live.open(0));
    std::size_t peak = 0;
    for (int round = 0; round < 20; ++round) {
        for (LiveSurvival::Handle &h : handles) {
            live.close(h, round + 1, false);
            h = live.open(round + 1);
        }
        (void)live.curve(round + 1.5);
        if (round == 0)
            peak = live.memoryBytes();
    }
    QCOMPARE(live.openCount(), 10000);
    QCOMPARE(live.closedCount(), 200000);
    QCOMPARE(live.memoryBytes(), peak);
}

void tst_BinnedKaplanMeier::liveIgnoresUnknownHandles()
{
    LiveSurvival live;
    const LiveSurvival::Handle a = live.open(0);
    live.close(a, 5, true);
    live.close(a, 6, true); // already closed
    live.close(12345, 6, true);
    live.discard(a);
    QCOMPARE(live.closedCount(), 1);
    QCOMPARE(live.openCount(), 0);
    const LiveSurvival::Handle b = live.open(1);
    QCOMPARE(b, a); // the slot came back
    live.discard(b);
    QCOMPARE(live.closedCount(), 1);
    QCOMPARE(live.curve(100).survivalAt(5), 0.0);
}

QTEST_GUILESS_MAIN(tst_BinnedKaplanMeier)
#include "tst_binnedkaplanmeier.moc"
