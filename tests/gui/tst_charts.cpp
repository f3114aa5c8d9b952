// The charts fed with hand-built data (a blue/green rollout: live series, timeline, survival
// curves, RTT buckets, close tally): what each series holds, stacking, markers per timeline
// entry, the dirty/visible redraw timer, one replace() per series per redraw, CSV and PNG
// exports, and screenshots of every tab of the charts panel as artifacts.
#include "charts/chartspanel.h"
#include "charts/closecodeschart.h"
#include "charts/livesessionschart.h"
#include "charts/rttchart.h"
#include "charts/survivalchart.h"

#include <QAreaSeries>
#include <QChartView>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QValueAxis>

using namespace blueshift;
using namespace blueshift::gui;

namespace {
const QString kBlue = QStringLiteral("app--blue");
const QString kGreen = QStringLiteral("app--green");

double blueAt(int t)
{
    // Ramp to 100, hold, and gone after the deactivation at 50 s.
    return t < 10 ? t * 10.0 : (t < 50 ? 100.0 : 0.0);
}
double greenAt(int t)
{
    // New sessions from 30 s, then blue's reconnects at 50 s.
    return t < 30 ? 0.0 : (t < 50 ? (t - 30) * 2.0 : 140.0);
}

harness::TimelineEntry entry(double time, const QString &kind, const QJsonObject &fields, int step)
{
    return {time, kind, fields, step};
}

ChartData rolloutData()
{
    ChartData d;
    d.now = 60;
    stats::NamedSeries blue{kBlue, {}};
    stats::NamedSeries green{kGreen, {}};
    for (int t = 0; t < 60; ++t) {
        blue.points.append({t, 1, blueAt(t), blueAt(t), blueAt(t), 1});
        if (t >= 30)
            green.points.append({t, 1, greenAt(t), greenAt(t), greenAt(t), 1});
    }
    d.live = {blue, green};

    const QString name = QStringLiteral("name");
    d.timeline = {
        entry(20, QStringLiteral("step"), {{name, QStringLiteral("deploy green")}}, 0),
        entry(30, QStringLiteral("traffic.updated"), {{QStringLiteral("weights"), 50}}, -1),
        entry(30, QStringLiteral("step"), {{name, QStringLiteral("50/50")}}, 1),
        entry(40, QStringLiteral("step"), {{name, QStringLiteral("100/0")}}, 2),
        entry(50, QStringLiteral("revision.deactivated"), {{QStringLiteral("revision"), kBlue}},
              -1),
        entry(50, QStringLiteral("step"), {{name, QStringLiteral("deactivate blue")}}, 3),
    };

    stats::SurvivalCurve blueCurve(100);
    blueCurve.append(10, 5, 0);
    blueCurve.append(50, 50, 0);
    blueCurve.append(59, 0, 45);
    stats::SurvivalCurve greenCurve(60);
    greenCurve.append(30, 0, 60);
    d.survival = {{kBlue, blueCurve}, {kGreen, greenCurve}};

    for (int t = 0; t < 60; ++t) {
        stats::PercentileBucket b;
        b.start = t;
        b.width = 1;
        b.summary.count = 50;
        b.summary.p50 = 400 + t * 10;
        b.summary.p90 = 1200;
        b.summary.p99 = t == 50 ? 9000 : 2000;
        b.summary.max = 12000;
        d.rtt.append(b);
    }

    for (const harness::TimelineEntry &e : std::as_const(d.timeline)) {
        if (e.step >= 0)
            d.closes.timeline().addStep(e.time, e.fields.value(name).toString());
    }
    d.closes.record(-1, kBlue, 1006, stats::CloseSide::Transport, 2);
    d.closes.record(3, kBlue, 1001, stats::CloseSide::Server, 40);
    d.closes.record(3, kGreen, 1000, stats::CloseSide::Client, 3);
    return d;
}

QString artifactPath(const QString &file)
{
    QDir().mkpath(QStringLiteral(BLUESHIFT_GUI_ARTIFACTS));
    return QStringLiteral(BLUESHIFT_GUI_ARTIFACTS) + u'/' + file;
}

QChart *qtChartOf(ChartWidget *w)
{
    auto *view = w->findChild<QChartView *>();
    return view ? view->chart() : nullptr;
}
} // namespace

