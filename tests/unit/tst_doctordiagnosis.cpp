// The doctor's diagnosis as a pure function: hand-built evidence for each cause (transport,
// wrong path, Origin, idle timeout, TLS, unreachable, upgrade not supported, healthy and the
// rest) and the verdict, the evidence lines and the fix it gives. Plus the report around it.
#include "doctor/doctordiagnosis.h"
#include "doctor/doctorreport.h"

#include <QJsonArray>
#include <QTest>

using namespace blueshift::doctor;

Q_DECLARE_METATYPE(blueshift::doctor::DoctorEvidence)

namespace blueshift::doctor {
char *toString(const Cause &cause)
{
    return qstrdup(qPrintable(causeName(cause)));
}
} // namespace blueshift::doctor

namespace {
const QString kOrigin = QStringLiteral("https://app.example.com");
const QString kForeign = QStringLiteral("https://blueshift-doctor.invalid");

ProbeResult answer(const QByteArray &target, int status, bool upgrade = true,
                   const QString &origin = kOrigin, const QByteArray &body = {})
{
    ProbeResult p;
    p.target = target;
    p.upgrade = upgrade;
    p.origin = upgrade ? origin : QString();
    p.outcome = ProbeOutcome::Response;
    p.status = status;
    p.reason = blueshift::http::reasonPhrase(status);
    p.statusLine = "HTTP/1.1 " + QByteArray::number(status) + ' ' + p.reason;
    p.acceptPresent = status == 101;
    p.acceptValid = status == 101;
    p.bodySnippet = body;
    p.connectMs = 1;
    p.firstByteMs = 3;
    p.totalMs = 3.5;
    return p;
}

ProbeResult failed(ProbeOutcome outcome, ConnectFailure why, const QString &error)
{
    ProbeResult p;
    p.target = "/healthz";
    p.outcome = outcome;
    p.connectFailure = why;
    p.error = error;
    p.totalMs = 1;
    return p;
}

// An endpoint where everything answers as a healthy relay on /ws does.
DoctorEvidence healthy()
{
    DoctorEvidence e;
    e.url = QStringLiteral("wss://app.example.com/ws");
    e.host = QStringLiteral("app.example.com");
    e.port = 443;
    e.target = "/ws";
    e.healthPath = "/healthz";
    e.origin = kOrigin;
    e.foreignOrigin = kForeign;
    e.timeoutMs = 10000;
    e.health = answer("/healthz", 200, false, {}, "ok");
    e.upgrade = answer("/ws", 101);
    e.upgradeForeignOrigin = answer("/ws", 403, true, kForeign, "origin not allowed");
    e.socketIo = answer("/ws/socket.io/?EIO=4&transport=websocket", 404);
    return e;
}

DoctorEvidence withTls(DoctorEvidence e, bool trusted)
{
    e.secure = true;
    e.tlsProbe.label = QStringLiteral("TLS handshake");
    e.tlsProbe.outcome = ProbeOutcome::Connected;
    e.tls.checked = true;
    e.tls.handshakeDone = true;
    e.tls.protocol = QStringLiteral("TLS 1.3");
    e.tls.cipher = QStringLiteral("TLS_AES_128_GCM_SHA256");
    e.tls.subject = QStringLiteral("CN=app.example.com");
    e.tls.issuer = QStringLiteral("CN=Some CA");
    e.tls.subjectAltNames = {QStringLiteral("app.example.com")};
    e.tls.notBefore = QDateTime::currentDateTimeUtc().addDays(-30);
    e.tls.notAfter = QDateTime::currentDateTimeUtc().addDays(300);
    e.tls.trusted = trusted;
    if (!trusted) {
        // As the doctor leaves them when it will not send a request: not run.
        e.health = ProbeResult{};
        e.upgrade = ProbeResult{};
        e.upgradeForeignOrigin = ProbeResult{};
        e.socketIo = ProbeResult{};
    }
    return e;
}

// The upgrade on the target fails with `status` (and the same without Origin); other
// upgrades answer as given.
DoctorEvidence failing(int status, const QByteArray &body = {})
{
    DoctorEvidence e = healthy();
    e.upgrade = answer("/ws", status, true, kOrigin, body);
    e.upgradeNoOrigin = answer("/ws", status, true, QString(), body);
    e.upgradeForeignOrigin = answer("/ws", status, true, kForeign, body);
    e.socketIo = answer("/ws/socket.io/?EIO=4&transport=websocket", 404);
    e.alternativePaths = {answer("/", 404)};
    return e;
}

DoctorEvidence silent(SilentFacts::End end, double after, double requested, int code = 0)
{
    DoctorEvidence e = healthy();
    e.silent.requestedSeconds = requested;
    e.silent.end = end;
    e.silent.endedAfterSeconds = after;
    e.silent.closeCode = code;
    return e;
}
} // namespace

