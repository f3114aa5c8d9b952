// `blueshift-server doctor` against real processes on loopback: a healthy relay, a wrong path,
// an Origin the relay does not allow, the local platform's ingress with transport http2 (502 on
// every upgrade while /healthz is 200) and with a 2 s idle timeout, wss with a self-signed
// certificate, a port where nothing listens, and bad command lines. Secrets from --header-file
// must never appear in the output.
#include "localplatformsupport.h"

#include "net/selfsignedcert.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkProxy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace blueshift;
using namespace blueshift::itest;

namespace {
constexpr int kTimeout = 30000;
const QByteArray kCanary = "doctor-canary-7d41c9e2";

struct DoctorRun
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
    QJsonObject json; // with --json
    qint64 elapsedMs = 0;

    QString cause() const { return json.value(QStringLiteral("cause")).toString(); }
    QJsonObject diagnosis() const { return json.value(QStringLiteral("diagnosis")).toObject(); }
    QJsonObject evidence() const { return json.value(QStringLiteral("evidence")).toObject(); }
    QJsonObject probe(const QString &name) const
    {
        return evidence().value(QStringLiteral("probes")).toObject().value(name).toObject();
    }
    QString evidenceText() const
    {
        QStringList lines;
        for (const QJsonValue &v : diagnosis().value(QStringLiteral("evidence")).toArray())
            lines.append(v.toString());
        return lines.join(QLatin1Char('\n'));
    }
    QByteArray describe() const
    {
        return "exit " + QByteArray::number(exitCode) + "\nstdout:\n" + out + "\nstderr:\n" + err;
    }
};

DoctorRun doctor(const QStringList &args, bool json = true, int timeoutMs = kTimeout)
{
    DoctorRun r;
    QProcess p;
    p.setProcessEnvironment(cleanEnvironment());
    QStringList all{QStringLiteral("doctor")};
    all += args;
    if (json)
        all.append(QStringLiteral("--json"));
    QElapsedTimer clock;
    clock.start();
    p.start(serverBinary(), all);
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished(5000);
        r.err = "doctor did not finish in time";
        return r;
    }
    r.elapsedMs = clock.elapsed();
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    if (json)
        r.json = QJsonDocument::fromJson(r.out).object();
    return r;
}

QString s(const char *text)
{
    return QString::fromLatin1(text);
}
} // namespace

class TestDoctor : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void healthyRelay();
    void wrongPath();
    void foreignOrigin();
    void ingressTransportHttp2();
    void ingressIdleTimeout();
    void selfSignedTls();
    void refusedPort();
    void secretsNeverPrinted();
    void badCommandLine_data();
    void badCommandLine();
    void socketIoHandshake_data();
    void socketIoHandshake();

private:
    QString relayUrl(const QString &path) const
    {
        return QStringLiteral("ws://127.0.0.1:%1%2").arg(m_relay->port()).arg(path);
    }
    bool startLocalPlatform();

    QTemporaryDir m_dir;
    ServerProcess *m_upstream = nullptr;
    ServerProcess *m_relay = nullptr;
    std::unique_ptr<LocalPlatformProcess> m_local;
    quint16 m_h2Port = 0;
    quint16 m_idlePort = 0;
};

void TestDoctor::initTestCase()
{
    QNetworkProxy::setApplicationProxy(QNetworkProxy::NoProxy);
    QVERIFY2(QFile::exists(serverBinary()), qPrintable(serverBinary()));
    QVERIFY(m_dir.isValid());
    m_upstream = new ServerProcess(s("upstream-sim"), this);
    QVERIFY2(m_upstream->startUpstreamSim({s("--mode"), s("echo")}), m_upstream->diagnostics());
    m_relay = new ServerProcess(s("relay"), this);
    QVERIFY2(
        m_relay->startRelay(m_upstream->wsUrl(), {s("--allow-origin"), s("https://app.example")}),
        m_relay->diagnostics());
}