class TestCharts : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void liveSessionsStackRevisions();
    void markersForEveryTimelineEntry();
    void redrawsOnlyWhenDirtyAndVisible();
    void oneReplacePerSeriesPerRedraw();
    void survivalIsAStepFunction();
    void rttInMilliseconds();
    void closeCodesByStep();
    void csvExports();
    void pngExport();
    void longRunsSwitchToMinutes();
    void fromStatsReadsCore();
    void panelTabsAndScreenshots();
};

void TestCharts::liveSessionsStackRevisions()
{
    LiveSessionsChart chart;
    chart.setData(rolloutData());
    chart.redrawNow();
    QCOMPARE(chart.seriesCount(), 2);
    QCOMPARE(chart.seriesName(0), kBlue);
    QCOMPARE(chart.seriesName(1), kGreen);
    const QList<QPointF> blue = chart.seriesPoints(0);
    const QList<QPointF> green = chart.seriesPoints(1);
    QCOMPARE(blue.size(), 60);
    QCOMPARE(green.size(), 30); // from its first sample, on the same time grid
    for (int t = 0; t < 60; ++t) {
        QCOMPARE(blue.at(t), QPointF(t, blueAt(t)));
        // Green is stacked on blue: its upper edge is the fleet's total.
        if (t >= 30)
            QCOMPARE(green.at(t - 30), QPointF(t, blueAt(t) + greenAt(t)));
    }
    // A colour per revision, after its name.
    QVERIFY(chart.seriesColor(0).blue() > chart.seriesColor(0).green());
    QVERIFY(chart.seriesColor(1).green() > chart.seriesColor(1).blue());
    QCOMPARE(chart.axisTitle(Qt::Horizontal), QStringLiteral("Run time (s)"));
    QCOMPARE(chart.axisTitle(Qt::Vertical), QStringLiteral("Live sessions"));
    QCOMPARE(chart.axisRange(Qt::Vertical), QPointF(0, 150)); // round numbers
    QCOMPARE(chart.axisRange(Qt::Horizontal), QPointF(0, 60));

    // A new run (different revisions) replaces the layers.
    ChartData other;
    other.live = {{QStringLiteral("solo"), {{0, 1, 5, 5, 5, 1}, {1, 1, 6, 6, 6, 1}}}};
    chart.setData(other);
    chart.redrawNow();
    QCOMPARE(chart.seriesCount(), 1);
    QCOMPARE(chart.seriesName(0), QStringLiteral("solo"));
    QCOMPARE(chart.seriesPoints(0), (QList<QPointF>{{0, 5}, {1, 6}}));
    QCOMPARE(chart.markerCount(), 0);
}

void TestCharts::markersForEveryTimelineEntry()
{
    LiveSessionsChart chart;
    chart.resize(900, 500);
    chart.setData(rolloutData());
    chart.show();
    QVERIFY(QTest::qWaitForWindowExposed(&chart));
    chart.redrawNow();
    QCOMPARE(chart.markerCount(), 6);
    QCOMPARE(chart.markerLabels(),
             (QStringList{QStringLiteral("deploy green"), QStringLiteral("traffic.updated"),
                          QStringLiteral("50/50"), QStringLiteral("100/0"),
                          QStringLiteral("revision.deactivated app--blue"),
                          QStringLiteral("deactivate blue")}));
    QCOMPARE(chart.markerTimes(), (QList<double>{20, 30, 30, 40, 50, 50}));
    QTRY_COMPARE(chart.visibleMarkerCount(), 6);

    RttChart rtt;
    rtt.setData(rolloutData());
    rtt.redrawNow();
    QCOMPARE(rtt.markerCount(), 6);
}

