// RolloutRunner step by step (as the console's wizard drives it) against `blueshift-server local
// --demo`: it pauses before every step that changes the platform with the sessions already
// open, judges the open windows at each pause, runs a step only on proceed(), pauses again
// before a step that failed and retries it on proceed() without ending the run, tells when a
// session group starts, and abort() while paused ends the run having changed nothing.
#include "localplatformsupport.h"

#include "rollout/planparser.h"
#include "rollout/rolloutrunner.h"

#include <QNetworkProxy>
#include <QSignalSpy>
#include <QTest>

using namespace blueshift;
using namespace blueshift::itest;
using rollout::RolloutRunner;

namespace {
constexpr int kTimeout = 60000;

rollout::Plan plan()
{
    const QByteArray json = R"({
      "version": 1, "name": "paused", "target": {"app": "demo"},
      "sessions": {"connections": 10, "openRate": 0, "pingInterval": 1,
                   "reconnect": {"mode": "backoff", "initial": 0.5, "max": 2}},
      "steps": [
        {"kind": "deploy", "name": "deploy green", "revisionSuffix": "green",
         "terminationGracePeriodSeconds": 5, "timeout": 60},
        {"kind": "traffic", "name": "50/50", "weights": {"blue": 50, "green": 50}},
        {"kind": "hold", "name": "hold", "seconds": 1},
        {"kind": "traffic", "name": "100/0", "weights": {"blue": 0, "green": 100}}
      ]})";
    rollout::Plan p;
    QString error;
    if (!rollout::PlanParser::parse(json, &p, &error))
        qFatal("test plan: %s", qPrintable(error));
    return p;
}

int weightOf(const QJsonObject &app, const QString &revision)
{
    const QJsonArray traffic = app.value(QStringLiteral("properties"))
                                   .toObject()
                                   .value(QStringLiteral("configuration"))
                                   .toObject()
                                   .value(QStringLiteral("ingress"))
                                   .toObject()
                                   .value(QStringLiteral("traffic"))
                                   .toArray();
    int w = 0;
    for (const QJsonValue &v : traffic) {
        if (v.toObject().value(QStringLiteral("revisionName")).toString() == revision)
            w += v.toObject().value(QStringLiteral("weight")).toInt();
    }
    return w;
}

int openSessions(const RolloutRunner &runner)
{
    int n = 0;
    for (const auto &g : runner.groups())
        n += g->fleet->snapshot().open;
    return n;
}
} // namespace

class TestRolloutPause : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void abortWhilePausedChangesNothing();
    void stepByStepWithRetry();

private:
    std::unique_ptr<LocalPlatformProcess> m_local;
};

void TestRolloutPause::initTestCase()
{
    QNetworkProxy::setApplicationProxy(QNetworkProxy::NoProxy);
    qRegisterMetaType<rollout::AssertionResult>();
    m_local = std::make_unique<LocalPlatformProcess>();
    QVERIFY2(m_local->start({QStringLiteral("--demo")}), m_local->process().diagnostics());
}

void TestRolloutPause::abortWhilePausedChangesNothing()
{
    rollout::RunnerOptions options;
    options.platformEvents = false;
    RolloutRunner runner(plan(), &m_local->client(), options);
    runner.setPauseBeforeSteps(true);
    QSignalSpy paused(&runner, &RolloutRunner::pausedBefore);
    QSignalSpy started(&runner, &RolloutRunner::stepStarted);
    QSignalSpy finished(&runner, &RolloutRunner::finished);
    QSignalSpy groups(&runner, &RolloutRunner::sessionGroupStarted);
    runner.start();
    QTRY_COMPARE_WITH_TIMEOUT(paused.count(), 1, kTimeout);
    QCOMPARE(paused.at(0).at(0).toInt(), 0);
    QCOMPARE(groups.count(), 1);
    QCOMPARE(groups.at(0).at(0).toString(), QStringLiteral("main"));
    QCOMPARE(groups.at(0).at(1).value<harness::Fleet *>(), runner.groups().front()->fleet.get());
    QVERIFY(runner.isPaused());
    QCOMPARE(started.count(), 0);
    QCOMPARE(openSessions(runner), 10); // the sessions open before the first pause

    runner.abort(QStringLiteral("changed my mind"));
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kTimeout);
    QCOMPARE(runner.outcome(), RolloutRunner::Outcome::Aborted);
    QVERIFY(!runner.isPaused());
    QCOMPARE(started.count(), 0);
    runner.proceed(); // after the end: nothing happens
    QCOMPARE(started.count(), 0);
    QCOMPARE(armWait(m_local->client().getRevision(QStringLiteral("demo"),
                                                   QStringLiteral("demo--green")))
                 .status,
             404);
}

