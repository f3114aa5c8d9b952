// `blueshift-server local` as a user drives it through its admin API: creating apps and
// revisions, the validation messages, the admin API's security, Single revision mode, the log
// stream, a crash (SIGKILL) that must lose no acknowledged change, and deleting a live app.
#include "localplatformsupport.h"

#include <QJsonDocument>
#include <QNetworkProxy>
#include <QNetworkRequest>
#include <QTcpSocket>
#include <QTest>
#include <QWebSocket>

#include <memory>

using namespace blueshift;
using namespace blueshift::itest;

namespace {
constexpr int kTimeout = 30000;

// One request with exactly these headers, over a fresh connection; returns status and body.
QPair<int, QByteArray> rawRequest(quint16 port, const QByteArray &method, const QByteArray &path,
                                  const QList<QByteArray> &headers)
{
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(5000))
        return {0, {}};
    QByteArray req = method + ' ' + path + " HTTP/1.1\r\n";
    for (const QByteArray &h : headers)
        req += h + "\r\n";
    req += "Content-Length: 0\r\nConnection: close\r\n\r\n";
    socket.write(req);
    QByteArray all;
    // The admin API closes after answering a "Connection: close" request.
    if (!QTest::qWaitFor(
            [&] {
                all += socket.readAll();
                return socket.state() == QAbstractSocket::UnconnectedState;
            },
            5000))
        return {-1, all};
    all += socket.readAll();
    const int status = all.mid(9, 3).toInt();
    return {status, all.mid(all.indexOf("\r\n\r\n") + 4)};
}

QString revisionState(const QJsonObject &rev, const char *field)
{
    return rev.value(QStringLiteral("properties"))
        .toObject()
        .value(QLatin1String(field))
        .toVariant()
        .toString();
}
} // namespace

class TestLocalPlatform : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void createAppAndRevisions();
    void validationNamesTheRule_data();
    void validationNamesTheRule();
    void adminApiSecurity();
    void singleRevisionMode();
    void logStream();
    void crashLosesNoAcknowledgedChange();
    void deleteAppWithLiveReplica();
    void adminBoundsSlowClients();
    void replicasListenOnLoopback();

private:
    ServerProcess *m_upstream = nullptr;
    // Shared by the rows of validationNamesTheRule; stopped with the test object.
    std::unique_ptr<LocalPlatformProcess> m_validationPlatform;
    QString upstreamUrl() const { return m_upstream->wsUrl(); }
};

void TestLocalPlatform::initTestCase()
{
    QNetworkProxy::setApplicationProxy(QNetworkProxy::NoProxy);
    m_upstream = new ServerProcess(QStringLiteral("upstream-sim"), this);
    QVERIFY2(m_upstream->startUpstreamSim({QStringLiteral("--mode"), QStringLiteral("echo")}),
             m_upstream->diagnostics());
}

void TestLocalPlatform::createAppAndRevisions()
{
    LocalPlatformProcess local;
    QVERIFY2(local.start(), local.process().diagnostics());
    ArmResult put = armWait(local.client().putApp(QStringLiteral("shop"),
                                                  relayApp(QStringLiteral("blue"), upstreamUrl())),
                            kTimeout);
    QVERIFY2(put.ok, qPrintable(put.errorCode + QLatin1Char(' ') + put.errorMessage));
    QCOMPARE(put.status, 201);
    QVERIFY2(put.progress.contains(QStringLiteral("InProgress")),
             "PUT is a long-running operation");

    ArmResult rev =
        armWait(local.client().getRevision(QStringLiteral("shop"), QStringLiteral("shop--blue")));
    QVERIFY(rev.ok);
    QCOMPARE(revisionState(rev.body, "active"), QStringLiteral("true"));
    QCOMPARE(revisionState(rev.body, "runningState"), QStringLiteral("Running"));
    QCOMPARE(revisionState(rev.body, "healthState"), QStringLiteral("Healthy"));
    QCOMPARE(revisionState(rev.body, "replicas"), QStringLiteral("1"));
    QCOMPARE(revisionState(rev.body, "trafficWeight"), QStringLiteral("100"));

    // A template change makes revision shop--green; the default traffic ({latestRevision: true,
    // weight: 100}) follows it once it is ready, which is when the PATCH's operation ends.
    ArmResult patch =
        armWait(local.client().patchApp(QStringLiteral("shop"),
                                        newRevisionPatch(QStringLiteral("green"), upstreamUrl())),
                kTimeout);
    QVERIFY2(patch.ok, qPrintable(patch.errorMessage));
    ArmResult list = armWait(local.client().listRevisions(QStringLiteral("shop")));
    QCOMPARE(list.items.size(), 2);
    ArmResult replicas =
        armWait(local.client().listReplicas(QStringLiteral("shop"), QStringLiteral("shop--green")));
    QCOMPARE(replicas.items.size(), 1);
    QVERIFY(replicas.items.at(0)
                .toObject()
                .value(QStringLiteral("name"))
                .toString()
                .startsWith(QLatin1String("shop--green-")));

    // The ingress answers at properties.configuration.ingress.fqdn, naming who served it.
    RawWebSocket ws;
    QVERIFY(ws.handshake(local.ingressPort(QStringLiteral("shop"))));
    QCOMPARE(ws.status(), 101);
    QCOMPARE(ws.responseHeader("X-Blueshift-Revision"), QByteArray("shop--green"));
}

