// The rollout wizard against a real `blueshift-server local --demo`, driven by clicking its
// buttons: a full blue/green (deploy, green ready, 50/50 with new sessions, hold, 100/0,
// deactivate blue, blue drained, green alone) with 50 live test sessions, each step's outcome shown
// as it completes and the end state checked on the platform and in the runner's fleets (every
// connection opened after 100/0 on green, every one of blue's closed with 1001); then a step that
// fails, Retry, and Abort in the middle of the hold, which puts 100% back on blue. Screenshots of
// the wizard mid-rollout land in <build>/tests/gui/artifacts.
#include "app/appsession.h"
#include "app/settings.h"
#include "charts/chartspanel.h"
#include "charts/livesessionschart.h"
#include "doctor/doctordialog.h"
#include "events/eventsmodel.h"
#include "localplatformsupport.h"
#include "mainwindow.h"
#include "revisions/revisionsmodel.h"
#include "rollout/bluegreenform.h"
#include "rollout/rolloutstepsmodel.h"
#include "rollout/rolloutstepspanel.h"
#include "rollout/rolloutwizard.h"
#include "sessions/sessionsmodel.h"
#include "sessions/sessionspanel.h"

#include "rollout/planparser.h"
#include "rollout/rolloutrunner.h"

#include <QAction>
#include <QDir>
#include <QFile>
#include <QLineEdit>
#include <QMenuBar>
#include <QNetworkProxy>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace blueshift;
using namespace blueshift::gui;
using namespace blueshift::itest;
using Phase = RolloutWizard::Phase;

namespace {
constexpr int kTimeout = 60000;
const QString kBlue = QStringLiteral("demo--blue");
const QString kGreen = QStringLiteral("demo--green");

QString artifact(const QString &name)
{
    QDir().mkpath(QStringLiteral(BLUESHIFT_GUI_ARTIFACTS));
    return QDir(QStringLiteral(BLUESHIFT_GUI_ARTIFACTS)).filePath(name);
}

QJsonArray trafficOf(const QJsonObject &app)
{
    return app.value(QStringLiteral("properties"))
        .toObject()
        .value(QStringLiteral("configuration"))
        .toObject()
        .value(QStringLiteral("ingress"))
        .toObject()
        .value(QStringLiteral("traffic"))
        .toArray();
}

int weightOf(const QJsonObject &app, const QString &revision)
{
    int w = 0;
    for (const QJsonValue &v : trafficOf(app)) {
        if (v.toObject().value(QStringLiteral("revisionName")).toString() == revision)
            w += v.toObject().value(QStringLiteral("weight")).toInt();
    }
    return w;
}

bool revisionActive(controlplane::ArmClient &client, const QString &revision)
{
    return armWait(client.getRevision(QStringLiteral("demo"), revision))
        .body.value(QStringLiteral("properties"))
        .toObject()
        .value(QStringLiteral("active"))
        .toBool();
}

void click(QPushButton *button)
{
    QVERIFY2(button->isEnabled(), qPrintable(button->text()));
    QTest::mouseClick(button, Qt::LeftButton);
}

bool pausedAt(RolloutWizard &w, int step)
{
    return (w.phase() == Phase::Paused || w.phase() == Phase::Failed) && w.runner() &&
           w.runner()->currentStep() == step;
}

// The wizard, against its own app session on the test's platform.
struct Console
{
    explicit Console(LocalPlatformProcess &local)
    {
        session.setClient(&local.client());
        session.setAppName(QStringLiteral("demo"));
    }
    AppSession session;
};

QString failureText(RolloutWizard &w)
{
    return QStringLiteral("phase %1, banner: %2\nlog:\n%3")
        .arg(int(w.phase()))
        .arg(w.statusText(), w.stepsPanel()->logText());
}
} // namespace

class TestRolloutWizard : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void fullBlueGreen();
    void retryThenAbort();
    void plansSaveAndLoad();
    void mainWindowOpensThem();
};

void TestRolloutWizard::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QNetworkProxy::setApplicationProxy(QNetworkProxy::NoProxy);
    qRegisterMetaType<rollout::AssertionResult>();
}