void TestRolloutPause::stepByStepWithRetry()
{
    controlplane::ArmClient &client = m_local->client();
    rollout::RunnerOptions options;
    options.platformEvents = false;
    RolloutRunner runner(plan(), &client, options);
    runner.setPauseBeforeSteps(true);
    QSignalSpy paused(&runner, &RolloutRunner::pausedBefore);
    QSignalSpy stepFinished(&runner, &RolloutRunner::stepFinished);
    QSignalSpy judged(&runner, &RolloutRunner::assertionEvaluated);
    QSignalSpy finished(&runner, &RolloutRunner::finished);
    runner.start();
    QTRY_COMPARE_WITH_TIMEOUT(paused.count(), 1, kTimeout);
    QCOMPARE(openSessions(runner), 10);
    runner.proceed();
    runner.proceed(); // a second click while the step runs is ignored
    QTRY_COMPARE_WITH_TIMEOUT(paused.count(), 2, kTimeout);
    QCOMPARE(paused.at(1).at(0).toInt(), 1);
    QCOMPARE(stepFinished.count(), 1);
    QVERIFY(stepFinished.at(0).at(1).toBool());
    QCOMPARE(runner.currentStep(), 1);

    // Green goes inactive behind the runner's back: the 50/50 fails, and the run waits.
    QVERIFY(armWait(client.revisionAction(QStringLiteral("demo"), QStringLiteral("demo--green"),
                                          QStringLiteral("deactivate")))
                .ok);
    runner.proceed();
    QTRY_COMPARE_WITH_TIMEOUT(paused.count(), 3, kTimeout);
    QCOMPARE(paused.at(2).at(0).toInt(), 1);
    QCOMPARE(stepFinished.count(), 2);
    QVERIFY(!stepFinished.at(1).at(1).toBool());
    QVERIFY2(stepFinished.at(1).at(2).toString().contains(QLatin1String("not active")),
             qPrintable(stepFinished.at(1).at(2).toString()));
    QCOMPARE(runner.outcome(), RolloutRunner::Outcome::Running);
    QVERIFY(runner.isPaused());
    QVERIFY(!runner.steps().at(1).error.isEmpty());

    // Fixed, the same step is tried again.
    QVERIFY(armWait(client.revisionAction(QStringLiteral("demo"), QStringLiteral("demo--green"),
                                          QStringLiteral("activate")))
                .ok);
    judged.clear();
    runner.proceed();
    QTRY_COMPARE_WITH_TIMEOUT(paused.count(), 4, kTimeout);
    QCOMPARE(paused.at(3).at(0).toInt(), 3);
    QVERIFY(stepFinished.at(2).at(1).toBool()); // 50/50, this time
    QVERIFY(runner.steps().at(1).ok);
    QVERIFY(runner.steps().at(1).error.isEmpty());
    QCOMPARE(runner.steps().at(1).weights.value(QStringLiteral("demo--green")), 50);
    QCOMPARE(weightOf(armWait(client.getApp(QStringLiteral("demo"))).body,
                      QStringLiteral("demo--green")),
             50);
    // The 50/50's window (with the hold) is judged at the pause, before anyone decides on 100/0.
    QCOMPARE(judged.count(), 1);
    const auto soFar = judged.at(0).at(0).value<rollout::AssertionResult>();
    QCOMPARE(soFar.step, 1);
    QCOMPARE(soFar.kind, rollout::AssertionKind::LostDuringShift);
    QVERIFY(!soFar.final);
    QVERIFY2(soFar.passed, qPrintable(soFar.message));

    runner.proceed();
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, kTimeout);
    QCOMPARE(runner.outcome(), RolloutRunner::Outcome::Passed);
    QCOMPARE(paused.count(), 4);
    QCOMPARE(weightOf(armWait(client.getApp(QStringLiteral("demo"))).body,
                      QStringLiteral("demo--green")),
             100);
    QCOMPARE(runner.results().size(), 2); // lostDuringShift on both traffic steps, final
    for (const rollout::AssertionResult &r : runner.results())
        QVERIFY2(r.passed && r.final, qPrintable(r.message));
}

QTEST_GUILESS_MAIN(TestRolloutPause)
#include "tst_rolloutpause.moc"