void TestLocalPlatform::validationNamesTheRule_data()
{
    QTest::addColumn<QString>("suffix");
    QTest::addColumn<QJsonArray>("traffic");
    QTest::addColumn<QString>("message");
    const auto t = [](const char *rev, int w) {
        return QJsonObject{{QStringLiteral("revisionName"), QLatin1String(rev)},
                           {QStringLiteral("weight"), w}};
    };
    QTest::addRow("uppercase suffix")
        << QStringLiteral("Blue") << QJsonArray() << QStringLiteral("lowercase");
    QTest::addRow("double dash") << QStringLiteral("a--b") << QJsonArray()
                                 << QStringLiteral("'--'");
    QTest::addRow("trailing dash")
        << QStringLiteral("blue-") << QJsonArray() << QStringLiteral("end with a letter or digit");
    QTest::addRow("weights sum 90") << QStringLiteral("blue") << QJsonArray{t("val--blue", 90)}
                                    << QStringLiteral("add up to 100 (they add up to 90)");
    QTest::addRow("unknown revision") << QStringLiteral("blue") << QJsonArray{t("val--red", 100)}
                                      << QStringLiteral("does not exist");
}

void TestLocalPlatform::validationNamesTheRule()
{
    QFETCH(QString, suffix);
    QFETCH(QJsonArray, traffic);
    QFETCH(QString, message);
    if (!m_validationPlatform) {
        m_validationPlatform = std::make_unique<LocalPlatformProcess>();
        QVERIFY2(m_validationPlatform->start(), m_validationPlatform->process().diagnostics());
    }
    LocalPlatformProcess *local = m_validationPlatform.get();
    const ArmResult r = armWait(local->client().putApp(
        QStringLiteral("val"),
        relayApp(suffix, upstreamUrl(), QStringLiteral("Multiple"), 5, traffic)));
    QVERIFY(!r.ok);
    QCOMPARE(r.status, 400);
    QVERIFY2(r.errorMessage.contains(message), qPrintable(r.errorMessage));
    // Nothing was created.
    QCOMPARE(armWait(local->client().getApp(QStringLiteral("val"))).status, 404);
}

