// The sessions view and the charts on a real fleet: SessionsPanel's Start button runs 50
// sessions through a real `blueshift-server relay` in front of `upstream-sim --mode echo`, the
// table reaches 50 open rows on the relay's revision, the charts follow the fleet, and Stop
// closes every session with 1000. Screenshots of both panels are saved as artifacts.
#include "integrationsupport.h"

#include "charts/chartspanel.h"
#include "charts/livesessionschart.h"
#include "charts/rttchart.h"
#include "sessions/sessionsfilterproxy.h"
#include "sessions/sessionsmodel.h"
#include "sessions/sessionspanel.h"

#include <QComboBox>
#include <QDir>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>

using namespace blueshift;
using namespace blueshift::gui;
using namespace blueshift::itest;
using harness::SessionState;

namespace {
constexpr int kTimeout = 30000;
using LiveCounts = QHash<QString, int>;
const QString kRevision = QStringLiteral("app--blue");

QString artifactPath(const QString &file)
{
    QDir().mkpath(QStringLiteral(BLUESHIFT_GUI_ARTIFACTS));
    return QStringLiteral(BLUESHIFT_GUI_ARTIFACTS) + u'/' + file;
}

void saveScreenshot(QWidget *w, const QString &file)
{
    ChartWidget::flushLayout();
    const QString path = artifactPath(file);
    QVERIFY(w->grab().save(path));
    qInfo("screenshot: %s", qPrintable(path));
}

int rowsWhere(const SessionsModel &m, int column, const QString &text)
{
    int n = 0;
    for (int row = 0; row < m.rowCount(); ++row)
        n += m.data(m.index(row, column)).toString() == text;
    return n;
}

QStringList comboItems(const QComboBox *combo)
{
    QStringList out;
    for (int i = 0; i < combo->count(); ++i)
        out.append(combo->itemText(i));
    return out;
}
} // namespace

class TestSessionsPanel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void fiftySessionsThroughRelay();
    void badTargetIsRefusedWithAReason();
    void durationStopsTheFleet();

private:
    ServerProcess *m_echo = nullptr;
    ServerProcess *m_relay = nullptr;
};

void TestSessionsPanel::initTestCase()
{
    m_echo = new ServerProcess(QStringLiteral("upstream-sim"), this);
    QVERIFY2(m_echo->startUpstreamSim({QStringLiteral("--mode"), QStringLiteral("echo")}),
             m_echo->diagnostics());
    m_relay = new ServerProcess(QStringLiteral("relay"), this);
    QVERIFY2(m_relay->startRelay(m_echo->wsUrl(), {QStringLiteral("--revision"), kRevision}),
             m_relay->diagnostics());
}

