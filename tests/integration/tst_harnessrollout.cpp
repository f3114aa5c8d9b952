// A fleet through the local platform during a blue/green rollout: sessions spread over a 50/50
// split with each one's revision matching what the platform's replicas logged, a shift to 100/0
// that closes nothing, a deactivation whose 1001 closes are put down to its step, RTT samples
// throughout, and reconnects with backoff that land on the remaining revision.
#include "localplatformsupport.h"

#include "harness/fleet.h"

#include <QFile>
#include <QJsonDocument>
#include <QNetworkProxy>
#include <QSignalSpy>
#include <QTest>

using namespace blueshift;
using namespace blueshift::harness;
using namespace blueshift::itest;

namespace {
constexpr int kTimeout = 30000;
const QString kBlue = QStringLiteral("app--blue");
const QString kGreen = QStringLiteral("app--green");

QJsonObject weight(const QString &revision, int w)
{
    return {{QStringLiteral("revisionName"), revision}, {QStringLiteral("weight"), w}};
}

// client.connected lines the replicas printed, per revision, from the platform's journal.
QHash<QString, int> connectedPerRevision(const QString &stateDir)
{
    QHash<QString, int> counts;
    QFile f(stateDir + QStringLiteral("/events.jsonl"));
    if (!f.open(QIODevice::ReadOnly))
        return counts;
    for (const QByteArray &line : f.readAll().split('\n')) {
        const QJsonObject o = QJsonDocument::fromJson(line).object();
        if (o.value(QStringLiteral("event")).toString() == QLatin1String("client.connected"))
            ++counts[o.value(QStringLiteral("revision")).toString()];
    }
    return counts;
}

int countOn(const Fleet &fleet, const QString &revision, SessionState state)
{
    int n = 0;
    for (const SessionRecord &r : fleet.sessions())
        n += r.revision == revision && r.state == state;
    return n;
}
} // namespace

class TestHarnessRollout : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void fleetThroughBlueGreen();

private:
    ServerProcess *m_upstream = nullptr;
};

void TestHarnessRollout::initTestCase()
{
    QNetworkProxy::setApplicationProxy(QNetworkProxy::NoProxy);
    m_upstream = new ServerProcess(QStringLiteral("upstream-sim"), this);
    QVERIFY2(m_upstream->startUpstreamSim({QStringLiteral("--mode"), QStringLiteral("echo")}),
             m_upstream->diagnostics());
}