class TestDoctorDiagnosis : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void diagnose_data();
    void diagnose();
    void describeProbeLines();
    void reportShowsProbesAndCause();
    void jsonCarriesTheVerdict();
};

void TestDoctorDiagnosis::diagnose_data()
{
    QTest::addColumn<DoctorEvidence>("evidence");
    QTest::addColumn<Cause>("cause");
    QTest::addColumn<QString>("mentions"); // in the title, explanation, evidence or fix
    QTest::addColumn<QByteArray>("suggestedPath");

    QTest::addRow("healthy") << healthy() << Cause::Healthy << QStringLiteral("101")
                             << QByteArray();
    {
        DoctorEvidence e = healthy();
        e.silent.requestedSeconds = 30;
        e.silent.end = SilentFacts::End::Survived;
        e.silent.endedAfterSeconds = 30;
        QTest::addRow("healthy, silent session survived")
            << e << Cause::Healthy << QStringLiteral("survived 30 s") << QByteArray();
    }
    {
        DoctorEvidence e = healthy();
        e.upgradeForeignOrigin = answer("/ws", 101, true, kForeign);
        QTest::addRow("healthy, foreign Origin accepted (a note)")
            << e << Cause::Healthy << QStringLiteral("any web page") << QByteArray();
    }

    // The case: health 200, every upgrade 502.
    {
        DoctorEvidence e =
            failing(502, "the app's transport is http2: HTTP/1.1 upgrades cannot reach it");
        e.socketIo = answer("/ws/socket.io/?EIO=4&transport=websocket", 502);
        e.alternativePaths = {answer("/", 502)};
        QTest::addRow("transport http2: 502 on every upgrade, health 200")
            << e << Cause::Transport << QStringLiteral("GET /healthz -> 200") << QByteArray();
        DoctorEvidence azure = e;
        azure.upgrade.bodySnippet = "502 - Web server received an invalid response";
        QTest::addRow("transport http2: the fix names the setting")
            << azure << Cause::Transport << QStringLiteral("transport to auto") << QByteArray();
        DoctorEvidence down = e;
        down.health = answer("/healthz", 502, false);
        QTest::addRow("502 on the health check too: not the transport")
            << down << Cause::Other << QStringLiteral("app behind the proxy is down")
            << QByteArray();
    }

    // Wrong path.
    {
        DoctorEvidence e = failing(404, "not found");
        e.alternativePaths = {answer("/", 404), answer("/ws", 101)};
        e.target = "/wrong";
        e.upgrade.target = "/wrong";
        QTest::addRow("wrong path: 404 while /ws upgrades")
            << e << Cause::WrongPath << QStringLiteral("Connect to /ws") << QByteArray("/ws");
        DoctorEvidence sio = failing(404);
        sio.target = "/";
        sio.socketIo = answer("/ws/socket.io/?EIO=4&transport=websocket", 101);
        QTest::addRow("wrong path: Chainlit's socket.io path upgrades")
            << sio << Cause::WrongPath << QStringLiteral("socket.io")
            << QByteArray("/ws/socket.io/?EIO=4&transport=websocket");
        DoctorEvidence bad502 = failing(502);
        bad502.alternativePaths = {answer("/ws", 101)};
        bad502.target = "/api";
        QTest::addRow("wrong path: 502 on the path but /ws upgrades")
            << bad502 << Cause::WrongPath << QStringLiteral("/ws") << QByteArray("/ws");
        QTest::addRow("wrong path: 404 and no path upgrades")
            << failing(404) << Cause::WrongPath << QStringLiteral("none of the other paths")
            << QByteArray();
    }

    // Origin.
    {
        DoctorEvidence e = failing(403, "origin not allowed");
        e.upgradeNoOrigin = answer("/ws", 101, true, QString());
        QTest::addRow("origin: 403 with the app's Origin, 101 without")
            << e << Cause::Origin << QStringLiteral("https://app.example.com") << QByteArray();
        DoctorEvidence cors = failing(400, "Bad request");
        cors.upgradeNoOrigin = answer("/ws", 101, true, QString());
        QTest::addRow("origin: 400 from a CORS check, 101 without Origin")
            << cors << Cause::Origin << QStringLiteral("CORS") << QByteArray();
        QTest::addRow("403 whatever the Origin: credentials, not Origin")
            << failing(403) << Cause::Other << QStringLiteral("--header-file") << QByteArray();
    }

    // Idle timeout.
    QTest::addRow("idle timeout: dropped after 2 s of 5")
        << silent(SilentFacts::End::Dropped, 2.0, 5, 1006) << Cause::IdleTimeout
        << QStringLiteral("2.0 s") << QByteArray();
    QTest::addRow("idle timeout: closed by the proxy with 1001 after 240 s of 300")
        << silent(SilentFacts::End::CloseFrame, 240.1, 300, 1001) << Cause::IdleTimeout
        << QStringLiteral("code 1001") << QByteArray();
    QTest::addRow("closed right after opening: not an idle timeout")
        << silent(SilentFacts::End::CloseFrame, 0.05, 30, 1008) << Cause::Other
        << QStringLiteral("right after") << QByteArray();
    QTest::addRow("cut just as the requested time ran out: survived")
        << silent(SilentFacts::End::Dropped, 4.9, 5, 1006) << Cause::Healthy
        << QStringLiteral("survived 5.0 s") << QByteArray();
    QTest::addRow("survived the requested time") << silent(SilentFacts::End::Survived, 5.0, 5)
                                                 << Cause::Healthy << QString() << QByteArray();
    {
        DoctorEvidence e = silent(SilentFacts::End::OpenFailed, -1, 30);
        e.silent.error = QStringLiteral("upgrade GET /ws -> 503 Service Unavailable");
        QTest::addRow("second upgrade failed")
            << e << Cause::Other << QStringLiteral("only some of the time") << QByteArray();
    }

    // TLS.
    {
        DoctorEvidence e = withTls(healthy(), false);
        e.tls.selfSigned = true;
        e.tls.issuer = e.tls.subject;
        e.tls.verificationErrors = {
            QStringLiteral("The certificate is self-signed, and untrusted")};
        QTest::addRow("tls: self-signed without the opt-in")
            << e << Cause::Tls << QStringLiteral("--accept-self-signed") << QByteArray();
        DoctorEvidence expired = withTls(healthy(), false);
        expired.tls.expired = true;
        expired.tls.notAfter = QDateTime::currentDateTimeUtc().addDays(-2);
        expired.tls.verificationErrors = {QStringLiteral("The certificate has expired")};
        QTest::addRow("tls: expired")
            << expired << Cause::Tls << QStringLiteral("Renew") << QByteArray();
        DoctorEvidence mismatch = withTls(healthy(), false);
        mismatch.tls.hostMatches = false;
        mismatch.tls.subjectAltNames = {QStringLiteral("other.example.net")};
        mismatch.tls.verificationErrors = {
            QStringLiteral("The host name did not match any of the valid hosts")};
        QTest::addRow("tls: host name mismatch")
            << mismatch << Cause::Tls << QStringLiteral("other.example.net") << QByteArray();
        DoctorEvidence handshake = withTls(healthy(), false);
        handshake.tls.handshakeDone = false;
        handshake.tls.failure = QStringLiteral("wrong version number");
        QTest::addRow("tls: handshake fails")
            << handshake << Cause::Tls << QStringLiteral("wrong version number") << QByteArray();
        DoctorEvidence untrusted = withTls(healthy(), false);
        untrusted.tls.verificationErrors = {
            QStringLiteral("The issuer certificate of a locally looked up certificate could not "
                           "be found")};
        QTest::addRow("tls: incomplete chain")
            << untrusted << Cause::Tls << QStringLiteral("full chain") << QByteArray();
        DoctorEvidence waived = withTls(healthy(), true);
        waived.tls.selfSigned = true;
        waived.tls.selfSignedWaived = true;
        QTest::addRow("tls: self-signed with the opt-in is healthy, with a note")
            << waived << Cause::Healthy << QStringLiteral("--accept-self-signed") << QByteArray();
    }

    // Unreachable.
    {
        DoctorEvidence e = healthy();
        e.health = failed(ProbeOutcome::ConnectFailed, ConnectFailure::Refused,
                          QStringLiteral("connection refused"));
        e.upgrade = ProbeResult{};
        QTest::addRow("unreachable: refused")
            << e << Cause::Unreachable << QStringLiteral("refused") << QByteArray();
        e.health = failed(ProbeOutcome::ConnectFailed, ConnectFailure::HostNotFound,
                          QStringLiteral("host not found (DNS)"));
        QTest::addRow("unreachable: DNS")
            << e << Cause::Unreachable << QStringLiteral("DNS") << QByteArray();
        e.health = failed(ProbeOutcome::ConnectFailed, ConnectFailure::Timeout,
                          QStringLiteral("no TCP connection within 10 s"));
        QTest::addRow("unreachable: timeout")
            << e << Cause::Unreachable << QStringLiteral("IP restrictions") << QByteArray();
        DoctorEvidence tlsPort = withTls(healthy(), true);
        tlsPort.tlsProbe = failed(ProbeOutcome::ConnectFailed, ConnectFailure::Refused,
                                  QStringLiteral("connection refused"));
        tlsPort.tls = TlsFacts{};
        QTest::addRow("unreachable: refused on the TLS connection")
            << tlsPort << Cause::Unreachable << QStringLiteral("refused") << QByteArray();
        DoctorEvidence mute = healthy();
        mute.health = failed(ProbeOutcome::NoResponse, ConnectFailure::None,
                             QStringLiteral("no response within 10 s"));
        mute.upgrade = failed(ProbeOutcome::NoResponse, ConnectFailure::None,
                              QStringLiteral("no response within 10 s"));
        QTest::addRow("unreachable: connects but nothing answers HTTP")
            << mute << Cause::Unreachable << QStringLiteral("does not answer HTTP") << QByteArray();
    }

    // Upgrade not supported and the rest.
    QTest::addRow("200 instead of 101") << failing(200, "<html>") << Cause::UpgradeNotSupported
                                        << QStringLiteral("ordinary HTTP response") << QByteArray();
    QTest::addRow("426 instead of 101: a proxy drops Upgrade")
        << failing(426) << Cause::UpgradeNotSupported << QStringLiteral("drops the Upgrade")
        << QByteArray();
    {
        DoctorEvidence e = healthy();
        e.upgrade.acceptValid = false;
        QTest::addRow("101 with a wrong accept key")
            << e << Cause::Other << QStringLiteral("Sec-WebSocket-Accept") << QByteArray();
        DoctorEvidence hang = healthy();
        hang.upgrade = failed(ProbeOutcome::NoResponse, ConnectFailure::None,
                              QStringLiteral("no response within 10 s"));
        hang.upgrade.upgrade = true;
        hang.upgrade.target = "/ws";
        QTest::addRow("health answers, the upgrade hangs")
            << hang << Cause::Other << QStringLiteral("no response within 10 s") << QByteArray();
    }
    QTest::addRow("503: no replica ready")
        << failing(503) << Cause::Other << QStringLiteral("no ready replica") << QByteArray();
}

