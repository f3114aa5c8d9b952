// Rollout plans: the samples parse, defaults are filled in, every kind of bad plan is an error
// that names the step and the field, env values never reach the redacted plan, and revision
// references resolve (suffix, full name, latest, previous, label) into traffic lists that keep
// their labels.
#include "rollout/planparser.h"
#include "rollout/revisionresolver.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QTest>

using namespace blueshift;
using namespace blueshift::rollout;

namespace {
QByteArray planWithSteps(const QByteArray &steps, const QByteArray &extra = QByteArray())
{
    return "{\"version\": 1, \"target\": {\"app\": \"demo\"}" + extra + ", \"steps\": [" + steps +
           "]}";
}

QString plansDir()
{
    return QStringLiteral(BLUESHIFT_SOURCE_DIR "/resources/plans");
}

model::TrafficWeight weight(const QString &revision, int w, const QString &label = QString())
{
    return {revision, false, w, label};
}
} // namespace

class tst_RolloutPlan : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void samplesParse_data();
    void samplesParse();
    void sampleBlueGreen();
    void defaultsAndOverrides();
    void badPlans_data();
    void badPlans();
    void envValuesAreRedacted();
    void stepNames();
    void resolveReferences();
    void weightsKeepLabels();
    void labelsMove();
};

void tst_RolloutPlan::samplesParse_data()
{
    QTest::addColumn<QString>("file");
    const QStringList files = QDir(plansDir()).entryList({QStringLiteral("*.json")});
    QVERIFY(files.size() >= 2);
    for (const QString &f : files)
        QTest::addRow("%s", qPrintable(f)) << f;
}

void tst_RolloutPlan::samplesParse()
{
    QFETCH(QString, file);
    QFile f(QDir(plansDir()).filePath(file));
    QVERIFY(f.open(QIODevice::ReadOnly));
    Plan plan;
    QString error;
    QVERIFY2(PlanParser::parse(f.readAll(), &plan, &error), qPrintable(error));
    QCOMPARE(plan.target.app, QStringLiteral("demo"));
    QVERIFY(!plan.steps.isEmpty());
}

void tst_RolloutPlan::sampleBlueGreen()
{
    QFile f(QDir(plansDir()).filePath(QStringLiteral("blue-green.json")));
    QVERIFY(f.open(QIODevice::ReadOnly));
    Plan plan;
    QString error;
    QVERIFY2(PlanParser::parse(f.readAll(), &plan, &error), qPrintable(error));
    QList<StepKind> kinds;
    for (const PlanStep &s : plan.steps)
        kinds.append(s.kind);
    // What test-blue-green.sh did: deploy, wait ready, 50/50, hold, 100/0, wait, deactivate.
    const QList<StepKind> expected{StepKind::Deploy,  StepKind::Wait,          StepKind::Label,
                                   StepKind::Traffic, StepKind::StartSessions, StepKind::Hold,
                                   StepKind::Traffic, StepKind::Wait,          StepKind::Deactivate,
                                   StepKind::Wait,    StepKind::Hold};
    QCOMPARE(kinds, expected);
    QCOMPARE(plan.steps.at(0).env.size(), 1);
    QCOMPARE(plan.steps.at(3).weights.size(), 2);
    QCOMPARE(plan.sessions.fleet.sessions, 40);
    QCOMPARE(plan.sessions.fleet.reconnect.mode, harness::ReconnectMode::Backoff);
    const PlanStep &deactivate = plan.steps.at(8);
    QCOMPARE(deactivate.revision.text, QStringLiteral("blue"));
    QCOMPARE(deactivate.assertions.size(), 2);
    QCOMPARE(deactivate.assertions.at(0).kind, AssertionKind::CloseCodesOnDeactivated);
    QCOMPARE(deactivate.assertions.at(0).allowedCodes, QList<int>{1001});
    QVERIFY(deactivate.assertions.at(0).byDefault);
}

