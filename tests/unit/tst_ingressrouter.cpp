// The ingress's routing decisions without sockets: smooth weighted round-robin exactness and
// order, where a label comes from (Host, query, header), cookie precedence, deactivated
// revisions, replicas that take no new connection, and least-loaded placement.
#include "ingress/router.h"

#include <QTest>

using namespace blueshift;
using namespace blueshift::ingress;

namespace {
const QByteArray kKey(32, 'k');
constexpr std::int64_t kNow = 1'750'000'000;

ReplicaRoute replica(const QString &name, bool acceptsNew = true)
{
    ReplicaRoute r;
    r.name = name;
    r.address = *net::SocketAddress::fromNumeric("127.0.0.1", 9);
    r.acceptsNew = acceptsNew;
    return r;
}

// demo--blue (weight b) and demo--green (weight g), two replicas each; labels blue and green.
std::shared_ptr<AppRoutes> table(int b, int g, bool sticky = false)
{
    auto t = std::make_shared<AppRoutes>();
    t->app = QStringLiteral("demo");
    t->sticky = sticky;
    for (const auto &[name, weight] : {std::pair{QStringLiteral("demo--blue"), b},
                                       std::pair{QStringLiteral("demo--green"), g}}) {
        RevisionRoute rev;
        rev.name = name;
        rev.weight = weight;
        rev.replicas = {replica(name + QStringLiteral("-r1")),
                        replica(name + QStringLiteral("-r2"))};
        t->revisions.append(rev);
    }
    t->labels.insert(QStringLiteral("blue"), QStringLiteral("demo--blue"));
    t->labels.insert(QStringLiteral("green"), QStringLiteral("demo--green"));
    return t;
}

http::Request request(const QByteArray &target = "/ws", const http::HeaderList &headers = {})
{
    http::Request r;
    r.method = "GET";
    r.target = target;
    r.path = target.left(target.indexOf('?'));
    r.headers = headers;
    if (!http::hasHeader(r.headers, "Host"))
        r.headers.prepend({"Host", "127.0.0.1:8080"});
    return r;
}

QByteArray cookieFor(const QString &revision, const QString &replicaName,
                     std::int64_t expires = kNow + 60, const QString &app = QStringLiteral("demo"),
                     const QByteArray &key = kKey)
{
    return "blueshift-affinity=" +
           AffinityCookieCodec(key).encode({app, revision, replicaName, expires});
}
} // namespace

class tst_IngressRouter : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void smoothSplitIsExact_data();
    void smoothSplitIsExact();
    void smoothOrder();
    void noPositiveWeight();
    void routerSplit_data();
    void routerSplit();
    void revisionWithoutReplicasGetsNothing();
    void leastLoaded();
    void labelFromHost_data();
    void labelFromHost();
    void labelFromTarget_data();
    void labelFromTarget();
    void labelPrecedence();
    void labelRouting();
    void cookieRouting();
    void cookieIgnoredWhenNotSticky();
    void badCookies_data();
    void badCookies();
};

void tst_IngressRouter::smoothSplitIsExact_data()
{
    QTest::addColumn<QList<int>>("weights");
    QTest::addRow("50/50") << QList<int>{50, 50};
    QTest::addRow("90/10") << QList<int>{90, 10};
    QTest::addRow("1/99") << QList<int>{1, 99};
    QTest::addRow("33/33/34") << QList<int>{33, 33, 34};
    QTest::addRow("with zero") << QList<int>{70, 0, 30};
    QTest::addRow("single") << QList<int>{100};
}

void tst_IngressRouter::smoothSplitIsExact()
{
    QFETCH(QList<int>, weights);
    SmoothWeightedRoundRobin wrr;
    wrr.setWeights(std::vector<int>(weights.cbegin(), weights.cend()));
    const int total = std::accumulate(weights.cbegin(), weights.cend(), 0);
    QList<int> counts(weights.size(), 0);
    for (int n = 1; n <= 10000; ++n) {
        ++counts[wrr.next()];
        // At every step, not only at the end, each share is within one pick of its weight.
        for (qsizetype i = 0; i < weights.size(); ++i) {
            const double ideal = double(n) * weights.at(i) / total;
            QVERIFY2(std::abs(counts.at(i) - ideal) <= 1.0,
                     qPrintable(QStringLiteral("pick %1, choice %2: %3 vs %4")
                                    .arg(n)
                                    .arg(i)
                                    .arg(counts.at(i))
                                    .arg(ideal)));
        }
    }
}