void TestRolloutWizard::fullBlueGreen()
{
    LocalPlatformProcess local;
    QVERIFY2(local.start({QStringLiteral("--demo")}), local.process().diagnostics());
    Console console(local);
    QTRY_VERIFY_WITH_TIMEOUT(console.session.hasSnapshot(), kTimeout);

    RolloutWizard w(&console.session);
    w.show();
    // Filled in from the app: blue serves, green is free, the image is blue's.
    QCOMPARE(w.form()->fromEdit()->text(), QStringLiteral("blue"));
    QCOMPARE(w.form()->toEdit()->text(), QStringLiteral("green"));
    QCOMPARE(w.form()->imageEdit()->text(), QStringLiteral("blueshift/relay:local"));
    QCOMPARE(w.form()->sessionsSpin()->value(), 50);
    w.form()->holdSpin()->setValue(3);
    w.form()->settleSpin()->setValue(5);
    w.form()->graceSpin()->setValue(5);
    w.form()->envEdit()->setPlainText(QStringLiteral("BLUESHIFT_COLOR=green"));
    RolloutStepsModel *steps = w.stepsModel();
    QCOMPARE(steps->rowCount(), 9);
    QCOMPARE(steps->stepTitle(2), QStringLiteral("3. 50/50"));
    QVERIFY(!w.promoteButton()->isEnabled());
    QVERIFY(!w.abortButton()->isEnabled());

    // The sessions table and the charts follow the run's main group, as in the main window.
    SessionsPanel table;
    ChartsPanel charts;
    charts.resize(900, 500);
    charts.show();
    connect(&w, &RolloutWizard::fleetStarted, &table,
            [&](harness::Fleet *fleet, const QString &group) {
                if (group != QLatin1String("main"))
                    return;
                table.follow(fleet);
                charts.setFleet(fleet);
            });

    QSignalSpy started(&w, &RolloutWizard::runStarted);
    QSignalSpy fleets(&w, &RolloutWizard::fleetStarted);
    QSignalSpy events(&w, &RolloutWizard::harnessEvents);
    click(w.startButton());
    QTRY_VERIFY2_WITH_TIMEOUT(pausedAt(w, 0), qPrintable(failureText(w)), kTimeout);
    QCOMPARE(started.count(), 1);
    rollout::RolloutRunner *runner = w.runner();
    QCOMPARE(started.at(0).at(0).value<rollout::RolloutRunner *>(), runner);
    QCOMPARE(fleets.count(), 1);
    QCOMPARE(fleets.at(0).at(1).toString(), QStringLiteral("main"));
    // 50 sessions open, all on blue, before anything changed.
    const harness::FleetSnapshot before = runner->groups().front()->fleet->snapshot();
    QCOMPARE(before.open, 50);
    QCOMPARE(before.revisions.size(), 1);
    QCOMPARE(before.revisions.first().revision, kBlue);
    QCOMPARE(w.promoteButton()->text(), QStringLiteral("Promote: deploy green"));
    QVERIFY(!w.startButton()->isEnabled());
    QVERIFY(w.abortButton()->isEnabled());
    QCOMPARE(int(steps->record(0).state), int(StepRecord::State::Next));

    // Deploy green; "green ready" follows without asking (it changes nothing).
    click(w.promoteButton());
    QTRY_VERIFY2_WITH_TIMEOUT(pausedAt(w, 2), qPrintable(failureText(w)), kTimeout);
    QVERIFY2(steps->outcome(0).startsWith(QStringLiteral("revision demo--green ready in ")),
             qPrintable(steps->outcome(0)));
    QVERIFY2(steps->outcome(1).startsWith(QStringLiteral("demo--green ready after ")),
             qPrintable(steps->outcome(1)));
    QCOMPARE(w.promoteButton()->text(), QStringLiteral("Promote: 50/50"));

    // 50/50, 40 new sessions, the hold; the outcome is there before 100/0 is promoted.
    click(w.promoteButton());
    QTRY_VERIFY2_WITH_TIMEOUT(pausedAt(w, 5), qPrintable(failureText(w)), kTimeout);
    const QString half = steps->outcome(2);
    const QRegularExpression shape(
        QStringLiteral("^0 sessions lost, (\\d+)% of 40 new sessions on green \\(weight 50\\)$"));
    const QRegularExpressionMatch m = shape.match(half);
    QVERIFY2(m.hasMatch(), qPrintable(half));
    QVERIFY2(std::abs(m.captured(1).toInt() - 50) <= 10, qPrintable(half));
    QCOMPARE(steps->outcome(3), QStringLiteral("40 of 40 open"));
    QVERIFY2(steps->outcome(4).startsWith(QStringLiteral("held ")), qPrintable(steps->outcome(4)));
    QVERIFY2(w.statusText().startsWith(QStringLiteral("50/50: 0 sessions lost, ")),
             qPrintable(w.statusText()));
    QVERIFY(w.statusText().contains(QStringLiteral("Paused before step 6 '100/0'")));
    QCOMPARE(weightOf(armWait(local.client().getApp(QStringLiteral("demo"))).body, kGreen), 50);
    QVERIFY(w.grab().save(artifact(QStringLiteral("wizard-5050.png"))));

    // 100/0.
    click(w.promoteButton());
    QTRY_VERIFY2_WITH_TIMEOUT(pausedAt(w, 6), qPrintable(failureText(w)), kTimeout);
    QCOMPARE(steps->outcome(5), QStringLiteral("0 sessions lost"));
    QCOMPARE(w.promoteButton()->text(), QStringLiteral("Promote: deactivate blue"));
    QVERIFY(w.grab().save(artifact(QStringLiteral("wizard-before-deactivate.png"))));
    const double shifted = runner->steps().at(5).actionDone;
    QVERIFY(shifted > 0);

    // Deactivate blue: its sessions drain (the demo's relay drains 25 s) and close with 1001.
    click(w.promoteButton());
    QTRY_VERIFY2_WITH_TIMEOUT(w.phase() == Phase::Running && runner->currentStep() == 7,
                              qPrintable(failureText(w)), kTimeout);
    QVERIFY(w.grab().save(artifact(QStringLiteral("wizard-draining.png"))));
    QTRY_VERIFY2_WITH_TIMEOUT(w.phase() == Phase::Finished, qPrintable(failureText(w)), 120000);
    QCOMPARE(runner->outcome(), rollout::RolloutRunner::Outcome::Passed);
    QVERIFY2(w.statusText().startsWith(QStringLiteral("Rollout passed")),
             qPrintable(w.statusText()));
    const QString deactivated = steps->outcome(6);
    QVERIFY2(QRegularExpression(QStringLiteral("^\\d+ sessions of blue closed with 1001, none "
                                               "routed to blue after$"))
                 .match(deactivated)
                 .hasMatch(),
             qPrintable(deactivated));
    QVERIFY2(steps->outcome(7).startsWith(QStringLiteral("no session open on demo--blue after ")),
             qPrintable(steps->outcome(7)));
    QCOMPARE(steps->stepTitle(8), QStringLiteral("9. green alone"));
    QVERIFY2(QRegularExpression(QStringLiteral("^held \\d\\.\\d s, 0 sessions lost$"))
                 .match(steps->outcome(8))
                 .hasMatch(),
             qPrintable(steps->outcome(8)));
    for (int i = 0; i < steps->rowCount(); ++i)
        QCOMPARE(int(steps->record(i).state), int(StepRecord::State::Done));
    QVERIFY(w.grab().save(artifact(QStringLiteral("wizard-done.png"))));

    // The platform: green takes everything, blue is inactive.
    const QJsonObject app = armWait(local.client().getApp(QStringLiteral("demo"))).body;
    QCOMPARE(weightOf(app, kGreen), 100);
    QCOMPARE(weightOf(app, kBlue), 0);
    QVERIFY(!revisionActive(local.client(), kBlue));
    QVERIFY(revisionActive(local.client(), kGreen));

    // The fleets: every connection opened after 100/0 is on green; every one of blue's closed
    // with 1001 (the drain), none by the harness.
    const rollout::RolloutEvidence evidence = runner->evidence();
    int afterShift = 0;
    int onBlue = 0;
    for (const rollout::Connection &c : evidence.connections()) {
        if (c.open > shifted + rollout::AssertionEvaluator::routingSlackSeconds) {
            QCOMPARE(c.revision, kGreen);
            ++afterShift;
        }
        if (c.revision == kBlue) {
            ++onBlue;
            QVERIFY(c.isClosed());
            QCOMPARE(c.code, 1001);
            QCOMPARE(c.side, stats::CloseSide::Server);
        }
    }
    QVERIFY2(onBlue >= 50, qPrintable(QString::number(onBlue))); // main's 50, half the new ones
    QVERIFY2(afterShift >= 50, qPrintable(QString::number(afterShift))); // blue's, reconnected
    // Each main session ended on green: blue's reconnected there after their 1001.
    for (const harness::SessionRecord &r : runner->groups().front()->fleet->sessions()) {
        QCOMPARE(r.firstRevision, kBlue);
        QCOMPARE(r.revision, kGreen);
        QVERIFY(r.reconnects >= 1);
    }
    // The revisions model, fed by the console's polls as the Revisions view is: green carries
    // 100%, blue is inactive with none.
    RevisionsModel revisions;
    const auto feed = [&] {
        if (console.session.hasSnapshot())
            revisions.setSnapshot(console.session.app(), console.session.revisions());
    };
    connect(&console.session, &AppSession::snapshotChanged, &revisions, feed);
    console.session.refresh();
    const auto rowOf = [&](const QString &name) {
        for (int row = 0; row < revisions.rowCount(); ++row) {
            if (revisions.index(row, 0).data(RevisionsModel::RevisionNameRole).toString() == name)
                return row;
        }
        return -1;
    };
    QTRY_VERIFY_WITH_TIMEOUT(
        rowOf(kGreen) >= 0 && rowOf(kBlue) >= 0 &&
            !revisions.index(rowOf(kBlue), 0).data(RevisionsModel::ActiveRole).toBool(),
        kTimeout);
    QCOMPARE(revisions.index(rowOf(kGreen), 0).data(RevisionsModel::WeightRole).toInt(), 100);
    QCOMPARE(revisions.index(rowOf(kBlue), 0).data(RevisionsModel::WeightRole).toInt(), 0);
    QVERIFY(revisions.index(rowOf(kGreen), 0).data(RevisionsModel::ActiveRole).toBool());

    // The sessions table shows the same: 50 rows, every one on green, each reconnected.
    SessionsModel *rows = table.model();
    QTRY_COMPARE_WITH_TIMEOUT(rows->rowCount(), 50, kTimeout);
    for (int row = 0; row < rows->rowCount(); ++row) {
        QCOMPARE(rows->index(row, 0).data(SessionsModel::RevisionRole).toString(), kGreen);
        QVERIFY(rows->index(row, SessionsModel::Reconnects).data().toInt() >= 1);
    }
    // The live-sessions chart: a marker per step, and a time when all 50 were on green and
    // none on blue (after the drain, before the sessions were stopped).
    LiveSessionsChart *live = charts.liveSessionsChart();
    QTRY_VERIFY_WITH_TIMEOUT(live->markerCount() >= 6, kTimeout);
    QTRY_VERIFY_WITH_TIMEOUT(live->csv().section(u'\n', 0, 0).contains(kGreen), kTimeout);
    const QStringList csvLines = live->csv().split(u'\n', Qt::SkipEmptyParts);
    const QStringList header = csvLines.constFirst().split(u',');
    const qsizetype blueColumn = header.indexOf(kBlue);
    const qsizetype greenColumn = header.indexOf(kGreen);
    QVERIFY2(blueColumn > 0 && greenColumn > 0, qPrintable(csvLines.constFirst()));
    bool allOnGreen = false;
    for (const QString &line : csvLines.mid(1)) {
        const QStringList v = line.split(u',');
        if (v.value(blueColumn).toDouble() == 0 && v.value(greenColumn).toDouble() == 50)
            allOnGreen = true;
    }
    QVERIFY2(allOnGreen, qPrintable(live->csv()));
    // Steps and verdicts went to the events view.
    QStringList kinds;
    for (const QList<QVariant> &e : std::as_const(events))
        for (const EventEntry &entry : e.at(0).value<QList<EventEntry>>())
            kinds.append(entry.event);
    for (const char *kind : {"rollout.started", "step.started", "step.finished", "rollout.paused",
                             "assertion.passed", "rollout.finished"})
        QVERIFY2(kinds.contains(QLatin1String(kind)), kind);
    QVERIFY(!kinds.contains(QStringLiteral("assertion.failed")));
    // Ready for the next one: green serves now, and the next suffix is free.
    QTRY_COMPARE_WITH_TIMEOUT(w.form()->fromEdit()->text(), QStringLiteral("green"), kTimeout);
    QCOMPARE(w.form()->toEdit()->text(), QStringLiteral("v2"));
    QVERIFY(w.startButton()->isEnabled());
    QCOMPARE(w.startButton()->text(), QStringLiteral("Start again"));
}