bool TestDoctor::startLocalPlatform()
{
    if (m_local)
        return true;
    // One platform for both ingress cases: a 2 s idle timeout does not change what an http2
    // transport answers to an upgrade.
    m_local = std::make_unique<LocalPlatformProcess>();
    if (!m_local->start({s("--idle-timeout"), s("2")}))
        return false;
    const QString up = m_upstream->wsUrl();
    if (!armWait(m_local->client().putApp(s("idle"), relayApp(s("v1"), up)), kTimeout).ok)
        return false;
    QJsonObject app = relayApp(s("v1"), up);
    QJsonObject props = app.value(s("properties")).toObject();
    QJsonObject conf = props.value(s("configuration")).toObject();
    QJsonObject ingress = conf.value(s("ingress")).toObject();
    ingress.insert(s("transport"), s("http2"));
    conf.insert(s("ingress"), ingress);
    props.insert(s("configuration"), conf);
    app.insert(s("properties"), props);
    if (!armWait(m_local->client().putApp(s("h2"), app), kTimeout).ok)
        return false;
    m_h2Port = m_local->ingressPort(s("h2"));
    m_idlePort = m_local->ingressPort(s("idle"));
    return m_h2Port && m_idlePort;
}

void TestDoctor::healthyRelay()
{
    const DoctorRun r = doctor({relayUrl(s("/ws"))});
    QVERIFY2(r.exitCode == 0, r.describe());
    QCOMPARE(r.cause(), s("healthy"));
    const QJsonObject up = r.probe(s("upgrade"));
    QCOMPARE(up.value(s("status")).toInt(), 101);
    QCOMPARE(up.value(s("accept_valid")).toBool(), true);
    QCOMPARE(up.value(s("headers")).toObject().value(s("X-Blueshift-Revision")).toString(),
             s("local"));
    QCOMPARE(r.probe(s("health")).value(s("status")).toInt(), 200);
    // The relay refuses Origins it does not know: the doctor reports that as it should be.
    QCOMPARE(r.probe(s("upgrade_foreign_origin")).value(s("status")).toInt(), 403);
    QCOMPARE(r.probe(s("socket_io")).value(s("status")).toInt(), 404);
    QVERIFY(up.value(s("connect_ms")).toDouble() >= 0);
    QVERIFY(up.value(s("first_byte_ms")).toDouble() >= up.value(s("connect_ms")).toDouble());

    // The readable report: a marked section per probe and the verdict.
    const DoctorRun text = doctor({relayUrl(s("/ws"))}, false);
    QVERIFY2(text.exitCode == 0, text.describe());
    const QString report = QString::fromUtf8(text.out);
    QVERIFY2(report.contains(QStringLiteral("✓ OK    WebSocket upgrade")), text.out.constData());
    QVERIFY(report.contains(s("HTTP/1.1 101 Switching Protocols")));
    QVERIFY(report.contains(s("(correct)")));
    QVERIFY(report.contains(s("Verdict: healthy")));
}

void TestDoctor::wrongPath()
{
    const DoctorRun r = doctor({relayUrl(s("/wrong"))});
    QVERIFY2(r.exitCode == 1, r.describe());
    QCOMPARE(r.cause(), s("wrong_path"));
    QCOMPARE(r.diagnosis().value(s("suggested_path")).toString(), s("/ws"));
    QCOMPARE(r.probe(s("upgrade")).value(s("status")).toInt(), 404);
    QVERIFY(r.diagnosis().value(s("fix")).toString().contains(s("/ws")));

    const DoctorRun text = doctor({relayUrl(s("/wrong"))}, false);
    QVERIFY2(text.out.contains("Most likely cause: wrong path"), text.describe());
}