void TestLocalPlatform::adminApiSecurity()
{
    LocalPlatformProcess local;
    QVERIFY2(local.start(), local.process().diagnostics());
    const quint16 port = local.adminPort();
    const QByteArray host = "Host: 127.0.0.1:" + QByteArray::number(port);
    const QByteArray auth = "Authorization: Bearer " + local.token();
    const QByteArray apps =
        "/subscriptions/local/resourceGroups/local/providers/Microsoft.App/containerApps";
    QVERIFY(local.token().size() >= 32); // at least 128 bits, hex
    QCOMPARE(rawRequest(port, "GET", apps, {host, auth}).first, 200);
    QCOMPARE(rawRequest(port, "GET", apps, {host}).first, 401);
    QCOMPARE(rawRequest(port, "GET", apps,
                        {host, "Authorization: Bearer " + QByteArray(local.token().size(), 'a')})
                 .first,
             401);
    QCOMPARE(rawRequest(port, "GET", apps, {"Host: evil.example:" + QByteArray::number(port), auth})
                 .first,
             421);
    QCOMPARE(rawRequest(port, "GET", apps, {host, auth, "Origin: http://evil.example"}).first, 403);
    QCOMPARE(rawRequest(port, "GET", apps,
                        {host, auth, "Origin: http://127.0.0.1:" + QByteArray::number(port)})
                 .first,
             200);
    QCOMPARE(rawRequest(port, "GET", apps + "/x/revisions/x--a/deactivate", {host, auth}).first,
             405);
    QCOMPARE(rawRequest(port, "DELETE", apps + "/x/revisions/x--a", {host, auth}).first, 405);
    const auto unauth = rawRequest(port, "GET", apps, {host});
    QVERIFY2(unauth.second.contains("AuthenticationFailed"), unauth.second.constData());
    // The token file is private.
    QFile tokenFile(local.stateDir() + QStringLiteral("/admin-token"));
    QCOMPARE(tokenFile.permissions() & (QFileDevice::ReadGroup | QFileDevice::ReadOther),
             QFileDevice::Permissions());
}

void TestLocalPlatform::singleRevisionMode()
{
    LocalPlatformProcess local;
    QVERIFY2(local.start(), local.process().diagnostics());
    QVERIFY(armWait(local.client().putApp(
                        QStringLiteral("one"),
                        relayApp(QStringLiteral("blue"), upstreamUrl(), QStringLiteral("Single"))),
                    kTimeout)
                .ok);
    RawWebSocket before;
    QVERIFY(before.handshake(local.ingressPort(QStringLiteral("one"))));
    QCOMPARE(before.responseHeader("X-Blueshift-Revision"), QByteArray("one--blue"));

    // The new revision takes all traffic once ready, then the old one is deactivated, and its
    // session is closed by its relay's drain.
    QVERIFY(armWait(local.client().patchApp(
                        QStringLiteral("one"),
                        newRevisionPatch(QStringLiteral("green"), upstreamUrl(), 3)),
                    kTimeout)
                .ok);
    QTRY_VERIFY_WITH_TIMEOUT(
        revisionState(
            armWait(local.client().getRevision(QStringLiteral("one"), QStringLiteral("one--blue")))
                .body,
            "active") == QStringLiteral("false"),
        kTimeout);
    RawWebSocket after;
    QVERIFY(after.handshake(local.ingressPort(QStringLiteral("one"))));
    QCOMPARE(after.responseHeader("X-Blueshift-Revision"), QByteArray("one--green"));
    QTRY_VERIFY_WITH_TIMEOUT(before.closeReceived(), kTimeout);
    QCOMPARE(before.closeCode(), 1001);
    QVERIFY(!after.closeReceived());
}

void TestLocalPlatform::logStream()
{
    LocalPlatformProcess local;
    QVERIFY2(local.start(), local.process().diagnostics());
    QWebSocket ws;
    QStringList received;
    connect(&ws, &QWebSocket::textMessageReceived, &ws,
            [&](const QString &m) { received.append(m); });
    QNetworkRequest req(QUrl(
        QStringLiteral("ws://127.0.0.1:%1/logstream?app=logs&tail=100").arg(local.adminPort())));
    req.setRawHeader("Authorization", "Bearer " + local.token());
    ws.open(req);
    QTRY_VERIFY_WITH_TIMEOUT(ws.state() == QAbstractSocket::ConnectedState, kTimeout);
    QVERIFY(armWait(local.client().putApp(QStringLiteral("logs"),
                                          relayApp(QStringLiteral("v1"), upstreamUrl())),
                    kTimeout)
                .ok);
    // Platform events and the replica's own JSON lines arrive on one stream.
    QTRY_VERIFY_WITH_TIMEOUT(
        received.join(QLatin1Char('\n')).contains(QLatin1String("\"revision.created\"")), kTimeout);
    QTRY_VERIFY_WITH_TIMEOUT(
        received.join(QLatin1Char('\n')).contains(QLatin1String("\"replica.ready\"")), kTimeout);
    QTRY_VERIFY_WITH_TIMEOUT(
        received.join(QLatin1Char('\n')).contains(QLatin1String("\"server.started\"")), kTimeout);
    // Without the token there is no stream.
    QWebSocket denied;
    denied.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/logstream").arg(local.adminPort())));
    QTRY_VERIFY_WITH_TIMEOUT(denied.state() == QAbstractSocket::UnconnectedState, kTimeout);
    QVERIFY(!local.process().standardOutput().contains(local.token()));
}