void TestRolloutWizard::retryThenAbort()
{
    LocalPlatformProcess local;
    QVERIFY2(local.start({QStringLiteral("--demo")}), local.process().diagnostics());
    Console console(local);
    QTRY_VERIFY_WITH_TIMEOUT(console.session.hasSnapshot(), kTimeout);
    controlplane::ArmClient &client = local.client();

    RolloutWizard w(&console.session);
    w.show();
    w.form()->holdSpin()->setValue(60);
    w.form()->newSessionsSpin()->setValue(20);
    w.form()->sessionsSpin()->setValue(20);
    click(w.startButton());
    QTRY_VERIFY2_WITH_TIMEOUT(pausedAt(w, 0), qPrintable(failureText(w)), kTimeout);
    click(w.promoteButton());
    QTRY_VERIFY2_WITH_TIMEOUT(pausedAt(w, 2), qPrintable(failureText(w)), kTimeout);

    // Green goes inactive behind the wizard's back: 50/50 fails and the run waits for Retry.
    QVERIFY(
        armWait(client.revisionAction(QStringLiteral("demo"), kGreen, QStringLiteral("deactivate")))
            .ok);
    click(w.promoteButton());
    QTRY_VERIFY2_WITH_TIMEOUT(w.phase() == Phase::Failed, qPrintable(failureText(w)), kTimeout);
    QCOMPARE(int(w.stepsModel()->record(2).state), int(StepRecord::State::Failed));
    QVERIFY2(w.stepsModel()->outcome(2).contains(QStringLiteral("not active")),
             qPrintable(w.stepsModel()->outcome(2)));
    QVERIFY2(w.statusText().contains(QStringLiteral("failed")), qPrintable(w.statusText()));
    QVERIFY(w.retryButton()->isEnabled());
    QVERIFY(!w.promoteButton()->isEnabled());
    QVERIFY(w.abortButton()->isEnabled());
    QVERIFY(w.grab().save(artifact(QStringLiteral("wizard-failed-step.png"))));

    QVERIFY(
        armWait(client.revisionAction(QStringLiteral("demo"), kGreen, QStringLiteral("activate")))
            .ok);
    click(w.retryButton());
    // 50/50 this time, the new sessions open, and the 60 s hold runs: abort in the middle of it.
    QTRY_VERIFY2_WITH_TIMEOUT(w.phase() == Phase::Running && w.runner()->currentStep() == 4,
                              qPrintable(failureText(w)), kTimeout);
    QCOMPARE(int(w.stepsModel()->record(2).state), int(StepRecord::State::Done));
    QCOMPARE(weightOf(armWait(client.getApp(QStringLiteral("demo"))).body, kGreen), 50);
    click(w.abortButton());
    QTRY_VERIFY2_WITH_TIMEOUT(w.phase() == Phase::Finished, qPrintable(failureText(w)), kTimeout);
    QCOMPARE(w.runner()->outcome(), rollout::RolloutRunner::Outcome::Aborted);
    QVERIFY2(w.statusText().startsWith(
                 QStringLiteral("Aborted. The traffic is back as it was before the rollout: "
                                "demo--blue 100%.")),
             qPrintable(w.statusText()));
    const QJsonObject app = armWait(client.getApp(QStringLiteral("demo"))).body;
    QCOMPARE(weightOf(app, kBlue), 100);
    QCOMPARE(weightOf(app, kGreen), 0);
    // Blue keeps its label: the traffic list is the one from before the run.
    const QJsonArray traffic = trafficOf(app);
    QCOMPARE(traffic.size(), 1);
    QCOMPARE(traffic.at(0).toObject().value(QStringLiteral("label")).toString(),
             QStringLiteral("blue"));
    QCOMPARE(int(w.stepsModel()->record(5).state), int(StepRecord::State::NotRun));
    QVERIFY(w.runner()->groups().front()->fleet->isFinished());
    QVERIFY(w.grab().save(artifact(QStringLiteral("wizard-aborted.png"))));
}

