#include "stats/kaplanmeier.h"

#include <QRandomGenerator>
#include <QTest>

#include <cmath>

using namespace blueshift::stats;

namespace blueshift::stats {
QByteArray describe(const SurvivalPoint &p)
{
    return QStringLiteral("t=%1 n=%2 d=%3 c=%4 S=%5 se=%6")
        .arg(p.time)
        .arg(p.atRisk)
        .arg(p.events)
        .arg(p.censored)
        .arg(p.survival, 0, 'f', 6)
        .arg(p.standardError, 0, 'f', 6)
        .toUtf8();
}

char *toString(const SurvivalPoint &p)
{
    return qstrdup(describe(p).constData());
}
} // namespace blueshift::stats

namespace {
// "7+" is a session still open (censored) at age 7; "7" one that closed at age 7.
void addAll(KaplanMeier &km, const QStringList &observations)
{
    for (const QString &o : observations) {
        const bool censored = o.endsWith(QLatin1Char('+'));
        km.add((censored ? o.chopped(1) : o).toDouble(), !censored);
    }
}

QStringList split(const char *s)
{
    return QString::fromLatin1(s).split(QLatin1Char(' '), Qt::SkipEmptyParts);
}

// An expected row of the textbook table: "time:atRisk:events:survival[:standardError]".
struct Row
{
    double time;
    int atRisk;
    int events;
    double survival;
    double standardError; // NaN: not checked
};

QList<Row> rows(const char *s)
{
    QList<Row> out;
    for (const QString &r : split(s)) {
        const QStringList f = r.split(QLatin1Char(':'));
        out.append({f.at(0).toDouble(), f.at(1).toInt(), f.at(2).toInt(), f.at(3).toDouble(),
                    f.size() > 4 ? f.at(4).toDouble() : std::nan("")});
    }
    return out;
}
} // namespace

Q_DECLARE_METATYPE(Row)

class tst_KaplanMeier : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void textbook_data();
    void textbook();
    void survivalAtIsRightContinuous();
    void emptyEstimator();
    void oddInput();
    void incrementalEqualsFromScratch_data();
    void incrementalEqualsFromScratch();
};

