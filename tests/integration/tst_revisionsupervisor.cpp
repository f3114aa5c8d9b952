// The replicas of one revision as real processes: deactivation (out of routing at once, the
// relay drains its sessions with 1001), scaling on the ingress's connection counts with a
// cooldown before scale-in, restart (new replicas ready before the old ones stop), states as
// Container Apps names them, and shutdown.
#include "supervisortestsupport.h"

#include "supervisor/revisionsupervisor.h"

#include <QJsonArray>
#include <QNetworkProxy>
#include <QSignalSpy>
#include <QTest>
#include <QWebSocket>

#include <memory>
#include <vector>

using namespace blueshift::itest;
using blueshift::supervisor::Replica;
using blueshift::supervisor::RevisionSupervisor;
using blueshift::supervisor::SupervisorOptions;
using namespace std::chrono_literals;

namespace {
constexpr int kTimeout = 15000;

blueshift::model::Scale scaleOf(int min, int max, int cooldownSeconds = 300, int concurrency = 10)
{
    blueshift::model::Scale s;
    s.minReplicas = min;
    s.maxReplicas = max;
    s.cooldownPeriod = cooldownSeconds;
    s.rules = QJsonArray{QJsonObject{
        {QStringLiteral("name"), QStringLiteral("http")},
        {QStringLiteral("http"),
         QJsonObject{{QStringLiteral("metadata"), QJsonObject{{QStringLiteral("concurrentRequests"),
                                                               QString::number(concurrency)}}}}}}};
    return s;
}

SupervisorOptions fastOptions()
{
    SupervisorOptions o;
    o.scaleInterval = 100ms;
    o.replica = fastTiming();
    return o;
}

QStringList routeNames(const RevisionSupervisor &sup)
{
    QStringList out;
    for (const auto &r : sup.routes())
        out << r.name;
    out.sort();
    return out;
}

void setLoad(const RevisionSupervisor &sup, const QString &replica, int connections)
{
    for (const auto &r : sup.routes()) {
        if (r.name == replica)
            r.load->connections = connections;
    }
}
} // namespace

class TestRevisionSupervisor : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void deactivationDrainsTheRelay();
    void minReplicasAndStates();
    void scaleOutThenInAfterCooldown();
    void cooldownIsCancelledWhenLoadReturns();
    void restartReplacesReplicasOnceTheNewOnesAreReady();
    void failingWorkloadMakesTheRevisionFailed();
    void oneCrashedReplicaOfTwoIsDegraded();
    void shutdownReportsWhenEveryProcessHasExited();

private:
    ServerProcess *m_upstream = nullptr;
};

void TestRevisionSupervisor::initTestCase()
{
    QNetworkProxy::setApplicationProxy(QNetworkProxy::NoProxy);
    QVERIFY2(QFile::exists(serverBinary()), qPrintable(serverBinary()));
    m_upstream = new ServerProcess(QStringLiteral("upstream-sim"), this);
    QVERIFY2(m_upstream->startUpstreamSim({QStringLiteral("--mode"), QStringLiteral("echo")}),
             m_upstream->diagnostics());
}