void TestDoctorDiagnosis::diagnose()
{
    QFETCH(DoctorEvidence, evidence);
    QFETCH(Cause, cause);
    QFETCH(QString, mentions);
    QFETCH(QByteArray, suggestedPath);

    const Diagnosis d = blueshift::doctor::diagnose(evidence);
    const QString all = QStringList{d.title, d.explanation, d.evidence.join(QLatin1Char('\n')),
                                    d.fix, d.notes.join(QLatin1Char('\n'))}
                            .join(QLatin1Char('\n'));
    QVERIFY2(d.cause == cause,
             qPrintable(QStringLiteral("got %1: %2").arg(causeName(d.cause), all)));
    QCOMPARE(d.exitCode(), cause == Cause::Healthy ? 0 : 1);
    QVERIFY2(all.contains(mentions), qPrintable(all));
    QCOMPARE(d.suggestedPath, suggestedPath);
    QVERIFY(!d.title.isEmpty());
    QVERIFY(!d.explanation.isEmpty());
    QVERIFY(!d.evidence.isEmpty());
    if (d.problem())
        QVERIFY(!d.fix.isEmpty());
    if (cause == Cause::IdleTimeout)
        QCOMPARE(d.idleSeconds, evidence.silent.endedAfterSeconds);
}

void TestDoctorDiagnosis::describeProbeLines()
{
    ProbeResult p = answer("/ws", 502, true, kOrigin, "bad gateway");
    QCOMPARE(describeProbe(p), QStringLiteral("upgrade GET /ws (Origin https://app.example.com) "
                                              "-> 502 Bad Gateway: \"bad gateway\" (3.0 ms)"));
    p = answer("/healthz", 200, false);
    QCOMPARE(describeProbe(p), QStringLiteral("GET /healthz -> 200 OK (3.0 ms)"));
    p = answer("/ws", 101, true, QString());
    p.acceptValid = false;
    QCOMPARE(describeProbe(p), QStringLiteral("upgrade GET /ws (no Origin) -> 101 Switching "
                                              "Protocols with a wrong Sec-WebSocket-Accept "
                                              "(3.0 ms)"));
    p = ProbeResult{};
    p.target = "/";
    p.error = QStringLiteral("cannot connect");
    QCOMPARE(describeProbe(p), QStringLiteral("GET / -> not run: cannot connect"));
}

