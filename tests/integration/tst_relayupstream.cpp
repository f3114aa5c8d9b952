// The relay's upstream leg with real processes: an upstream that is down, refuses or never
// answers (1011 with a reason, counted in /metrics), wss with a CA made here by the openssl CLI,
// and the upstream key, which must work and never appear in any output of either process.
#include "integrationsupport.h"

#include <QJsonDocument>
#include <QNetworkProxy>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>

using namespace blueshift::itest;

namespace {
constexpr int kTimeout = 10000;

bool writeFile(const QString &path, const QByteArray &content)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(content) == content.size();
}

QByteArray randomHex(int bytes)
{
    QByteArray raw(bytes, Qt::Uninitialized);
    for (char &c : raw)
        c = char(QRandomGenerator::global()->bounded(256));
    return raw.toHex();
}

} // namespace

class TestRelayUpstream : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void upstreamUnavailable_data();
    void upstreamUnavailable();
    void upstreamCloseReachesClient();
    void upstreamLostMidSession();
    void wssUpstreamWithOwnCa();
    void wssUpstreamNotTrusted_data();
    void wssUpstreamNotTrusted();
    void upstreamKeyNeverLogged_data();
    void upstreamKeyNeverLogged();

private:
    bool openssl(const QStringList &args, QByteArray *error);
    bool makeServerCertificate(const QString &name, const QString &ipAddress, QByteArray *error);

    QTemporaryDir m_pki;
};

bool TestRelayUpstream::openssl(const QStringList &args, QByteArray *error)
{
    QProcess p;
    p.setWorkingDirectory(m_pki.path());
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(QStringLiteral("openssl"), args);
    if (!p.waitForFinished(30000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        *error = "openssl " + args.join(QLatin1Char(' ')).toUtf8() + ": " + p.readAll();
        return false;
    }
    return true;
}

bool TestRelayUpstream::makeServerCertificate(const QString &name, const QString &ipAddress,
                                              QByteArray *error)
{
    const QString ext = name + QStringLiteral(".ext");
    if (!writeFile(m_pki.filePath(ext),
                   "subjectAltName=IP:" + ipAddress.toLatin1() +
                       "\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"))
        return false;
    return openssl({QStringLiteral("req"), QStringLiteral("-new"), QStringLiteral("-newkey"),
                    QStringLiteral("ec"), QStringLiteral("-pkeyopt"),
                    QStringLiteral("ec_paramgen_curve:prime256v1"), QStringLiteral("-nodes"),
                    QStringLiteral("-keyout"), name + QStringLiteral(".key"),
                    QStringLiteral("-out"), name + QStringLiteral(".csr"), QStringLiteral("-subj"),
                    QStringLiteral("/CN=") + ipAddress},
                   error) &&
           openssl({QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"),
                    name + QStringLiteral(".csr"), QStringLiteral("-CA"), QStringLiteral("ca.pem"),
                    QStringLiteral("-CAkey"), QStringLiteral("ca.key"),
                    QStringLiteral("-CAcreateserial"), QStringLiteral("-days"), QStringLiteral("2"),
                    QStringLiteral("-out"), name + QStringLiteral(".pem"),
                    QStringLiteral("-extfile"), ext},
                   error);
}

void TestRelayUpstream::initTestCase()
{
    QNetworkProxy::setApplicationProxy(QNetworkProxy::NoProxy);
    QVERIFY2(QFile::exists(serverBinary()), qPrintable(serverBinary()));
    QVERIFY(m_pki.isValid());
    // A throwaway CA, a certificate for 127.0.0.1 and one for an address the relay never dials.
    QByteArray error;
    QVERIFY2(
        openssl({QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
                 QStringLiteral("ec"), QStringLiteral("-pkeyopt"),
                 QStringLiteral("ec_paramgen_curve:prime256v1"), QStringLiteral("-nodes"),
                 QStringLiteral("-keyout"), QStringLiteral("ca.key"), QStringLiteral("-out"),
                 QStringLiteral("ca.pem"), QStringLiteral("-days"), QStringLiteral("2"),
                 QStringLiteral("-subj"), QStringLiteral("/CN=Blueshift integration test CA"),
                 QStringLiteral("-addext"), QStringLiteral("basicConstraints=critical,CA:TRUE"),
                 QStringLiteral("-addext"),
                 QStringLiteral("keyUsage=critical,keyCertSign,cRLSign")},
                &error),
        error.constData());
    QVERIFY2(makeServerCertificate(QStringLiteral("loopback"), QStringLiteral("127.0.0.1"), &error),
             error.constData());
    QVERIFY2(
        makeServerCertificate(QStringLiteral("elsewhere"), QStringLiteral("192.0.2.7"), &error),
        error.constData());
}

void TestRelayUpstream::upstreamUnavailable_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("reasonContains");
    QTest::addRow("nothing listening") << QStringLiteral("dead") << QStringLiteral("refused");
    QTest::addRow("upgrade refused with 503") << QStringLiteral("refuse") << QStringLiteral("503");
    QTest::addRow("upgrade answered 404") << QStringLiteral("wrong-path") << QStringLiteral("404");
    QTest::addRow("handshake never answered")
        << QStringLiteral("silent") << QStringLiteral("no WebSocket after");
}

