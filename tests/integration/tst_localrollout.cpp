// A blue/green rollout on the local platform, as the sessions see it: the weighted split, a
// weight shift that closes nothing, a deactivation that closes its revision's sessions with 1001
// before the grace period, the transport that cannot carry an upgrade, and the idle timeout.
#include "localplatformsupport.h"

#include <QJsonArray>
#include <QNetworkProxy>
#include <QTest>
#include <QTimer>

#include <memory>
#include <vector>

using namespace blueshift;
using namespace blueshift::itest;

namespace {
constexpr int kTimeout = 30000;

QJsonObject weight(const QString &revision, int w)
{
    return {{QStringLiteral("revisionName"), revision}, {QStringLiteral("weight"), w}};
}
} // namespace

class TestLocalRollout : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void blueGreen();
    void transportThatCannotUpgrade();
    void idleTimeoutClosesSilentSessions();
    void scalesOnLiveConnections();

private:
    ServerProcess *m_upstream = nullptr;
};

void TestLocalRollout::initTestCase()
{
    QNetworkProxy::setApplicationProxy(QNetworkProxy::NoProxy);
    m_upstream = new ServerProcess(QStringLiteral("upstream-sim"), this);
    QVERIFY2(m_upstream->startUpstreamSim({QStringLiteral("--mode"), QStringLiteral("echo")}),
             m_upstream->diagnostics());
}

void TestLocalRollout::blueGreen()
{
    LocalPlatformProcess local;
    QVERIFY2(local.start(), local.process().diagnostics());
    const QString up = m_upstream->wsUrl();
    QVERIFY(armWait(local.client().putApp(QStringLiteral("app"),
                                          relayApp(QStringLiteral("blue"), up,
                                                   QStringLiteral("Multiple"), 4,
                                                   {weight(QStringLiteral("app--blue"), 100)})),
                    kTimeout)
                .ok);
    QVERIFY(armWait(local.client().patchApp(QStringLiteral("app"),
                                            newRevisionPatch(QStringLiteral("green"), up, 4)),
                    kTimeout)
                .ok);
    const ArmResult split = armWait(local.client().patchApp(
        QStringLiteral("app"), trafficPatch({weight(QStringLiteral("app--blue"), 50),
                                             weight(QStringLiteral("app--green"), 50)})));
    QVERIFY2(split.ok, qPrintable(split.errorMessage));
    const quint16 port = local.ingressPort(QStringLiteral("app"));

    // 50/50 over 2,000 connections, within +-5%.
    int blue = 0;
    for (int i = 0; i < 2000; ++i) {
        RawWebSocket ws;
        QVERIFY(ws.handshake(port));
        QCOMPARE(ws.status(), 101);
        blue += ws.responseHeader("X-Blueshift-Revision") == "app--blue";
    }
    QVERIFY2(blue >= 900 && blue <= 1100,
             qPrintable(QStringLiteral("%1 of 2000 on blue").arg(blue)));

    // 200 live sessions, then 100/0 to green: none is closed, all still echo.
    std::vector<std::unique_ptr<RawWebSocket>> sessions;
    for (int i = 0; i < 200; ++i) {
        sessions.push_back(std::make_unique<RawWebSocket>());
        QVERIFY(sessions.back()->handshake(port));
    }
    QVERIFY(
        armWait(local.client().patchApp(QStringLiteral("app"),
                                        trafficPatch({weight(QStringLiteral("app--blue"), 0),
                                                      weight(QStringLiteral("app--green"), 100)})))
            .ok);
    for (auto &s : sessions)
        s->sendFrame(0x1, "still here");
    for (auto &s : sessions)
        QTRY_COMPARE_WITH_TIMEOUT(s->dataFrames().size(), 1, kTimeout);
    int onBlue = 0;
    for (auto &s : sessions) {
        QVERIFY(!s->closeReceived());
        onBlue += s->responseHeader("X-Blueshift-Revision") == "app--blue";
    }
    QVERIFY(onBlue > 50);
    for (int i = 0; i < 50; ++i) {
        RawWebSocket ws;
        QVERIFY(ws.handshake(port));
        QCOMPARE(ws.responseHeader("X-Blueshift-Revision"), QByteArray("app--green"));
    }

    // Deactivate blue: each of its sessions gets 1001 before the grace period (4 s); green's
    // sessions are untouched and nothing new reaches blue.
    QElapsedTimer clock;
    clock.start();
    QVERIFY(
        armWait(local.client().revisionAction(QStringLiteral("app"), QStringLiteral("app--blue"),
                                              QStringLiteral("deactivate")))
            .ok);
    for (auto &s : sessions) {
        if (s->responseHeader("X-Blueshift-Revision") != "app--blue")
            continue;
        QTRY_VERIFY_WITH_TIMEOUT(s->closeReceived(), kTimeout);
        QCOMPARE(s->closeCode(), 1001);
    }
    QVERIFY2(clock.elapsed() < 4000,
             qPrintable(QStringLiteral("last close after %1 ms").arg(clock.elapsed())));
    for (auto &s : sessions) {
        if (s->responseHeader("X-Blueshift-Revision") == "app--green")
            QVERIFY(!s->closeReceived());
    }
    for (int i = 0; i < 20; ++i) {
        RawWebSocket ws;
        QVERIFY(ws.handshake(port));
        QCOMPARE(ws.responseHeader("X-Blueshift-Revision"), QByteArray("app--green"));
    }
    QTRY_VERIFY_WITH_TIMEOUT(local.process().eventCount(QStringLiteral("replica.exited")) >= 1,
                             kTimeout);
}