void tst_IngressRouter::smoothOrder()
{
    // nginx's example: weights 5, 1, 1 give a a b a c a a, not a a a a a b c.
    SmoothWeightedRoundRobin wrr;
    wrr.setWeights({5, 1, 1});
    QList<int> order;
    for (int i = 0; i < 7; ++i)
        order.append(wrr.next());
    QCOMPARE(order, (QList<int>{0, 0, 1, 0, 2, 0, 0}));
}

void tst_IngressRouter::noPositiveWeight()
{
    SmoothWeightedRoundRobin wrr;
    QCOMPARE(wrr.next(), -1);
    wrr.setWeights({0, 0});
    QCOMPARE(wrr.next(), -1);

    AffinityCookieCodec codec(kKey);
    Router router(codec);
    const RouteDecision d = router.route(table(0, 0), nullptr, kNow);
    QVERIFY(!d.ok());
    QCOMPARE(d.failure, RouteDecision::Failure::NoReplica);
    QVERIFY(!router.route(nullptr, nullptr, kNow).ok());
}

void tst_IngressRouter::routerSplit_data()
{
    QTest::addColumn<int>("blue");
    QTest::addColumn<int>("green");
    QTest::addRow("50/50") << 50 << 50;
    QTest::addRow("80/20") << 80 << 20;
    QTest::addRow("0/100") << 0 << 100;
}

void tst_IngressRouter::routerSplit()
{
    QFETCH(int, blue);
    QFETCH(int, green);
    AffinityCookieCodec codec(kKey);
    Router router(codec);
    const auto routes = table(blue, green);
    const http::Request req = request();
    int blueCount = 0;
    for (int i = 0; i < 10000; ++i) {
        const RouteDecision d = router.route(routes, &req, kNow);
        QVERIFY(d.ok());
        QCOMPARE(d.via, RouteDecision::Via::Weight);
        blueCount += d.revision->name == QLatin1String("demo--blue");
    }
    QCOMPARE(blueCount, 10000 * blue / (blue + green));

    // A new table restarts the sequence with its own weights.
    const auto shifted = table(green, blue);
    int after = 0;
    for (int i = 0; i < 1000; ++i)
        after += router.route(shifted, &req, kNow).revision->name == QLatin1String("demo--blue");
    QCOMPARE(after, 1000 * green / (blue + green));
}

void tst_IngressRouter::revisionWithoutReplicasGetsNothing()
{
    AffinityCookieCodec codec(kKey);
    Router router(codec);
    auto routes = table(50, 50);
    for (ReplicaRoute &r : routes->revisions[0].replicas)
        r.acceptsNew = false; // cooling down
    for (int i = 0; i < 100; ++i)
        QCOMPARE(router.route(routes, nullptr, kNow).revision->name, QStringLiteral("demo--green"));
    routes->revisions[1].replicas.clear();
    Router fresh(codec);
    QCOMPARE(fresh.route(routes, nullptr, kNow).failure, RouteDecision::Failure::NoReplica);
}

void tst_IngressRouter::leastLoaded()
{
    AffinityCookieCodec codec(kKey);
    Router router(codec);
    RevisionRoute rev;
    rev.replicas = {replica(QStringLiteral("a")), replica(QStringLiteral("b")),
                    replica(QStringLiteral("c"))};
    rev.replicas[0].load->connections = 5;
    rev.replicas[1].load->connections = 2;
    rev.replicas[2].load->connections = 9;
    QCOMPARE(router.leastLoaded(rev)->name, QStringLiteral("b"));
    rev.replicas[1].acceptsNew = false;
    QCOMPARE(router.leastLoaded(rev)->name, QStringLiteral("a"));
    // Equal loads take turns.
    rev.replicas[1].acceptsNew = true;
    for (auto &r : rev.replicas)
        r.load->connections = 0;
    QSet<QString> seen;
    for (int i = 0; i < 3; ++i)
        seen.insert(router.leastLoaded(rev)->name);
    QCOMPARE(seen.size(), 3);
    for (auto &r : rev.replicas)
        r.acceptsNew = false;
    QVERIFY(!router.leastLoaded(rev));
}

