// `blueshift-server rollout` against `blueshift-server local --demo`: the sample blue/green plan
// (holds shortened) passes and leaves a complete report with platform events on the timeline
// and no secret in it; a plan whose deactivation SIGKILLs a relay before its sessions drained
// fails with exit code 1 naming closeCodesOnDeactivated; bad plans and options exit 2 before
// anything is changed.
#include "localplatformsupport.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkProxy>
#include <QTemporaryDir>
#include <QTest>

using namespace blueshift;
using namespace blueshift::itest;

namespace {
constexpr int kRunTimeout = 120000;

using Run = CommandRun;

Run runRollout(const QStringList &args, int timeoutMs = kRunTimeout)
{
    return runServerCommand(QStringLiteral("rollout"), args, timeoutMs);
}

QJsonObject readJson(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(f.readAll()).object();
}

QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

QString samplePlan(const QString &name)
{
    return QStringLiteral(BLUESHIFT_SOURCE_DIR "/resources/plans/") + name;
}

bool writeFile(const QString &path, const QByteArray &data)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(data) == data.size();
}

QStringList connection(LocalPlatformProcess &local, const QString &reportDir)
{
    QStringList args{
        QStringLiteral("--admin"), QStringLiteral("http://127.0.0.1:%1").arg(local.adminPort()),
        QStringLiteral("--token-file"), local.stateDir() + QStringLiteral("/admin-token")};
    if (!reportDir.isEmpty())
        args += {QStringLiteral("--report"), reportDir};
    return args;
}
} // namespace

class TestRolloutCommand : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void samplePlanPasses();
    void deactivationWithoutDrainFails();
    void planThatDoesNotFitIsRejected();
    void badPlansAndOptions_data();
    void badPlansAndOptions();
    void dryRun();

private:
    QTemporaryDir m_tmp;
};

void TestRolloutCommand::initTestCase()
{
    QNetworkProxy::setApplicationProxy(QNetworkProxy::NoProxy);
    QVERIFY(m_tmp.isValid());
}

