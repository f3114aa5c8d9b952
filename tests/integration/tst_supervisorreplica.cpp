// One supervised replica as a real process: the relay and a Python workload started with the
// platform's environment, readiness over /readyz or TCP, the stop sequence (SIGTERM, SIGKILL
// when the grace period runs out), restarts after an exit, and the startup timeout.
#include "supervisortestsupport.h"

#include "supervisor/replica.h"

#include <QJsonArray>
#include <QNetworkProxy>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTest>

#include <csignal>

using namespace blueshift;
using namespace blueshift::itest;
using blueshift::supervisor::Replica;
using namespace std::chrono_literals;

namespace {
constexpr int kTimeout = 15000;
}

class TestSupervisorReplica : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void relayReplicaBecomesReady();
    void workloadSeesThePlatformEnvironment();
    void stopSendsSigtermAndTheRelayExits();
    void sigkillWhenTheGracePeriodRunsOut();
    void exitRestartsWithRestartCount();
    void readinessLossLeavesRouting();
    void startupTimeoutMarksTheReplicaFailed();
    void missingProgramIsAFailureWithBackoff();

private:
    ServerProcess *m_upstream = nullptr;
};

void TestSupervisorReplica::initTestCase()
{
    QNetworkProxy::setApplicationProxy(QNetworkProxy::NoProxy);
    QVERIFY2(QFile::exists(serverBinary()), qPrintable(serverBinary()));
    m_upstream = new ServerProcess(QStringLiteral("upstream-sim"), this);
    QVERIFY2(m_upstream->startUpstreamSim({QStringLiteral("--mode"), QStringLiteral("echo")}),
             m_upstream->diagnostics());
}

void TestSupervisorReplica::relayReplicaBecomesReady()
{
    Replica replica(relaySpec(QStringLiteral("app--blue"), m_upstream->wsUrl(), 4, 1),
                    fastTiming());
    EventRecorder rec(&replica);
    QVERIFY(QRegularExpression(QStringLiteral("^app--blue-[a-z0-9]{8}$"))
                .match(replica.name())
                .hasMatch());
    QVERIFY(!replica.isRoutable());
    replica.start();
    QCOMPARE(replica.state(), Replica::State::Starting);
    QTRY_VERIFY2_WITH_TIMEOUT(replica.isRoutable(), rec.summary(), kTimeout);
    QCOMPARE(replica.state(), Replica::State::Running);
    QCOMPARE(replica.health(), Replica::Health::Healthy);
    QVERIFY2(replica.details().contains(QLatin1String("answered 200")),
             qPrintable(replica.details()));

    QCOMPARE(rec.sequence(replica.name()),
             (QStringList{QStringLiteral("replica.started"), QStringLiteral("replica.ready")}));
    const QJsonObject started = rec.events(QStringLiteral("replica.started")).constFirst().fields;
    QCOMPARE(started.value(QLatin1String("port")).toInt(), int(replica.port()));
    QCOMPARE(started.value(QLatin1String("pid")).toInteger(), replica.processId());
    QCOMPARE(started.value(QLatin1String("revision")).toString(), QStringLiteral("app--blue"));

    QCOMPARE(httpGet(replica.port(), "/healthz").status, 200);
    QCOMPARE(httpGet(replica.port(), "/readyz").status, 200);

    // The relay's own log arrives line by line, and it took its names from the environment.
    QTRY_VERIFY_WITH_TIMEOUT(
        !rec.jsonLine(replica.name(), QStringLiteral("server.started")).isEmpty(), kTimeout);
    const QJsonObject line = rec.jsonLine(replica.name(), QStringLiteral("server.started"));
    QCOMPARE(line.value(QLatin1String("replica")).toString(), replica.name());
    QCOMPARE(line.value(QLatin1String("revision")).toString(), QStringLiteral("app--blue"));
    QVERIFY(!rec.lines().constFirst().stderrLine);

    const ingress::ReplicaRoute route = replica.route();
    QCOMPARE(route.name, replica.name());
    QCOMPARE(route.address.port(), replica.port());
    QVERIFY(route.acceptsNew);
    QCOMPARE(route.load, replica.load());

    const model::Replica m = replica.toModel();
    QCOMPARE(m.name, replica.name());
    QCOMPARE(m.runningState, QStringLiteral("Running"));
    QCOMPARE(m.containers.size(), 1);
    QVERIFY(m.containers.constFirst().ready);
    QCOMPARE(m.containers.constFirst().name, QStringLiteral("app"));

    QSignalSpy stopped(&replica, &Replica::stopped);
    replica.stop();
    QTRY_COMPARE_WITH_TIMEOUT(stopped.size(), 1, kTimeout);
}