void tst_RolloutPlan::defaultsAndOverrides()
{
    Plan plan;
    QString error;
    const QByteArray json = planWithSteps(
        R"({"kind": "traffic", "weights": {"blue": 100}},
           {"kind": "traffic", "weights": {"blue": 100}, "assertions": {"lostDuringShift": false}},
           {"kind": "traffic", "weights": {"blue": 100}, "assertions": {"lostDuringShift": 3, "shareByWeight": 5}},
           {"kind": "deactivate", "revision": "green", "assertions": {"closeCodesOnDeactivated": [1001, 1012], "routedToDeactivated": {"max": 2}}},
           {"kind": "startSessions", "group": "late", "sessions": {"connections": 7}},
           {"kind": "stopSessions", "group": "late"},
           {"kind": "wait", "until": "drained", "revision": "green"})",
        R"(, "sessions": {"connections": 3, "pingInterval": 0.5, "reconnect": "none", "traffic": {"mode": "echo", "interval": 2}})");
    QVERIFY2(PlanParser::parse(json, &plan, &error), qPrintable(error));
    QCOMPARE(plan.version, 1);
    QCOMPARE(plan.sessions.name, QStringLiteral("main"));
    QCOMPARE(plan.sessions.url, QStringLiteral("ingress"));
    QCOMPARE(plan.sessions.path, QStringLiteral("/ws"));
    QCOMPARE(plan.sessions.fleet.sessions, 3);
    QCOMPARE(plan.sessions.fleet.pingIntervalSeconds, 0.5);
    QCOMPARE(plan.sessions.fleet.reconnect.mode, harness::ReconnectMode::None);
    QCOMPARE(plan.sessions.fleet.traffic, harness::TrafficMode::Echo);
    QCOMPARE(plan.sessions.fleet.trafficIntervalSeconds, 2.0);

    QCOMPARE(plan.steps.at(0).assertions.size(), 1);
    QCOMPARE(plan.steps.at(0).assertions.at(0).kind, AssertionKind::LostDuringShift);
    QCOMPARE(plan.steps.at(0).assertions.at(0).max, 0.0);
    QVERIFY(plan.steps.at(1).assertions.isEmpty());
    const QList<AssertionSpec> &third = plan.steps.at(2).assertions;
    QCOMPARE(third.size(), 2);
    QCOMPARE(third.at(0).max, 3.0);
    QVERIFY(!third.at(0).byDefault);
    QCOMPARE(third.at(1).kind, AssertionKind::ShareByWeight);
    QCOMPARE(third.at(1).tolerance, 5.0);
    QCOMPARE(third.at(1).minSessions, 20);
    const QList<AssertionSpec> &deactivate = plan.steps.at(3).assertions;
    QCOMPARE(deactivate.at(0).allowedCodes, (QList<int>{1001, 1012}));
    QCOMPARE(deactivate.at(1).max, 2.0);
    // A group takes the plan's session fields and overrides some of them.
    const SessionGroupSpec &late = plan.steps.at(4).sessions;
    QCOMPARE(late.name, QStringLiteral("late"));
    QCOMPARE(late.fleet.sessions, 7);
    QCOMPARE(late.fleet.pingIntervalSeconds, 0.5);
    QCOMPARE(plan.steps.at(6).until, WaitCondition::Drained);
    QCOMPARE(plan.steps.at(6).timeoutSeconds, 120.0);
}

