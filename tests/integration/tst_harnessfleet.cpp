// The harness against real processes on loopback: blueshift-server upstream-sim (echo and
// realtime) behind blueshift-server relay, a server that closes sessions (reconnects), a port
// where nothing listens, wss with a self-signed certificate, and 10,000 sessions held.
#include "integrationsupport.h"

#include "harness/fleet.h"
#include "net/selfsignedcert.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

using namespace blueshift;
using namespace blueshift::harness;
using namespace blueshift::itest;

namespace {
constexpr int kTimeout = 30000;

qint64 rssKiB()
{
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : f.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}

int countState(const Fleet &fleet, SessionState state)
{
    int n = 0;
    for (const SessionRecord &r : fleet.sessions())
        n += r.state == state;
    return n;
}

// The first error any session met, for failure messages.
QByteArray firstError(const Fleet &fleet)
{
    for (const SessionRecord &r : fleet.sessions()) {
        if (!r.error.isEmpty())
            return QStringLiteral("session %1: %2").arg(r.id).arg(r.error).toUtf8();
    }
    return "no error recorded";
}

bool stopAndWait(Fleet &fleet, int timeoutMs = kTimeout)
{
    QSignalSpy finished(&fleet, &Fleet::finished);
    fleet.stop();
    return fleet.isFinished() || finished.wait(timeoutMs);
}
} // namespace

class TestHarnessFleet : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void echoThroughRelay();
    void realtimeConversationCountsDeltas();
    void serverClosesAndSessionsReconnect();
    void refusedConnectionIsRecorded();
    void selfSignedOnlyWhenAskedFor();
    void tenThousandSessionsHeld();

private:
    ServerProcess *m_echo = nullptr;
    ServerProcess *m_relay = nullptr;
};

void TestHarnessFleet::initTestCase()
{
    m_echo = new ServerProcess(QStringLiteral("upstream-sim"), this);
    QVERIFY2(m_echo->startUpstreamSim({QStringLiteral("--mode"), QStringLiteral("echo")}),
             m_echo->diagnostics());
    m_relay = new ServerProcess(QStringLiteral("relay"), this);
    QVERIFY2(m_relay->startRelay(m_echo->wsUrl(),
                                 {QStringLiteral("--revision"), QStringLiteral("app--blue")}),
             m_relay->diagnostics());
}

void TestHarnessFleet::echoThroughRelay()
{
    Fleet fleet;
    QSignalSpy changed(&fleet, &Fleet::sessionsChanged);
    QSignalSpy snapshots(&fleet, &Fleet::snapshotUpdated);
    FleetConfig c;
    c.url = QUrl(m_relay->wsUrl(QStringLiteral("/ws")));
    c.sessions = 20;
    c.openRate = 200;
    c.pingIntervalSeconds = 0.1;
    c.traffic = TrafficMode::Echo;
    c.echoBytes = 32;
    c.trafficIntervalSeconds = 0.1;
    c.headers = {{"api-key", "not-for-logs"}, {"X-Test", "1"}};
    QString error;
    QVERIFY2(fleet.start(c, &error), qPrintable(error));
    QTRY_VERIFY2_WITH_TIMEOUT(fleet.snapshot().open == 20, firstError(fleet), kTimeout);
    QTRY_VERIFY_WITH_TIMEOUT(
        std::all_of(fleet.sessions().cbegin(), fleet.sessions().cend(),
                    [](const SessionRecord &r) { return r.rttCount >= 2 && r.messagesIn >= 2; }),
        kTimeout);
    // Batches, not one signal per event: far fewer signals than the events they carried.
    QVERIFY(changed.size() > 0);
    QVERIFY(snapshots.size() > 0);
    for (const SessionRecord &r : fleet.sessions()) {
        QCOMPARE(r.revision, QStringLiteral("app--blue"));
        QVERIFY(r.rttMinUs > 0 && r.rttMinUs <= r.rttMaxUs);
        QVERIFY(r.messagesOut >= 2);
    }
    const FleetSnapshot live = fleet.snapshot();
    QVERIFY(live.rttMicros.count >= 40);
    QCOMPARE(live.revisions.size(), 1);
    QCOMPARE(live.revisions[0].alive, 20);

    QVERIFY(stopAndWait(fleet));
    for (const SessionRecord &r : fleet.sessions()) {
        QCOMPARE(r.state, SessionState::Closed);
        QCOMPARE(r.closeCode, 1000);
        QCOMPARE(r.closedBy, stats::CloseSide::Client);
    }
    // Closed by the harness: censored, so the survival curve never drops.
    const stats::SurvivalCurve curve = fleet.stats().survival(fleet.now());
    QCOMPARE(curve.totalEvents(), 0);
    QCOMPARE(curve.subjects(), 20);

    QTemporaryDir dir;
    QVERIFY2(fleet.exportReport(dir.path(), &error), qPrintable(error));
    QFile csv(dir.filePath(QStringLiteral("sessions.csv")));
    QVERIFY(csv.open(QIODevice::ReadOnly));
    QCOMPARE(csv.readAll().count('\n'), 21);
    QFile events(dir.filePath(QStringLiteral("events.jsonl")));
    QVERIFY(events.open(QIODevice::ReadOnly));
    const QByteArray lines = events.readAll();
    QCOMPARE(lines.count("\"session.opened\""), 20);
    QCOMPARE(lines.count("\"session.closed\""), 20);
    QFile report(dir.filePath(QStringLiteral("report.json")));
    QVERIFY(report.open(QIODevice::ReadOnly));
    const QByteArray reportText = report.readAll();
    QVERIFY(!reportText.contains("not-for-logs"));
    const QJsonObject json = QJsonDocument::fromJson(reportText).object();
    QCOMPARE(json.value(QStringLiteral("revisions")).toArray().size(), 1);
}