void tst_KaplanMeier::textbook_data()
{
    QTest::addColumn<QStringList>("observations");
    QTest::addColumn<QList<Row>>("expected"); // event rows only
    QTest::addColumn<double>("median");       // NaN: none

    // Freireich et al. (1963), 6-MP arm, as analysed by Gehan (1965) and in most survival
    // textbooks (Kleinbaum & Klein, ch. 2). n = 21; ties among events (three at 6) and between an
    // event and a censoring (10 and 10+). By hand, S(t) = prod (1 - d/n) over event times:
    //   t=6  n=21 d=3  S = 18/21             = 0.8571
    //   t=7  n=17 d=1  S = 0.8571 * 16/17    = 0.8067  (6+ left after the events at 6)
    //   t=10 n=15 d=1  S = 0.8067 * 14/15    = 0.7529  (9+ left; 10+ still at risk at 10)
    //   t=13 n=12 d=1  S = 0.7529 * 11/12    = 0.6902  (10+ and 11+ left)
    //   t=16 n=11 d=1  S = 0.6902 * 10/11    = 0.6275
    //   t=22 n=7  d=1  S = 0.6275 * 6/7      = 0.5378  (17+, 19+, 20+ left)
    //   t=23 n=6  d=1  S = 0.5378 * 5/6      = 0.4482  -> median 23
    // Greenwood: se = S sqrt(sum d/(n(n-d))), e.g. at 6: 0.8571 sqrt(3/(21*18)) = 0.0764; the
    // column matches R's survfit() for this data set.
    QTest::addRow("6-MP leukaemia remission")
        << split("6 6 6 6+ 7 9+ 10 10+ 11+ 13 16 17+ 19+ 20+ 22 23 25+ 32+ 32+ 34+ 35+")
        << rows("6:21:3:0.857143:0.0764 7:17:1:0.806723:0.0869 10:15:1:0.752941:0.0963 "
                "13:12:1:0.690196:0.1068 16:11:1:0.627451:0.1141 22:7:1:0.537815:0.1282 "
                "23:6:1:0.448179:0.1346")
        << 23.0;
    // No ties, no censoring: S falls by 1/4 at each time and is exactly 0.5 at 2, which is the
    // median (the first time S <= 0.5). se at 1 = 0.75 sqrt(1/(4*3)) = 0.2165.
    QTest::addRow("four events") << split("4 3 2 1")
                                 << rows("1:4:1:0.75:0.2165 2:3:1:0.5 3:2:1:0.25 4:1:1:0:0") << 2.0;
    // Censored before any event: 1+ leaves the risk set, so at 2 n=4, d=2, S=1/2; 3+ leaves;
    // at 4 n=1, d=1, S=0.
    QTest::addRow("censored first, tied events")
        << split("1+ 2 2 3+ 4") << rows("2:4:2:0.5 4:1:1:0") << 2.0;
    // The tie rule itself: the censoring at 3 is still at risk at 3, so S(3) = 2/3. Counting it
    // out first would give 1/2.
    QTest::addRow("event and censoring tied")
        << split("3+ 3 5") << rows("3:3:1:0.666667 5:1:1:0") << 5.0;
    QTest::addRow("all censored") << split("2+ 5+ 5+") << QList<Row>() << std::nan("");
    QTest::addRow("one session") << split("7") << rows("7:1:1:0") << 7.0;
    // S stays at 3/4: no median.
    QTest::addRow("never reaches half")
        << split("1 2+ 3+ 4+") << rows("1:4:1:0.75") << std::nan("");
    // Sessions closed at age 0 (upgrade refused) are events at time 0.
    QTest::addRow("closed at age zero") << split("0 0 10+ 20") << rows("0:4:2:0.5 20:1:1:0") << 0.0;
}

void tst_KaplanMeier::textbook()
{
    QFETCH(QStringList, observations);
    QFETCH(QList<Row>, expected);
    QFETCH(double, median);

    KaplanMeier km;
    addAll(km, observations);
    QCOMPARE(km.size(), observations.size());
    const SurvivalCurve &curve = km.curve();
    QCOMPARE(curve.subjects(), observations.size());

    QList<SurvivalPoint> eventRows;
    int censored = 0;
    for (const SurvivalPoint &p : curve.points()) {
        if (p.events > 0)
            eventRows.append(p);
        censored += p.censored;
    }
    const auto isCensored = [](const QString &o) { return o.endsWith(QLatin1Char('+')); };
    QCOMPARE(censored, int(std::count_if(observations.cbegin(), observations.cend(), isCensored)));
    QCOMPARE(eventRows.size(), expected.size());
    for (qsizetype i = 0; i < expected.size(); ++i) {
        const SurvivalPoint &p = eventRows.at(i);
        const Row &r = expected.at(i);
        const QByteArray where = describe(p);
        QVERIFY2(p.time == r.time, where);
        QVERIFY2(p.atRisk == r.atRisk, where);
        QVERIFY2(p.events == r.events, where);
        QVERIFY2(std::abs(p.survival - r.survival) < 5e-7, where);
        QVERIFY2(std::isnan(r.standardError) || std::abs(p.standardError - r.standardError) < 5e-5,
                 where);
        QCOMPARE(km.survivalAt(r.time), p.survival);
    }
    if (std::isnan(median))
        QVERIFY(!km.median().has_value());
    else
        QCOMPARE(km.median(), std::optional<double>(median));
}