void tst_RolloutPlan::badPlans_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("error");
    const QByteArray traffic = R"({"kind": "traffic", "weights": {"blue": 100}})";
    QTest::addRow("not JSON") << QByteArray("{\"version\": 1,\n  \"target\": }")
                              << QStringLiteral("not JSON: line 2, column ");
    QTest::addRow("not an object")
        << QByteArray("[1, 2]") << QStringLiteral("a plan is a JSON object");
    QTest::addRow("no version") << QByteArray(R"({"target": {"app": "demo"}, "steps": []})")
                                << QStringLiteral("version is required");
    QTest::addRow("version 2")
        << QByteArray(
               R"({"version": 2, "target": {"app": "demo"}, "steps": [{"kind": "hold", "seconds": 1}]})")
        << QStringLiteral("version 2 is not supported");
    QTest::addRow("unknown top-level key")
        << QByteArray(R"({"version": 1, "target": {"app": "demo"}, "stpes": []})")
        << QStringLiteral("unknown key 'stpes'");
    QTest::addRow("no target")
        << QByteArray(R"({"version": 1, "steps": [{"kind": "hold", "seconds": 1}]})")
        << QStringLiteral("target is required");
    QTest::addRow("bad app name")
        << QByteArray(
               R"({"version": 1, "target": {"app": "Demo_App"}, "steps": [{"kind": "hold", "seconds": 1}]})")
        << QStringLiteral("target.app ");
    QTest::addRow("no steps") << planWithSteps("")
                              << QStringLiteral("steps must be a non-empty array");
    QTest::addRow("step not an object")
        << planWithSteps("42") << QStringLiteral("step 1: must be an object");
    QTest::addRow("no kind") << planWithSteps(R"({"seconds": 1})")
                             << QStringLiteral("step 1: kind is required");
    QTest::addRow("unknown kind") << planWithSteps(traffic + R"(, {"kind": "shift"})")
                                  << QStringLiteral("step 2: kind 'shift' is not a step kind");
    QTest::addRow("unknown key in a step")
        << planWithSteps(R"({"kind": "traffic", "weights": {"blue": 100}, "weight": 5})")
        << QStringLiteral("step 1 (traffic): unknown key 'weight'");
    QTest::addRow("weights not 100")
        << planWithSteps(traffic + R"(, {"kind": "traffic", "weights": {"blue": 40, "green": 50}})")
        << QStringLiteral("step 2 (traffic): weights must add up to 100 (they add up to 90)");
    QTest::addRow("weight over 100")
        << planWithSteps(R"({"kind": "traffic", "weights": {"blue": 150, "green": -50}})")
        << QStringLiteral("step 1 (traffic): weights.blue must be a whole number from 0 to 100");
    QTest::addRow("fractional weight")
        << planWithSteps(R"({"kind": "traffic", "weights": {"blue": 50.5, "green": 49.5}})")
        << QStringLiteral("weights.blue must be a whole number");
    QTest::addRow("no weights") << planWithSteps(R"({"kind": "traffic"})")
                                << QStringLiteral("step 1 (traffic): weights is required");
    QTest::addRow("bad revision reference")
        << planWithSteps(R"({"kind": "traffic", "weights": {"Blue!": 100}})")
        << QStringLiteral("step 1 (traffic): weights 'Blue!' is not a revision suffix");
    QTest::addRow("another app's revision")
        << planWithSteps(R"({"kind": "deactivate", "revision": "other--blue"})")
        << QStringLiteral(
               "step 1 (deactivate): revision 'other--blue' names a revision of another app");
    QTest::addRow("bad label reference")
        << planWithSteps(R"({"kind": "deactivate", "revision": "label:Not_OK"})")
        << QStringLiteral("step 1 (deactivate): revision 'label:Not_OK'");
    QTest::addRow("deactivate without revision")
        << planWithSteps(R"({"kind": "deactivate"})")
        << QStringLiteral("step 1 (deactivate): revision is required");
    QTest::addRow("wait with seconds and until")
        << planWithSteps(R"({"kind": "wait", "seconds": 5, "until": "ready", "revision": "blue"})")
        << QStringLiteral("step 1 (wait): a wait step takes either seconds or until");
    QTest::addRow("wait until unknown")
        << planWithSteps(R"({"kind": "wait", "until": "healthy", "revision": "blue"})")
        << QStringLiteral("step 1 (wait): until must be ready, drained or sessionsOpen");
    QTest::addRow("wait until ready without revision")
        << planWithSteps(R"({"kind": "wait", "until": "ready"})")
        << QStringLiteral("step 1 (wait): revision is required");
    QTest::addRow("negative seconds")
        << planWithSteps(R"({"kind": "wait", "seconds": -1})")
        << QStringLiteral("step 1 (wait): seconds must be 0 to 86400");
    QTest::addRow("hold without seconds") << planWithSteps(R"({"kind": "hold"})")
                                          << QStringLiteral("step 1 (hold): seconds is required");
    QTest::addRow("label with add and remove")
        << planWithSteps(R"({"kind": "label", "revision": "green", "add": "x", "remove": "y"})")
        << QStringLiteral("step 1 (label): a label step takes either add or remove");
    QTest::addRow("deploy without suffix")
        << planWithSteps(R"({"kind": "deploy", "image": "x"})")
        << QStringLiteral("step 1 (deploy): revisionSuffix is required");
    QTest::addRow("deploy with a bad suffix")
        << planWithSteps(R"({"kind": "deploy", "revisionSuffix": "Green"})")
        << QStringLiteral("step 1 (deploy): revisionSuffix ");
    QTest::addRow("deploy with a bad env name")
        << planWithSteps(R"({"kind": "deploy", "revisionSuffix": "g", "env": {"1X": "v"}})")
        << QStringLiteral("step 1 (deploy): env has an invalid variable name '1X'");
    QTest::addRow("deploy with a numeric env value")
        << planWithSteps(R"({"kind": "deploy", "revisionSuffix": "g", "env": {"X": 5}})")
        << QStringLiteral("step 1 (deploy): env.X must be a string");
    QTest::addRow("command not strings")
        << planWithSteps(R"({"kind": "deploy", "revisionSuffix": "g", "command": ["a", 1]})")
        << QStringLiteral("step 1 (deploy): command must be an array of strings");
    QTest::addRow("stop a group that is not running")
        << planWithSteps(R"({"kind": "stopSessions", "group": "late"})")
        << QStringLiteral("step 1 (stopSessions): group 'late' is not running at this step");
    QTest::addRow("start main twice")
        << planWithSteps(R"({"kind": "startSessions", "group": "main"})")
        << QStringLiteral("step 1 (startSessions): group 'main' is already running");
    QTest::addRow("bad group name")
        << planWithSteps(R"({"kind": "startSessions", "group": "Late Ones"})")
        << QStringLiteral("step 1 (startSessions): group must be");
    QTest::addRow("assertion on the wrong step")
        << planWithSteps(
               R"({"kind": "traffic", "weights": {"blue": 100}, "assertions": {"closeCodesOnDeactivated": [1001]}})")
        << QStringLiteral("step 1 (traffic): assertions.closeCodesOnDeactivated applies to "
                          "deactivate steps only");
    QTest::addRow("unknown assertion")
        << planWithSteps(
               R"({"kind": "traffic", "weights": {"blue": 100}, "assertions": {"noErrors": 0}})")
        << QStringLiteral("step 1 (traffic): assertions has an unknown assertion 'noErrors'");
    QTest::addRow("bad close code")
        << planWithSteps(
               R"({"kind": "deactivate", "revision": "blue", "assertions": {"closeCodesOnDeactivated": {"allowed": [999]}}})")
        << QStringLiteral("assertions.closeCodesOnDeactivated.allowed must hold close codes");
    QTest::addRow("unknown assertion field")
        << planWithSteps(
               R"({"kind": "traffic", "weights": {"blue": 100}, "assertions": {"shareByWeight": {"tolerence": 5}}})")
        << QStringLiteral("unknown key 'tolerence'");
    QTest::addRow("rtt without bound")
        << planWithSteps(R"({"kind": "hold", "seconds": 1, "assertions": {"rttP99Ms": {}}})")
        << QStringLiteral("assertions.rttP99Ms.max is required");
    QTest::addRow("assertion true")
        << planWithSteps(
               R"({"kind": "traffic", "weights": {"blue": 100}, "assertions": {"lostDuringShift": true}})")
        << QStringLiteral("may be false");
    QTest::addRow("zero connections")
        << planWithSteps(traffic, R"(, "sessions": {"connections": 0})")
        << QStringLiteral("sessions.connections must be from 1 to 100000 (it is 0)");
    QTest::addRow("http sessions url")
        << planWithSteps(traffic, R"(, "sessions": {"url": "http://x/"})")
        << QStringLiteral("sessions.url must be");
    QTest::addRow("unknown protocol")
        << planWithSteps(traffic, R"(, "sessions": {"protocol": "mqtt"})")
        << QStringLiteral("sessions.protocol must be websocket, socketio or realtime");
    QTest::addRow("namespace without socketio")
        << planWithSteps(traffic, R"(, "sessions": {"socketioNamespace": "/chat"})")
        << QStringLiteral("sessions.socketioNamespace goes with \"protocol\": \"socketio\"");
    QTest::addRow("label and revision")
        << planWithSteps(traffic, R"(, "sessions": {"label": "green", "revision": "green"})")
        << QStringLiteral("sessions.label and revision: give one, not both");
    QTest::addRow("pinned group with its own url")
        << planWithSteps(traffic, R"(, "sessions": {"url": "ws://x/ws", "label": "green"})")
        << QStringLiteral("sessions.label pins the group on the app's ingress");
    QTest::addRow("bad reconnect mode")
        << planWithSteps(traffic, R"(, "sessions": {"reconnect": {"mode": "sometimes"}})")
        << QStringLiteral("sessions.reconnect.mode must be none, immediate or backoff");
    QTest::addRow("backoff max below initial")
        << planWithSteps(
               traffic,
               R"(, "sessions": {"reconnect": {"mode": "backoff", "initial": 5, "max": 1}})")
        << QStringLiteral("sessions: backoff needs");
    QTest::addRow("autoStart in a group")
        << planWithSteps(
               R"({"kind": "startSessions", "group": "g", "sessions": {"autoStart": false}})")
        << QStringLiteral("step 1 (startSessions): sessions: unknown key 'autoStart'");
}

void tst_RolloutPlan::badPlans()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, error);
    Plan plan;
    QString why;
    QVERIFY(!PlanParser::parse(json, &plan, &why));
    QVERIFY2(why.contains(error), qPrintable(QStringLiteral("got: ") + why));
    QVERIFY(!why.contains(QLatin1Char('\n')));
}