void TestSupervisorReplica::workloadSeesThePlatformEnvironment()
{
    auto spec = pythonSpec(QStringLiteral("shop--v2"));
    spec.app = QStringLiteral("shop");
    spec.environment.insert(QStringLiteral("GREETING"), QStringLiteral("hello"));
    spec.environment.insert(QStringLiteral("PORT"), QStringLiteral("1")); // the platform's wins
    Replica replica(spec, fastTiming());
    EventRecorder rec(&replica);
    replica.start();
    QTRY_VERIFY2_WITH_TIMEOUT(replica.isRoutable(), rec.summary(), kTimeout);
    // No /readyz: ready because its port accepts connections.
    QVERIFY2(replica.details().contains(QLatin1String("404")), qPrintable(replica.details()));

    const HttpResult env = httpGet(replica.port(), "/env");
    QCOMPARE(env.status, 200);
    const QJsonObject vars = QJsonDocument::fromJson(env.body).object();
    QCOMPARE(vars.value(QLatin1String("PORT")).toString(), QString::number(replica.port()));
    QCOMPARE(vars.value(QLatin1String("CONTAINER_APP_NAME")).toString(), QStringLiteral("shop"));
    QCOMPARE(vars.value(QLatin1String("CONTAINER_APP_REVISION")).toString(),
             QStringLiteral("shop--v2"));
    QCOMPARE(vars.value(QLatin1String("CONTAINER_APP_REPLICA_NAME")).toString(), replica.name());
    QCOMPARE(vars.value(QLatin1String("GREETING")).toString(), QStringLiteral("hello"));

    // stdout and stderr (http.server logs each request there) both arrive, marked.
    QTRY_VERIFY_WITH_TIMEOUT(
        !rec.jsonLine(replica.name(), QStringLiteral("server.started")).isEmpty(), kTimeout);
    QTRY_VERIFY_WITH_TIMEOUT(std::any_of(rec.lines().cbegin(), rec.lines().cend(),
                                         [](const RecordedLine &l) {
                                             return l.stderrLine && l.line.contains("GET /env") &&
                                                    !l.line.endsWith('\n');
                                         }),
                             kTimeout);

    QSignalSpy stopped(&replica, &Replica::stopped);
    replica.stop();
    QTRY_COMPARE_WITH_TIMEOUT(stopped.size(), 1, kTimeout);
    // Python's default SIGTERM action ends it by the signal.
    QCOMPARE(rec.events(QStringLiteral("replica.exited"))
                 .constLast()
                 .fields.value(QLatin1String("signal"))
                 .toString(),
             QStringLiteral("SIGTERM"));
}

void TestSupervisorReplica::stopSendsSigtermAndTheRelayExits()
{
    Replica replica(relaySpec(QStringLiteral("app--blue"), m_upstream->wsUrl(), 6, 1),
                    fastTiming());
    EventRecorder rec(&replica);
    replica.start();
    QTRY_VERIFY2_WITH_TIMEOUT(replica.isRoutable(), rec.summary(), kTimeout);

    QSignalSpy changed(&replica, &Replica::changed);
    QSignalSpy stopped(&replica, &Replica::stopped);
    QElapsedTimer clock;
    clock.start();
    replica.stop();
    // Out of routing before stop() returns.
    QVERIFY(!replica.isRoutable());
    QCOMPARE(replica.state(), Replica::State::Stopping);
    QVERIFY(changed.size() >= 1);
    QTRY_COMPARE_WITH_TIMEOUT(stopped.size(), 1, kTimeout);
    QVERIFY2(clock.elapsed() < 6000, QByteArray::number(clock.elapsed()));
    QCOMPARE(replica.state(), Replica::State::Stopped);
    QCOMPARE(rec.sequence(replica.name()),
             (QStringList{QStringLiteral("replica.started"), QStringLiteral("replica.ready"),
                          QStringLiteral("replica.signalled"), QStringLiteral("replica.exited")}));
    QCOMPARE(rec.events(QStringLiteral("replica.signalled"))
                 .constFirst()
                 .fields.value(QLatin1String("signal"))
                 .toString(),
             QStringLiteral("SIGTERM"));
    const QJsonObject exited = rec.events(QStringLiteral("replica.exited")).constFirst().fields;
    QCOMPARE(exited.value(QLatin1String("code")).toInt(-1), 0);
    QVERIFY(!exited.contains(QLatin1String("signal")));
    QVERIFY(!rec.jsonLine(replica.name(), QStringLiteral("server.stopped")).isEmpty());

    replica.stop(); // again: nothing happens
    QCOMPARE(rec.count(QStringLiteral("replica.signalled")), 1);
}