void TestRolloutCommand::samplePlanPasses()
{
    LocalPlatformProcess local;
    QVERIFY2(local.start({QStringLiteral("--demo")}), local.process().diagnostics());

    // The sample as a user runs it, with its holds and waits cut to a second and a marker in the
    // env value, which must appear nowhere.
    const QByteArray secret = "env-value-that-must-not-leak-5c1d";
    QJsonObject plan = readJson(samplePlan(QStringLiteral("blue-green.json")));
    QVERIFY(!plan.isEmpty());
    QJsonArray steps = plan.value(QStringLiteral("steps")).toArray();
    for (qsizetype i = 0; i < steps.size(); ++i) {
        QJsonObject s = steps.at(i).toObject();
        if (s.contains(QStringLiteral("seconds")))
            s.insert(QStringLiteral("seconds"), 1);
        if (s.contains(QStringLiteral("env")))
            s.insert(QStringLiteral("env"),
                     QJsonObject{{QStringLiteral("BLUESHIFT_COLOR"), QString::fromLatin1(secret)}});
        steps[i] = s;
    }
    plan.insert(QStringLiteral("steps"), steps);
    const QString planFile = m_tmp.filePath(QStringLiteral("blue-green-short.json"));
    QVERIFY(writeFile(planFile, QJsonDocument(plan).toJson()));
    const QString reportDir = m_tmp.filePath(QStringLiteral("report-pass"));

    const Run run = runRollout(QStringList{planFile} + connection(local, reportDir));
    QVERIFY2(run.finished, run.diagnostics().constData());
    QVERIFY2(run.exitCode == 0, run.diagnostics().constData());
    QVERIFY(run.out.contains("step 11/11"));
    QVERIFY(run.out.contains("rollout passed"));
    QVERIFY2(run.err.isEmpty(), run.diagnostics().constData());

    // The fleet's files.
    const QDir dir(reportDir);
    const QJsonObject fleetReport = readJson(dir.filePath(QStringLiteral("report.json")));
    QVERIFY(fleetReport.value(QStringLiteral("revisions")).isArray());
    QCOMPARE(fleetReport.value(QStringLiteral("totals"))
                 .toObject()
                 .value(QStringLiteral("sessions"))
                 .toInt(),
             40);
    const QList<QByteArray> csv = readAll(dir.filePath(QStringLiteral("sessions.csv"))).split('\n');
    QVERIFY(csv.first().startsWith("id,state,revision"));
    QCOMPARE(csv.size(), 42); // header, 40 rows, the empty string after the last newline
    QStringList kinds;
    for (const QByteArray &line :
         readAll(dir.filePath(QStringLiteral("events.jsonl"))).split('\n')) {
        if (line.isEmpty())
            continue;
        QJsonParseError pe;
        const QJsonObject o = QJsonDocument::fromJson(line, &pe).object();
        QVERIFY2(pe.error == QJsonParseError::NoError, line.constData());
        kinds.append(o.value(QStringLiteral("event")).toString());
    }
    for (const char *kind : {"step", "traffic.updated", "revision.deactivated", "replica.signalled",
                             "drain.started", "session.opened", "session.closed"})
        QVERIFY2(kinds.contains(QLatin1String(kind)), kind);
    QVERIFY(QFile::exists(dir.filePath(QStringLiteral("groups/canary/report.json"))));

    // The rollout's own verdicts.
    const QJsonObject rollout = readJson(dir.filePath(QStringLiteral("rollout.json")));
    QCOMPARE(rollout.value(QStringLiteral("outcome")).toString(), QStringLiteral("passed"));
    QVERIFY(rollout.value(QStringLiteral("platform_events")).toBool());
    const QJsonArray assertions = rollout.value(QStringLiteral("assertions")).toArray();
    QStringList judged;
    for (const QJsonValue &v : assertions) {
        const QJsonObject a = v.toObject();
        QVERIFY2(a.value(QStringLiteral("passed")).toBool(),
                 qPrintable(a.value(QStringLiteral("message")).toString()));
        judged.append(a.value(QStringLiteral("assertion")).toString());
    }
    judged.sort();
    QCOMPARE(
        judged,
        (QStringList{QStringLiteral("closeCodesOnDeactivated"), QStringLiteral("lostDuringShift"),
                     QStringLiteral("lostDuringShift"), QStringLiteral("routedToDeactivated"),
                     QStringLiteral("rttP99Ms"), QStringLiteral("shareByWeight")}));
    // Every close is put down to a step: blue's 1001s to "deactivate blue" (step 9).
    int blueCloses = 0;
    for (const QJsonValue &v : rollout.value(QStringLiteral("closes_by_step")).toArray()) {
        const QJsonObject c = v.toObject();
        QVERIFY(c.value(QStringLiteral("step")).toInt() >= 1);
        if (c.value(QStringLiteral("revision")).toString() == QLatin1String("demo--blue")) {
            QCOMPARE(c.value(QStringLiteral("step")).toInt(), 9);
            QCOMPARE(c.value(QStringLiteral("code")).toInt(), 1001);
            blueCloses += c.value(QStringLiteral("count")).toInt();
        }
    }
    QCOMPARE(blueCloses, 60); // main's 40 and half of canary's 40
    // The deactivation is on the run's timeline between its step and blue's closes.
    double deactivatedAt = -1;
    for (const QJsonValue &v : rollout.value(QStringLiteral("timeline")).toArray()) {
        const QJsonObject e = v.toObject();
        if (e.value(QStringLiteral("event")).toString() == QLatin1String("revision.deactivated"))
            deactivatedAt = e.value(QStringLiteral("t")).toDouble();
    }
    const QJsonObject step9 = rollout.value(QStringLiteral("steps")).toArray().at(8).toObject();
    QVERIFY(deactivatedAt >= step9.value(QStringLiteral("start_s")).toDouble());
    QVERIFY(deactivatedAt < step9.value(QStringLiteral("start_s")).toDouble() + 5);

    const QByteArray html = readAll(dir.filePath(QStringLiteral("report.html")));
    QVERIFY(html.startsWith("<!DOCTYPE html>"));
    QCOMPARE(html.count("<svg"), 3);
    QVERIFY(html.contains("class=\"step-marker\""));
    for (const char *a : {"lostDuringShift", "closeCodesOnDeactivated", "routedToDeactivated",
                          "rttP99Ms", "shareByWeight"})
        QVERIFY2(html.contains(
                     QByteArray("<tr class=\"pass\" data-assertion=\"" + QByteArray(a) + "\"")),
                 a);
    QVERIFY(!html.contains("<script"));

    // No secret anywhere: not the token, not the env value.
    const QByteArray token = local.token();
    QVERIFY(!token.isEmpty());
    QVERIFY(!run.out.contains(token) && !run.out.contains(secret));
    QDirIterator files(reportDir, QDir::Files, QDirIterator::Subdirectories);
    int fileCount = 0;
    while (files.hasNext()) {
        const QString path = files.next();
        const QByteArray data = readAll(path);
        QVERIFY2(!data.contains(token), qPrintable(path));
        QVERIFY2(!data.contains(secret), qPrintable(path));
        ++fileCount;
    }
    QCOMPARE(fileCount, 8); // 5 at the top, canary's 3
}

