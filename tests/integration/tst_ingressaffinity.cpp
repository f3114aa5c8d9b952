// Session affinity through the ingress, against real relays: a sticky cookie keeps a client on
// its revision and replica across reconnects, a deactivated revision gets no new connection even
// with a valid cookie while its open tunnels keep flowing, and forged, expired or foreign
// cookies are ignored and counted.
#include "ingresstestsupport.h"

#include "ingress/affinitycookie.h"

#include <QNetworkProxy>
#include <QTest>

using namespace blueshift;
using namespace blueshift::itest;

namespace {
const QByteArray kKey(32, 'i'); // what startIngress() gives the ingress

// "blueshift-affinity=<value>" out of a Set-Cookie header.
QByteArray cookiePair(const QByteArray &setCookie)
{
    return setCookie.left(setCookie.indexOf(';'));
}

QByteArray cookieValue(const QString &revision, const QString &replica,
                       std::int64_t expiresAt = ingress::AffinityCookieCodec::nowSeconds() + 600,
                       const QString &app = QStringLiteral("demo"), const QByteArray &key = kKey)
{
    return "blueshift-affinity=" +
           ingress::AffinityCookieCodec(key).encode({app, revision, replica, expiresAt});
}
} // namespace

class TestIngressAffinity : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cookieAttributes();
    void stickyAcrossReconnects();
    void coolingReplicaFallsBackWithinRevision();
    void deactivatedRevisionGetsNothingNew();
    void badCookiesIgnoredAndCounted_data();
    void badCookiesIgnoredAndCounted();
    void cookiesIgnoredWhenNotSticky();
    void cleanup();

private:
    std::shared_ptr<ingress::AppRoutes> routes(int blue, int green, bool sticky = true) const
    {
        return appRoutes({revisionOf(QStringLiteral("demo--blue"), blue, m_blue),
                          revisionOf(QStringLiteral("demo--green"), green, m_green)},
                         sticky);
    }

    ServerProcess m_upstream{QStringLiteral("upstream-sim")};
    ServerProcess m_blue1{QStringLiteral("relay demo--blue-1")};
    ServerProcess m_blue2{QStringLiteral("relay demo--blue-2")};
    ServerProcess m_green1{QStringLiteral("relay demo--green-1")};
    QList<ingress::ReplicaRoute> m_blue;
    QList<ingress::ReplicaRoute> m_green;
    QList<WsClient *> m_clients;
};

void TestIngressAffinity::initTestCase()
{
    QNetworkProxy::setApplicationProxy(QNetworkProxy::NoProxy);
    QVERIFY2(m_upstream.startUpstreamSim({QStringLiteral("--mode"), QStringLiteral("echo")}),
             m_upstream.diagnostics().constData());
    const quint16 up = m_upstream.port();
    QVERIFY(
        startEchoRelay(m_blue1, up, QStringLiteral("demo--blue"), QStringLiteral("demo--blue-1")));
    QVERIFY(
        startEchoRelay(m_blue2, up, QStringLiteral("demo--blue"), QStringLiteral("demo--blue-2")));
    QVERIFY(startEchoRelay(m_green1, up, QStringLiteral("demo--green"),
                           QStringLiteral("demo--green-1")));
    m_blue = {replicaAt(QStringLiteral("demo--blue-1"), m_blue1.port()),
              replicaAt(QStringLiteral("demo--blue-2"), m_blue2.port())};
    m_green = {replicaAt(QStringLiteral("demo--green-1"), m_green1.port())};
}

void TestIngressAffinity::cleanup()
{
    qDeleteAll(m_clients);
    m_clients.clear();
}