void TestLocalPlatform::crashLosesNoAcknowledgedChange()
{
    LocalPlatformProcess local;
    QVERIFY2(local.start(), local.process().diagnostics());
    QVERIFY(armWait(local.client().putApp(QStringLiteral("keep"),
                                          relayApp(QStringLiteral("blue"), upstreamUrl())),
                    kTimeout)
                .ok);
    QVERIFY(
        armWait(local.client().patchApp(QStringLiteral("keep"),
                                        newRevisionPatch(QStringLiteral("green"), upstreamUrl())),
                kTimeout)
            .ok);
    const QJsonArray split{
        QJsonObject{{QStringLiteral("revisionName"), QStringLiteral("keep--blue")},
                    {QStringLiteral("weight"), 30},
                    {QStringLiteral("label"), QStringLiteral("old")}},
        QJsonObject{{QStringLiteral("revisionName"), QStringLiteral("keep--green")},
                    {QStringLiteral("weight"), 70}}};
    QVERIFY(armWait(local.client().patchApp(QStringLiteral("keep"), trafficPatch(split))).ok);
    const quint16 ingress = local.ingressPort(QStringLiteral("keep"));

    local.kill();
    QVERIFY(local.process().waitForExit(kTimeout));
    QVERIFY2(local.restart(), local.process().diagnostics());

    const ArmResult app = armWait(local.client().getApp(QStringLiteral("keep")));
    QVERIFY(app.ok);
    const QJsonArray traffic = app.body.value(QStringLiteral("properties"))
                                   .toObject()
                                   .value(QStringLiteral("configuration"))
                                   .toObject()
                                   .value(QStringLiteral("ingress"))
                                   .toObject()
                                   .value(QStringLiteral("traffic"))
                                   .toArray();
    QCOMPARE(traffic, split);
    QCOMPARE(local.ingressPort(QStringLiteral("keep")), ingress);
    QTRY_COMPARE_WITH_TIMEOUT(
        revisionState(armWait(local.client().getRevision(QStringLiteral("keep"),
                                                         QStringLiteral("keep--green")))
                          .body,
                      "runningState"),
        QStringLiteral("Running"), kTimeout);
    RawWebSocket ws;
    QVERIFY(ws.handshake(ingress, "/ws?blueshift-label=old"));
    QCOMPARE(ws.responseHeader("X-Blueshift-Revision"), QByteArray("keep--blue"));
}

void TestLocalPlatform::deleteAppWithLiveReplica()
{
    // The platform once died with SIGSEGV here: the deleted app's retired supervisor kept
    // signalling into the freed app state while its replica drained.
    LocalPlatformProcess local;
    QVERIFY2(local.start(), local.process().diagnostics());
    QVERIFY(armWait(local.client().putApp(QStringLiteral("gone"),
                                          relayApp(QStringLiteral("blue"), upstreamUrl(),
                                                   QStringLiteral("Multiple"), 2)),
                    kTimeout)
                .ok);
    RawWebSocket ws;
    QVERIFY(ws.handshake(local.ingressPort(QStringLiteral("gone"))));
    QCOMPARE(ws.status(), 101);

    const ArmResult deleted = armWait(local.client().deleteApp(QStringLiteral("gone")), kTimeout);
    QVERIFY2(deleted.done, "DELETE got no answer");
    QVERIFY2(deleted.ok, qPrintable(deleted.errorMessage));
    // The replica drains and exits; the platform lives on and serves.
    QVERIFY2(local.process().waitForEvent(QStringLiteral("replica.exited"), 1, kTimeout),
             local.process().diagnostics());
    QVERIFY2(local.process().isRunning(), local.process().diagnostics());
    QCOMPARE(armWait(local.client().getApp(QStringLiteral("gone"))).status, 404);
    // The name can be used again at once, and the new app serves.
    QVERIFY(armWait(local.client().putApp(QStringLiteral("gone"),
                                          relayApp(QStringLiteral("again"), upstreamUrl())),
                    kTimeout)
                .ok);
    RawWebSocket again;
    QVERIFY(again.handshake(local.ingressPort(QStringLiteral("gone"))));
    QCOMPARE(again.responseHeader("X-Blueshift-Revision"), QByteArray("gone--again"));
    QVERIFY2(local.process().isRunning(), local.process().diagnostics());
}