void TestSupervisorReplica::sigkillWhenTheGracePeriodRunsOut()
{
    Replica replica(
        pythonSpec(QStringLiteral("app--stubborn"), {QStringLiteral("--ignore-sigterm")}, 2),
        fastTiming());
    EventRecorder rec(&replica);
    replica.start();
    QTRY_VERIFY2_WITH_TIMEOUT(replica.isRoutable(), rec.summary(), kTimeout);
    // Python ignores SIGTERM only once its script runs: wait for it to listen.
    QTRY_VERIFY_WITH_TIMEOUT(
        !rec.jsonLine(replica.name(), QStringLiteral("server.started")).isEmpty(), kTimeout);

    QSignalSpy stopped(&replica, &Replica::stopped);
    replica.stop();
    QVERIFY(!replica.isRoutable());
    QTRY_COMPARE_WITH_TIMEOUT(stopped.size(), 1, kTimeout);

    const QList<RecordedEvent> signalled = rec.events(QStringLiteral("replica.signalled"));
    QCOMPARE(signalled.size(), 2);
    QCOMPARE(signalled.at(0).fields.value(QLatin1String("signal")).toString(),
             QStringLiteral("SIGTERM"));
    QCOMPARE(signalled.at(1).fields.value(QLatin1String("signal")).toString(),
             QStringLiteral("SIGKILL"));
    const qint64 waited = signalled.at(1).atMs - signalled.at(0).atMs;
    QVERIFY2(waited >= 1900 && waited < 4000, QByteArray::number(waited));
    const QList<RecordedEvent> exited = rec.events(QStringLiteral("replica.exited"));
    QCOMPARE(exited.size(), 1);
    QCOMPARE(exited.constFirst().fields.value(QLatin1String("signal")).toString(),
             QStringLiteral("SIGKILL"));
    QCOMPARE(rec.sequence(replica.name()).constLast(), QStringLiteral("replica.exited"));
}

void TestSupervisorReplica::exitRestartsWithRestartCount()
{
    Replica replica(pythonSpec(QStringLiteral("app--crashy")), fastTiming());
    EventRecorder rec(&replica);
    replica.start();
    QTRY_VERIFY2_WITH_TIMEOUT(replica.isRoutable(), rec.summary(), kTimeout);
    const qint64 firstPid = replica.processId();
    QCOMPARE(replica.restartCount(), 0);

    httpGet(replica.port(), "/crash", 2000); // exits with code 3 instead of answering
    QTRY_COMPARE_WITH_TIMEOUT(rec.count(QStringLiteral("replica.restarting")), 1, kTimeout);
    QCOMPARE(replica.restartCount(), 1);
    QCOMPARE(rec.events(QStringLiteral("replica.exited"))
                 .constFirst()
                 .fields.value(QLatin1String("code"))
                 .toInt(),
             3);
    const QJsonObject restarting =
        rec.events(QStringLiteral("replica.restarting")).constFirst().fields;
    QCOMPARE(restarting.value(QLatin1String("restartCount")).toInt(), 1);
    QVERIFY(restarting.value(QLatin1String("reason")).toString().contains(QLatin1String("code 3")));

    // Back, same replica name, a new process.
    QTRY_VERIFY2_WITH_TIMEOUT(replica.isRoutable(), rec.summary(), kTimeout);
    QCOMPARE(rec.count(QStringLiteral("replica.started")), 2);
    QCOMPARE(rec.count(QStringLiteral("replica.ready")), 2);
    QVERIFY(replica.processId() != firstPid);
    QCOMPARE(replica.restartCount(), 1);
    QCOMPARE(replica.toModel().containers.constFirst().restartCount, 1);

    QSignalSpy stopped(&replica, &Replica::stopped);
    replica.stop();
    QTRY_COMPARE_WITH_TIMEOUT(stopped.size(), 1, kTimeout);
    QCOMPARE(replica.restartCount(), 1); // a requested stop is not a restart
}