void TestDoctorDiagnosis::reportShowsProbesAndCause()
{
    DoctorEvidence e = failing(502, "transport is http2");
    e.socketIo = answer("/ws/socket.io/?EIO=4&transport=websocket", 502);
    e.alternativePaths = {answer("/", 502)};
    e.secretHeaderNames = {QStringLiteral("api-key")};
    e.health.label = QStringLiteral("Health check");
    e.upgrade.label = QStringLiteral("WebSocket upgrade");
    const QString report = renderReport(e, blueshift::doctor::diagnose(e));
    QVERIFY2(report.contains(QStringLiteral("✓ OK    Health check: GET /healthz")),
             qPrintable(report));
    QVERIFY(report.contains(QStringLiteral("✗ FAIL  WebSocket upgrade: upgrade GET /ws")));
    QVERIFY(report.contains(QStringLiteral("HTTP/1.1 502 Bad Gateway")));
    QVERIFY(report.contains(QStringLiteral("Most likely cause: the ingress transport")));
    QVERIFY(report.contains(QStringLiteral("api-key (values hidden)")));
    QVERIFY(report.contains(QStringLiteral("What to change:")));

    const QString fine = renderReport(healthy(), blueshift::doctor::diagnose(healthy()));
    QVERIFY2(fine.contains(QStringLiteral("Verdict: healthy")), qPrintable(fine));
    QVERIFY(!fine.contains(QStringLiteral("Most likely cause")));
}

