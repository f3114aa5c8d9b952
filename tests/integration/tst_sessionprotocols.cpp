// `blueshift-server sessions --protocol socketio|realtime` against real servers: a
// Chainlit-shaped python-socketio 5 app under uvicorn (answered pings keep the sessions; a plain
// WebSocket client is cut by the app's heartbeat, the symptom this profile exists for), echo
// emits with acks as RTT samples, attribution from a header or the first event, and Engine.IO
// servers that break the protocol, each ending its sessions with its own close cause; and a
// realtime conversation through the relay that the service ends at its session cap.
#include "integrationsupport.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace blueshift::itest;

namespace {
constexpr int kTimeout = 60000;

struct Run
{
    int exitCode = -1;
    bool finished = false;
    QByteArray out;
    QByteArray err;
    QList<QByteArray> header;
    QList<QList<QByteArray>> rows;

    QByteArray field(int row, const char *name) const
    {
        const qsizetype i = header.indexOf(QByteArray(name));
        return i >= 0 && row < rows.size() && i < rows.at(row).size() ? rows.at(row).at(i)
                                                                      : QByteArray("<missing>");
    }
    QByteArray describe() const
    {
        return "exit " + QByteArray::number(exitCode) + (finished ? "" : " (timed out)") +
               "; stderr: " + err.right(300) + "; stdout: " + out.right(600);
    }
};

// Runs `blueshift-server sessions URL <args> --report DIR` to its end and reads sessions.csv.
Run runSessions(const QString &url, const QStringList &args)
{
    QTemporaryDir report;
    QProcess p;
    QProcessEnvironment env = cleanEnvironment();
    env.remove(QStringLiteral("QT_LOGGING_RULES"));
    p.setProcessEnvironment(env);
    p.start(serverBinary(), QStringList{QStringLiteral("sessions"), url, QStringLiteral("--report"),
                                        report.path(), QStringLiteral("--quiet")} +
                                args);
    Run r;
    r.finished = p.waitForFinished(kTimeout);
    if (!r.finished) {
        p.kill();
        p.waitForFinished(5000);
    }
    r.exitCode = p.exitCode();
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    QFile csv(QDir(report.path()).filePath(QStringLiteral("sessions.csv")));
    if (csv.open(QIODevice::ReadOnly)) {
        QList<QByteArray> lines = csv.readAll().split('\n');
        while (!lines.isEmpty() && lines.constLast().isEmpty())
            lines.removeLast();
        if (!lines.isEmpty())
            r.header = lines.takeFirst().split(',');
        for (const QByteArray &line : std::as_const(lines))
            r.rows.append(line.split(','));
    }
    return r;
}

QStringList args(std::initializer_list<const char *> list)
{
    QStringList out;
    for (const char *a : list)
        out.append(QString::fromLatin1(a));
    return out;
}
} // namespace

class TestSessionProtocols : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void pongsKeepSessionsThroughTheHeartbeat();
    void plainWebSocketIsCutByTheHeartbeat();
    void echoAcksAreRttSamples();
    void attribution_data();
    void attribution();
    void brokenServers_data();
    void brokenServers();
    void realtimeSessionCap();

private:
    std::unique_ptr<ServerProcess> startApp(const QStringList &env);
    std::unique_ptr<ServerProcess> m_app; // 1 s ping interval, 1 s ping timeout
    QString appUrl(const ServerProcess &app) const
    {
        return QStringLiteral("ws://127.0.0.1:%1/ws/socket.io/").arg(app.port());
    }
};

std::unique_ptr<ServerProcess> TestSessionProtocols::startApp(const QStringList &extraEnv)
{
    auto app = std::make_unique<ServerProcess>(QStringLiteral("socketio app"));
    QProcessEnvironment env = cleanEnvironment();
    env.insert(QStringLiteral("PORT"), QString::number(unusedPort()));
    env.insert(QStringLiteral("PYTHONUNBUFFERED"), QStringLiteral("1"));
    env.insert(QStringLiteral("PYTHONDONTWRITEBYTECODE"), QStringLiteral("1"));
    for (const QString &kv : extraEnv)
        env.insert(kv.section(QLatin1Char('='), 0, 0), kv.section(QLatin1Char('='), 1));
    app->start(QStringLiteral("/usr/bin/python3"),
               {QStringLiteral(BLUESHIFT_SOURCE_DIR "/tests/integration/apps/socketio_app.py")},
               env);
    if (!app->waitForServerStarted(20000) || !waitForListening(app->port()))
        return nullptr;
    return app;
}