void TestCharts::redrawsOnlyWhenDirtyAndVisible()
{
    LiveSessionsChart chart;
    chart.setRedrawInterval(20);
    chart.resize(640, 400);
    QVERIFY(!chart.isRedrawTimerActive()); // never shown
    chart.setData(rolloutData());
    QVERIFY(chart.isDirty());
    QCOMPARE(chart.redrawCount(), 0);
    chart.show();
    QVERIFY(chart.isRedrawTimerActive());
    QTRY_COMPARE(chart.redrawCount(), 1);
    QVERIFY(!chart.isDirty());

    // Clean: the timer fires but nothing is redrawn.
    QSignalSpy redrawn(&chart, &ChartWidget::redrawn);
    QVERIFY(!redrawn.wait(200));
    chart.markDirty();
    QVERIFY(redrawn.wait(2000));
    QCOMPARE(chart.redrawCount(), 2);
    QVERIFY(redrawn.at(0).at(0).toLongLong() > 0);

    // Hidden: the timer stops; dirt waits for the next show.
    chart.hide();
    QVERIFY(!chart.isRedrawTimerActive());
    chart.markDirty();
    QVERIFY(!redrawn.wait(200));
    QCOMPARE(chart.redrawCount(), 2);
    chart.show();
    QTRY_COMPARE(chart.redrawCount(), 3);
}

void TestCharts::oneReplacePerSeriesPerRedraw()
{
    LiveSessionsChart live;
    live.setData(rolloutData());
    live.redrawNow(); // creates the layers
    QChart *chart = qtChartOf(&live);
    QVERIFY(chart);
    QList<QXYSeries *> edges;
    const QList<QAbstractSeries *> all = chart->series();
    for (QAbstractSeries *s : all) {
        auto *area = qobject_cast<QAreaSeries *>(s);
        QVERIFY(area);
        edges << area->upperSeries() << area->lowerSeries();
    }
    QCOMPARE(edges.size(), 4);
    QList<QSharedPointer<QSignalSpy>> replaced;
    QList<QSharedPointer<QSignalSpy>> added;
    for (QXYSeries *s : std::as_const(edges)) {
        replaced.append(QSharedPointer<QSignalSpy>::create(s, &QXYSeries::pointsReplaced));
        added.append(QSharedPointer<QSignalSpy>::create(s, &QXYSeries::pointAdded));
    }
    live.markDirty();
    live.redrawNow();
    for (qsizetype i = 0; i < edges.size(); ++i) {
        QCOMPARE(replaced.at(i)->size(), 1);
        QCOMPARE(added.at(i)->size(), 0);
    }

    RttChart rtt;
    rtt.setData(rolloutData());
    const QList<QAbstractSeries *> lines = qtChartOf(&rtt)->series();
    QCOMPARE(lines.size(), 2);
    QSignalSpy p50Replaced(static_cast<QXYSeries *>(lines.at(0)), &QXYSeries::pointsReplaced);
    QSignalSpy p50Added(static_cast<QXYSeries *>(lines.at(0)), &QXYSeries::pointAdded);
    rtt.redrawNow();
    QCOMPARE(p50Replaced.size(), 1);
    QCOMPARE(p50Added.size(), 0);
}

void TestCharts::survivalIsAStepFunction()
{
    SurvivalChart chart;
    chart.setData(rolloutData());
    chart.redrawNow();
    QCOMPARE(chart.seriesCount(), 2);
    QCOMPARE(chart.revisions(), (QStringList{kBlue, kGreen}));
    QCOMPARE(chart.seriesName(0), QStringLiteral("app--blue (n=100, median 50 s)"));
    QCOMPARE(chart.seriesName(1), QStringLiteral("app--green (n=60)"));
    const QList<QPointF> blue = chart.seriesPoints(0);
    const QList<QPointF> expected = {{0, 100}, {10, 100}, {10, 95}, {50, 95},
                                     {50, 45}, {59, 45},  {59, 45}};
    QCOMPARE(blue.size(), expected.size());
    for (qsizetype i = 0; i < blue.size(); ++i) {
        QCOMPARE(blue.at(i).x(), expected.at(i).x());
        QVERIFY2(qAbs(blue.at(i).y() - expected.at(i).y()) < 1e-9,
                 qPrintable(QString::number(blue.at(i).y())));
    }
    // Green never lost a session: flat at 100%.
    const QList<QPointF> green = chart.seriesPoints(1);
    QVERIFY(
        std::all_of(green.cbegin(), green.cend(), [](const QPointF &p) { return p.y() == 100; }));
    QCOMPARE(chart.axisTitle(Qt::Vertical), QStringLiteral("Sessions still open (%)"));
    QCOMPARE(chart.axisTitle(Qt::Horizontal), QStringLiteral("Session age (s)"));
    QCOMPARE(chart.axisRange(Qt::Vertical), QPointF(0, 104)); // 100% plus headroom
}