void tst_RolloutPlan::envValuesAreRedacted()
{
    const QByteArray secret = "hunter2-do-not-print";
    Plan plan;
    QString error;
    QVERIFY2(PlanParser::parse(planWithSteps(R"({"kind": "deploy", "revisionSuffix": "green",
              "env": {"API_KEY": ")" + secret +
                                             R"(", "REF": {"secretRef": "key"}, "OLD": null}})"),
                               &plan, &error),
             qPrintable(error));
    const PlanStep &deploy = plan.steps.at(0);
    QCOMPARE(deploy.env.size(), 3);
    const QByteArray redacted = QJsonDocument(plan.redactedJson).toJson();
    QVERIFY(!redacted.contains(secret));
    QVERIFY(redacted.contains("(set)"));
    QVERIFY(redacted.contains("secretRef"));
    QVERIFY(!describe(deploy).contains(QString::fromLatin1(secret)));
    QVERIFY(describe(deploy).contains(QStringLiteral("API_KEY")));
}

void tst_RolloutPlan::stepNames()
{
    Plan plan;
    QString error;
    QVERIFY2(PlanParser::parse(
                 planWithSteps(R"({"kind": "traffic", "weights": {"blue": 20, "green": 80}},
                                              {"kind": "wait", "until": "drained", "revision": "blue"},
                                              {"kind": "deactivate", "revision": "blue", "name": "retire blue"})"),
                 &plan, &error),
             qPrintable(error));
    QCOMPARE(plan.steps.at(0).name, QStringLiteral("traffic blue=20 green=80"));
    QCOMPARE(plan.steps.at(1).name, QStringLiteral("wait until blue drained"));
    QCOMPARE(plan.steps.at(2).name, QStringLiteral("retire blue"));
    QCOMPARE(stepLabel(plan.steps.at(2)), QStringLiteral("step 3 'retire blue'"));
}