void TestDoctorDiagnosis::jsonCarriesTheVerdict()
{
    DoctorEvidence e = failing(404);
    e.alternativePaths = {answer("/ws", 101)};
    e.target = "/wrong";
    const QJsonObject o = reportJson(e, blueshift::doctor::diagnose(e));
    QCOMPARE(o.value(QStringLiteral("cause")).toString(), QStringLiteral("wrong_path"));
    QCOMPARE(o.value(QStringLiteral("exit_code")).toInt(), 1);
    const QJsonObject d = o.value(QStringLiteral("diagnosis")).toObject();
    QCOMPARE(d.value(QStringLiteral("suggested_path")).toString(), QStringLiteral("/ws"));
    QVERIFY(!d.value(QStringLiteral("evidence")).toArray().isEmpty());
    const QJsonObject probes =
        o.value(QStringLiteral("evidence")).toObject().value(QStringLiteral("probes")).toObject();
    QCOMPARE(
        probes.value(QStringLiteral("upgrade")).toObject().value(QStringLiteral("status")).toInt(),
        404);
    QCOMPARE(probes.value(QStringLiteral("alternative_paths"))
                 .toArray()
                 .at(0)
                 .toObject()
                 .value(QStringLiteral("upgraded"))
                 .toBool(),
             true);
}

QTEST_GUILESS_MAIN(TestDoctorDiagnosis)
#include "tst_doctordiagnosis.moc"