void TestHarnessFleet::realtimeConversationCountsDeltas()
{
    ServerProcess sim(QStringLiteral("realtime"));
    QVERIFY2(
        sim.startUpstreamSim({QStringLiteral("--audio-deltas"), QStringLiteral("4"),
                              QStringLiteral("--audio-delta-interval-ms"), QStringLiteral("5")}),
        sim.diagnostics());
    ServerProcess relay(QStringLiteral("relay"));
    QVERIFY2(relay.startRelay(sim.wsUrl(QStringLiteral("/openai/realtime")),
                              {QStringLiteral("--revision"), QStringLiteral("rt--v1")}),
             relay.diagnostics());
    Fleet fleet;
    FleetConfig c;
    c.url = QUrl(relay.wsUrl(QStringLiteral("/ws")));
    c.sessions = 5;
    c.pingIntervalSeconds = 0;
    c.traffic = TrafficMode::Realtime;
    c.trafficIntervalSeconds = 0.1;
    QVERIFY(fleet.start(c));
    QTRY_VERIFY2_WITH_TIMEOUT(
        std::all_of(fleet.sessions().cbegin(), fleet.sessions().cend(),
                    [](const SessionRecord &r) { return r.responses >= 2; }),
        qPrintable(QStringLiteral("%1; session 0: %2 in, %3 deltas, %4 responses")
                       .arg(QString::fromUtf8(firstError(fleet)))
                       .arg(fleet.sessions().at(0).messagesIn)
                       .arg(fleet.sessions().at(0).audioDeltas)
                       .arg(fleet.sessions().at(0).responses)),
        kTimeout);
    for (const SessionRecord &r : fleet.sessions()) {
        // Four deltas per finished response; a response may be under way.
        QVERIFY2(
            r.audioDeltas >= 4 * r.responses && r.audioDeltas <= 4 * (r.responses + 1),
            qPrintable(
                QStringLiteral("%1 deltas, %2 responses").arg(r.audioDeltas).arg(r.responses)));
        QCOMPARE(r.revision, QStringLiteral("rt--v1"));
    }
    QVERIFY(stopAndWait(fleet));
}

void TestHarnessFleet::serverClosesAndSessionsReconnect()
{
    ServerProcess sim(QStringLiteral("closing"));
    QVERIFY2(sim.startUpstreamSim({QStringLiteral("--mode"), QStringLiteral("echo"),
                                   QStringLiteral("--close-after"), QStringLiteral("0.5"),
                                   QStringLiteral("--close-code"), QStringLiteral("1012")}),
             sim.diagnostics());
    Fleet fleet;
    FleetConfig c;
    c.url = QUrl(sim.wsUrl());
    c.sessions = 10;
    c.pingIntervalSeconds = 0;
    c.reconnect.mode = ReconnectMode::Backoff;
    c.reconnect.initialSeconds = 0.1;
    c.reconnect.maxSeconds = 0.5;
    QVERIFY(fleet.start(c));
    QTRY_VERIFY_WITH_TIMEOUT(std::all_of(fleet.sessions().cbegin(), fleet.sessions().cend(),
                                         [](const SessionRecord &r) { return r.reconnects >= 2; }),
                             kTimeout);
    for (const SessionRecord &r : fleet.sessions()) {
        QCOMPARE(r.closeCode, 1012);
        QCOMPARE(r.closedBy, stats::CloseSide::Server);
        // Jittered backoff from 0.1 s: between 0.08 s and a generous bound.
        QVERIFY2(r.lastReconnectSeconds >= 0.079 && r.lastReconnectSeconds < 5,
                 qPrintable(QString::number(r.lastReconnectSeconds)));
    }
    QVERIFY(fleet.stats().reconnectMillis().count() >= 20);
    // Closed by the server: events on the survival curve.
    QVERIFY(fleet.stats().survival(fleet.now()).totalEvents() >= 20);
    QVERIFY(stopAndWait(fleet));
    QCOMPARE(countState(fleet, SessionState::Closed), 10);
}