void tst_RolloutPlan::resolveReferences()
{
    RevisionResolver r(QStringLiteral("demo"));
    r.setRevisions({QStringLiteral("demo--blue")});
    r.setTraffic({weight(QStringLiteral("demo--blue"), 100, QStringLiteral("stable"))});
    QString error;
    QCOMPARE(r.resolve({QStringLiteral("blue")}, &error), QStringLiteral("demo--blue"));
    QCOMPARE(r.resolve({QStringLiteral("demo--blue")}, &error), QStringLiteral("demo--blue"));
    QCOMPARE(r.resolve({QStringLiteral("latest")}, &error), QStringLiteral("demo--blue"));
    QCOMPARE(r.resolve({QStringLiteral("label:stable")}, &error), QStringLiteral("demo--blue"));
    QVERIFY(r.resolve({QStringLiteral("previous")}, &error).isEmpty());
    QVERIFY2(error.contains(QStringLiteral("no revision before")), qPrintable(error));
    QVERIFY(r.resolve({QStringLiteral("green")}, &error).isEmpty());
    QVERIFY2(error.contains(QStringLiteral("'demo--green' does not exist")), qPrintable(error));
    QVERIFY(r.resolve({QStringLiteral("label:canary")}, &error).isEmpty());
    QVERIFY2(error.contains(QStringLiteral("label 'canary'")), qPrintable(error));

    r.deployed(QStringLiteral("demo--green"));
    QCOMPARE(r.resolve({QStringLiteral("latest")}, &error), QStringLiteral("demo--green"));
    QCOMPARE(r.resolve({QStringLiteral("previous")}, &error), QStringLiteral("demo--blue"));
    QList<QPair<QString, int>> weights;
    QVERIFY(r.resolveWeights({qMakePair(RevisionRef{QStringLiteral("previous")}, 50),
                              qMakePair(RevisionRef{QStringLiteral("latest")}, 50)},
                             &weights, &error));
    QCOMPARE(weights.at(0), qMakePair(QStringLiteral("demo--blue"), 50));
    QVERIFY(!r.resolveWeights({qMakePair(RevisionRef{QStringLiteral("blue")}, 50),
                               qMakePair(RevisionRef{QStringLiteral("previous")}, 50)},
                              &weights, &error));
    QVERIFY2(error.contains(QStringLiteral("both name revision 'demo--blue'")), qPrintable(error));

    // Revisions as listed: the newest is latest, the one before it previous.
    RevisionResolver listed(QStringLiteral("demo"));
    listed.setRevisions({QStringLiteral("demo--a"), QStringLiteral("demo--b")});
    QCOMPARE(listed.latest(), QStringLiteral("demo--b"));
    QCOMPARE(listed.previous(), QStringLiteral("demo--a"));
}

