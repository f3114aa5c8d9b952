// The ingress in front of real relays (blueshift-server relay in front of upstream-sim --mode
// echo): the weighted split over thousands of connections, attribution headers for any
// workload, least-loaded replicas, a weight shift under 200 live sessions, label routes.
#include "ingresstestsupport.h"

#include <QNetworkProxy>
#include <QTest>

using namespace blueshift;
using namespace blueshift::itest;

class TestIngressRouting : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void splitOverUpgrades();
    void splitOverTenThousandConnections();
    void attributionForAnyWorkload();
    void attributionNamesTheRealBackend();
    void leastLoadedReplica();
    void weightShiftKeepsLiveSessions();
    void labelRoutes_data();
    void labelRoutes();
    void nothingRoutable();
    void cleanup();

private:
    std::shared_ptr<ingress::AppRoutes> routes(int blue, int green, bool sticky = false) const
    {
        return appRoutes({revisionOf(QStringLiteral("demo--blue"), blue, m_blue),
                          revisionOf(QStringLiteral("demo--green"), green, m_green)},
                         sticky);
    }
    ServerProcess *relayNamed(const QByteArray &replica);

    ServerProcess m_upstream{QStringLiteral("upstream-sim")};
    ServerProcess m_blue1{QStringLiteral("relay demo--blue-1")};
    ServerProcess m_blue2{QStringLiteral("relay demo--blue-2")};
    ServerProcess m_green1{QStringLiteral("relay demo--green-1")};
    QList<ingress::ReplicaRoute> m_blue;
    QList<ingress::ReplicaRoute> m_green;
    QList<WsClient *> m_clients;
};

void TestIngressRouting::initTestCase()
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

void TestIngressRouting::cleanup()
{
    qDeleteAll(m_clients);
    m_clients.clear();
}

ServerProcess *TestIngressRouting::relayNamed(const QByteArray &replica)
{
    for (ServerProcess *p : {&m_blue1, &m_blue2, &m_green1}) {
        const auto started = p->events(QStringLiteral("server.started"));
        if (!started.isEmpty() &&
            started.constFirst().value(QLatin1String("replica")).toString().toUtf8() == replica)
            return p;
    }
    return nullptr;
}

void TestIngressRouting::splitOverUpgrades()
{
    auto ing = startIngress(routes(50, 50));
    QVERIFY(ing);
    const StormResult r = storm(ing->port(), upgradeRequest(), 2000, 32, 101);
    QCOMPARE(r.failures, 0);
    const int blue = r.revisions.value("demo--blue");
    const int green = r.revisions.value("demo--green");
    qInfo("2,000 upgrades at 50/50: blue %d, green %d, %lld ms (%.0f upgrades/s through the "
          "ingress, relay and upstream)",
          blue, green, r.elapsedMs, 2000.0 * 1000 / double(std::max<qint64>(1, r.elapsedMs)));
    QCOMPARE(blue + green, 2000);
    QVERIFY2(withinShare(blue, 2000, 50, 0.05), qPrintable(QString::number(blue)));
    QTRY_COMPARE(ing->stats().connectionsOpen, 0u);
    QCOMPARE(ing->stats().upgrades, 2000u);
}

void TestIngressRouting::splitOverTenThousandConnections()
{
    auto ing = startIngress(routes(80, 20));
    QVERIFY(ing);
    const StormResult r = storm(ing->port(), getRequest("/healthz"), 10000, 64, 200);
    QCOMPARE(r.failures, 0);
    const int blue = r.revisions.value("demo--blue");
    qInfo("10,000 requests at 80/20: blue %d, green %d, %lld ms (%.0f connections/s)", blue,
          r.revisions.value("demo--green"), r.elapsedMs,
          10000.0 * 1000 / double(std::max<qint64>(1, r.elapsedMs)));
    QVERIFY2(withinShare(blue, 10000, 80, 0.02), qPrintable(QString::number(blue)));
    // Within the revision, both replicas took their share.
    QVERIFY(r.replicas.value("demo--blue-1") > 3000);
    QVERIFY(r.replicas.value("demo--blue-2") > 3000);
    QTRY_COMPARE(ing->stats().connectionsOpen, 0u);
    for (const auto &rep : m_blue + m_green)
        QCOMPARE(rep.load->connections.load(), 0);
}