void TestHarnessFleet::refusedConnectionIsRecorded()
{
    Fleet fleet;
    FleetConfig c;
    c.url = QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(unusedPort()));
    c.sessions = 3;
    QVERIFY(fleet.start(c));
    QTRY_COMPARE_WITH_TIMEOUT(countState(fleet, SessionState::Closed), 3, kTimeout);
    for (const SessionRecord &r : fleet.sessions()) {
        QCOMPARE(r.connectFailures, 1);
        QVERIFY2(!r.error.isEmpty(), "the socket error is recorded");
        QCOMPARE(r.firstOpenTime, -1.0);
    }
    QCOMPARE(fleet.snapshot().connectFailures, quint64(3));
    QVERIFY(stopAndWait(fleet));
}

void TestHarnessFleet::selfSignedOnlyWhenAskedFor()
{
    QTemporaryDir dir;
    QString cert, key, error;
    QVERIFY2(net::writeSelfSignedCertificate(dir.path(), &cert, &key, &error), qPrintable(error));
    ServerProcess sim(QStringLiteral("wss"));
    QVERIFY2(sim.startUpstreamSim({QStringLiteral("--mode"), QStringLiteral("echo"),
                                   QStringLiteral("--tls-cert"), cert, QStringLiteral("--tls-key"),
                                   key}),
             sim.diagnostics());
    FleetConfig c;
    c.url = QUrl(QStringLiteral("wss://127.0.0.1:%1/").arg(sim.port()));
    c.sessions = 2;
    c.pingIntervalSeconds = 0.1;
    {
        Fleet strict;
        QVERIFY(strict.start(c));
        QTRY_COMPARE_WITH_TIMEOUT(countState(strict, SessionState::Closed), 2, kTimeout);
        QVERIFY2(strict.sessions().at(0).error.contains(QLatin1String("certificate")),
                 qPrintable(strict.sessions().at(0).error));
        QCOMPARE(strict.snapshot().opened, quint64(0));
        QVERIFY(stopAndWait(strict));
    }
    {
        c.acceptSelfSigned = true;
        Fleet lenient;
        QVERIFY(lenient.start(c));
        QTRY_VERIFY_WITH_TIMEOUT(lenient.snapshot().rttMicros.count >= 2, kTimeout);
        QCOMPARE(lenient.snapshot().open, 2);
        QVERIFY(stopAndWait(lenient));
    }
}

void TestHarnessFleet::tenThousandSessionsHeld()
{
    // Straight to upstream-sim: through the relay the 10,000 sessions would need 20,000 more
    // descriptors than this machine's limit allows.
    const qint64 before = rssKiB();
    Fleet fleet;
    FleetConfig c;
    c.url = QUrl(m_echo->wsUrl());
    c.sessions = 10000;
    c.openRate = 2500;
    c.pingIntervalSeconds = 5;
    c.threads = 2;
    c.stopTimeoutSeconds = 20;
    QVERIFY(fleet.start(c));
    QTRY_COMPARE_WITH_TIMEOUT(fleet.snapshot().open, 10000, 90000);
    QTRY_VERIFY_WITH_TIMEOUT(fleet.snapshot().rttMicros.count >= 10000, 60000);
    const qint64 held = rssKiB();
    qInfo("RSS with 10,000 sessions held: %lld KiB (%lld KiB before the fleet); aggregates %zu "
          "bytes",
          held, before, fleet.stats().memoryBytes());
    QVERIFY(stopAndWait(fleet, 90000));
    QCOMPARE(countState(fleet, SessionState::Closed), 10000);
    qInfo("RSS after stop: %lld KiB", rssKiB());
}

QTEST_GUILESS_MAIN(TestHarnessFleet)
#include "tst_harnessfleet.moc"