void TestCharts::rttInMilliseconds()
{
    RttChart chart;
    chart.setData(rolloutData());
    chart.redrawNow();
    QCOMPARE(chart.seriesCount(), 2);
    QCOMPARE(chart.seriesName(0), QStringLiteral("p50"));
    QCOMPARE(chart.seriesName(1), QStringLiteral("p99"));
    const QList<QPointF> p50 = chart.seriesPoints(0);
    const QList<QPointF> p99 = chart.seriesPoints(1);
    QCOMPARE(p50.size(), 60);
    QCOMPARE(p50.at(0), QPointF(0, 0.4));
    QCOMPARE(p50.at(59), QPointF(59, 0.99));
    QCOMPARE(p99.at(50), QPointF(50, 9.0));
    QCOMPARE(chart.axisTitle(Qt::Vertical), QStringLiteral("RTT (ms)"));
    QVERIFY(chart.axisRange(Qt::Vertical).y() >= 9.0);
}

void TestCharts::closeCodesByStep()
{
    CloseCodesChart chart;
    chart.setData(rolloutData());
    chart.redrawNow();
    QCOMPARE(chart.categories(),
             (QStringList{QStringLiteral("before rollout (2)"), QStringLiteral("deploy green (0)"),
                          QStringLiteral("50/50 (0)"), QStringLiteral("100/0 (0)"),
                          QStringLiteral("deactivate blue (43)")}));
    QCOMPARE(chart.codes(), (QList<int>{1000, 1001, 1006}));
    QCOMPARE(chart.counts(1001), (QList<quint64>{0, 0, 0, 0, 40}));
    QCOMPARE(chart.counts(1000), (QList<quint64>{0, 0, 0, 0, 3}));
    QCOMPARE(chart.counts(1006), (QList<quint64>{2, 0, 0, 0, 0}));
    QCOMPARE(closeCodeLabel(1001), QStringLiteral("1001 going away"));
    QCOMPARE(chart.axisRange(Qt::Vertical), QPointF(0, 50));

    // More closes in the same shape: values replaced in place.
    ChartData d = rolloutData();
    d.closes.record(3, kBlue, 1001, stats::CloseSide::Server, 5);
    chart.setData(d);
    chart.redrawNow();
    QCOMPARE(chart.counts(1001), (QList<quint64>{0, 0, 0, 0, 45}));
    QCOMPARE(chart.categories().last(), QStringLiteral("deactivate blue (48)"));

    // No steps and no closes: one empty bar, no sets.
    chart.setData(ChartData());
    chart.redrawNow();
    QCOMPARE(chart.categories(), QStringList{QStringLiteral("before rollout (0)")});
    QVERIFY(chart.codes().isEmpty());
}