void TestRevisionSupervisor::deactivationDrainsTheRelay()
{
    const int grace = 8;
    RevisionSupervisor sup(relaySpec(QStringLiteral("app--blue"), m_upstream->wsUrl(), grace, 1),
                           scaleOf(1, 1), fastOptions());
    EventRecorder rec(&sup);
    QSignalSpy routesChanged(&sup, &RevisionSupervisor::routesChanged);
    QCOMPARE(sup.runningState(), QStringLiteral("Stopped"));
    sup.setActive(true);
    QCOMPARE(sup.replicaCount(), 1);
    QCOMPARE(sup.runningState(), QStringLiteral("Processing"));
    QTRY_COMPARE_WITH_TIMEOUT(sup.routes().size(), 1, kTimeout);
    QCOMPARE(sup.runningState(), QStringLiteral("Running"));
    QCOMPARE(sup.healthState(), QStringLiteral("Healthy"));
    QVERIFY(routesChanged.size() >= 1);
    const auto route = sup.routes().constFirst();

    // Live sessions through the replica, each with a round trip.
    std::vector<std::unique_ptr<QWebSocket>> sessions;
    int connected = 0;
    int echoed = 0;
    QList<int> closeCodes;
    QStringList closeReasons;
    for (int i = 0; i < 3; ++i) {
        auto ws = std::make_unique<QWebSocket>();
        QWebSocket *raw = ws.get();
        connect(raw, &QWebSocket::connected, this, [&, raw] {
            ++connected;
            raw->sendTextMessage(QStringLiteral("hello"));
        });
        connect(raw, &QWebSocket::textMessageReceived, this, [&] { ++echoed; });
        connect(raw, &QWebSocket::disconnected, this, [&, raw] {
            closeCodes << int(raw->closeCode());
            closeReasons << raw->closeReason();
        });
        raw->open(QUrl(QStringLiteral("ws://127.0.0.1:%1/ws").arg(route.address.port())));
        sessions.push_back(std::move(ws));
    }
    QTRY_COMPARE_WITH_TIMEOUT(echoed, 3, kTimeout);

    const int changesBefore = int(routesChanged.size());
    QElapsedTimer clock;
    clock.start();
    sup.setActive(false);
    // Out of routing before setActive() returns, and said so.
    QVERIFY(sup.routes().isEmpty());
    QCOMPARE(routesChanged.size(), changesBefore + 1);
    QCOMPARE(sup.runningState(), QStringLiteral("Processing")); // still stopping
    QCOMPARE(sup.healthState(), QStringLiteral("None"));

    QTRY_COMPARE_WITH_TIMEOUT(closeCodes.size(), 3, kTimeout);
    QCOMPARE(closeCodes, (QList<int>{1001, 1001, 1001}));
    QCOMPARE(closeReasons.constFirst(), QStringLiteral("revision draining"));
    QTRY_COMPARE_WITH_TIMEOUT(sup.replicaCount(), 0, kTimeout);
    QVERIFY2(clock.elapsed() < grace * 1000, QByteArray::number(clock.elapsed()));
    QCOMPARE(sup.runningState(), QStringLiteral("Stopped"));
    QCOMPARE(rec.sequence(route.name),
             (QStringList{QStringLiteral("replica.started"), QStringLiteral("replica.ready"),
                          QStringLiteral("replica.signalled"), QStringLiteral("replica.exited")}));
    QCOMPARE(rec.events(QStringLiteral("replica.signalled"))
                 .constFirst()
                 .fields.value(QLatin1String("signal"))
                 .toString(),
             QStringLiteral("SIGTERM"));
    QCOMPARE(rec.events(QStringLiteral("replica.exited"))
                 .constFirst()
                 .fields.value(QLatin1String("code"))
                 .toInt(-1),
             0);
    QVERIFY(!rec.jsonLine(route.name, QStringLiteral("drain.completed")).isEmpty());
}

void TestRevisionSupervisor::minReplicasAndStates()
{
    RevisionSupervisor sup(pythonSpec(QStringLiteral("app--two")), scaleOf(2, 5), fastOptions());
    QSignalSpy stateChanged(&sup, &RevisionSupervisor::stateChanged);
    sup.setActive(true);
    QCOMPARE(sup.replicaCount(), 2);
    QCOMPARE(sup.desiredReplicas(), 2);
    QTRY_COMPARE_WITH_TIMEOUT(sup.routes().size(), 2, kTimeout);
    QTRY_COMPARE_WITH_TIMEOUT(sup.runningState(), QStringLiteral("Running"), kTimeout);
    QCOMPARE(sup.healthState(), QStringLiteral("Healthy"));
    QCOMPARE(sup.stateDetails(), QStringLiteral("2 of 2 replica(s) ready"));
    QVERIFY(stateChanged.size() >= 2);
    const auto models = sup.replicaModels();
    QCOMPARE(models.size(), 2);
    for (const auto &m : models) {
        QCOMPARE(m.runningState, QStringLiteral("Running"));
        QVERIFY(m.containers.constFirst().ready);
    }
    const auto routes = sup.routes();
    QVERIFY(routes.at(0).address.port() != routes.at(1).address.port());

    // Idle for a few ticks: nothing changes.
    QTest::qWait(400);
    QCOMPARE(sup.replicaCount(), 2);
    QCOMPARE(routeNames(sup).size(), 2);

    QSignalSpy exited(&sup, &RevisionSupervisor::allExited);
    sup.shutdown();
    QTRY_COMPARE_WITH_TIMEOUT(exited.size(), 1, kTimeout);
}