void TestIngressAffinity::cookieAttributes()
{
    auto ing = startIngress(routes(50, 50));
    QVERIFY(ing);
    WsClient c;
    QVERIFY(c.open(ing->port(), upgradeRequest()));
    QCOMPARE(c.status(), 101);
    const QByteArray setCookie = c.header("Set-Cookie");
    QVERIFY2(setCookie.startsWith("blueshift-affinity="), setCookie.constData());
    for (const char *attribute : {"; Path=/", "; HttpOnly", "; SameSite=Lax", "; Max-Age="})
        QVERIFY2(setCookie.contains(attribute), setCookie.constData());
    QVERIFY2(!setCookie.contains("Secure"), setCookie.constData()); // plain ws
    QVERIFY2(!setCookie.contains("Domain"), setCookie.constData());
    // Opaque: neither the names nor where the ingress or the replica listen.
    const QByteArray value = cookiePair(setCookie).mid(19);
    for (const QByteArray &secret :
         {QByteArray("demo"), QByteArray("127.0.0.1"), QByteArray::number(ing->port()),
          QByteArray::number(m_blue1.port())})
        QVERIFY2(!value.contains(secret), value.constData());

    // A plain request through a sticky app gets one too.
    const Exchange e = exchange(ing->port(), getRequest("/healthz"));
    QCOMPARE(e.status, 200);
    QVERIFY(e.header("Set-Cookie").startsWith("blueshift-affinity="));
}

void TestIngressAffinity::stickyAcrossReconnects()
{
    auto ing = startIngress(routes(50, 50));
    QVERIFY(ing);
    // Several first visits, so that both revisions get sticky clients.
    QSet<QByteArray> revisionsSeen;
    for (int client = 0; client < 4; ++client) {
        WsClient first;
        QVERIFY(first.open(ing->port(), upgradeRequest()));
        QCOMPARE(first.status(), 101);
        const QByteArray revision = first.header("X-Blueshift-Revision");
        const QByteArray replica = first.header("X-Blueshift-Replica");
        const QByteArray cookie = cookiePair(first.header("Set-Cookie"));
        revisionsSeen.insert(revision);
        QVERIFY(first.closeCleanly());
        for (int i = 0; i < 10; ++i) {
            WsClient again;
            QVERIFY(
                again.open(ing->port(), upgradeRequest("/ws", "127.0.0.1", {{"Cookie", cookie}})));
            QCOMPARE(again.status(), 101);
            QCOMPARE(again.header("X-Blueshift-Revision"), revision);
            QCOMPARE(again.header("X-Blueshift-Replica"), replica);
            QVERIFY(again.echo("same place again"));
        }
    }
    QCOMPARE(revisionsSeen.size(), 2);
    QCOMPARE(ing->stats().routedByCookie, 40u);
    QCOMPARE(ing->stats().cookiesRejected, 0u);
}

void TestIngressAffinity::coolingReplicaFallsBackWithinRevision()
{
    auto table = routes(0, 100);
    table->revisions[0].replicas[0].acceptsNew = false; // demo--blue-1 is cooling down
    auto ing = startIngress(table);
    QVERIFY(ing);
    WsClient c;
    QVERIFY(c.open(ing->port(),
                   upgradeRequest("/ws", "127.0.0.1",
                                  {{"Cookie", cookieValue(QStringLiteral("demo--blue"),
                                                          QStringLiteral("demo--blue-1"))}})));
    QCOMPARE(c.status(), 101);
    QCOMPARE(c.header("X-Blueshift-Revision"), QByteArray("demo--blue"));
    QCOMPARE(c.header("X-Blueshift-Replica"), QByteArray("demo--blue-2"));
    // The refreshed cookie names the new placement.
    ingress::AffinityTicket ticket;
    QCOMPARE(ingress::AffinityCookieCodec(kKey).decode(
                 cookiePair(c.header("Set-Cookie")).mid(19), QStringLiteral("demo"),
                 ingress::AffinityCookieCodec::nowSeconds(), &ticket),
             ingress::AffinityCookieCodec::Verdict::Valid);
    QCOMPARE(ticket.revision, QStringLiteral("demo--blue"));
    QCOMPARE(ticket.replica, QStringLiteral("demo--blue-2"));
}