void tst_IngressRouter::labelFromHost_data()
{
    QTest::addColumn<QByteArray>("host");
    QTest::addColumn<QString>("label");
    QTest::addRow("with domain and port") << QByteArray("demo---green.localhost:8080") << "green";
    QTest::addRow("azure form") << QByteArray("demo---blue.happyhill-1234.westeurope."
                                              "azurecontainerapps.io")
                                << "blue";
    QTest::addRow("bare label") << QByteArray("demo---green") << "green";
    QTest::addRow("bare with port") << QByteArray("demo---green:80") << "green";
    QTest::addRow("case") << QByteArray("Demo---GREEN.localhost") << "green";
    QTest::addRow("other app") << QByteArray("other---green.localhost") << "";
    QTest::addRow("no label") << QByteArray("demo.localhost:8080") << "";
    QTest::addRow("label not first") << QByteArray("x.demo---green.localhost") << "";
    QTest::addRow("empty label") << QByteArray("demo---.localhost") << "";
    QTest::addRow("ip") << QByteArray("127.0.0.1:8080") << "";
    QTest::addRow("ipv6") << QByteArray("[::1]:8080") << "";
    QTest::addRow("empty") << QByteArray() << "";
}

void tst_IngressRouter::labelFromHost()
{
    QFETCH(QByteArray, host);
    QFETCH(QString, label);
    QCOMPARE(ingress::labelFromHost(host, QStringLiteral("demo")), label);
}

void tst_IngressRouter::labelFromTarget_data()
{
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QString>("label");
    QTest::addRow("only parameter") << QByteArray("/ws?blueshift-label=green") << "green";
    QTest::addRow("among others") << QByteArray("/ws?a=1&blueshift-label=blue&b=2") << "blue";
    QTest::addRow("percent-encoded") << QByteArray("/?blueshift-label=green%2Dx") << "green-x";
    QTest::addRow("similar name") << QByteArray("/ws?xblueshift-label=green") << "";
    QTest::addRow("in the path") << QByteArray("/blueshift-label=green") << "";
    QTest::addRow("no query") << QByteArray("/ws") << "";
}

void tst_IngressRouter::labelFromTarget()
{
    QFETCH(QByteArray, target);
    QFETCH(QString, label);
    QCOMPARE(ingress::labelFromTarget(target), label);
}

void tst_IngressRouter::labelPrecedence()
{
    const QString app = QStringLiteral("demo");
    QCOMPARE(requestedLabel(request("/ws?blueshift-label=q",
                                    {{"Host", "demo---h.localhost"}, {"X-Blueshift-Label", "x"}}),
                            app),
             QStringLiteral("h"));
    QCOMPARE(requestedLabel(request("/ws?blueshift-label=q", {{"X-Blueshift-Label", "x"}}), app),
             QStringLiteral("q"));
    QCOMPARE(requestedLabel(request("/ws", {{"x-blueshift-label", "x"}}), app),
             QStringLiteral("x"));
    QCOMPARE(requestedLabel(request("/ws"), app), QString());
}

void tst_IngressRouter::labelRouting()
{
    AffinityCookieCodec codec(kKey);
    Router router(codec);
    const auto routes = table(100, 0); // the label overrides a weight of 0
    const http::Request byHost = request("/ws", {{"Host", "demo---green.localhost:1234"}});
    for (int i = 0; i < 10; ++i) {
        const RouteDecision d = router.route(routes, &byHost, kNow);
        QVERIFY(d.ok());
        QCOMPARE(d.via, RouteDecision::Via::Label);
        QCOMPARE(d.revision->name, QStringLiteral("demo--green"));
    }
    const http::Request unknown = request("/ws?blueshift-label=purple");
    QCOMPARE(router.route(routes, &unknown, kNow).failure, RouteDecision::Failure::UnknownLabel);

    auto noReplicas = table(100, 0);
    noReplicas->revisions[1].replicas.clear();
    QCOMPARE(router.route(noReplicas, &byHost, kNow).failure, RouteDecision::Failure::NoReplica);
}

