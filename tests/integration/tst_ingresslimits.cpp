// What the ingress refuses before routing, each time with another client's session open beside
// it that must not notice: 400 for a malformed head, 431 for an oversized one, 408 for one that
// never ends, 429 past the per-address connection limit (clients on 127.0.0.2 and 127.0.0.3,
// which Linux routes to loopback), and 502 when the replica refuses the connection.
#include "ingresstestsupport.h"

#include <QElapsedTimer>
#include <QNetworkProxy>
#include <QTest>

using namespace blueshift;
using namespace blueshift::itest;

namespace {
const QHostAddress kBystanderAddress(QStringLiteral("127.0.0.2"));
const QHostAddress kBusyAddress(QStringLiteral("127.0.0.3"));
} // namespace

class TestIngressLimits : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void malformedHead_data();
    void malformedHead();
    void oversizedHead();
    void slowHead();
    void tooManyFromOneAddress();
    void replicaRefuses();
    void oneRequestPerPlainConnection_data();
    void oneRequestPerPlainConnection();

private:
    // Checks that the bystander's session was not disturbed.
    bool bystanderUnharmed();

    ServerProcess m_upstream{QStringLiteral("upstream-sim")};
    ServerProcess m_blue{QStringLiteral("relay demo--blue-1")};
    std::unique_ptr<ingress::Ingress> m_ingress;
    std::unique_ptr<WsClient> m_bystander;
};

void TestIngressLimits::initTestCase()
{
    QNetworkProxy::setApplicationProxy(QNetworkProxy::NoProxy);
    QVERIFY2(m_upstream.startUpstreamSim({QStringLiteral("--mode"), QStringLiteral("echo")}),
             m_upstream.diagnostics().constData());
    QVERIFY(startEchoRelay(m_blue, m_upstream.port(), QStringLiteral("demo--blue"),
                           QStringLiteral("demo--blue-1")));
}

void TestIngressLimits::init()
{
    ingress::IngressOptions options;
    options.maxConnectionsPerClientIp = 3;
    options.handshakeTimeout = std::chrono::milliseconds(500);
    options.maxHeadBytes = 4096;
    m_ingress = startIngress(
        appRoutes({revisionOf(QStringLiteral("demo--blue"), 100,
                              {replicaAt(QStringLiteral("demo--blue-1"), m_blue.port())})}),
        options);
    QVERIFY(m_ingress);
    m_bystander = std::make_unique<WsClient>();
    QVERIFY(m_bystander->open(m_ingress->port(), upgradeRequest(), kBystanderAddress));
    QCOMPARE(m_bystander->status(), 101);
    QVERIFY(m_bystander->echo("before"));
}

void TestIngressLimits::cleanup()
{
    m_bystander.reset();
    m_ingress.reset();
}

bool TestIngressLimits::bystanderUnharmed()
{
    return !m_bystander->isDisconnected() && m_bystander->echo("after") &&
           m_bystander->messages().size() == 2;
}

void TestIngressLimits::malformedHead_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addRow("not http") << QByteArray("HELLO THERE\r\n\r\n");
    QTest::addRow("http/2 preface") << QByteArray("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    QTest::addRow("bad header name") << QByteArray("GET /ws HTTP/1.1\r\nBad Name: x\r\n\r\n");
    QTest::addRow("obsolete folding")
        << QByteArray("GET /ws HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n");
}

void TestIngressLimits::malformedHead()
{
    QFETCH(QByteArray, request);
    const Exchange e = exchange(m_ingress->port(), request);
    QCOMPARE(e.status, 400);
    QVERIFY(e.closed);
    QCOMPARE(m_ingress->stats().handshakeRejected, 1u);
    QVERIFY(bystanderUnharmed());
}

void TestIngressLimits::oversizedHead()
{
    const QByteArray request =
        upgradeRequest("/ws", "127.0.0.1", {{"X-Padding", QByteArray(5000, 'p')}});
    const Exchange e = exchange(m_ingress->port(), request);
    QCOMPARE(e.status, 431);
    QVERIFY(e.closed);
    // Just under the limit still passes.
    WsClient fits;
    QVERIFY(fits.open(m_ingress->port(),
                      upgradeRequest("/ws", "127.0.0.1", {{"X-Padding", QByteArray(3500, 'p')}})));
    QCOMPARE(fits.status(), 101);
    QCOMPARE(m_ingress->stats().handshakeRejected, 1u);
    QVERIFY(bystanderUnharmed());
}