void TestIngressAffinity::deactivatedRevisionGetsNothingNew()
{
    auto ing = startIngress(routes(100, 0));
    QVERIFY(ing);
    QVERIFY(openAll(&m_clients, 10, ing->port(), upgradeRequest(), this));
    const QByteArray cookie = cookiePair(m_clients.constFirst()->header("Set-Cookie"));
    for (WsClient *c : std::as_const(m_clients))
        QCOMPARE(c->header("X-Blueshift-Revision"), QByteArray("demo--blue"));

    // Blue is deactivated: gone from the table.
    ing->setRoutes(appRoutes({revisionOf(QStringLiteral("demo--green"), 100, m_green)}, true));
    for (int i = 0; i < 10; ++i) {
        WsClient c;
        QVERIFY(c.open(ing->port(), upgradeRequest("/ws", "127.0.0.1", {{"Cookie", cookie}})));
        QCOMPARE(c.status(), 101);
        QCOMPARE(c.header("X-Blueshift-Revision"), QByteArray("demo--green"));
        QVERIFY(c.echo("moved"));
    }
    // A stale cookie is not a bad one.
    QCOMPARE(ing->stats().cookiesRejected, 0u);
    QCOMPARE(ing->stats().routedByCookie, 0u);
    // The ten blue tunnels still flow, still to blue.
    QVERIFY(echoAll(m_clients, "blue keeps flowing"));
    for (WsClient *c : std::as_const(m_clients))
        QVERIFY(!c->isDisconnected());
    QCOMPARE(m_blue.at(0).load->connections.load() + m_blue.at(1).load->connections.load(), 10);
}

void TestIngressAffinity::badCookiesIgnoredAndCounted_data()
{
    const auto now = ingress::AffinityCookieCodec::nowSeconds();
    const QString green = QStringLiteral("demo--green");
    const QString replica = QStringLiteral("demo--green-1");
    QTest::addColumn<QByteArray>("cookie");
    QTest::addRow("forged") << QByteArray("blueshift-affinity=") +
                                   QByteArray("not a cookie we ever made").toBase64();
    QTest::addRow("altered") << cookieValue(green, replica).chopped(2) + "AA";
    QTest::addRow("expired") << cookieValue(green, replica, now - 5);
    QTest::addRow("other app") << cookieValue(green, replica, now + 600, QStringLiteral("other"));
    QTest::addRow("other key") << cookieValue(green, replica, now + 600, QStringLiteral("demo"),
                                              QByteArray(32, 'x'));
}

void TestIngressAffinity::badCookiesIgnoredAndCounted()
{
    QFETCH(QByteArray, cookie);
    auto ing = startIngress(routes(100, 0)); // the cookie names green, the weights say blue
    QVERIFY(ing);
    for (int i = 0; i < 3; ++i) {
        WsClient c;
        QVERIFY(c.open(ing->port(), upgradeRequest("/ws", "127.0.0.1", {{"Cookie", cookie}})));
        QCOMPARE(c.status(), 101);
        QCOMPARE(c.header("X-Blueshift-Revision"), QByteArray("demo--blue"));
        QVERIFY(c.echo("ignored"));
    }
    QCOMPARE(ing->stats().cookiesRejected, 3u);
    QCOMPARE(ing->stats().routedByCookie, 0u);
}

void TestIngressAffinity::cookiesIgnoredWhenNotSticky()
{
    auto ing = startIngress(routes(100, 0, false));
    QVERIFY(ing);
    WsClient c;
    QVERIFY(c.open(ing->port(),
                   upgradeRequest("/ws", "127.0.0.1",
                                  {{"Cookie", cookieValue(QStringLiteral("demo--green"),
                                                          QStringLiteral("demo--green-1"))}})));
    QCOMPARE(c.status(), 101);
    QCOMPARE(c.header("X-Blueshift-Revision"), QByteArray("demo--blue"));
    QVERIFY(c.header("Set-Cookie").isEmpty());
    QCOMPARE(ing->stats().cookiesRejected, 0u);
}

QTEST_GUILESS_MAIN(TestIngressAffinity)
#include "tst_ingressaffinity.moc"