void TestIngressRouting::attributionForAnyWorkload()
{
    // upstream-sim as the workload: it sends no X-Blueshift-* header of its own.
    auto ing = startIngress(
        appRoutes({revisionOf(QStringLiteral("sim--r7"), 100,
                              {replicaAt(QStringLiteral("sim--r7-a"), m_upstream.port())})}));
    QVERIFY(ing);
    WsClient c;
    QVERIFY(c.open(ing->port(), upgradeRequest("/")));
    QCOMPARE(c.status(), 101);
    QCOMPARE(c.headers("X-Blueshift-Revision"), QList<QByteArray>{"sim--r7"});
    QCOMPARE(c.headers("X-Blueshift-Replica"), QList<QByteArray>{"sim--r7-a"});
    QVERIFY(c.echo("through the ingress, straight to the workload"));

    // A workload that names itself otherwise: the platform's names win, exactly once each.
    ing->setRoutes(
        appRoutes({revisionOf(QStringLiteral("renamed--x"), 100,
                              {replicaAt(QStringLiteral("renamed--x-1"), m_green1.port())})}));
    WsClient d;
    QVERIFY(d.open(ing->port(), upgradeRequest()));
    QCOMPARE(d.status(), 101);
    QCOMPARE(d.headers("X-Blueshift-Revision"), QList<QByteArray>{"renamed--x"});
    QCOMPARE(d.headers("X-Blueshift-Replica"), QList<QByteArray>{"renamed--x-1"});
    QVERIFY(!d.header("X-Blueshift-Session").isEmpty()); // the relay's own header is kept
}

void TestIngressRouting::attributionNamesTheRealBackend()
{
    auto ing = startIngress(routes(50, 50));
    QVERIFY(ing);
    QVERIFY(openAll(&m_clients, 12, ing->port(), upgradeRequest(), this));
    for (WsClient *c : std::as_const(m_clients)) {
        QCOMPARE(c->status(), 101);
        ServerProcess *relay = relayNamed(c->header("X-Blueshift-Replica"));
        QVERIFY2(relay, c->header("X-Blueshift-Replica").constData());
        // The relay that logged this session is the one the header names.
        const QString session = QString::fromLatin1(c->header("X-Blueshift-Session"));
        auto logged = [&] {
            const QList<QJsonObject> events = relay->events(QStringLiteral("client.connected"));
            return std::any_of(events.cbegin(), events.cend(), [&](const QJsonObject &e) {
                return e.value(QLatin1String("session")).toString() == session;
            });
        };
        QTRY_VERIFY(logged());
        QCOMPARE(c->header("X-Blueshift-Revision"), relay->events(QStringLiteral("server.started"))
                                                        .constFirst()
                                                        .value(QLatin1String("revision"))
                                                        .toString()
                                                        .toUtf8());
    }
}

void TestIngressRouting::leastLoadedReplica()
{
    auto ing = startIngress(routes(100, 0));
    QVERIFY(ing);
    QVERIFY(openAll(&m_clients, 20, ing->port(), upgradeRequest(), this));
    QMap<QByteArray, int> perReplica;
    for (WsClient *c : std::as_const(m_clients))
        ++perReplica[c->header("X-Blueshift-Replica")];
    QCOMPARE(perReplica.value("demo--blue-1"), 10);
    QCOMPARE(perReplica.value("demo--blue-2"), 10);
    QCOMPARE(m_blue.at(0).load->connections.load(), 10);
    QCOMPARE(m_blue.at(1).load->connections.load(), 10);
    QVERIFY(echoAll(m_clients, "still here"));
    for (WsClient *c : std::as_const(m_clients))
        QVERIFY(c->closeCleanly());
    QTRY_COMPARE(m_blue.at(0).load->connections.load(), 0);
    QTRY_COMPARE(m_blue.at(1).load->connections.load(), 0);
    QTRY_COMPARE(ing->stats().connectionsOpen, 0u);
}