void TestDoctor::foreignOrigin()
{
    // A browser on a page the relay does not allow ...
    const DoctorRun r = doctor({relayUrl(s("/ws")), s("--origin"), s("https://evil.example")});
    QVERIFY2(r.exitCode == 1, r.describe());
    QCOMPARE(r.cause(), s("origin"));
    QCOMPARE(r.probe(s("upgrade")).value(s("status")).toInt(), 403);
    QCOMPARE(r.probe(s("upgrade_no_origin")).value(s("status")).toInt(), 101);
    QVERIFY(r.diagnosis().value(s("fix")).toString().contains(s("https://evil.example")));
    // ... and one on the page it allows.
    const DoctorRun ok = doctor({relayUrl(s("/ws")), s("--origin"), s("https://app.example")});
    QVERIFY2(ok.exitCode == 0, ok.describe());
    QCOMPARE(ok.cause(), s("healthy"));
}

void TestDoctor::ingressTransportHttp2()
{
    QVERIFY2(startLocalPlatform(), m_local ? m_local->process().diagnostics().constData() : "");
    const DoctorRun r = doctor({QStringLiteral("ws://127.0.0.1:%1/ws").arg(m_h2Port)});
    QVERIFY2(r.exitCode == 1, r.describe());
    QCOMPARE(r.cause(), s("transport"));
    QCOMPARE(r.probe(s("health")).value(s("status")).toInt(), 200);
    QCOMPARE(r.probe(s("upgrade")).value(s("status")).toInt(), 502);
    const QString evidence = r.evidenceText();
    QVERIFY2(evidence.contains(s("GET /healthz -> 200")), qPrintable(evidence));
    QVERIFY2(evidence.contains(s("502")), qPrintable(evidence));
    QVERIFY(r.diagnosis().value(s("explanation")).toString().contains(s("http2")));
    QVERIFY(r.diagnosis().value(s("fix")).toString().contains(s("transport")));

    // The same app through an ingress with transport auto works.
    const DoctorRun fine = doctor({QStringLiteral("ws://127.0.0.1:%1/ws").arg(m_idlePort)});
    QVERIFY2(fine.exitCode == 0, fine.describe());
}

void TestDoctor::ingressIdleTimeout()
{
    QVERIFY2(startLocalPlatform(), m_local ? m_local->process().diagnostics().constData() : "");
    const DoctorRun r = doctor(
        {QStringLiteral("ws://127.0.0.1:%1/ws").arg(m_idlePort), s("--silent-seconds"), s("5")});
    QVERIFY2(r.exitCode == 1, r.describe());
    QCOMPARE(r.cause(), s("idle_timeout"));
    const double idle = r.diagnosis().value(s("idle_seconds")).toDouble();
    QVERIFY2(idle >= 1.5 && idle < 4.5, qPrintable(QString::number(idle)));
    const QJsonObject silent = r.evidence().value(s("silent")).toObject();
    QCOMPARE(silent.value(s("end")).toString(), s("dropped"));
    QCOMPARE(silent.value(s("close_code")).toInt(), 1006);
    // Bounded by the cut, not by the five seconds asked for.
    QVERIFY2(r.elapsedMs < 4500, qPrintable(QString::number(r.elapsedMs)));
}

