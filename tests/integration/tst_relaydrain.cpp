// SIGTERM on a real relay process with live sessions: readiness and new upgrades go to 503 at
// once, open sessions keep flowing for the drain window, then every one gets 1001 "revision
// draining" and the process exits 0 before the platform's grace period runs out.
#include "integrationsupport.h"

#include <QElapsedTimer>
#include <QNetworkProxy>
#include <QSignalSpy>
#include <QTest>
#include <QWebSocket>

#include <limits>
#include <memory>
#include <vector>

using namespace blueshift::itest;

namespace {
constexpr int kTimeout = 10000;

// N QWebSockets to one relay, with what each received and how it closed.
class SessionPool
{
public:
    struct Session
    {
        std::unique_ptr<QWebSocket> socket;
        QStringList received;
        int closeCode = -1;
        QString closeReason;
        qint64 closedAtMs = -1; // on `clock`
    };

    SessionPool(int count, const QUrl &url, const QElapsedTimer &clock)
    {
        m_sessions.resize(std::size_t(count));
        for (Session &s : m_sessions) {
            s.socket = std::make_unique<QWebSocket>();
            QWebSocket *ws = s.socket.get();
            QObject::connect(ws, &QWebSocket::connected, ws, [this] { ++m_connected; });
            QObject::connect(ws, &QWebSocket::textMessageReceived, ws,
                             [this, &s](const QString &m) {
                                 s.received << m;
                                 ++m_messages;
                             });
            QObject::connect(ws, &QWebSocket::disconnected, ws, [this, &s, ws, &clock] {
                s.closeCode = int(ws->closeCode());
                s.closeReason = ws->closeReason();
                s.closedAtMs = clock.isValid() ? clock.elapsed() : 0;
                ++m_closed;
            });
            ws->open(url);
        }
    }

    int connected() const { return m_connected; }
    int messages() const { return m_messages; }
    int closed() const { return m_closed; }
    std::vector<Session> &sessions() { return m_sessions; }

    void sendToAll(const QString &prefix)
    {
        for (std::size_t i = 0; i < m_sessions.size(); ++i)
            m_sessions[i].socket->sendTextMessage(prefix + QString::number(i));
    }

private:
    std::vector<Session>
        m_sessions; // never resized after construction: the lambdas hold references
    int m_connected = 0;
    int m_messages = 0;
    int m_closed = 0;
};
} // namespace

class TestRelayDrain : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void sigtermDrainsLiveSessions();
    void secondSignalEndsTheDrainWindow();
    void idleRelayStopsAtOnce();
    void probeClosingAtSigtermDoesNotHoldTheDrain();
    void unresponsiveClientCannotOutliveTheGracePeriod();
};

void TestRelayDrain::initTestCase()
{
    QNetworkProxy::setApplicationProxy(QNetworkProxy::NoProxy);
    QVERIFY2(QFile::exists(serverBinary()), qPrintable(serverBinary()));
}