void TestIngressRouting::weightShiftKeepsLiveSessions()
{
    auto ing = startIngress(routes(50, 50));
    QVERIFY(ing);
    QList<WsClient *> before;
    QVERIFY(openAll(&before, 200, ing->port(), upgradeRequest(), this));
    m_clients += before;
    int blueBefore = 0;
    for (WsClient *c : std::as_const(before)) {
        QCOMPARE(c->status(), 101);
        blueBefore += c->header("X-Blueshift-Revision") == "demo--blue";
    }
    // Each ingress thread keeps its own exact sequence: off by at most one per thread.
    QVERIFY2(std::abs(blueBefore - 100) <= 2, qPrintable(QString::number(blueBefore)));
    QVERIFY(echoAll(before, "before the shift"));

    ing->setRoutes(routes(0, 100));
    QList<WsClient *> after;
    QVERIFY(openAll(&after, 200, ing->port(), upgradeRequest(), this));
    m_clients += after;
    for (WsClient *c : std::as_const(after))
        QCOMPARE(c->header("X-Blueshift-Revision"), QByteArray("demo--green"));

    // Not one of the first 200 was touched: all open, all still answering, blue ones on blue.
    QVERIFY(echoAll(before, "after the shift"));
    for (WsClient *c : std::as_const(before))
        QVERIFY(!c->isDisconnected());
    QCOMPARE(ing->stats().connectionsOpen, 400u);
    QCOMPARE(m_blue.at(0).load->connections.load() + m_blue.at(1).load->connections.load(),
             blueBefore);
    QCOMPARE(m_green.at(0).load->connections.load(), 400 - blueBefore);
    QCOMPARE(ing->stats().idleTimeouts, 0u);
}

void TestIngressRouting::labelRoutes_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("revision");
    QTest::addRow("Host {app}---{label}")
        << upgradeRequest("/ws", "demo---green.localhost:8080") << 101 << QByteArray("demo--green");
    QTest::addRow("query parameter")
        << upgradeRequest("/ws?blueshift-label=green") << 101 << QByteArray("demo--green");
    QTest::addRow("header") << upgradeRequest("/ws", "127.0.0.1", {{"X-Blueshift-Label", "green"}})
                            << 101 << QByteArray("demo--green");
    QTest::addRow("label of the weighted revision")
        << upgradeRequest("/ws?blueshift-label=blue") << 101 << QByteArray("demo--blue");
    QTest::addRow("plain request by Host")
        << getRequest("/healthz", "demo---green.localhost") << 200 << QByteArray("demo--green");
    QTest::addRow("unknown label")
        << upgradeRequest("/ws?blueshift-label=purple") << 404 << QByteArray();
}

void TestIngressRouting::labelRoutes()
{
    QFETCH(QByteArray, request);
    QFETCH(int, status);
    QFETCH(QByteArray, revision);
    auto ing = startIngress(routes(100, 0)); // green has no weight: only a label reaches it
    QVERIFY(ing);
    for (int i = 0; i < 5; ++i) {
        WsClient c;
        QVERIFY(c.open(ing->port(), request));
        QCOMPARE(c.status(), status);
        QCOMPARE(c.header("X-Blueshift-Revision"), revision);
        if (status == 101)
            QVERIFY(c.echo("labelled"));
    }
    QCOMPARE(ing->stats().routedByLabel, status == 404 ? 0u : 5u);
}

void TestIngressRouting::nothingRoutable()
{
    // No weight anywhere, then a table whose only revision has no ready replica.
    auto ing = startIngress(routes(0, 0));
    QVERIFY(ing);
    QCOMPARE(exchange(ing->port(), upgradeRequest()).status, 503);
    ing->setRoutes(appRoutes({revisionOf(QStringLiteral("demo--blue"), 100, {})}));
    QCOMPARE(exchange(ing->port(), getRequest("/healthz")).status, 503);
    ing->setRoutes(nullptr);
    QCOMPARE(exchange(ing->port(), getRequest("/healthz")).status, 503);
    QCOMPARE(ing->stats().notRoutable, 3u);
}

QTEST_GUILESS_MAIN(TestIngressRouting)
#include "tst_ingressrouting.moc"