void TestRolloutWizard::plansSaveAndLoad()
{
    // No platform needed: the form's plan goes to a file and back, a bad file is refused with
    // the field it gets wrong, and a plan of another shape is run as written.
    AppSession session;
    RolloutWizard w(&session);
    w.form()->appEdit()->setText(QStringLiteral("shop"));
    w.form()->fromEdit()->setText(QStringLiteral("v1"));
    w.form()->toEdit()->setText(QStringLiteral("v2"));
    w.form()->holdSpin()->setValue(7);
    w.form()->envEdit()->setPlainText(QStringLiteral("MODE=canary\n\nLEVEL = 3"));
    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("plan.json"));
    QString error;
    QVERIFY2(w.savePlanFile(file, &error), qPrintable(error));
    rollout::Plan saved;
    QFile f(file);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QVERIFY2(rollout::PlanParser::parse(f.readAll(), &saved, &error), qPrintable(error));
    QCOMPARE(saved.target.app, QStringLiteral("shop"));
    QCOMPARE(saved.steps.size(), 9);
    QCOMPARE(saved.steps.at(0).env.size(), 2);
    QCOMPARE(saved.steps.at(4).seconds, 7.0);
    QCOMPARE(saved.steps.at(2).weights.size(), 2);

    // Not starting without a platform: the banner says why.
    click(w.startButton());
    QCOMPARE(w.phase(), Phase::Idle);
    QVERIFY2(w.statusText().contains(QStringLiteral("Not connected")), qPrintable(w.statusText()));

    // A bad environment line is named, without its value.
    w.form()->envEdit()->setPlainText(QStringLiteral("MODE=canary\nsecret-value-no-equals"));
    QVERIFY(!w.startButton()->isEnabled());
    QVERIFY(!w.savePlanFile(file, &error));
    QCOMPARE(error, QStringLiteral("Environment, line 2: expected NAME=value"));
    w.form()->envEdit()->clear();
    w.form()->toEdit()->setText(QStringLiteral("V2!"));
    QVERIFY(!w.savePlanFile(file, &error));
    QVERIFY2(error.startsWith(QStringLiteral("New revision: ")), qPrintable(error));
    w.form()->toEdit()->setText(QStringLiteral("v2"));

    // Loading: the saved plan comes back into the form.
    w.form()->holdSpin()->setValue(1);
    QVERIFY2(w.loadPlanFile(file, &error), qPrintable(error));
    QCOMPARE(w.form()->holdSpin()->value(), 7);
    QVERIFY(!w.form()->isEnabled()); // a loaded plan runs as written
    QCOMPARE(w.stepsModel()->rowCount(), 9);
    w.useForm();
    QVERIFY(w.form()->isEnabled());

    // The sample plan (another shape) is shown step by step and runs as written.
    QVERIFY2(w.loadPlanFile(QStringLiteral(BLUESHIFT_SOURCE_DIR "/resources/plans/blue-green.json"),
                            &error),
             qPrintable(error));
    QCOMPARE(w.stepsModel()->rowCount(), 11);
    QCOMPARE(w.stepsModel()->stepTitle(2), QStringLiteral("3. label green"));

    const QString bad = dir.filePath(QStringLiteral("bad.json"));
    QFile b(bad);
    QVERIFY(b.open(QIODevice::WriteOnly));
    b.write(R"({"version": 1, "target": {"app": "demo"}, "steps": [
        {"kind": "traffic", "weights": {"blue": 50, "green": 40}}]})");
    b.close();
    QVERIFY(!w.loadPlanFile(bad, &error));
    QCOMPARE(error, QStringLiteral("bad.json: step 1 (traffic): weights must add up to 100 (they "
                                   "add up to 90)"));
    QCOMPARE(w.stepsModel()->rowCount(), 11); // the plan before stays
}