void tst_RolloutPlan::weightsKeepLabels()
{
    RevisionResolver r(QStringLiteral("demo"));
    r.setRevisions({QStringLiteral("demo--blue"), QStringLiteral("demo--green")});
    r.setTraffic({weight(QStringLiteral("demo--blue"), 100, QStringLiteral("blue")),
                  weight(QStringLiteral("demo--green"), 0, QStringLiteral("green"))});
    const QList<model::TrafficWeight> half =
        r.withWeights({qMakePair(QStringLiteral("demo--blue"), 50),
                       qMakePair(QStringLiteral("demo--green"), 50)});
    QCOMPARE(half, (QList<model::TrafficWeight>{
                       weight(QStringLiteral("demo--blue"), 50, QStringLiteral("blue")),
                       weight(QStringLiteral("demo--green"), 50, QStringLiteral("green"))}));
    // Blue left out: it keeps its label with weight 0.
    const QList<model::TrafficWeight> green =
        r.withWeights({qMakePair(QStringLiteral("demo--green"), 100)});
    QCOMPARE(green, (QList<model::TrafficWeight>{
                        weight(QStringLiteral("demo--green"), 100, QStringLiteral("green")),
                        weight(QStringLiteral("demo--blue"), 0, QStringLiteral("blue"))}));
    r.setTraffic(green);
    QCOMPARE(r.effectiveWeights().value(QStringLiteral("demo--green")), 100);
    QCOMPARE(r.effectiveWeights().value(QStringLiteral("demo--blue")), 0);
}

void tst_RolloutPlan::labelsMove()
{
    RevisionResolver r(QStringLiteral("demo"));
    r.setRevisions({QStringLiteral("demo--blue"), QStringLiteral("demo--green")});
    r.setTraffic({weight(QStringLiteral("demo--blue"), 100, QStringLiteral("live"))});
    // Adding "live" to green moves it; blue's entry keeps its weight.
    QCOMPARE(r.withLabel(QStringLiteral("demo--green"), QStringLiteral("live"), false),
             (QList<model::TrafficWeight>{
                 weight(QStringLiteral("demo--blue"), 100),
                 weight(QStringLiteral("demo--green"), 0, QStringLiteral("live"))}));
    // Removing it leaves no zero-weight entry without a label behind.
    r.setTraffic({weight(QStringLiteral("demo--blue"), 100),
                  weight(QStringLiteral("demo--green"), 0, QStringLiteral("canary"))});
    QCOMPARE(r.withLabel(QStringLiteral("demo--green"), QStringLiteral("canary"), true),
             (QList<model::TrafficWeight>{weight(QStringLiteral("demo--blue"), 100)}));
}

QTEST_GUILESS_MAIN(tst_RolloutPlan)
#include "tst_rolloutplan.moc"