void tst_KaplanMeier::survivalAtIsRightContinuous()
{
    KaplanMeier km;
    addAll(km, split("6 6 6 6+ 7 9+ 10 10+ 11+ 13 16 17+ 19+ 20+ 22 23 25+ 32+ 32+ 34+ 35+"));
    QCOMPARE(km.survivalAt(-1), 1.0);
    QCOMPARE(km.survivalAt(5.999), 1.0);
    QCOMPARE(km.survivalAt(6), 18.0 / 21);
    QCOMPARE(km.survivalAt(6.5), 18.0 / 21);
    QCOMPARE(km.survivalAt(9), km.survivalAt(7));
    QCOMPARE(km.survivalAt(1000), km.survivalAt(23));
    // The last row is a censoring at 35: nobody is left, and S keeps its last value.
    QCOMPARE(km.curve().points().constLast().time, 35.0);
    QCOMPARE(km.curve().remaining(), 0);
    QCOMPARE(km.curve().totalEvents(), 9);
    QCOMPARE(km.curve().timeAtSurvival(0.75), std::optional<double>(13)); // S(10) = 0.7529
    QCOMPARE(km.curve().timeAtSurvival(0.9), std::optional<double>(6));
    QVERIFY(!km.curve().timeAtSurvival(0.4).has_value());
}

void tst_KaplanMeier::emptyEstimator()
{
    KaplanMeier km;
    QVERIFY(km.isEmpty());
    QVERIFY(km.curve().isEmpty());
    QCOMPARE(km.survivalAt(10), 1.0);
    QVERIFY(!km.median().has_value());
    km.add(3, true);
    QCOMPARE(km.survivalAt(10), 0.0);
    km.clear();
    QVERIFY(km.curve().isEmpty());
    QCOMPARE(km.survivalAt(10), 1.0);
}

void tst_KaplanMeier::oddInput()
{
    KaplanMeier km;
    km.add(std::nan(""), true);
    km.add(std::numeric_limits<double>::infinity(), true);
    QCOMPARE(km.size(), 0);
    // A negative age (clocks disagreeing by a hair) counts as age 0.
    km.add(-0.001, true);
    km.add(1, false);
    QCOMPARE(km.curve().points().constFirst().time, 0.0);
    QCOMPARE(km.survivalAt(0), 0.5);
}

void tst_KaplanMeier::incrementalEqualsFromScratch_data()
{
    QTest::addColumn<int>("initial");
    QTest::addColumn<int>("batches");
    QTest::addColumn<int>("batchSize");
    QTest::addRow("empty start") << 0 << 3 << 10;
    QTest::addRow("small updates") << 1000 << 5 << 7;
    QTest::addRow("large update") << 200 << 1 << 5000;
}

void tst_KaplanMeier::incrementalEqualsFromScratch()
{
    QFETCH(int, initial);
    QFETCH(int, batches);
    QFETCH(int, batchSize);
    QRandomGenerator rng(20240611);
    KaplanMeier incremental;
    KaplanMeier scratch;
    auto addRandom = [&](int n) {
        for (int i = 0; i < n; ++i) {
            // Whole seconds, so that ties are common.
            const double t = double(rng.bounded(600));
            const bool closed = rng.bounded(3) != 0;
            incremental.add(t, closed);
            scratch.add(t, closed);
        }
    };
    addRandom(initial);
    (void)incremental.curve();
    for (int b = 0; b < batches; ++b) {
        addRandom(batchSize);
        (void)incremental.curve(); // merges the new tail into the sorted part
    }
    const QList<SurvivalPoint> a = incremental.curve().points();
    // `scratch` never sorted before: one sort of everything.
    const QList<SurvivalPoint> b = scratch.curve().points();
    QCOMPARE(a.size(), b.size());
    for (qsizetype i = 0; i < a.size(); ++i) {
        QCOMPARE(a.at(i).time, b.at(i).time);
        QCOMPARE(a.at(i).atRisk, b.at(i).atRisk);
        QCOMPARE(a.at(i).events, b.at(i).events);
        QCOMPARE(a.at(i).censored, b.at(i).censored);
        QCOMPARE(a.at(i).survival, b.at(i).survival);
    }
}

QTEST_GUILESS_MAIN(tst_KaplanMeier)
#include "tst_kaplanmeier.moc"