void TestDoctor::selfSignedTls()
{
    QString cert, key, error;
    QVERIFY2(net::writeSelfSignedCertificate(m_dir.path(), &cert, &key, &error), qPrintable(error));
    ServerProcess wss(s("wss upstream-sim"));
    QVERIFY2(wss.startUpstreamSim({s("--mode"), s("echo"), s("--path"), s("/ws"), s("--tls-cert"),
                                   cert, s("--tls-key"), key}),
             wss.diagnostics());
    const QString url = QStringLiteral("wss://127.0.0.1:%1/ws").arg(wss.port());

    const DoctorRun r = doctor({url});
    QVERIFY2(r.exitCode == 1, r.describe());
    QCOMPARE(r.cause(), s("tls"));
    const QJsonObject tls = r.evidence().value(s("tls")).toObject();
    QCOMPARE(tls.value(s("self_signed")).toBool(), true);
    QCOMPARE(tls.value(s("trusted")).toBool(), false);
    QCOMPARE(tls.value(s("host_matches")).toBool(), true);
    QVERIFY(tls.value(s("protocol")).toString().startsWith(s("TLS 1.")));
    QVERIFY(!tls.value(s("cipher")).toString().isEmpty());
    QVERIFY(tls.value(s("subject_alt_names")).toArray().contains(s("127.0.0.1")));
    // No request went over the untrusted connection.
    QCOMPARE(r.probe(s("health")).value(s("outcome")).toString(), s("not_run"));
    QVERIFY(r.diagnosis().value(s("fix")).toString().contains(s("--accept-self-signed")));

    // The explicit opt-in, and the certificate as the CA: both work, the opt-in with a note.
    const DoctorRun optIn = doctor({url, s("--accept-self-signed")});
    QVERIFY2(optIn.exitCode == 0, optIn.describe());
    QCOMPARE(optIn.evidence().value(s("tls")).toObject().value(s("self_signed_waived")).toBool(),
             true);
    QVERIFY(!optIn.diagnosis().value(s("notes")).toArray().isEmpty());
    const DoctorRun withCa = doctor({url, s("--ca"), cert});
    QVERIFY2(withCa.exitCode == 0, withCa.describe());
    QCOMPARE(withCa.evidence().value(s("tls")).toObject().value(s("trusted")).toBool(), true);
}

void TestDoctor::refusedPort()
{
    const quint16 port = unusedPort();
    QVERIFY(port);
    const DoctorRun r = doctor({QStringLiteral("ws://127.0.0.1:%1/ws").arg(port)});
    QVERIFY2(r.exitCode == 1, r.describe());
    QCOMPARE(r.cause(), s("unreachable"));
    QVERIFY(r.diagnosis().value(s("explanation")).toString().contains(s("refused")));
    QVERIFY2(r.elapsedMs < 5000, qPrintable(QString::number(r.elapsedMs)));
}

void TestDoctor::secretsNeverPrinted()
{
    const QString file = m_dir.filePath(s("headers"));
    QFile f(file);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("# the key\napi-key: " + kCanary + "\nAuthorization: Bearer " + kCanary + "\n");
    f.close();
    for (const bool json : {true, false}) {
        for (const QString &path : {s("/ws"), s("/wrong")}) {
            const DoctorRun r = doctor({relayUrl(path), s("--header-file"), file}, json);
            QVERIFY2(r.exitCode == 0 || r.exitCode == 1, r.describe());
            QVERIFY2(!r.out.contains(kCanary), r.out.constData());
            QVERIFY2(!r.err.contains(kCanary), r.err.constData());
            QVERIFY2(r.out.contains("api-key"), r.out.constData());
        }
    }
}

void TestDoctor::badCommandLine_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("mentions");
    const QString ok = s("ws://127.0.0.1:9/ws");
    QTest::addRow("no URL") << QStringList{} << s("URL");
    QTest::addRow("two URLs") << QStringList{ok, ok} << s("unexpected");
    QTest::addRow("ftp URL") << QStringList{s("ftp://example.com/")} << s("ws://");
    QTest::addRow("no host") << QStringList{s("ws:///ws")} << s("host");
    QTest::addRow("credentials in the URL")
        << QStringList{s("wss://user:") + QString::fromLatin1(kCanary) + s("@example.com/ws")}
        << s("--header-file");
    QTest::addRow("unknown option") << QStringList{ok, s("--bogus")} << s("bogus");
    QTest::addRow("silent too long")
        << QStringList{ok, s("--silent-seconds"), s("901")} << s("--silent-seconds");
    QTest::addRow("silent negative")
        << QStringList{ok, s("--silent-seconds"), s("-1")} << s("--silent-seconds");
    QTest::addRow("timeout zero") << QStringList{ok, s("--timeout"), s("0")} << s("--timeout");
    QTest::addRow("bad origin") << QStringList{ok, s("--origin"), s("not an origin")}
                                << s("--origin");
    QTest::addRow("health path without slash")
        << QStringList{ok, s("--health-path"), s("healthz")} << s("--health-path");
    QTest::addRow("unreadable header file")
        << QStringList{ok, s("--header-file"), s("/nonexistent/blueshift/key")}
        << s("/nonexistent/blueshift/key");
    QTest::addRow("unreadable CA") << QStringList{ok, s("--ca"), s("/nonexistent/blueshift/ca")}
                                   << s("/nonexistent/blueshift/ca");
}