void TestCharts::csvExports()
{
    const ChartData d = rolloutData();
    LiveSessionsChart live;
    live.setData(d);
    const QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("live.csv"));
    QString error;
    QVERIFY2(live.exportCsv(path, &error), qPrintable(error)); // redraws a dirty chart first
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(f.readAll()).split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 61);
    QCOMPARE(lines.at(0), QStringLiteral("time_s,app--blue,app--green,total"));
    QCOMPARE(lines.at(1), QStringLiteral("0,0,0,0"));
    QCOMPARE(lines.at(41), QStringLiteral("40,100,20,120"));
    QCOMPARE(lines.at(60), QStringLiteral("59,0,140,140"));
    f.seek(0);
    QCOMPARE(QString::fromUtf8(f.readAll()), live.csv());

    SurvivalChart survival;
    survival.setData(d);
    survival.redrawNow();
    const QStringList survivalLines = survival.csv().split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(survivalLines.at(0),
             QStringLiteral("revision,age_s,survival,standard_error,at_risk,events,censored"));
    QCOMPARE(survivalLines.size(), 1 + 3 + 1);
    QVERIFY2(survivalLines.at(2).startsWith(QLatin1String("app--blue,50,0.45,")),
             qPrintable(survivalLines.at(2)));
    QVERIFY(survivalLines.at(2).endsWith(QLatin1String(",95,50,0")));

    RttChart rtt;
    rtt.setData(d);
    rtt.redrawNow();
    const QStringList rttLines = rtt.csv().split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(rttLines.size(), 61);
    QCOMPARE(rttLines.at(0), QStringLiteral("time_s,width_s,samples,p50_ms,p90_ms,p99_ms,max_ms"));
    QCOMPARE(rttLines.at(51), QStringLiteral("50,1,50,0.9,1.2,9,12"));

    CloseCodesChart closes;
    closes.setData(d);
    closes.redrawNow();
    QCOMPARE(closes.csv(), QStringLiteral("step,step_name,code,code_name,count\n"
                                          "-1,before rollout,1006,abnormal,2\n"
                                          "3,deactivate blue,1000,normal,3\n"
                                          "3,deactivate blue,1001,going_away,40\n"));

    // Fields that need quoting are quoted.
    ChartData odd;
    odd.live = {{QStringLiteral("rev,\"x\""), {{0, 1, 1, 1, 1, 1}}}};
    live.setData(odd);
    live.redrawNow();
    QCOMPARE(live.csv().section(u'\n', 0, 0), QStringLiteral("time_s,\"rev,\"\"x\"\"\",total"));

    // A path that cannot be written: false and a reason, no file.
    error.clear();
    QVERIFY(!live.exportCsv(dir.filePath(QStringLiteral("missing/dir/live.csv")), &error));
    QVERIFY2(error.contains(QLatin1String("missing/dir/live.csv")), qPrintable(error));
}

void TestCharts::pngExport()
{
    SurvivalChart chart;
    chart.setData(rolloutData());
    const QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("survival.png"));
    QString error;
    QVERIFY2(chart.exportPng(path, &error), qPrintable(error));
    QVERIFY(QFileInfo(path).size() > 1000);
    const QImage image(path);
    QVERIFY(!image.isNull());
    QCOMPARE(image.size(), QSize(960, 540)); // never shown: the default export size
    // Not a blank canvas: the curves put more than a few colours on it.
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 4) {
        for (int x = 0; x < image.width(); x += 4)
            colours.insert(image.pixel(x, y));
    }
    QVERIFY2(colours.size() > 20, qPrintable(QString::number(colours.size())));
    QVERIFY(!chart.exportPng(dir.filePath(QStringLiteral("no/such/dir/x.png")), &error));
    QVERIFY(!error.isEmpty());
}

void TestCharts::longRunsSwitchToMinutes()
{
    // Two hours of a single revision: minutes on the axis, seconds in the CSV.
    ChartData d;
    stats::NamedSeries s{kBlue, {}};
    for (qint64 t = 0; t < 7200; t += 60)
        s.points.append({t, 60, 10, 10, 10, 60});
    d.live = {s};
    d.timeline = {entry(3600, QStringLiteral("step"),
                        {{QStringLiteral("name"), QStringLiteral("100/0")}}, 0)};
    LiveSessionsChart chart;
    chart.setData(d);
    chart.redrawNow();
    QCOMPARE(chart.axisTitle(Qt::Horizontal), QStringLiteral("Run time (min)"));
    QCOMPARE(chart.seriesPoints(0).last(), QPointF(7140.0 / 60, 10));
    QCOMPARE(chart.markerTimes(), QList<double>{3600});
    QCOMPARE(chart.csv().split(u'\n').at(2), QStringLiteral("60,10,10"));
}

