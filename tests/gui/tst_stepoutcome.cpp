// How the rollout wizard words a step's outcome, from hand-built verdicts (the runner's
// AssertionResult details, as AssertionEvaluator fills them): traffic steps name the lost
// sessions and the rollout revision's share of new sessions, deactivations the close codes and
// late routings; failed verdicts are marked; a verdict on the whole run replaces one judged so
// far, never the other way round; steps not run say what they would have done.
#include "rollout/rolloutstepsmodel.h"
#include "rollout/stepoutcome.h"

#include "rollout/planparser.h"

#include <QJsonArray>
#include <QTest>

using namespace blueshift;
using namespace blueshift::gui;
using rollout::AssertionKind;
using rollout::AssertionResult;

namespace {
rollout::Plan plan()
{
    rollout::Plan p;
    QString error;
    const bool ok = rollout::PlanParser::parse(R"({"version": 1, "target": {"app": "demo"},
        "steps": [
          {"kind": "deploy", "name": "deploy green", "revisionSuffix": "green"},
          {"kind": "traffic", "name": "50/50", "weights": {"blue": 50, "green": 50},
           "assertions": {"shareByWeight": {"tolerance": 10}}},
          {"kind": "hold", "name": "hold", "seconds": 30},
          {"kind": "traffic", "name": "100/0", "weights": {"blue": 0, "green": 100}},
          {"kind": "deactivate", "name": "deactivate blue", "revision": "blue"}]})",
                                               &p, &error);
    if (!ok)
        qFatal("%s", qPrintable(error));
    return p;
}

AssertionResult lost(int step, int n, bool final, const QJsonObject &codes = {})
{
    AssertionResult r;
    r.step = step;
    r.kind = AssertionKind::LostDuringShift;
    r.passed = n == 0;
    r.final = final;
    r.details = {{QStringLiteral("lost"), n}, {QStringLiteral("codes"), codes}};
    r.message = QStringLiteral("step %1 'x': lostDuringShift: %2 lost").arg(step + 1).arg(n);
    return r;
}

AssertionResult share(int step, int total, double green, bool passed, const QString &observed)
{
    AssertionResult r;
    r.step = step;
    r.kind = AssertionKind::ShareByWeight;
    r.passed = passed;
    r.observed = observed;
    r.details = {
        {QStringLiteral("new_sessions"), total},
        {QStringLiteral("shares"),
         QJsonArray{QJsonObject{{QStringLiteral("revision"), QStringLiteral("demo--blue")},
                                {QStringLiteral("share"), 100 - green},
                                {QStringLiteral("weight"), 50}},
                    QJsonObject{{QStringLiteral("revision"), QStringLiteral("demo--green")},
                                {QStringLiteral("share"), green},
                                {QStringLiteral("weight"), 50}}}}};
    return r;
}
} // namespace

class TestStepOutcome : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void trafficStep();
    void tooFewNewSessions();
    void deactivation();
    void finalReplacesSoFar();
    void stepsNotRun();
};

void TestStepOutcome::trafficStep()
{
    RolloutStepsModel m;
    m.setPlan(plan(), QStringLiteral("demo--green"));
    m.setRunning(1);
    QVERIFY(m.outcome(1).startsWith(QStringLiteral("running… ")));
    m.setFinished(1, true, QStringLiteral("weights demo--blue=50 demo--green=50"), 0.1, {});
    // Before any verdict: the runner's words.
    QCOMPARE(m.outcome(1), QStringLiteral("weights demo--blue=50 demo--green=50"));
    m.addResult(lost(1, 0, false));
    m.addResult(share(1, 41, 48.8, true, QStringLiteral("demo--blue 51.2% (weight 50), ...")));
    QCOMPARE(m.outcome(1),
             QStringLiteral("0 sessions lost, 49% of 41 new sessions on green (weight 50)"));
    // Lost sessions are counted with their codes and marked.
    m.addResult(lost(1, 3, false, {{QStringLiteral("1006"), 3}}));
    QCOMPARE(m.outcome(1), QStringLiteral("✗ 3 sessions lost (1006×3), 49% of 41 new sessions on "
                                          "green (weight 50)"));
    QVERIFY(m.record(1).anyFailed());
    const QStringList lines = verdictLines(m.record(1));
    QCOMPARE(lines.size(), 2);
    QCOMPARE(lines.at(0), QStringLiteral("✗ lostDuringShift: 3 lost (so far)"));
}