void TestDoctor::badCommandLine()
{
    QFETCH(QStringList, args);
    QFETCH(QString, mentions);
    const DoctorRun r = doctor(args, false, 10000);
    QVERIFY2(r.exitCode == 2, r.describe());
    QVERIFY2(r.out.isEmpty(), r.describe());
    QCOMPARE(r.err.count('\n'), 1);
    QVERIFY2(QString::fromUtf8(r.err).contains(mentions), r.describe());
    QVERIFY(!r.err.contains(kCanary));
    QVERIFY2(r.elapsedMs < 5000, r.describe());
}

void TestDoctor::socketIoHandshake_data()
{
    QTest::addColumn<QStringList>("appEnv");
    QTest::addColumn<QString>("warning");
    QTest::addRow("Engine.IO's defaults") << QStringList{} << QString();
    QTest::addRow("heartbeat longer than the idle timeout")
        << QStringList{s("SIO_PING_INTERVAL=200"), s("SIO_PING_TIMEOUT=60")}
        << s("pingInterval + pingTimeout (260 s) is longer than the gateway's idle timeout");
    QTest::addRow("pings rarer than the idle timeout")
        << QStringList{s("SIO_PING_INTERVAL=300"), s("SIO_PING_TIMEOUT=20")}
        << s("idle sessions are cut between pings");
}

void TestDoctor::socketIoHandshake()
{
    // The Chainlit-shaped app: the doctor completes the Engine.IO handshake on its socket.io
    // path and reads the heartbeat from the open packet.
    QFETCH(QStringList, appEnv);
    QFETCH(QString, warning);
    ServerProcess app(s("socketio app"));
    QProcessEnvironment env = cleanEnvironment();
    env.insert(s("PORT"), QString::number(unusedPort()));
    env.insert(s("PYTHONDONTWRITEBYTECODE"), s("1"));
    for (const QString &kv : std::as_const(appEnv))
        env.insert(kv.section(QLatin1Char('='), 0, 0), kv.section(QLatin1Char('='), 1));
    app.start(s("/usr/bin/python3"),
              {s(BLUESHIFT_SOURCE_DIR "/tests/integration/apps/socketio_app.py")}, env);
    QVERIFY2(app.waitForServerStarted(20000) && waitForListening(app.port()),
             app.diagnostics().constData());
    const QString url = QStringLiteral("ws://127.0.0.1:%1/ws/socket.io/").arg(app.port());

    const DoctorRun r = doctor({url});
    const QJsonObject io = r.probe(s("socket_io")).value(s("engine_io")).toObject();
    QVERIFY2(io.value(s("received")).toBool(), r.describe().constData());
    QVERIFY(!io.value(s("sid")).toString().isEmpty());
    const int interval =
        appEnv.isEmpty() ? 25000 : appEnv.at(0).section(QLatin1Char('='), 1).toInt() * 1000;
    QCOMPARE(io.value(s("ping_interval_ms")).toInt(), interval);

    const DoctorRun text = doctor({url}, false);
    const QString report = QString::fromUtf8(text.out);
    QVERIFY2(report.contains(s("socket.io handshake (Engine.IO open packet)")),
             text.out.constData());
    QVERIFY2(report.contains(QStringLiteral("pingInterval %1 s").arg(interval / 1000)),
             text.out.constData());
    if (warning.isEmpty())
        QVERIFY2(!report.contains(s("idle timeout (240 s")), text.out.constData());
    else
        QVERIFY2(report.contains(warning), text.out.constData());
}

QTEST_GUILESS_MAIN(TestDoctor)
#include "tst_doctor.moc"