void TestRolloutCommand::deactivationWithoutDrainFails()
{
    LocalPlatformProcess local;
    QVERIFY2(local.start({QStringLiteral("--demo")}), local.process().diagnostics());
    const QString reportDir = m_tmp.filePath(QStringLiteral("report-fail"));
    const Run run =
        runRollout(QStringList{samplePlan(QStringLiteral("drain-longer-than-grace.json"))} +
                   connection(local, reportDir));
    QVERIFY2(run.finished, run.diagnostics().constData());
    QVERIFY2(run.exitCode == 1, run.diagnostics().constData());
    QVERIFY2(run.err.contains("assertion failed: step 5 'deactivate red': closeCodesOnDeactivated: "
                              "20 sessions closed with 1006, allowed 1001"),
             run.diagnostics().constData());
    // Only that one failed.
    QCOMPARE(run.err.count("assertion failed"), 1);
    const QJsonObject rollout = readJson(QDir(reportDir).filePath(QStringLiteral("rollout.json")));
    QCOMPARE(rollout.value(QStringLiteral("outcome")).toString(),
             QStringLiteral("assertions failed"));
    QVERIFY(!rollout.value(QStringLiteral("passed")).toBool());
    const QByteArray html = readAll(QDir(reportDir).filePath(QStringLiteral("report.html")));
    QVERIFY(html.contains("<tr class=\"fail\" data-assertion=\"closeCodesOnDeactivated\""));
    // The platform's SIGKILL is on the timeline: that is why they closed with 1006.
    bool killed = false;
    for (const QJsonValue &v : rollout.value(QStringLiteral("timeline")).toArray()) {
        const QJsonObject e = v.toObject();
        killed |=
            e.value(QStringLiteral("event")).toString() == QLatin1String("replica.signalled") &&
            e.value(QStringLiteral("signal")).toString() == QLatin1String("SIGKILL");
    }
    QVERIFY(killed);
}

void TestRolloutCommand::planThatDoesNotFitIsRejected()
{
    LocalPlatformProcess local;
    QVERIFY2(local.start({QStringLiteral("--demo")}), local.process().diagnostics());
    const QString planFile = m_tmp.filePath(QStringLiteral("purple.json"));
    QVERIFY(writeFile(planFile, R"({"version": 1, "target": {"app": "demo"},
        "sessions": {"connections": 2},
        "steps": [{"kind": "traffic", "weights": {"blue": 50, "purple": 50}}]})"));
    const Run run = runRollout(QStringList{planFile} + connection(local, QString()));
    QVERIFY2(run.finished, run.diagnostics().constData());
    QVERIFY2(run.exitCode == 2, run.diagnostics().constData());
    QVERIFY2(run.err.contains("step 1 (traffic): weights: 'purple': revision 'demo--purple' does "
                              "not exist"),
             run.diagnostics().constData());
    // Nothing was changed.
    const ArmResult app = armWait(local.client().getApp(QStringLiteral("demo")));
    QVERIFY(app.ok);
    const QJsonArray traffic = app.body.value(QStringLiteral("properties"))
                                   .toObject()
                                   .value(QStringLiteral("configuration"))
                                   .toObject()
                                   .value(QStringLiteral("ingress"))
                                   .toObject()
                                   .value(QStringLiteral("traffic"))
                                   .toArray();
    QCOMPARE(traffic.size(), 1);
    QCOMPARE(traffic.at(0).toObject().value(QStringLiteral("weight")).toInt(), 100);
}