void TestRelayUpstream::upstreamUnavailable()
{
    QFETCH(QString, kind);
    QFETCH(QString, reasonContains);
    ServerProcess upstream(kind == QLatin1String("silent") ? QStringLiteral("pyupstream")
                                                           : QStringLiteral("upstream-sim"));
    QString url;
    if (kind == QLatin1String("dead")) {
        const quint16 port = unusedPort();
        QVERIFY(port);
        url = QStringLiteral("ws://127.0.0.1:%1/").arg(port);
    } else if (kind == QLatin1String("silent")) {
        QVERIFY2(
            upstream.startPython(QStringLiteral("pyupstream.py"),
                                 {QStringLiteral("--handshake-delay-ms"), QStringLiteral("30000")}),
            upstream.diagnostics());
        url = upstream.wsUrl();
    } else if (kind == QLatin1String("refuse")) {
        QVERIFY2(
            upstream.startUpstreamSim({QStringLiteral("--refuse-upgrades"), QStringLiteral("503")}),
            upstream.diagnostics());
        url = upstream.wsUrl();
    } else {
        QVERIFY2(upstream.startUpstreamSim(
                     {QStringLiteral("--path"), QStringLiteral("/openai/realtime")}),
                 upstream.diagnostics());
        url = upstream.wsUrl(QStringLiteral("/elsewhere"));
    }
    ServerProcess relay(QStringLiteral("relay"));
    QVERIFY2(relay.startRelay(url, {QStringLiteral("--upstream-timeout"), QStringLiteral("1")}),
             relay.diagnostics());

    // Two sessions: each gets its 101, then 1011 with the reason; each failure is counted.
    const int sessions = 2;
    for (int i = 0; i < sessions; ++i) {
        QWebSocket ws;
        QSignalSpy connected(&ws, &QWebSocket::connected);
        QSignalSpy disconnected(&ws, &QWebSocket::disconnected);
        ws.open(QUrl(relay.wsUrl(QStringLiteral("/ws"))));
        QTRY_COMPARE_WITH_TIMEOUT(disconnected.size(), 1, kTimeout);
        QCOMPARE(connected.size(), 1);
        QCOMPARE(int(ws.closeCode()), 1011);
        QVERIFY2(ws.closeReason().startsWith(QLatin1String("upstream unavailable: ")),
                 qPrintable(ws.closeReason()));
        QVERIFY2(ws.closeReason().contains(reasonContains, Qt::CaseInsensitive),
                 qPrintable(ws.closeReason()));
        QVERIFY(ws.closeReason().toUtf8().size() <= 123);
    }

    QVERIFY2(relay.waitForEvent(QStringLiteral("bridge.completed"), sessions), relay.diagnostics());
    QCOMPARE(relay.eventCount(QStringLiteral("upstream.failed")), sessions);
    QCOMPARE(relay.eventCount(QStringLiteral("upstream.connected")), 0);
    const QJsonObject failed = relay.events(QStringLiteral("upstream.failed")).constFirst();
    QCOMPARE(failed.value(QLatin1String("level")).toString(), QStringLiteral("warning"));
    QVERIFY(!failed.value(QLatin1String("error")).toString().isEmpty());

    const HttpResult metrics = httpGet(relay.port(), "/metrics");
    QCOMPARE(metrics.status, 200);
    QCOMPARE(metricValue(metrics.body, "blueshift_relay_upstream_failures_total"),
             double(sessions));
    QCOMPARE(metricValue(metrics.body, R"(blueshift_relay_closes_total{code="1011",side="relay"})"),
             double(sessions));
    QCOMPARE(metricValue(metrics.body, "blueshift_relay_sessions_open"), 0.0);
    // A dead upstream is not the relay's own health.
    QCOMPARE(httpGet(relay.port(), "/healthz").status, 200);
    QCOMPARE(httpGet(relay.port(), "/readyz").status, 200);
}