void TestRelayDrain::sigtermDrainsLiveSessions()
{
    const int sessions = 50;
    const double graceSeconds = 6;
    const double drainSeconds = 2;
    ServerProcess upstream(QStringLiteral("upstream-sim"));
    QVERIFY2(upstream.startUpstreamSim({QStringLiteral("--mode"), QStringLiteral("echo")}),
             upstream.diagnostics());
    ServerProcess relay(QStringLiteral("relay"));
    QVERIFY2(relay.startRelay(upstream.wsUrl(),
                              {QStringLiteral("--grace-seconds"), QString::number(graceSeconds),
                               QStringLiteral("--drain-seconds"), QString::number(drainSeconds)}),
             relay.diagnostics());

    QElapsedTimer sinceSigterm;
    SessionPool pool(sessions, QUrl(relay.wsUrl(QStringLiteral("/ws"))), sinceSigterm);
    QTRY_COMPARE_WITH_TIMEOUT(pool.connected(), sessions, kTimeout);
    // A round trip on each: every upstream leg is open before the signal.
    pool.sendToAll(QStringLiteral("before #"));
    QTRY_COMPARE_WITH_TIMEOUT(pool.messages(), sessions, kTimeout);
    QCOMPARE(metricValue(httpGet(relay.port(), "/metrics").body, "blueshift_relay_sessions_open"),
             double(sessions));
    QCOMPARE(httpGet(relay.port(), "/readyz").status, 200);

    sinceSigterm.start();
    relay.terminate();
    QVERIFY2(relay.waitForEvent(QStringLiteral("drain.started"), 1, 2000), relay.diagnostics());

    // At once: not ready, still alive, no new sessions.
    QCOMPARE(httpGet(relay.port(), "/readyz").status, 503);
    QCOMPARE(httpGet(relay.port(), "/healthz").status, 200);
    RawWebSocket late;
    QVERIFY(late.handshake(relay.port()));
    QCOMPARE(late.status(), 503);
    const QByteArray metrics = httpGet(relay.port(), "/metrics").body;
    QCOMPARE(metricValue(metrics, "blueshift_relay_draining"), 1.0);
    QCOMPARE(metricValue(metrics, "blueshift_relay_upgrades_rejected_total"), 1.0);
    QVERIFY2(sinceSigterm.elapsed() < 1000, "readiness did not change at once");

    // The open sessions still flow during the drain window.
    pool.sendToAll(QStringLiteral("during #"));
    QTRY_COMPARE_WITH_TIMEOUT(pool.messages(), 2 * sessions, kTimeout);
    QCOMPARE(pool.closed(), 0);
    QVERIFY2(sinceSigterm.elapsed() < qint64(drainSeconds * 1000),
             "the machine is too slow for this test: the echoes took the whole drain window");
    for (std::size_t i = 0; i < pool.sessions().size(); ++i)
        QCOMPARE(pool.sessions()[i].received.constLast(), QStringLiteral("during #%1").arg(i));

    // Then every session is closed with 1001 and the reason, and the process exits 0.
    QTRY_COMPARE_WITH_TIMEOUT(pool.closed(), sessions, kTimeout);
    qint64 firstClose = std::numeric_limits<qint64>::max();
    for (const auto &s : pool.sessions()) {
        QCOMPARE(s.closeCode, 1001);
        QCOMPARE(s.closeReason, QStringLiteral("revision draining"));
        firstClose = std::min(firstClose, s.closedAtMs);
    }
    // QTimer may fire up to 5 % early; the window is measured from before the signal.
    QVERIFY2(firstClose >= qint64(drainSeconds * 1000 * 0.9),
             qPrintable(QString::number(firstClose)));
    QVERIFY2(relay.waitForExit(kTimeout), relay.diagnostics());
    const qint64 exitedAfter = sinceSigterm.elapsed();
    QCOMPARE(relay.exitStatus(), QProcess::NormalExit);
    QCOMPARE(relay.exitCode(), 0);
    QVERIFY2(exitedAfter < qint64((graceSeconds - 2) * 1000),
             qPrintable(QString::number(exitedAfter)));

    // The log tells the same story, in order.
    const qsizetype signal = relay.indexOf(QStringLiteral("signal.received"));
    const qsizetype started = relay.indexOf(QStringLiteral("drain.started"));
    const qsizetype completed = relay.indexOf(QStringLiteral("drain.completed"));
    const qsizetype stopped = relay.indexOf(QStringLiteral("server.stopped"));
    QVERIFY2(signal >= 0 && signal < started && started < completed && completed < stopped,
             relay.diagnostics());
    QCOMPARE(relay.events(QStringLiteral("signal.received"))
                 .constFirst()
                 .value(QLatin1String("signal"))
                 .toString(),
             QStringLiteral("SIGTERM"));
    QCOMPARE(relay.events(QStringLiteral("drain.started"))
                 .constFirst()
                 .value(QLatin1String("open_sessions"))
                 .toInt(),
             sessions);
    const QJsonObject done = relay.events(QStringLiteral("drain.completed")).constFirst();
    QCOMPARE(done.value(QLatin1String("sessions_at_start")).toInt(), sessions);
    QCOMPARE(done.value(QLatin1String("sessions_cut")).toInt(), 0);
    QCOMPARE(done.value(QLatin1String("forced")).toBool(), false);
    QCOMPARE(relay.events(QStringLiteral("server.stopped"))
                 .constFirst()
                 .value(QLatin1String("exit_code"))
                 .toInt(),
             0);
    const QList<QJsonObject> closedEvents = relay.events(QStringLiteral("connection.closed"));
    QCOMPARE(closedEvents.size(), sessions);
    for (const QJsonObject &e : closedEvents) {
        QCOMPARE(e.value(QLatin1String("code")).toInt(), 1001);
        QCOMPARE(e.value(QLatin1String("reason")).toString(), QStringLiteral("revision draining"));
    }
    QVERIFY(relay.indexOf(QStringLiteral("connection.closed")) > started);
    QCOMPARE(relay.eventCount(QStringLiteral("bridge.completed")), sessions);
    for (const QJsonObject &e : relay.events(QStringLiteral("bridge.completed")))
        QCOMPARE(e.value(QLatin1String("messages_to_client")).toInt(), 2);
    // The upstream legs were closed properly too.
    QVERIFY2(upstream.waitForEvent(QStringLiteral("connection.closed"), sessions),
             upstream.diagnostics());
    for (const QJsonObject &e : upstream.events(QStringLiteral("connection.closed")))
        QCOMPARE(e.value(QLatin1String("code")).toInt(), 1001);
}