void TestRolloutCommand::badPlansAndOptions_data()
{
    QTest::addColumn<QByteArray>("plan");
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("error");
    const QByteArray good = R"({"version": 1, "target": {"app": "demo"},
        "steps": [{"kind": "hold", "seconds": 1}]})";
    const QStringList connect{QStringLiteral("--admin"), QStringLiteral("http://127.0.0.1:9"),
                              QStringLiteral("--token-file"), QStringLiteral("TOKEN")};
    QTest::addRow("malformed plan") << QByteArray("{\"version\": 1,\n \"steps\": [") << connect
                                    << QStringLiteral("not JSON: line 2, column");
    QTest::addRow("weights not 100")
        << QByteArray(R"({"version": 1, "target": {"app": "demo"},
              "steps": [{"kind": "traffic", "weights": {"blue": 60, "green": 30}}]})")
        << connect << QStringLiteral("step 1 (traffic): weights must add up to 100");
    QTest::addRow("token on the command line")
        << good << QStringList{QStringLiteral("--token"), QStringLiteral("abc")}
        << QStringLiteral("Unknown option 'token'");
    QTest::addRow("no admin") << good << QStringList{} << QStringLiteral("--admin is required");
    QTest::addRow("no token file")
        << good << QStringList{QStringLiteral("--admin"), QStringLiteral("http://127.0.0.1:9")}
        << QStringLiteral("--token-file is required");
    QTest::addRow("plain http to another host")
        << good
        << QStringList{QStringLiteral("--admin"), QStringLiteral("http://example.com"),
                       QStringLiteral("--token-file"), QStringLiteral("TOKEN")}
        << QStringLiteral("--admin over http only to a loopback address");
    QTest::addRow("missing token file")
        << good
        << QStringList{QStringLiteral("--admin"), QStringLiteral("http://127.0.0.1:9"),
                       QStringLiteral("--token-file"), QStringLiteral("/nonexistent/token")}
        << QStringLiteral("cannot read token file /nonexistent/token");
    // Found before anything is asked of the platform (here none answers at port 9), not after
    // the rollout has changed it.
    QTest::addRow("--report names a file")
        << good << connect + QStringList{QStringLiteral("--report"), QStringLiteral("TOKEN")}
        << QStringLiteral("cannot write to --report");
    QTest::addRow("--report in an unwritable place")
        << good
        << connect + QStringList{QStringLiteral("--report"), QStringLiteral("/proc/blueshift/out")}
        << QStringLiteral("cannot write to --report /proc/blueshift/out");
    QTest::addRow("token file /dev/zero")
        << good
        << QStringList{QStringLiteral("--admin"), QStringLiteral("http://127.0.0.1:9"),
                       QStringLiteral("--token-file"), QStringLiteral("/dev/zero")}
        << QStringLiteral("cannot read token file /dev/zero: not a regular file");
}

void TestRolloutCommand::badPlansAndOptions()
{
    QFETCH(QByteArray, plan);
    QFETCH(QStringList, args);
    QFETCH(QString, error);
    const QString planFile = m_tmp.filePath(QStringLiteral("bad.json"));
    const QString tokenFile = m_tmp.filePath(QStringLiteral("token"));
    QVERIFY(writeFile(planFile, plan));
    QVERIFY(writeFile(tokenFile, "not-a-real-token\n"));
    args.replaceInStrings(QStringLiteral("TOKEN"), tokenFile);
    const Run run = runRollout(QStringList{planFile} + args, 20000);
    QVERIFY2(run.finished, run.diagnostics().constData());
    QVERIFY2(run.exitCode == 2, run.diagnostics().constData());
    QVERIFY2(run.err.contains(error.toUtf8()), run.diagnostics().constData());
    QCOMPARE(run.err.count('\n'), 1);
    QVERIFY(!run.err.contains("not-a-real-token") && !run.out.contains("not-a-real-token"));
}

void TestRolloutCommand::dryRun()
{
    const Run run = runRollout(
        {samplePlan(QStringLiteral("blue-green.json")), QStringLiteral("--dry-run")}, 20000);
    QVERIFY2(run.finished && run.exitCode == 0, run.diagnostics().constData());
    QVERIFY(run.out.contains("plan is valid: 11 steps"));
    QVERIFY(run.out.contains("deactivate blue"));
    QVERIFY(run.out.contains("assert closeCodesOnDeactivated: only 1001 (default)"));
}

QTEST_GUILESS_MAIN(TestRolloutCommand)
#include "tst_rolloutcommand.moc"