void TestRelayUpstream::upstreamCloseReachesClient()
{
    // The upstream ends the session with an application code: the client gets that code and
    // reason, not something the relay made up.
    ServerProcess upstream(QStringLiteral("upstream-sim"));
    QVERIFY2(upstream.startUpstreamSim({QStringLiteral("--close-after"), QStringLiteral("0.3"),
                                        QStringLiteral("--close-code"), QStringLiteral("4001")}),
             upstream.diagnostics());
    ServerProcess relay(QStringLiteral("relay"));
    QVERIFY2(relay.startRelay(upstream.wsUrl()), relay.diagnostics());

    QWebSocket ws;
    QSignalSpy messages(&ws, &QWebSocket::textMessageReceived);
    QSignalSpy disconnected(&ws, &QWebSocket::disconnected);
    ws.open(QUrl(relay.wsUrl(QStringLiteral("/ws"))));
    QTRY_COMPARE_WITH_TIMEOUT(disconnected.size(), 1, kTimeout);
    QCOMPARE(messages.size(), 1); // session.created
    QCOMPARE(int(ws.closeCode()), 4001);
    QCOMPARE(ws.closeReason(), QStringLiteral("session time limit reached"));
    QVERIFY2(relay.waitForEvent(QStringLiteral("bridge.completed")), relay.diagnostics());
    const QJsonObject closed = relay.events(QStringLiteral("connection.closed")).constFirst();
    QCOMPARE(closed.value(QLatin1String("code")).toInt(), 4001);
    QCOMPARE(closed.value(QLatin1String("side")).toString(), QStringLiteral("upstream"));
    const HttpResult metrics = httpGet(relay.port(), "/metrics");
    QCOMPARE(
        metricValue(metrics.body, R"(blueshift_relay_closes_total{code="4001",side="upstream"})"),
        1.0);
    QCOMPARE(metricValue(metrics.body, "blueshift_relay_upstream_failures_total"), 0.0);
}

void TestRelayUpstream::upstreamLostMidSession()
{
    // The upstream process dies (no close frame): 1011 to the client, counted as a failure.
    ServerProcess upstream(QStringLiteral("upstream-sim"));
    QVERIFY2(upstream.startUpstreamSim({QStringLiteral("--mode"), QStringLiteral("echo")}),
             upstream.diagnostics());
    ServerProcess relay(QStringLiteral("relay"));
    QVERIFY2(relay.startRelay(upstream.wsUrl()), relay.diagnostics());

    QWebSocket ws;
    QSignalSpy connected(&ws, &QWebSocket::connected);
    QSignalSpy echoed(&ws, &QWebSocket::textMessageReceived);
    QSignalSpy disconnected(&ws, &QWebSocket::disconnected);
    ws.open(QUrl(relay.wsUrl(QStringLiteral("/ws"))));
    QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 1, kTimeout);
    ws.sendTextMessage(QStringLiteral("ping before the crash"));
    QTRY_COMPARE_WITH_TIMEOUT(echoed.size(), 1, kTimeout);
    upstream.kill();
    QTRY_COMPARE_WITH_TIMEOUT(disconnected.size(), 1, kTimeout);
    QCOMPARE(int(ws.closeCode()), 1011);
    QVERIFY2(ws.closeReason().contains(QLatin1String("upstream")), qPrintable(ws.closeReason()));
    QVERIFY2(relay.waitForEvent(QStringLiteral("bridge.completed")), relay.diagnostics());
    const HttpResult metrics = httpGet(relay.port(), "/metrics");
    QCOMPARE(metricValue(metrics.body, "blueshift_relay_upstream_failures_total"), 1.0);
    QCOMPARE(metricValue(metrics.body, "blueshift_relay_sessions_open"), 0.0);
    QVERIFY(relay.isRunning());
}