void TestHarnessRollout::fleetThroughBlueGreen()
{
    LocalPlatformProcess local;
    QVERIFY2(local.start(), local.process().diagnostics());
    const QString up = m_upstream->wsUrl();
    QVERIFY(
        armWait(local.client().putApp(QStringLiteral("app"), relayApp(QStringLiteral("blue"), up,
                                                                      QStringLiteral("Multiple"), 4,
                                                                      {weight(kBlue, 100)})),
                kTimeout)
            .ok);
    QVERIFY(armWait(local.client().patchApp(QStringLiteral("app"),
                                            newRevisionPatch(QStringLiteral("green"), up, 4)),
                    kTimeout)
                .ok);
    QVERIFY(armWait(local.client().patchApp(QStringLiteral("app"),
                                            trafficPatch({weight(kBlue, 50), weight(kGreen, 50)})))
                .ok);
    const quint16 port = local.ingressPort(QStringLiteral("app"));

    Fleet fleet;
    FleetConfig c;
    c.url = QUrl(QStringLiteral("ws://127.0.0.1:%1/ws").arg(port));
    c.sessions = 60;
    c.openRate = 200;
    c.pingIntervalSeconds = 0.25;
    c.reconnect.mode = ReconnectMode::Backoff;
    c.reconnect.initialSeconds = 0.2;
    c.reconnect.maxSeconds = 2;
    c.reconnect.jitter = 0.2;
    QString error;
    QVERIFY2(fleet.start(c, &error), qPrintable(error));

    const int split = fleet.beginStep(QStringLiteral("traffic 50/50"), {}, 0);
    fleet.addTimelineEvent(QStringLiteral("traffic.updated"),
                           {{QStringLiteral("blue"), 50}, {QStringLiteral("green"), 50}}, 0);
    QTRY_COMPARE_WITH_TIMEOUT(fleet.snapshot().open, 60, kTimeout);
    const int onBlue = countOn(fleet, kBlue, SessionState::Open);
    const int onGreen = countOn(fleet, kGreen, SessionState::Open);
    QCOMPARE(onBlue + onGreen, 60);
    QVERIFY2(onBlue > 0 && onGreen > 0,
             qPrintable(QStringLiteral("%1/%2").arg(onBlue).arg(onGreen)));
    // Each session's revision against what the replicas of each revision logged.
    QTRY_COMPARE_WITH_TIMEOUT(connectedPerRevision(local.stateDir()).value(kBlue), onBlue,
                              kTimeout);
    QTRY_COMPARE_WITH_TIMEOUT(connectedPerRevision(local.stateDir()).value(kGreen), onGreen,
                              kTimeout);
    for (const SessionRecord &r : fleet.sessions())
        QVERIFY(!r.replica.isEmpty());

    // 100/0 to green: nothing closes.
    const int shift = fleet.beginStep(QStringLiteral("traffic 0/100"));
    QVERIFY(armWait(local.client().patchApp(QStringLiteral("app"),
                                            trafficPatch({weight(kBlue, 0), weight(kGreen, 100)})))
                .ok);
    fleet.addTimelineEvent(QStringLiteral("traffic.updated"),
                           {{QStringLiteral("blue"), 0}, {QStringLiteral("green"), 100}});
    const quint64 rttBefore = fleet.snapshot().rttMicros.count;
    QTRY_VERIFY_WITH_TIMEOUT(fleet.snapshot().rttMicros.count >= rttBefore + 120, kTimeout);
    QCOMPARE(fleet.snapshot().closes, quint64(0));

    // Deactivate blue: its sessions get 1001, reconnect with backoff and land on green.
    const int deactivate = fleet.beginStep(QStringLiteral("deactivate blue"));
    QVERIFY(armWait(local.client().revisionAction(QStringLiteral("app"), kBlue,
                                                  QStringLiteral("deactivate")))
                .ok);
    fleet.addTimelineEvent(QStringLiteral("revision.deactivated"),
                           {{QStringLiteral("revision"), kBlue}});
    QTRY_COMPARE_WITH_TIMEOUT(countOn(fleet, kGreen, SessionState::Open), 60, kTimeout);
    const stats::CloseTally &closes = fleet.stats().closes();
    QCOMPARE(closes.count(deactivate, kBlue, 1001, stats::CloseSide::Server), quint64(onBlue));
    QCOMPARE(closes.total(), quint64(onBlue));
    QVERIFY(closes.codesForStep(split).isEmpty());
    QVERIFY(closes.codesForStep(shift).isEmpty());
    int reconnected = 0;
    for (const SessionRecord &r : fleet.sessions()) {
        QVERIFY(r.rttCount > 0);
        if (r.firstRevision != kBlue) {
            QCOMPARE(r.reconnects, 0);
            continue;
        }
        ++reconnected;
        QCOMPARE(r.reconnects, 1);
        QCOMPARE(r.sameRevisionReconnects, 0);
        QCOMPARE(r.closeCode, 1001);
        // Backoff from 0.2 s with 20% jitter: no reconnect sooner than 0.16 s.
        QVERIFY2(r.lastReconnectSeconds >= 0.159,
                 qPrintable(QString::number(r.lastReconnectSeconds)));
    }
    QCOMPARE(reconnected, onBlue);
    const FleetSnapshot snap = fleet.snapshot();
    QCOMPARE(snap.reconnects, quint64(onBlue));
    QCOMPARE(snap.reconnectMillis.count, quint64(onBlue));
    // Blue's sessions were closed by the platform: events on its survival curve.
    QCOMPARE(fleet.stats().survival(kBlue, fleet.now()).totalEvents(), onBlue);
    QCOMPARE(fleet.stats().survival(kGreen, fleet.now()).totalEvents(), 0);

    QSignalSpy finished(&fleet, &Fleet::finished);
    fleet.stop();
    QVERIFY(finished.wait(kTimeout));
    QCOMPARE(fleet.stats().closes().count(deactivate, kGreen, 1000, stats::CloseSide::Client),
             quint64(60));
}

QTEST_GUILESS_MAIN(TestHarnessRollout)
#include "tst_harnessrollout.moc"