void TestRevisionSupervisor::scaleOutThenInAfterCooldown()
{
    const int cooldown = 2;
    RevisionSupervisor sup(pythonSpec(QStringLiteral("app--scale")), scaleOf(1, 3, cooldown, 2),
                           fastOptions());
    EventRecorder rec(&sup);
    sup.setActive(true);
    QTRY_COMPARE_WITH_TIMEOUT(sup.routes().size(), 1, kTimeout);
    const QString first = sup.routes().constFirst().name;

    // 5 connections at 2 per replica: 3 replicas (the maximum).
    setLoad(sup, first, 5);
    QTRY_COMPARE_WITH_TIMEOUT(sup.replicaCount(), 3, kTimeout);
    QTRY_COMPARE_WITH_TIMEOUT(sup.routes().size(), 3, kTimeout);
    QCOMPARE(sup.desiredReplicas(), 3);
    const QJsonObject scaled = rec.events(QStringLiteral("revision.scaled")).constLast().fields;
    QCOMPARE(scaled.value(QLatin1String("to")).toInt(), 3);
    QCOMPARE(scaled.value(QLatin1String("connections")).toInt(), 5);

    // Down to 3 connections: 2 replicas; the least loaded one cools down.
    QStringList names = routeNames(sup);
    names.removeOne(first);
    const QString busy = names.at(0);
    const QString idle = names.at(1);
    setLoad(sup, first, 2);
    setLoad(sup, busy, 1);
    QTRY_COMPARE_WITH_TIMEOUT(rec.count(QStringLiteral("replica.cooling")), 1, kTimeout);
    const RecordedEvent cooling = rec.events(QStringLiteral("replica.cooling")).constFirst();
    QCOMPARE(cooling.fields.value(QLatin1String("replica")).toString(), idle);
    QCOMPARE(cooling.fields.value(QLatin1String("cooldownSeconds")).toInt(), cooldown);

    // Cooling down: still running and routed for its sessions, but takes nothing new.
    const auto routes = sup.routes();
    QCOMPARE(routes.size(), 3);
    for (const auto &r : routes)
        QCOMPARE(r.acceptsNew, r.name != idle);
    QCOMPARE(sup.replicaCount(), 3);
    QCOMPARE(rec.count(QStringLiteral("replica.signalled"), idle), 0);

    // Then the stop sequence.
    QTRY_COMPARE_WITH_TIMEOUT(rec.count(QStringLiteral("replica.signalled"), idle), 1, kTimeout);
    const qint64 cooled =
        rec.events(QStringLiteral("replica.signalled"), idle).constFirst().atMs - cooling.atMs;
    QVERIFY2(cooled >= cooldown * 1000 - 100, QByteArray::number(cooled));
    QTRY_COMPARE_WITH_TIMEOUT(rec.count(QStringLiteral("replica.exited"), idle), 1, kTimeout);
    QTRY_COMPARE_WITH_TIMEOUT(sup.replicaCount(), 2, kTimeout);
    QStringList expected{busy, first};
    expected.sort();
    QCOMPARE(routeNames(sup), expected);
    // Only the cooled replica went.
    QCOMPARE(rec.count(QStringLiteral("replica.signalled")), 1);

    QSignalSpy exited(&sup, &RevisionSupervisor::allExited);
    sup.shutdown();
    QTRY_COMPARE_WITH_TIMEOUT(exited.size(), 1, kTimeout);
}

void TestRevisionSupervisor::cooldownIsCancelledWhenLoadReturns()
{
    RevisionSupervisor sup(pythonSpec(QStringLiteral("app--flap")), scaleOf(1, 2, 30, 2),
                           fastOptions());
    EventRecorder rec(&sup);
    sup.setActive(true);
    QTRY_COMPARE_WITH_TIMEOUT(sup.routes().size(), 1, kTimeout);
    const QString first = sup.routes().constFirst().name;
    setLoad(sup, first, 3);
    QTRY_COMPARE_WITH_TIMEOUT(sup.routes().size(), 2, kTimeout);
    QString second = routeNames(sup).constFirst() == first ? routeNames(sup).constLast()
                                                           : routeNames(sup).constFirst();

    setLoad(sup, first, 1);
    QTRY_COMPARE_WITH_TIMEOUT(rec.count(QStringLiteral("replica.cooling")), 1, kTimeout);
    QCOMPARE(rec.events(QStringLiteral("replica.cooling"))
                 .constFirst()
                 .fields.value(QLatin1String("replica"))
                 .toString(),
             second);
    // Load is back before the cooldown ends: the warm replica takes new connections again
    // instead of a new one being started.
    setLoad(sup, first, 4);
    QTRY_COMPARE_WITH_TIMEOUT(rec.count(QStringLiteral("replica.resumed")), 1, kTimeout);
    for (const auto &r : sup.routes())
        QVERIFY(r.acceptsNew);
    QCOMPARE(sup.replicaCount(), 2);
    QCOMPARE(rec.count(QStringLiteral("replica.started")), 2);

    QSignalSpy exited(&sup, &RevisionSupervisor::allExited);
    sup.shutdown();
    QTRY_COMPARE_WITH_TIMEOUT(exited.size(), 1, kTimeout);
}