void TestRelayUpstream::wssUpstreamWithOwnCa()
{
    ServerProcess upstream(QStringLiteral("upstream-sim"));
    QVERIFY2(upstream.startUpstreamSim(
                 {QStringLiteral("--tls-cert"), m_pki.filePath(QStringLiteral("loopback.pem")),
                  QStringLiteral("--tls-key"), m_pki.filePath(QStringLiteral("loopback.key")),
                  QStringLiteral("--audio-deltas"), QStringLiteral("3")}),
             upstream.diagnostics());
    QCOMPARE(upstream.events(QStringLiteral("server.started"))
                 .constFirst()
                 .value(QLatin1String("tls"))
                 .toBool(),
             true);
    ServerProcess relay(QStringLiteral("relay"));
    QVERIFY2(relay.startRelay(
                 QStringLiteral("wss://127.0.0.1:%1/openai/realtime").arg(upstream.port()),
                 {QStringLiteral("--upstream-ca"), m_pki.filePath(QStringLiteral("ca.pem"))}),
             relay.diagnostics());

    QWebSocket ws;
    QStringList types;
    connect(&ws, &QWebSocket::textMessageReceived, &ws, [&types](const QString &m) {
        types
            << QJsonDocument::fromJson(m.toUtf8()).object().value(QLatin1String("type")).toString();
    });
    QSignalSpy connected(&ws, &QWebSocket::connected);
    QSignalSpy disconnected(&ws, &QWebSocket::disconnected);
    ws.open(QUrl(relay.wsUrl(QStringLiteral("/ws"))));
    QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 1, kTimeout);
    QTRY_COMPARE_WITH_TIMEOUT(types.size(), 1, kTimeout);
    QCOMPARE(types.constFirst(), QStringLiteral("session.created"));
    ws.sendTextMessage(QStringLiteral(R"({"type":"response.create"})"));
    QTRY_VERIFY_WITH_TIMEOUT(types.contains(QStringLiteral("response.done")), kTimeout);
    QCOMPARE(types.count(QStringLiteral("response.audio.delta")), 3);
    QCOMPARE(disconnected.size(), 0);
    ws.close();
    QTRY_COMPARE_WITH_TIMEOUT(disconnected.size(), 1, kTimeout);
    QCOMPARE(int(ws.closeCode()), 1000);
    QVERIFY2(upstream.waitForEvent(QStringLiteral("connection.closed")), upstream.diagnostics());
    QCOMPARE(upstream.events(QStringLiteral("connection.closed"))
                 .constFirst()
                 .value(QLatin1String("code"))
                 .toInt(),
             1000);
    const HttpResult metrics = httpGet(relay.port(), "/metrics");
    QCOMPARE(metricValue(metrics.body, "blueshift_relay_upstream_failures_total"), 0.0);
}

void TestRelayUpstream::wssUpstreamNotTrusted_data()
{
    QTest::addColumn<QString>("certificate");
    QTest::addColumn<bool>("withOwnCa");
    QTest::addRow("system CAs only") << QStringLiteral("loopback") << false;
    QTest::addRow("trusted CA, certificate for another address")
        << QStringLiteral("elsewhere") << true;
}