void TestSessionProtocols::initTestCase()
{
    m_app = startApp({QStringLiteral("SIO_PING_INTERVAL=2"), QStringLiteral("SIO_PING_TIMEOUT=2")});
    QVERIFY2(m_app, "the socket.io app did not start");
}

void TestSessionProtocols::pongsKeepSessionsThroughTheHeartbeat()
{
    // Twelve seconds is three times pingInterval + pingTimeout (4 s): without pongs every
    // session would be cut (the next test shows it); with them all live until the duration ends.
    const Run r = runSessions(appUrl(*m_app), args({"--protocol", "socketio", "--connections", "5",
                                                    "--duration", "12", "--ping-interval", "0"}));
    QVERIFY2(r.finished && r.exitCode == 0, r.describe().constData());
    QCOMPARE(r.rows.size(), 5);
    for (int i = 0; i < r.rows.size(); ++i) {
        QVERIFY2(r.field(i, "closed_by") == "client", r.describe().constData());
        QCOMPARE(r.field(i, "close_code"), QByteArray("1000"));
        QCOMPARE(r.field(i, "close_cause"), QByteArray("clean"));
        QCOMPARE(r.field(i, "reconnects"), QByteArray("0"));
        QVERIFY2(r.field(i, "close_s").toDouble() - r.field(i, "first_open_s").toDouble() >= 9,
                 r.describe().constData());
    }
}

void TestSessionProtocols::plainWebSocketIsCutByTheHeartbeat()
{
    // The symptom: a client that does not speak Engine.IO is closed by the app's heartbeat, and
    // a rollout would be blamed for it.
    const Run r =
        runSessions(appUrl(*m_app) + QStringLiteral("?EIO=4&transport=websocket"),
                    args({"--connections", "3", "--duration", "12", "--ping-interval", "0"}));
    QVERIFY2(r.finished, r.describe().constData());
    QCOMPARE(r.rows.size(), 3);
    for (int i = 0; i < r.rows.size(); ++i) {
        QVERIFY2(r.field(i, "closed_by") == "server", r.describe().constData());
        QVERIFY2(r.field(i, "close_s").toDouble() < 11, r.describe().constData());
    }
}

void TestSessionProtocols::echoAcksAreRttSamples()
{
    const Run r = runSessions(
        appUrl(*m_app),
        args({"--protocol", "socketio", "--connections", "2", "--duration", "3", "--ping-interval",
              "0", "--traffic", "echo", "--traffic-interval", "0.2", "--echo-bytes", "32"}));
    QVERIFY2(r.finished && r.exitCode == 0, r.describe().constData());
    QCOMPARE(r.rows.size(), 2);
    for (int i = 0; i < r.rows.size(); ++i) {
        // Only WebSocket pings are off: every RTT sample is an emit's ack.
        QVERIFY2(r.field(i, "rtt_count").toInt() >= 5, r.describe().constData());
        QVERIFY2(r.field(i, "messages_out").toInt() >= 5, r.describe().constData());
    }
}

void TestSessionProtocols::attribution_data()
{
    QTest::addColumn<QStringList>("appEnv");
    QTest::addColumn<QStringList>("sessionArgs");
    QTest::addColumn<QByteArray>("revision");
    QTest::addRow("none: unattributed, never guessed")
        << QStringList{QStringLiteral("CONTAINER_APP_REVISION=chat--blue")} << QStringList{}
        << QByteArray();
    QTest::addRow("from the first event")
        << QStringList{QStringLiteral("CONTAINER_APP_REVISION=chat--blue")}
        << args({"--revision-from-message", "/1/revision"}) << QByteArray("chat--blue");
    QTest::addRow("from the app's header")
        << QStringList{QStringLiteral("CONTAINER_APP_REVISION=chat--green"),
                       QStringLiteral("SIO_REVISION_HEADER=X-App-Revision")}
        << args({"--revision-header", "x-app-revision"}) << QByteArray("chat--green");
}

void TestSessionProtocols::attribution()
{
    QFETCH(QStringList, appEnv);
    QFETCH(QStringList, sessionArgs);
    QFETCH(QByteArray, revision);
    appEnv << QStringLiteral("SIO_PING_INTERVAL=5") << QStringLiteral("SIO_PING_TIMEOUT=5");
    const auto app = startApp(appEnv);
    QVERIFY(app);
    const Run r = runSessions(appUrl(*app), args({"--protocol", "socketio", "--connections", "3",
                                                  "--duration", "2", "--ping-interval", "0"}) +
                                                sessionArgs);
    QVERIFY2(r.finished && r.exitCode == 0, r.describe().constData());
    QCOMPARE(r.rows.size(), 3);
    for (int i = 0; i < r.rows.size(); ++i)
        QCOMPARE(r.field(i, "revision"), revision);
    if (revision.isEmpty())
        QVERIFY2(r.out.contains("(unattributed)"), r.out.constData());
}