void TestRelayDrain::secondSignalEndsTheDrainWindow()
{
    ServerProcess upstream(QStringLiteral("upstream-sim"));
    QVERIFY2(upstream.startUpstreamSim({QStringLiteral("--mode"), QStringLiteral("echo")}),
             upstream.diagnostics());
    ServerProcess relay(QStringLiteral("relay"));
    QVERIFY2(relay.startRelay(upstream.wsUrl(),
                              {QStringLiteral("--grace-seconds"), QStringLiteral("30"),
                               QStringLiteral("--drain-seconds"), QStringLiteral("20")}),
             relay.diagnostics());
    QElapsedTimer sinceSigterm;
    SessionPool pool(5, QUrl(relay.wsUrl(QStringLiteral("/ws"))), sinceSigterm);
    QTRY_COMPARE_WITH_TIMEOUT(pool.connected(), 5, kTimeout);
    QVERIFY2(relay.waitForEvent(QStringLiteral("upstream.connected"), 5), relay.diagnostics());

    sinceSigterm.start();
    relay.terminate();
    QVERIFY2(relay.waitForEvent(QStringLiteral("drain.started")), relay.diagnostics());
    QCOMPARE(pool.closed(), 0);
    relay.terminate();
    QTRY_COMPARE_WITH_TIMEOUT(pool.closed(), 5, kTimeout);
    for (const auto &s : pool.sessions())
        QCOMPARE(s.closeCode, 1001);
    QVERIFY2(relay.waitForExit(kTimeout), relay.diagnostics());
    QCOMPARE(relay.exitCode(), 0);
    QVERIFY2(sinceSigterm.elapsed() < 5000,
             "the second signal should not wait for the 20 s window");
    QCOMPARE(relay.eventCount(QStringLiteral("signal.received")), 2);
    QCOMPARE(relay.eventCount(QStringLiteral("drain.started")), 1);
}

void TestRelayDrain::idleRelayStopsAtOnce()
{
    ServerProcess relay(QStringLiteral("relay"));
    QVERIFY2(relay.startRelay(QStringLiteral("ws://127.0.0.1:%1/").arg(unusedPort()),
                              {QStringLiteral("--grace-seconds"), QStringLiteral("30")}),
             relay.diagnostics());
    QElapsedTimer sinceSigterm;
    sinceSigterm.start();
    relay.terminate();
    QVERIFY2(relay.waitForExit(kTimeout), relay.diagnostics());
    QCOMPARE(relay.exitStatus(), QProcess::NormalExit);
    QCOMPARE(relay.exitCode(), 0);
    QVERIFY2(sinceSigterm.elapsed() < 3000, "nothing to drain: no reason to wait for the window");
    QCOMPARE(relay.events(QStringLiteral("drain.completed"))
                 .constFirst()
                 .value(QLatin1String("forced"))
                 .toBool(),
             false);
    QCOMPARE(relay.eventCount(QStringLiteral("server.stopped")), 1);
    QVERIFY(relay.standardError().isEmpty());
}