void TestRelayUpstream::wssUpstreamNotTrusted()
{
    QFETCH(QString, certificate);
    QFETCH(bool, withOwnCa);
    ServerProcess upstream(QStringLiteral("upstream-sim"));
    QVERIFY2(upstream.startUpstreamSim({QStringLiteral("--tls-cert"),
                                        m_pki.filePath(certificate + QStringLiteral(".pem")),
                                        QStringLiteral("--tls-key"),
                                        m_pki.filePath(certificate + QStringLiteral(".key"))}),
             upstream.diagnostics());
    QStringList args;
    if (withOwnCa)
        args << QStringLiteral("--upstream-ca") << m_pki.filePath(QStringLiteral("ca.pem"));
    ServerProcess relay(QStringLiteral("relay"));
    QVERIFY2(relay.startRelay(QStringLiteral("wss://127.0.0.1:%1/").arg(upstream.port()), args),
             relay.diagnostics());

    QWebSocket ws;
    QSignalSpy messages(&ws, &QWebSocket::textMessageReceived);
    QSignalSpy disconnected(&ws, &QWebSocket::disconnected);
    ws.open(QUrl(relay.wsUrl(QStringLiteral("/ws"))));
    QTRY_COMPARE_WITH_TIMEOUT(disconnected.size(), 1, kTimeout);
    QCOMPARE(int(ws.closeCode()), 1011);
    QVERIFY2(ws.closeReason().startsWith(QLatin1String("upstream unavailable: ")),
             qPrintable(ws.closeReason()));
    QCOMPARE(messages.size(), 0);
    QCOMPARE(upstream.eventCount(QStringLiteral("client.connected")), 0);
    const HttpResult metrics = httpGet(relay.port(), "/metrics");
    QCOMPARE(metricValue(metrics.body, "blueshift_relay_upstream_failures_total"), 1.0);
}

void TestRelayUpstream::upstreamKeyNeverLogged_data()
{
    QTest::addColumn<QString>("how");
    QTest::addColumn<bool>("keyMatches");
    QTest::addColumn<QString>("logFormat");
    QTest::addRow("api-key in --upstream-header-file")
        << QStringLiteral("header-file") << true << QStringLiteral("json");
    QTest::addRow("Bearer token in --upstream-header-file")
        << QStringLiteral("bearer-file") << true << QStringLiteral("json");
    QTest::addRow("UPSTREAM_API_KEY") << QStringLiteral("env") << true << QStringLiteral("json");
    QTest::addRow("UPSTREAM_API_KEY, text log")
        << QStringLiteral("env") << true << QStringLiteral("text");
    QTest::addRow("api-key query parameter")
        << QStringLiteral("query") << true << QStringLiteral("json");
    QTest::addRow("api-key query parameter, text log")
        << QStringLiteral("query") << true << QStringLiteral("text");
    QTest::addRow("wrong api-key in --upstream-header-file")
        << QStringLiteral("header-file") << false << QStringLiteral("json");
    QTest::addRow("wrong UPSTREAM_API_KEY, text log")
        << QStringLiteral("env") << false << QStringLiteral("text");
}