void TestRevisionSupervisor::restartReplacesReplicasOnceTheNewOnesAreReady()
{
    // A slow start leaves a window in which the new replicas run but are not ready.
    RevisionSupervisor sup(pythonSpec(QStringLiteral("app--restart"),
                                      {QStringLiteral("--listen-delay"), QStringLiteral("1")}),
                           scaleOf(2, 4), fastOptions());
    EventRecorder rec(&sup);
    sup.setActive(true);
    QTRY_COMPARE_WITH_TIMEOUT(sup.routes().size(), 2, kTimeout);
    const QStringList oldNames = routeNames(sup);

    // Whenever an old replica is signalled, every new one must already be routable.
    QStringList violations;
    connect(&sup, &RevisionSupervisor::lifecycleEvent, this,
            [&](const QString &name, const QJsonObject &fields) {
                if (name != QLatin1String("replica.signalled") ||
                    !oldNames.contains(fields.value(QLatin1String("replica")).toString()))
                    return;
                for (Replica *r : sup.replicas()) {
                    if (!oldNames.contains(r->name()) && !r->isRoutable())
                        violations << r->name();
                }
            });

    QVERIFY(sup.restart());
    QVERIFY(sup.isRestarting());
    QCOMPARE(sup.replicaCount(), 4);
    QCOMPARE(routeNames(sup), oldNames); // the old ones serve until the new ones are ready
    QCOMPARE(sup.runningState(), QStringLiteral("Running"));

    QTRY_COMPARE_WITH_TIMEOUT(rec.count(QStringLiteral("revision.replaced")), 1, kTimeout);
    QVERIFY(!sup.isRestarting());
    QTRY_COMPARE_WITH_TIMEOUT(sup.replicaCount(), 2, kTimeout);
    const QStringList newNames = routeNames(sup);
    QCOMPARE(newNames.size(), 2);
    for (const QString &n : newNames)
        QVERIFY(!oldNames.contains(n));
    QVERIFY2(violations.isEmpty(), qPrintable(violations.join(QLatin1Char(' '))));
    for (const QString &n : oldNames)
        QCOMPARE(rec.count(QStringLiteral("replica.exited"), n), 1);
    // The old ones were stopped only after every new one was ready.
    qint64 lastReady = 0;
    for (const QString &n : newNames)
        lastReady =
            std::max(lastReady, rec.events(QStringLiteral("replica.ready"), n).constFirst().atMs);
    for (const QString &n : oldNames)
        QVERIFY(rec.events(QStringLiteral("replica.signalled"), n).constFirst().atMs >= lastReady);

    QSignalSpy exited(&sup, &RevisionSupervisor::allExited);
    sup.shutdown();
    QTRY_COMPARE_WITH_TIMEOUT(exited.size(), 1, kTimeout);
}

void TestRevisionSupervisor::failingWorkloadMakesTheRevisionFailed()
{
    auto spec = pythonSpec(QStringLiteral("app--broken"));
    spec.arguments = {QStringLiteral("-c"), QStringLiteral("import sys; sys.exit(1)")};
    RevisionSupervisor sup(spec, scaleOf(1, 1), fastOptions());
    sup.setActive(true);
    QTRY_COMPARE_WITH_TIMEOUT(sup.runningState(), QStringLiteral("Failed"), kTimeout);
    QCOMPARE(sup.healthState(), QStringLiteral("Unhealthy"));
    QVERIFY2(sup.stateDetails().contains(QLatin1String("exited with code 1")),
             qPrintable(sup.stateDetails()));
    QVERIFY(sup.routes().isEmpty());
    QCOMPARE(sup.replicaCount(), 1); // one replica, restarting with backoff
    QVERIFY(sup.replicaModels().constFirst().containers.constFirst().restartCount >= 3);

    QSignalSpy exited(&sup, &RevisionSupervisor::allExited);
    sup.shutdown();
    QTRY_COMPARE_WITH_TIMEOUT(exited.size(), 1, kTimeout);
    QCOMPARE(sup.runningState(), QStringLiteral("Stopped"));
}