void TestRolloutWizard::mainWindowOpensThem()
{
    // The Rollout menu opens the wizard and the doctor (kept, not made again), and the wizard's
    // steps reach the events view.
    QTemporaryDir tmp;
    Settings settings(tmp.filePath(QStringLiteral("console.ini")));
    MainWindow w(&settings);
    QAction *wizard = nullptr;
    QAction *doctor = nullptr;
    for (QAction *menu : w.menuBar()->actions()) {
        if (!menu->menu())
            continue;
        for (QAction *a : menu->menu()->actions()) {
            if (a->text() == QStringLiteral("Blue/green &wizard…"))
                wizard = a;
            if (a->text() == QStringLiteral("Endpoint &doctor…"))
                doctor = a;
        }
    }
    QVERIFY(wizard);
    QVERIFY(doctor);
    wizard->trigger();
    RolloutWizard *opened = w.rolloutWizard();
    QVERIFY(opened->isVisible());
    wizard->trigger();
    QCOMPARE(w.rolloutWizard(), opened);
    Q_EMIT opened->harnessEvents(
        {EventEntry{QDateTime::currentDateTimeUtc(), QStringLiteral("rollout"),
                    QStringLiteral("info"), QStringLiteral("step.finished"), QString(),
                    QStringLiteral("step 3 '50/50': 0 sessions lost")}});
    w.eventsModel()->flush();
    bool found = false;
    for (int row = 0; row < w.eventsModel()->rowCount(); ++row)
        found |=
            w.eventsModel()->entryAt(row).text == QStringLiteral("step 3 '50/50': 0 sessions lost");
    QVERIFY(found);
    doctor->trigger();
    QVERIFY(w.doctorDialog()->isVisible());
}

QTEST_MAIN(TestRolloutWizard)
#include "tst_rolloutwizard.moc"