void TestRelayUpstream::upstreamKeyNeverLogged()
{
    QFETCH(QString, how);
    QFETCH(bool, keyMatches);
    QFETCH(QString, logFormat);
    const QByteArray canary = "CANARY" + randomHex(12);
    const QByteArray expectedKey =
        keyMatches ? canary : QByteArray("CANARYUPSTREAM" + randomHex(12));
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString keyFile = dir.filePath(QStringLiteral("expected.key"));
    QVERIFY(writeFile(keyFile, expectedKey + '\n'));

    ServerProcess upstream(QStringLiteral("upstream-sim"));
    QStringList upstreamArgs{QStringLiteral("--audio-deltas"), QStringLiteral("2"),
                             QStringLiteral("--log-format"), logFormat};
    if (how != QLatin1String("query"))
        upstreamArgs << QStringLiteral("--require-key-file") << keyFile;
    QVERIFY2(upstream.startUpstreamSim(upstreamArgs), upstream.diagnostics());

    QString url = upstream.wsUrl(QStringLiteral("/openai/realtime"));
    QStringList relayArgs{QStringLiteral("--log-format"), logFormat};
    QProcessEnvironment env = cleanEnvironment();
    if (how == QLatin1String("header-file") || how == QLatin1String("bearer-file")) {
        const QString headerFile = dir.filePath(QStringLiteral("upstream-headers"));
        const QByteArray line = how == QLatin1String("header-file")
                                    ? QByteArray("api-key: " + canary)
                                    : QByteArray("Authorization: Bearer " + canary);
        QVERIFY(
            writeFile(headerFile, "# the upstream's key\n" + line + "\nX-Test-Run: integration\n"));
        relayArgs << QStringLiteral("--upstream-header-file") << headerFile;
    } else if (how == QLatin1String("env")) {
        env.insert(QStringLiteral("UPSTREAM_API_KEY"), QString::fromLatin1(canary));
    } else {
        url += QStringLiteral("?api-version=2024-10-01-preview&deployment=gpt-realtime&api-key=") +
               QString::fromLatin1(canary);
    }
    ServerProcess relay(QStringLiteral("relay"));
    QVERIFY2(relay.startRelay(url, relayArgs, env), relay.diagnostics());

    QWebSocket ws;
    QStringList types;
    connect(&ws, &QWebSocket::textMessageReceived, &ws, [&types](const QString &m) {
        types
            << QJsonDocument::fromJson(m.toUtf8()).object().value(QLatin1String("type")).toString();
    });
    QSignalSpy connected(&ws, &QWebSocket::connected);
    QSignalSpy disconnected(&ws, &QWebSocket::disconnected);
    ws.open(QUrl(relay.wsUrl(QStringLiteral("/ws"))));
    QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 1, kTimeout);
    if (keyMatches) {
        // session.created means the upstream's key check passed.
        QTRY_COMPARE_WITH_TIMEOUT(types.size(), 1, kTimeout);
        QCOMPARE(types.constFirst(), QStringLiteral("session.created"));
        ws.sendTextMessage(QStringLiteral(R"({"type":"response.create"})"));
        QTRY_VERIFY_WITH_TIMEOUT(types.contains(QStringLiteral("response.done")), kTimeout);
        ws.close();
        QTRY_COMPARE_WITH_TIMEOUT(disconnected.size(), 1, kTimeout);
        QCOMPARE(int(ws.closeCode()), 1000);
    } else {
        QTRY_COMPARE_WITH_TIMEOUT(disconnected.size(), 1, kTimeout);
        QCOMPARE(int(ws.closeCode()), 1011);
        QVERIFY2(ws.closeReason().contains(QLatin1String("401")), qPrintable(ws.closeReason()));
        QVERIFY(types.isEmpty());
    }
    QVERIFY2(relay.waitForEvent(QStringLiteral("bridge.completed")), relay.diagnostics());
    QVERIFY(!ws.closeReason().toUtf8().contains(canary));

    // Everything either process ever wrote, through to server.stopped.
    QCOMPARE(httpGet(relay.port(), "/metrics").status, 200);
    relay.terminate();
    upstream.terminate();
    QVERIFY2(relay.waitForExit(kTimeout), relay.diagnostics());
    QVERIFY2(upstream.waitForExit(kTimeout), upstream.diagnostics());
    QVERIFY2(relay.eventCount(QStringLiteral("server.stopped")) == 1, relay.diagnostics());
    QVERIFY2(upstream.eventCount(QStringLiteral("server.stopped")) == 1, upstream.diagnostics());
    const QByteArray everything = relay.standardOutput() + relay.standardError() +
                                  upstream.standardOutput() + upstream.standardError();
    QVERIFY2(!everything.contains(canary), everything.constData());
    QVERIFY2(!everything.contains(expectedKey), everything.constData());
    QVERIFY2(!everything.contains("CANARY"), everything.constData());
    // ... and the logs did describe the upstream, with the secret masked.
    const QString logged = relay.events(QStringLiteral("server.started"))
                               .constFirst()
                               .value(QLatin1String("upstream"))
                               .toString();
    QVERIFY2(logged.contains(QLatin1String("127.0.0.1")), qPrintable(logged));
    if (how == QLatin1String("query"))
        QVERIFY2(logged.contains(QLatin1String("api-version=2024-10-01-preview")) &&
                     logged.contains(QLatin1String("api-key=")),
                 qPrintable(logged));
}

QTEST_GUILESS_MAIN(TestRelayUpstream)
#include "tst_relayupstream.moc"