void TestSessionsPanel::fiftySessionsThroughRelay()
{
    SessionsPanel panel;
    ChartsPanel charts;
    charts.setRedrawInterval(50);
    connect(&panel, &SessionsPanel::fleetChanged, &charts, &ChartsPanel::setFleet);
    QSignalSpy fleetChanged(&panel, &SessionsPanel::fleetChanged);
    QSignalSpy live(&panel, &SessionsPanel::liveSessionsChanged);
    QSignalSpy running(&panel, &SessionsPanel::runningChanged);

    harness::FleetConfig config;
    config.sessions = 50;
    config.openRate = 100;
    config.pingIntervalSeconds = 0.2;
    config.traffic = harness::TrafficMode::Echo;
    config.trafficIntervalSeconds = 0.5;
    panel.controls()->setConfig(config);
    panel.setTargetUrl(QUrl(m_relay->wsUrl(QStringLiteral("/ws"))));
    panel.resize(1100, 640);
    charts.resize(1100, 560);
    panel.show();
    charts.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    QVERIFY(panel.controls()->startButton()->isEnabled());
    QVERIFY(!panel.controls()->stopButton()->isEnabled());

    QTest::mouseClick(panel.controls()->startButton(), Qt::LeftButton);
    QVERIFY(panel.fleet());
    QCOMPARE(fleetChanged.size(), 1);
    QCOMPARE(fleetChanged.at(0).at(0).value<harness::Fleet *>(), panel.fleet());
    QCOMPARE(charts.fleet(), panel.fleet());
    QCOMPARE(running.size(), 1);
    QVERIFY(!panel.controls()->startButton()->isEnabled());
    QVERIFY(panel.controls()->stopButton()->isEnabled());

    const SessionsModel &model = *panel.model();
    QTRY_COMPARE_WITH_TIMEOUT(model.count(SessionState::Open), 50, kTimeout);
    QCOMPARE(model.rowCount(), 50);
    QCOMPARE(rowsWhere(model, SessionsModel::Revision, kRevision), 50);
    QCOMPARE(rowsWhere(model, SessionsModel::State, QStringLiteral("open")), 50);
    QCOMPARE(model.revisions(), QStringList{kRevision});
    QTRY_COMPARE_WITH_TIMEOUT(panel.progressText(), QStringLiteral("50 / 50 open"), kTimeout);
    QTRY_COMPARE_WITH_TIMEOUT(panel.liveSessionsByRevision().value(kRevision), 50, kTimeout);
    QCOMPARE(live.last().at(0).value<LiveCounts>().value(kRevision), 50);
    // Pongs arrive: every row shows an RTT.
    QTRY_COMPARE_WITH_TIMEOUT(rowsWhere(model, SessionsModel::Rtt, QString()), 0, kTimeout);
    // The revision filter offers the relay's revision.
    const QList<QComboBox *> combos = panel.findChildren<QComboBox *>();
    QVERIFY(std::any_of(combos.cbegin(), combos.cend(), [](const QComboBox *c) {
        return comboItems(c) == QStringList{QStringLiteral("All revisions"), kRevision};
    }));

    // The charts follow the same fleet: one layer at 50, a marker for a step.
    panel.fleet()->beginStep(QStringLiteral("hold"));
    LiveSessionsChart *liveChart = charts.liveSessionsChart();
    QTRY_VERIFY_WITH_TIMEOUT(liveChart->seriesCount() == 1 && liveChart->markerCount() == 1 &&
                                 !liveChart->seriesPoints(0).isEmpty() &&
                                 liveChart->seriesPoints(0).last().y() == 50,
                             kTimeout);
    QCOMPARE(liveChart->seriesName(0), kRevision);
    QCOMPARE(liveChart->markerLabels(), QStringList{QStringLiteral("hold")});
    saveScreenshot(&panel, QStringLiteral("sessionspanel-open.png"));
    saveScreenshot(&charts, QStringLiteral("chartspanel-relay-live.png"));
    charts.setCurrentChart(ChartsPanel::Rtt);
    QTRY_VERIFY_WITH_TIMEOUT(charts.rttChart()->seriesPoints(0).size() >= 2, kTimeout);
    QVERIFY(charts.rttChart()->seriesPoints(1).last().y() > 0);
    saveScreenshot(&charts, QStringLiteral("chartspanel-relay-rtt.png"));

    QTest::mouseClick(panel.controls()->stopButton(), Qt::LeftButton);
    QVERIFY(!panel.controls()->stopButton()->isEnabled());
    QTRY_COMPARE_WITH_TIMEOUT(model.count(SessionState::Closed), 50, kTimeout);
    QTRY_VERIFY_WITH_TIMEOUT(!panel.isRunning(), kTimeout);
    QCOMPARE(rowsWhere(model, SessionsModel::CloseCode, QStringLiteral("1000 normal")), 50);
    QCOMPARE(rowsWhere(model, SessionsModel::ClosedBy, QStringLiteral("client")), 50);
    QTRY_COMPARE_WITH_TIMEOUT(panel.progressText(), QStringLiteral("0 / 50 open"), kTimeout);
    QCOMPARE(panel.liveSessionsByRevision().value(kRevision), 0);
    QCOMPARE(live.last().at(0).value<LiveCounts>().value(kRevision), 0);
    QCOMPARE(running.size(), 2);
    QCOMPARE(running.last().at(0).toBool(), false);
    QVERIFY(panel.controls()->startButton()->isEnabled());

    // The state filter: all 50 are closed, none open.
    panel.proxy()->setStateFilter(SessionState::Closed);
    QCOMPARE(panel.proxy()->rowCount(), 50);
    panel.proxy()->setStateFilter(SessionState::Open);
    QCOMPARE(panel.proxy()->rowCount(), 0);
    panel.proxy()->setStateFilter(std::nullopt);
    charts.setCurrentChart(ChartsPanel::Live);
    saveScreenshot(&panel, QStringLiteral("sessionspanel-closed.png"));

    // A fleet runs once: Start again makes a new one, and the table starts over.
    harness::Fleet *first = panel.fleet();
    config.sessions = 5;
    config.url = QUrl(m_relay->wsUrl(QStringLiteral("/ws")));
    panel.controls()->setConfig(config);
    QTest::mouseClick(panel.controls()->startButton(), Qt::LeftButton);
    QCOMPARE(fleetChanged.size(), 2);
    QVERIFY(panel.fleet() != first);
    QCOMPARE(charts.fleet(), panel.fleet());
    QTRY_COMPARE_WITH_TIMEOUT(model.count(SessionState::Open), 5, kTimeout);
    QCOMPARE(model.rowCount(), 5);
    panel.stop();
    QTRY_COMPARE_WITH_TIMEOUT(model.count(SessionState::Closed), 5, kTimeout);
}

void TestSessionsPanel::badTargetIsRefusedWithAReason()
{
    SessionsPanel panel;
    QSignalSpy fleetChanged(&panel, &SessionsPanel::fleetChanged);
    panel.setTargetUrl(QUrl(QStringLiteral("http://127.0.0.1:1/")));
    QString error;
    QVERIFY(!panel.start(&error));
    QVERIFY2(error.contains(QLatin1String("ws")), qPrintable(error));
    QVERIFY(!panel.fleet());
    QCOMPARE(fleetChanged.size(), 0);
    QVERIFY(panel.controls()->startButton()->isEnabled());
    const QList<QLabel *> labels = panel.findChildren<QLabel *>();
    QVERIFY(std::any_of(labels.cbegin(), labels.cend(), [&](const QLabel *l) {
        return l->text().contains(error) && !l->isHidden();
    }));
}

void TestSessionsPanel::durationStopsTheFleet()
{
    SessionsPanel panel;
    harness::FleetConfig config;
    config.url = QUrl(m_relay->wsUrl(QStringLiteral("/ws")));
    config.sessions = 5;
    config.openRate = 0;
    panel.controls()->setConfig(config);
    panel.controls()->setDurationSeconds(1);
    QSignalSpy running(&panel, &SessionsPanel::runningChanged);
    QString error;
    QVERIFY2(panel.start(&error), qPrintable(error));
    QTRY_COMPARE_WITH_TIMEOUT(panel.model()->count(SessionState::Open), 5, kTimeout);
    // Nobody presses Stop: after the duration the fleet closes every session itself.
    QTRY_VERIFY_WITH_TIMEOUT(panel.fleet()->isFinished(), kTimeout);
    QCOMPARE(panel.model()->count(SessionState::Closed), 5);
    QCOMPARE(rowsWhere(*panel.model(), SessionsModel::CloseCode, QStringLiteral("1000 normal")), 5);
    QCOMPARE(running.size(), 2);
}

QTEST_MAIN(TestSessionsPanel)
#include "tst_sessionspanel.moc"