void tst_IngressRouter::cookieRouting()
{
    AffinityCookieCodec codec(kKey);
    Router router(codec);
    auto routes = table(100, 0, true);
    const http::Request req =
        request("/ws", {{"Cookie", "a=b; " + cookieFor(QStringLiteral("demo--green"),
                                                       QStringLiteral("demo--green-r2"))}});
    RouteDecision d = router.route(routes, &req, kNow);
    QCOMPARE(d.via, RouteDecision::Via::Cookie);
    QCOMPARE(d.replica->name, QStringLiteral("demo--green-r2"));
    QVERIFY(d.cookieMatches);
    QVERIFY(!d.cookieRejected);

    // The cookie beats a label.
    http::Request labelled = req;
    labelled.headers.append(qMakePair(QByteArray("X-Blueshift-Label"), QByteArray("blue")));
    QCOMPARE(router.route(routes, &labelled, kNow).revision->name, QStringLiteral("demo--green"));

    // Its replica cools down: another replica of the same revision.
    routes->revisions[1].replicas[1].acceptsNew = false;
    d = router.route(routes, &req, kNow);
    QCOMPARE(d.via, RouteDecision::Via::Cookie);
    QCOMPARE(d.replica->name, QStringLiteral("demo--green-r1"));
    QVERIFY(!d.cookieMatches);

    // The revision is deactivated (gone from the table): weights decide, nothing is rejected.
    routes->revisions.removeAt(1);
    d = router.route(routes, &req, kNow);
    QCOMPARE(d.via, RouteDecision::Via::Weight);
    QCOMPARE(d.revision->name, QStringLiteral("demo--blue"));
    QVERIFY(!d.cookieRejected);
}

void tst_IngressRouter::cookieIgnoredWhenNotSticky()
{
    AffinityCookieCodec codec(kKey);
    Router router(codec);
    const http::Request req =
        request("/ws", {{"Cookie", cookieFor(QStringLiteral("demo--green"), QStringLiteral("x"))},
                        {"Cookie", "blueshift-affinity=forged"}});
    const RouteDecision d = router.route(table(100, 0, false), &req, kNow);
    QCOMPARE(d.revision->name, QStringLiteral("demo--blue"));
    QVERIFY(!d.cookieRejected);
}

void tst_IngressRouter::badCookies_data()
{
    QTest::addColumn<QByteArray>("cookie");
    const QString green = QStringLiteral("demo--green");
    const QString r1 = QStringLiteral("demo--green-r1");
    QTest::addRow("forged") << QByteArray("blueshift-affinity=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    QTest::addRow("expired") << cookieFor(green, r1, kNow - 1);
    QTest::addRow("other app") << cookieFor(green, r1, kNow + 60, QStringLiteral("other"));
    QTest::addRow("other key") << cookieFor(green, r1, kNow + 60, QStringLiteral("demo"),
                                            QByteArray(32, 'z'));
}

void tst_IngressRouter::badCookies()
{
    QFETCH(QByteArray, cookie);
    AffinityCookieCodec codec(kKey);
    Router router(codec);
    const http::Request req = request("/ws", {{"Cookie", cookie}});
    const RouteDecision d = router.route(table(100, 0, true), &req, kNow);
    QVERIFY(d.ok());
    QCOMPARE(d.via, RouteDecision::Via::Weight);
    QCOMPARE(d.revision->name, QStringLiteral("demo--blue"));
    QVERIFY(d.cookieRejected);
}

QTEST_GUILESS_MAIN(tst_IngressRouter)
#include "tst_ingressrouter.moc"