void TestIngressLimits::slowHead()
{
    // Half a head, then nothing: answered 408 once the handshake timeout (500 ms) runs out.
    WsClient slow;
    QElapsedTimer timer;
    timer.start();
    QVERIFY(slow.connectAndSend(m_ingress->port(), "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
    QVERIFY(slow.waitForHead(5000));
    const qint64 waited = timer.elapsed();
    QCOMPARE(slow.status(), 408);
    QVERIFY2(waited >= 450, qPrintable(QString::number(waited)));
    QTRY_VERIFY(slow.isDisconnected());
    // A connection that never says anything is closed as well.
    WsClient mute;
    QVERIFY(mute.connectAndSend(m_ingress->port(), QByteArray()));
    QTRY_VERIFY_WITH_TIMEOUT(mute.isDisconnected(), 5000);
    QCOMPARE(m_ingress->stats().handshakeRejected, 2u);
    QVERIFY(bystanderUnharmed());
}

void TestIngressLimits::tooManyFromOneAddress()
{
    QList<WsClient *> busy;
    auto cleanupBusy = qScopeGuard([&] { qDeleteAll(busy); });
    for (int i = 0; i < 3; ++i) {
        busy.append(new WsClient);
        QVERIFY(busy.last()->open(m_ingress->port(), upgradeRequest(), kBusyAddress));
        QCOMPARE(busy.last()->status(), 101);
    }
    WsClient fourth;
    QVERIFY(fourth.open(m_ingress->port(), upgradeRequest(), kBusyAddress));
    QCOMPARE(fourth.status(), 429);
    QTRY_VERIFY(fourth.isDisconnected());
    // Plain requests count too.
    QCOMPARE(exchange(m_ingress->port(), getRequest("/healthz"), 5000, kBusyAddress).status, 429);
    // Another address is not affected, and the three still flow.
    WsClient elsewhere;
    QVERIFY(elsewhere.open(m_ingress->port(), upgradeRequest(), QHostAddress::LocalHost));
    QCOMPARE(elsewhere.status(), 101);
    QVERIFY(echoAll(busy, "within the limit"));
    // Once one of the three leaves, there is room again.
    QVERIFY(busy.first()->closeCleanly());
    QTRY_COMPARE(m_ingress->stats().connectionsOpen, 4u); // bystander, two busy, elsewhere
    WsClient again;
    QVERIFY(again.open(m_ingress->port(), upgradeRequest(), kBusyAddress));
    QCOMPARE(again.status(), 101);
    QCOMPARE(m_ingress->stats().handshakeRejected, 2u);
    QVERIFY(bystanderUnharmed());
}

void TestIngressLimits::replicaRefuses()
{
    const quint16 dead = unusedPort();
    QVERIFY(dead);
    m_ingress->setRoutes(appRoutes({revisionOf(QStringLiteral("demo--blue"), 100,
                                               {replicaAt(QStringLiteral("gone"), dead)})}));
    QCOMPARE(exchange(m_ingress->port(), upgradeRequest()).status, 502);
    QCOMPARE(exchange(m_ingress->port(), getRequest("/healthz")).status, 502);
    QCOMPARE(m_ingress->stats().badGateway, 2u);
    QVERIFY(bystanderUnharmed());
}

void TestIngressLimits::oneRequestPerPlainConnection_data()
{
    // A second request behind the first must never reach the replica unparsed and unrouted
    // (with the client's own X-Forwarded-For): the ingress forwards one plain request per
    // connection, and an Upgrade it does not tunnel (h2c ...) is a plain request.
    const QByteArray smuggled = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                "X-Forwarded-For: 6.6.6.6\r\n\r\n";
    QTest::addColumn<QByteArray>("request");
    QTest::addRow("h2c upgrade") << getRequest("/healthz", "127.0.0.1",
                                               {{"Connection", "Upgrade, HTTP2-Settings"},
                                                {"Upgrade", "h2c"},
                                                {"HTTP2-Settings", "AAMAAABkAARAAAAAAAIAAAAA"}}) +
                                        smuggled;
    QTest::addRow("unknown upgrade")
        << getRequest("/healthz", "127.0.0.1", {{"Connection", "upgrade"}, {"Upgrade", "foo/2"}}) +
               smuggled;
    QTest::addRow("plain keep-alive")
        << getRequest("/healthz", "127.0.0.1", {{"Connection", "keep-alive"}}) + smuggled;
    QTest::addRow("refused WebSocket upgrade") << upgradeRequest("/not-the-path") + smuggled;
}

void TestIngressLimits::oneRequestPerPlainConnection()
{
    QFETCH(QByteArray, request);
    const Exchange e = exchange(m_ingress->port(), request);
    QVERIFY2(e.status == 200 || e.status == 404, qPrintable(QString::number(e.status)));
    QVERIFY2(e.closed, "the connection stays open after a plain request");
    QCOMPARE(e.header("Connection"), QByteArray("close"));
    QVERIFY2(!e.body.contains("HTTP/1."), e.body.constData());    // no second answer
    QVERIFY2(!e.body.contains("blueshift_"), e.body.constData()); // no metrics page
    QVERIFY(bystanderUnharmed());
}

QTEST_GUILESS_MAIN(TestIngressLimits)
#include "tst_ingresslimits.moc"