void TestSupervisorReplica::readinessLossLeavesRouting()
{
    // The relay drains when a signal reaches it from elsewhere: /readyz turns 503 first.
    Replica replica(relaySpec(QStringLiteral("app--blue"), m_upstream->wsUrl(), 6, 2),
                    fastTiming());
    EventRecorder rec(&replica);
    replica.start();
    QTRY_VERIFY2_WITH_TIMEOUT(replica.isRoutable(), rec.summary(), kTimeout);
    // A session keeps the relay in its drain window, so that 503 is seen before the exit.
    RawWebSocket session;
    QVERIFY(session.handshake(replica.port()));
    QCOMPARE(session.status(), 101);

    ::kill(pid_t(replica.processId()), SIGTERM);
    QTRY_COMPARE_WITH_TIMEOUT(rec.count(QStringLiteral("replica.unready")), 1, kTimeout);
    QVERIFY(!replica.isRoutable());
    QCOMPARE(replica.health(), Replica::Health::Unhealthy);
    QVERIFY2(replica.details().contains(QLatin1String("503")), qPrintable(replica.details()));
    QVERIFY(rec.count(QStringLiteral("replica.exited")) == 0);

    // It exits 0 after the drain: not asked to, so it is restarted.
    QTRY_COMPARE_WITH_TIMEOUT(rec.count(QStringLiteral("replica.restarting")), 1, kTimeout);
    QTRY_VERIFY2_WITH_TIMEOUT(replica.isRoutable(), rec.summary(), kTimeout);
    QCOMPARE(replica.restartCount(), 1);
    QCOMPARE(replica.health(), Replica::Health::Healthy);
    QVERIFY(session.closeReceived());
    QCOMPARE(session.closeCode(), 1001);

    QSignalSpy stopped(&replica, &Replica::stopped);
    replica.stop();
    QTRY_COMPARE_WITH_TIMEOUT(stopped.size(), 1, kTimeout);
}

void TestSupervisorReplica::startupTimeoutMarksTheReplicaFailed()
{
    auto spec = pythonSpec(QStringLiteral("app--slow"));
    spec.arguments = {QStringLiteral("-c"), QStringLiteral("import time; time.sleep(60)")};
    auto timing = fastTiming();
    timing.startupTimeout = 500ms;
    Replica replica(spec, timing);
    EventRecorder rec(&replica);
    replica.start();
    QTRY_COMPARE_WITH_TIMEOUT(rec.count(QStringLiteral("replica.failed")), 1, kTimeout);
    QVERIFY(replica.hasFailed());
    QCOMPARE(replica.health(), Replica::Health::Unhealthy);
    QCOMPARE(replica.state(), Replica::State::Starting);
    QVERIFY2(replica.details().contains(QLatin1String("not ready")), qPrintable(replica.details()));
    QVERIFY2(replica.details().contains(QLatin1String("refused")), qPrintable(replica.details()));
    QCOMPARE(replica.toModel().containers.constFirst().runningStateDetails, replica.details());

    QSignalSpy stopped(&replica, &Replica::stopped);
    replica.stop();
    QTRY_COMPARE_WITH_TIMEOUT(stopped.size(), 1, kTimeout);
}

void TestSupervisorReplica::missingProgramIsAFailureWithBackoff()
{
    auto spec = pythonSpec(QStringLiteral("app--missing"));
    spec.program = QStringLiteral("/nonexistent/workload");
    Replica replica(spec, fastTiming());
    EventRecorder rec(&replica);
    replica.start();
    QTRY_VERIFY2_WITH_TIMEOUT(replica.hasFailed(), rec.summary(), kTimeout);
    QVERIFY(replica.restartCount() >= Replica::crashLoopThreshold);
    QVERIFY2(replica.details().contains(QLatin1String("failed to start")),
             qPrintable(replica.details()));
    QCOMPARE(rec.count(QStringLiteral("replica.started")), 0);
    // The backoff doubles: 100, 200, 400 ms ...
    const QList<RecordedEvent> restarts = rec.events(QStringLiteral("replica.restarting"));
    QVERIFY(restarts.size() >= 2);
    QCOMPARE(restarts.at(0).fields.value(QLatin1String("delayMs")).toInt(), 100);
    QCOMPARE(restarts.at(1).fields.value(QLatin1String("delayMs")).toInt(), 200);

    QSignalSpy stopped(&replica, &Replica::stopped);
    replica.stop();
    QCOMPARE(stopped.size(), 1); // nothing runs: stopped at once
    QCOMPARE(replica.state(), Replica::State::Stopped);
}

QTEST_GUILESS_MAIN(TestSupervisorReplica)
#include "tst_supervisorreplica.moc"