void TestLocalRollout::transportThatCannotUpgrade()
{
    LocalPlatformProcess local;
    QVERIFY2(local.start(), local.process().diagnostics());
    QVERIFY(armWait(local.client().putApp(QStringLiteral("h2"),
                                          relayApp(QStringLiteral("v1"), m_upstream->wsUrl())),
                    kTimeout)
                .ok);
    const QJsonObject patch{{QStringLiteral("properties"),
                             QJsonObject{{QStringLiteral("configuration"),
                                          QJsonObject{{QStringLiteral("ingress"),
                                                       QJsonObject{{QStringLiteral("transport"),
                                                                    QStringLiteral("http2")}}}}}}}};
    QVERIFY(armWait(local.client().patchApp(QStringLiteral("h2"), patch)).ok);
    const quint16 port = local.ingressPort(QStringLiteral("h2"));
    // The health check through the ingress is fine ...
    QCOMPARE(httpGet(port, "/healthz").status, 200);
    // ... while every WebSocket upgrade gets 502.
    RawWebSocket ws;
    QVERIFY(ws.handshake(port));
    QCOMPARE(ws.status(), 502);
}

void TestLocalRollout::idleTimeoutClosesSilentSessions()
{
    LocalPlatformProcess local;
    QVERIFY2(local.start({QStringLiteral("--idle-timeout"), QStringLiteral("2")}),
             local.process().diagnostics());
    QVERIFY(armWait(local.client().putApp(QStringLiteral("idle"),
                                          relayApp(QStringLiteral("v1"), m_upstream->wsUrl())),
                    kTimeout)
                .ok);
    const quint16 port = local.ingressPort(QStringLiteral("idle"));
    RawWebSocket silent, chatty;
    QVERIFY(silent.handshake(port));
    QVERIFY(chatty.handshake(port));
    QElapsedTimer clock;
    clock.start();
    QTimer ping;
    connect(&ping, &QTimer::timeout, &chatty, [&] { chatty.sendFrame(0x9, "p"); });
    ping.start(400);
    QTRY_VERIFY_WITH_TIMEOUT(silent.isDisconnected(), 10000);
    QVERIFY2(clock.elapsed() >= 1900,
             qPrintable(QStringLiteral("closed after %1 ms").arg(clock.elapsed())));
    QVERIFY(!silent.closeReceived()); // cut, as an ingress does, not closed by the relay
    QVERIFY(!chatty.isDisconnected());
}

void TestLocalRollout::scalesOnLiveConnections()
{
    LocalPlatformProcess local;
    QVERIFY2(local.start(), local.process().diagnostics());
    // Two connections per replica, up to three replicas, a short cooldown.
    QJsonObject app = relayApp(QStringLiteral("v1"), m_upstream->wsUrl());
    QJsonObject props = app.value(QStringLiteral("properties")).toObject();
    QJsonObject tmpl = props.value(QStringLiteral("template")).toObject();
    tmpl.insert(QStringLiteral("scale"),
                QJsonObject{{QStringLiteral("minReplicas"), 1},
                            {QStringLiteral("maxReplicas"), 3},
                            {QStringLiteral("cooldownPeriod"), 1},
                            {QStringLiteral("rules"),
                             QJsonArray{QJsonObject{
                                 {QStringLiteral("name"), QStringLiteral("c")},
                                 {QStringLiteral("tcp"),
                                  QJsonObject{{QStringLiteral("metadata"),
                                               QJsonObject{{QStringLiteral("concurrentConnections"),
                                                            QStringLiteral("2")}}}}}}}}});
    props.insert(QStringLiteral("template"), tmpl);
    app.insert(QStringLiteral("properties"), props);
    QVERIFY(armWait(local.client().putApp(QStringLiteral("scale"), app), kTimeout).ok);
    const quint16 port = local.ingressPort(QStringLiteral("scale"));
    auto replicas = [&] {
        return armWait(
                   local.client().getRevision(QStringLiteral("scale"), QStringLiteral("scale--v1")))
            .body.value(QStringLiteral("properties"))
            .toObject()
            .value(QStringLiteral("replicas"))
            .toInt();
    };
    QCOMPARE(replicas(), 1);
    std::vector<std::unique_ptr<RawWebSocket>> sessions;
    for (int i = 0; i < 6; ++i) {
        sessions.push_back(std::make_unique<RawWebSocket>());
        QVERIFY(sessions.back()->handshake(port));
    }
    // Six live connections at two per replica: three replicas.
    QTRY_COMPARE_WITH_TIMEOUT(replicas(), 3, kTimeout);
    QVERIFY(local.process().eventCount(QStringLiteral("revision.scaled")) >= 1);
    // Connections gone: back to one after the cooldown, and no session was cut on the way.
    sessions.clear();
    QTRY_COMPARE_WITH_TIMEOUT(replicas(), 1, kTimeout);
}

QTEST_GUILESS_MAIN(TestLocalRollout)
#include "tst_localrollout.moc"