void TestSessionProtocols::brokenServers_data()
{
    QTest::addColumn<QString>("mode");
    QTest::addColumn<QByteArray>("cause");
    QTest::addColumn<QByteArray>("reason");
    QTest::addRow("never pings") << QStringLiteral("silent") << QByteArray("heartbeat-timeout")
                                 << QByteArray("no Engine.IO ping");
    QTest::addRow("no open packet") << QStringLiteral("no-open") << QByteArray("protocol-error")
                                    << QByteArray("no Engine.IO open packet");
    QTest::addRow("namespace refused")
        << QStringLiteral("refuse") << QByteArray("namespace-refused")
        << QByteArray("not authorized");
    QTest::addRow("open without pingInterval")
        << QStringLiteral("malformed") << QByteArray("protocol-error")
        << QByteArray("without pingInterval");
    QTest::addRow("server disconnect")
        << QStringLiteral("disconnect") << QByteArray("namespace-disconnect")
        << QByteArray("disconnected namespace");
    QTest::addRow("binary frame nobody announced")
        << QStringLiteral("binary") << QByteArray("protocol-error")
        << QByteArray("no binary packet announced");
}

void TestSessionProtocols::brokenServers()
{
    QFETCH(QString, mode);
    QFETCH(QByteArray, cause);
    QFETCH(QByteArray, reason);
    ServerProcess fake(QStringLiteral("fake engine.io"));
    QVERIFY2(
        fake.startPython(QStringLiteral("apps/fake_engineio.py"), {QStringLiteral("--mode"), mode}),
        fake.diagnostics().constData());
    const Run r = runSessions(QStringLiteral("ws://127.0.0.1:%1/").arg(fake.port()),
                              args({"--protocol", "socketio", "--connections", "2", "--duration",
                                    "20", "--connect-timeout", "1", "--ping-interval", "0"}));
    // Every session ends by itself, long before the duration, with its cause; nothing crashes.
    QVERIFY2(r.finished, r.describe().constData());
    QCOMPARE(r.rows.size(), 2);
    for (int i = 0; i < r.rows.size(); ++i) {
        QCOMPARE(r.field(i, "close_cause"), cause);
        QVERIFY2(r.field(i, "close_reason").contains(reason) ||
                     r.field(i, "error").contains(reason),
                 r.describe().constData());
        QVERIFY2(r.field(i, "close_s").toDouble() < 10, r.field(i, "close_s").constData());
    }
}

void TestSessionProtocols::realtimeSessionCap()
{
    // upstream-sim ends each session as the service does at its maximum duration; the relay
    // passes the error event and the close through and counts them; the harness records the
    // close as the service's session cap, which no rollout assertion counts.
    ServerProcess sim(QStringLiteral("upstream-sim"));
    QVERIFY2(sim.startUpstreamSim({QStringLiteral("--session-max-seconds"), QStringLiteral("1.5")}),
             sim.diagnostics().constData());
    ServerProcess relay(QStringLiteral("relay"));
    QVERIFY2(relay.startRelay(sim.wsUrl()), relay.diagnostics().constData());
    const Run r = runSessions(relay.wsUrl(QStringLiteral("/ws")),
                              args({"--protocol", "realtime", "--connections", "3", "--duration",
                                    "10", "--ping-interval", "0"}));
    QVERIFY2(r.finished && r.exitCode == 0, r.describe().constData());
    QCOMPARE(r.rows.size(), 3);
    for (int i = 0; i < r.rows.size(); ++i) {
        QCOMPARE(r.field(i, "close_cause"), QByteArray("session-cap"));
        QCOMPARE(r.field(i, "closed_by"), QByteArray("server"));
        QCOMPARE(r.field(i, "close_code"), QByteArray("1000"));
        QVERIFY2(r.field(i, "close_s").toDouble() < 8, r.field(i, "close_s").constData());
    }
    QTRY_COMPARE_WITH_TIMEOUT(metricValue(httpGet(relay.port(), "/metrics").body,
                                          "blueshift_relay_upstream_sessions_expired_total"),
                              3.0, 10000);
}

QTEST_GUILESS_MAIN(TestSessionProtocols)
#include "tst_sessionprotocols.moc"