void TestRevisionSupervisor::oneCrashedReplicaOfTwoIsDegraded()
{
    SupervisorOptions options = fastOptions();
    // Long enough to look at the degraded revision.
    options.replica.restartBackoff = 1500ms;
    options.replica.maxRestartBackoff = 1500ms;
    RevisionSupervisor sup(pythonSpec(QStringLiteral("app--half")), scaleOf(2, 2), options);
    EventRecorder rec(&sup);
    sup.setActive(true);
    QTRY_COMPARE_WITH_TIMEOUT(sup.runningState(), QStringLiteral("Running"), kTimeout);
    const auto victim = sup.routes().constFirst();
    QSignalSpy routesChanged(&sup, &RevisionSupervisor::routesChanged);
    httpGet(victim.address.port(), "/crash", 2000);
    QTRY_COMPARE_WITH_TIMEOUT(rec.count(QStringLiteral("replica.restarting")), 1, kTimeout);
    QCOMPARE(sup.routes().size(), 1);
    QVERIFY(routesChanged.size() >= 1);
    QCOMPARE(sup.runningState(), QStringLiteral("Degraded"));
    QCOMPARE(sup.healthState(), QStringLiteral("Unhealthy"));
    QCOMPARE(sup.replicaCount(), 2);
    // It comes back on its own.
    QTRY_COMPARE_WITH_TIMEOUT(sup.runningState(), QStringLiteral("Running"), kTimeout);
    QCOMPARE(sup.routes().size(), 2);
    QCOMPARE(rec.count(QStringLiteral("replica.started")), 3);

    QSignalSpy exited(&sup, &RevisionSupervisor::allExited);
    sup.shutdown();
    QTRY_COMPARE_WITH_TIMEOUT(exited.size(), 1, kTimeout);
}

void TestRevisionSupervisor::shutdownReportsWhenEveryProcessHasExited()
{
    // Two replicas that ignore SIGTERM: the grace period (1 s) ends with SIGKILL.
    RevisionSupervisor sup(
        pythonSpec(QStringLiteral("app--mixed"), {QStringLiteral("--ignore-sigterm")}, 1),
        scaleOf(2, 2), fastOptions());
    EventRecorder rec(&sup);
    sup.setActive(true);
    QTRY_COMPARE_WITH_TIMEOUT(sup.routes().size(), 2, kTimeout);
    QTRY_COMPARE_WITH_TIMEOUT(
        int(std::count_if(rec.lines().cbegin(), rec.lines().cend(),
                          [](const RecordedLine &l) { return l.line.contains("server.started"); })),
        2, kTimeout);

    QSignalSpy exited(&sup, &RevisionSupervisor::allExited);
    sup.shutdown();
    QVERIFY(sup.isShutDown());
    QVERIFY(sup.routes().isEmpty());
    QCOMPARE(exited.size(), 0); // not before every process has gone
    QTRY_COMPARE_WITH_TIMEOUT(exited.size(), 1, kTimeout);
    QCOMPARE(sup.replicaCount(), 0);
    QCOMPARE(rec.count(QStringLiteral("replica.exited")), 2);
    QCOMPARE(rec.count(QStringLiteral("replica.signalled")), 4); // SIGTERM and SIGKILL, each

    // Shut down for good.
    sup.setActive(true);
    QVERIFY(!sup.isActive());
    QCOMPARE(sup.replicaCount(), 0);
    QVERIFY(!sup.restart());

    // An idle supervisor reports at once (but not from inside shutdown()).
    RevisionSupervisor idle(pythonSpec(QStringLiteral("app--idle")), scaleOf(1, 1));
    QSignalSpy idleExited(&idle, &RevisionSupervisor::allExited);
    idle.shutdown();
    QCOMPARE(idleExited.size(), 0);
    QTRY_COMPARE_WITH_TIMEOUT(idleExited.size(), 1, 1000);
}

QTEST_GUILESS_MAIN(TestRevisionSupervisor)
#include "tst_revisionsupervisor.moc"