void TestRelayDrain::probeClosingAtSigtermDoesNotHoldTheDrain()
{
    // A readiness probe answered just before SIGTERM: its connection is still closing (the
    // relay waits up to 2 s for the prober's FIN) when the drain starts with no sessions. That
    // must not make an idle relay wait for its 25 s drain window.
    ServerProcess relay(QStringLiteral("relay"));
    QVERIFY2(relay.startRelay(QStringLiteral("ws://127.0.0.1:%1/").arg(unusedPort()),
                              {QStringLiteral("--grace-seconds"), QStringLiteral("30")}),
             relay.diagnostics());
    QTcpSocket probe;
    probe.setReadBufferSize(1); // Qt stops reading, so never sees the FIN and never sends its own
    QSignalSpy answered(&probe, &QTcpSocket::readyRead);
    probe.connectToHost(QHostAddress::LocalHost, relay.port());
    QVERIFY(probe.waitForConnected(kTimeout));
    probe.write("GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    QTRY_VERIFY_WITH_TIMEOUT(answered.size() >= 1, kTimeout);

    QElapsedTimer sinceSigterm;
    sinceSigterm.start();
    relay.terminate();
    QVERIFY2(relay.waitForExit(kTimeout), relay.diagnostics());
    QCOMPARE(relay.exitCode(), 0);
    QVERIFY2(sinceSigterm.elapsed() < 5000, qPrintable(QString::number(sinceSigterm.elapsed())));
    QCOMPARE(relay.events(QStringLiteral("drain.completed"))
                 .constFirst()
                 .value(QLatin1String("forced"))
                 .toBool(),
             false);
}

void TestRelayDrain::unresponsiveClientCannotOutliveTheGracePeriod()
{
    // grace 4 s: the process must be gone by grace minus 2 s = 2 s, while a client that never
    // reads would hold its connection open for longer.
    ServerProcess upstream(QStringLiteral("upstream-sim"));
    QVERIFY2(upstream.startUpstreamSim({QStringLiteral("--mode"), QStringLiteral("echo")}),
             upstream.diagnostics());
    ServerProcess relay(QStringLiteral("relay"));
    QVERIFY2(relay.startRelay(upstream.wsUrl(),
                              {QStringLiteral("--grace-seconds"), QStringLiteral("4"),
                               QStringLiteral("--drain-seconds"), QStringLiteral("1")}),
             relay.diagnostics());

    QTcpSocket mute;
    mute.setReadBufferSize(1); // Qt stops reading: the relay's close frame and FIN stay unread
    mute.connectToHost(QHostAddress::LocalHost, relay.port());
    QVERIFY(mute.waitForConnected(kTimeout));
    mute.write(
        "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    QVERIFY2(relay.waitForEvent(QStringLiteral("upstream.connected")), relay.diagnostics());

    QElapsedTimer sinceSigterm;
    sinceSigterm.start();
    relay.terminate();
    QVERIFY2(relay.waitForExit(kTimeout), relay.diagnostics());
    const qint64 exitedAfter = sinceSigterm.elapsed();
    QCOMPARE(relay.exitStatus(), QProcess::NormalExit);
    QCOMPARE(relay.exitCode(), 0);
    // The hard deadline is 2 s; allow scheduling slack but stay well inside the grace period.
    QVERIFY2(exitedAfter < 3000, qPrintable(QString::number(exitedAfter)));
    QVERIFY2(exitedAfter >= 1000, "the drain window was skipped");
    QCOMPARE(relay.events(QStringLiteral("drain.completed"))
                 .constFirst()
                 .value(QLatin1String("forced"))
                 .toBool(),
             true);
    QCOMPARE(relay.eventCount(QStringLiteral("server.stopped")), 1);
}

QTEST_GUILESS_MAIN(TestRelayDrain)
#include "tst_relaydrain.moc"