void TestLocalPlatform::adminBoundsSlowClients()
{
    // 140 connections that each send half a request head and then nothing: the first 128 are
    // held until the head timeout (10 s) answers 408 and closes them; the rest get 503 at once.
    // Then the API answers again. Without the cap and the timeout they were held for ever.
    LocalPlatformProcess local;
    QVERIFY2(local.start(), local.process().diagnostics());
    constexpr int kSlow = 140;
    constexpr int kCap = 128;
    // Connected in order, and accepted in that order: nothing else talks to the admin port
    // meanwhile, so the first 128 take every place.
    std::vector<std::unique_ptr<QTcpSocket>> slow;
    for (int i = 0; i < kSlow; ++i) {
        auto s = std::make_unique<QTcpSocket>();
        s->connectToHost(QHostAddress::LocalHost, local.adminPort());
        QVERIFY(s->waitForConnected(5000));
        s->write("GET /subscriptions/local HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
        QVERIFY(s->waitForBytesWritten(5000));
        slow.push_back(std::move(s));
    }
    const auto answered = [&](int from, int to, const QByteArray &status) {
        for (int i = from; i < to; ++i) {
            if (!slow[i]->peek(64).startsWith(QByteArray("HTTP/1.1 " + status)))
                return false;
        }
        return true;
    };
    QTRY_VERIFY_WITH_TIMEOUT(answered(kCap, kSlow, "503"), kTimeout);
    // The held ones have no answer yet; at the head timeout they get 408 and are closed.
    QVERIFY(slow[0]->bytesAvailable() == 0);
    QTRY_VERIFY_WITH_TIMEOUT(answered(0, kCap, "408"), kTimeout);
    for (int i = 0; i < kCap; ++i)
        QTRY_COMPARE_WITH_TIMEOUT(slow[i]->state(), QAbstractSocket::UnconnectedState, kTimeout);
    const ArmResult after = armWait(local.client().listApps());
    QVERIFY2(after.ok, qPrintable(after.errorMessage));
    QVERIFY(local.process().isRunning());
}

void TestLocalPlatform::replicasListenOnLoopback()
{
    // A replica is reached through the ingress only: it binds 127.0.0.1 ($HOST), not 0.0.0.0.
    LocalPlatformProcess local;
    QVERIFY2(local.start({QStringLiteral("--log-replicas")}), local.process().diagnostics());
    QVERIFY(armWait(local.client().putApp(QStringLiteral("lo"),
                                          relayApp(QStringLiteral("blue"), upstreamUrl())),
                    kTimeout)
                .ok);
    const ArmResult replicas =
        armWait(local.client().listReplicas(QStringLiteral("lo"), QStringLiteral("lo--blue")));
    QCOMPARE(replicas.items.size(), 1);
    // The replica's own server.started line, relayed by the platform with --log-replicas.
    const auto replicaListen = [&] {
        for (const QJsonObject &e : local.process().events(QStringLiteral("server.started"))) {
            if (e.value(QStringLiteral("app")).toString() == QLatin1String("lo"))
                return e.value(QStringLiteral("listen")).toString();
        }
        return QString();
    };
    QTRY_VERIFY_WITH_TIMEOUT(!replicaListen().isEmpty(), kTimeout);
    QVERIFY2(replicaListen().startsWith(QLatin1String("127.0.0.1:")), qPrintable(replicaListen()));
}

QTEST_GUILESS_MAIN(TestLocalPlatform)
#include "tst_localplatform.moc"