void TestStepOutcome::tooFewNewSessions()
{
    RolloutStepsModel m;
    m.setPlan(plan(), QStringLiteral("demo--green"));
    m.setFinished(1, true, QString(), 0.1, {});
    m.addResult(share(1, 4, 50, false, QStringLiteral("4 new")));
    QCOMPARE(m.outcome(1), QStringLiteral("✗ only 4 sessions new, too few to compare with the "
                                          "weights"));
}

void TestStepOutcome::deactivation()
{
    RolloutStepsModel m;
    m.setPlan(plan(), QStringLiteral("demo--green"));
    m.setFinished(4, true, QStringLiteral("demo--blue deactivated with 60 open sessions"), 0.2,
                  QStringLiteral("demo--blue"));
    QCOMPARE(m.outcome(4), QStringLiteral("demo--blue deactivated with 60 open sessions"));
    AssertionResult codes;
    codes.step = 4;
    codes.kind = AssertionKind::CloseCodesOnDeactivated;
    codes.final = true;
    codes.passed = false;
    codes.details = {{QStringLiteral("revision"), QStringLiteral("demo--blue")},
                     {QStringLiteral("codes"),
                      QJsonObject{{QStringLiteral("1001"), 57}, {QStringLiteral("1006"), 3}}},
                     {QStringLiteral("still_open_after_grace"), 0},
                     {QStringLiteral("still_open"), 0}};
    AssertionResult routed;
    routed.step = 4;
    routed.kind = AssertionKind::RoutedToDeactivated;
    routed.final = true;
    routed.passed = true;
    routed.details = {{QStringLiteral("revision"), QStringLiteral("demo--blue")},
                      {QStringLiteral("routed"), 0}};
    m.addResult(codes);
    m.addResult(routed);
    QCOMPARE(m.outcome(4), QStringLiteral("✗ 60 sessions of blue closed with 1001×57, 1006×3, "
                                          "none routed to blue after"));
    codes.passed = true;
    codes.details[QStringLiteral("codes")] = QJsonObject{{QStringLiteral("1001"), 60}};
    m.addResult(codes);
    QCOMPARE(m.outcome(4),
             QStringLiteral("60 sessions of blue closed with 1001, none routed to blue after"));
}

void TestStepOutcome::finalReplacesSoFar()
{
    StepRecord r;
    QVERIFY(r.addResult(lost(1, 2, false)));
    QVERIFY(r.addResult(lost(1, 0, true)));
    QVERIFY(!r.addResult(lost(1, 5, false))); // judged so far, after the end's verdict: ignored
    QCOMPARE(r.results.size(), 1);
    QCOMPARE(r.results.first().details.value(QStringLiteral("lost")).toInt(), 0);
    QVERIFY(!r.anyFailed());
}

void TestStepOutcome::stepsNotRun()
{
    RolloutStepsModel m;
    m.setPlan(plan(), QStringLiteral("demo--green"));
    QCOMPARE(m.outcome(1), QStringLiteral("traffic blue=50 green=50"));
    m.setNext(1);
    QCOMPARE(m.data(m.index(1, RolloutStepsModel::State)).toString(), QStringLiteral("▶ next"));
    m.setFinished(0, true, QStringLiteral("revision demo--green ready"), 2.21, {});
    QCOMPARE(m.outcome(0), QStringLiteral("revision demo--green ready in 2.2 s"));
    m.setRunning(2);
    m.setRunningSeconds(2, 12);
    QCOMPARE(m.outcome(2), QStringLiteral("12 s of 30 s"));
    m.setRunEnded(12.4);
    QCOMPARE(int(m.record(2).state), int(StepRecord::State::Stopped));
    QCOMPARE(m.outcome(2), QStringLiteral("stopped by Abort after 12 s"));
    QCOMPARE(int(m.record(3).state), int(StepRecord::State::NotRun));
    QCOMPARE(m.outcome(3), QStringLiteral("not run: traffic blue=0 green=100"));
    QCOMPARE(m.outcome(1), QStringLiteral("not run: traffic blue=50 green=50"));
}

QTEST_MAIN(TestStepOutcome)
#include "tst_stepoutcome.moc"