void TestCharts::fromStatsReadsCore()
{
    // The fleet's own aggregates, fed as the fleet feeds them.
    harness::FleetStats stats(4);
    auto opened = [&](int session, const QString &revision, double time) {
        harness::SessionEvent e;
        e.kind = harness::SessionEvent::Kind::Opened;
        e.session = session;
        e.revision = revision;
        e.time = time;
        stats.opened(e);
    };
    opened(0, kBlue, 0.2);
    opened(1, kBlue, 0.3);
    opened(2, kGreen, 0.4);
    stats.sample(1);
    opened(3, kGreen, 1.5);
    stats.sample(2);
    harness::SessionEvent closed;
    closed.kind = harness::SessionEvent::Kind::Closed;
    closed.session = 0;
    closed.revision = kBlue;
    closed.time = 2.5;
    closed.code = 1001;
    closed.side = stats::CloseSide::Server;
    stats.closes().timeline().addStep(2.2, QStringLiteral("deactivate blue"));
    stats.closed(closed);
    stats.rtt(1.1, 700, kBlue);
    stats.rtt(2.1, 900, kGreen);
    stats.sample(3);
    const QList<harness::TimelineEntry> timeline = {
        entry(2.2, QStringLiteral("step"),
              {{QStringLiteral("name"), QStringLiteral("deactivate blue")}}, 0)};

    const ChartData all = ChartData::fromStats(stats, timeline, 3.0);
    QCOMPARE(all.live.size(), 2);
    QCOMPARE(all.survival.size(), 2);
    QCOMPARE(all.rtt.size(), 2);
    QCOMPARE(all.closes.total(), quint64(1));
    QCOMPARE(all.timeline.size(), 1);
    // Only the parts asked for.
    const ChartData rttOnly = ChartData::fromStats(stats, timeline, 3.0, ChartData::Rtt);
    QVERIFY(rttOnly.live.isEmpty() && rttOnly.survival.isEmpty() && rttOnly.timeline.isEmpty());
    QCOMPARE(rttOnly.rtt.size(), 2);

    LiveSessionsChart live;
    live.setData(all);
    live.redrawNow();
    QCOMPARE(live.seriesCount(), 2);
    // At 1 s: 2 blue + 1 green; at 3 s, after blue lost one and green gained one: 1 + 2.
    QCOMPARE(live.seriesPoints(1).first(), QPointF(1, 3));
    QCOMPARE(live.seriesPoints(0).last(), QPointF(3, 1));
    QCOMPARE(live.seriesPoints(1).last(), QPointF(3, 3));
    SurvivalChart survival;
    survival.setData(all);
    survival.redrawNow();
    QCOMPARE(survival.revisions(), (QStringList{kBlue, kGreen}));
    // Blue: one of two closed by the server at age 2.3 s: 50%.
    QCOMPARE(survival.seriesPoints(0).last().y(), 50.0);
    CloseCodesChart closes;
    closes.setData(all);
    closes.redrawNow();
    QCOMPARE(closes.counts(1001), QList<quint64>{1});
}

void TestCharts::panelTabsAndScreenshots()
{
    ChartsPanel panel;
    panel.resize(1100, 620);
    panel.setRedrawInterval(20);
    panel.setData(rolloutData());
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    for (int i = 0; i < ChartsPanel::ChartCount; ++i) {
        const auto which = ChartsPanel::Chart(i);
        panel.setCurrentChart(which);
        QCOMPARE(panel.currentChart(), panel.chart(which));
        QTRY_VERIFY(panel.chart(which)->redrawCount() > 0);
        // Only the chart on screen runs its timer.
        for (int j = 0; j < ChartsPanel::ChartCount; ++j)
            QCOMPARE(panel.chart(ChartsPanel::Chart(j))->isRedrawTimerActive(), i == j);
        const QString file =
            artifactPath(QStringLiteral("chartspanel-%1.png").arg(panel.chart(which)->fileStem()));
        ChartWidget::flushLayout();
        QVERIFY(panel.grab().save(file));
        qInfo("screenshot: %s", qPrintable(file));
    }
    // The charts not on screen did not redraw while hidden.
    panel.setCurrentChart(ChartsPanel::Live);
    const int survivalRedraws = panel.survivalChart()->redrawCount();
    panel.markDirty();
    QTRY_VERIFY(!panel.liveSessionsChart()->isDirty());
    QCOMPARE(panel.survivalChart()->redrawCount(), survivalRedraws);
    QVERIFY(panel.survivalChart()->isDirty());

    const QTemporaryDir dir;
    QString error;
    QVERIFY2(panel.exportCurrentCsv(dir.filePath(QStringLiteral("c.csv")), &error),
             qPrintable(error));
    QVERIFY2(panel.exportCurrentPng(dir.filePath(QStringLiteral("c.png")), &error),
             qPrintable(error));
    QCOMPARE(QImage(dir.filePath(QStringLiteral("c.png"))).size(),
             panel.liveSessionsChart()->size());
}

QTEST_MAIN(TestCharts)
#include "tst_charts.moc"
