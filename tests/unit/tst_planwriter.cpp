// PlanWriter: what it writes parses back to the same plan (every sample, and a plan that uses
// every field and switches default assertions off or changes them), default assertions stay
// implicit, and env settings (values, secret references, removals) survive the round trip.
#include "rollout/planparser.h"
#include "rollout/planwriter.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace blueshift;
using namespace blueshift::rollout;

namespace {
QString plansDir()
{
    return QStringLiteral(BLUESHIFT_SOURCE_DIR "/resources/plans");
}

// Everything a plan holds, as one comparable text: the writer's output would hide a field it
// forgets, so the comparison goes through describe() and the parsed structures too.
QString fingerprint(const Plan &p)
{
    QStringList lines{p.name,
                      p.description,
                      p.target.app,
                      p.target.subscription,
                      p.target.resourceGroup,
                      p.target.apiVersion};
    auto group = [](const SessionGroupSpec &g) {
        const harness::FleetConfig &c = g.fleet;
        return QStringLiteral(
                   "%1 %2 %3 %4 n=%5 rate=%6 ping=%7 traffic=%8/%9/%10 "
                   "reconnect=%11/%12/%13/%14/%15/%16 threads=%17 ct=%18 st=%19 auto=%20")
            .arg(g.name, g.url, g.path, g.scheme)
            .arg(c.sessions)
            .arg(c.openRate)
            .arg(c.pingIntervalSeconds)
            .arg(harness::trafficModeName(c.traffic))
            .arg(c.trafficIntervalSeconds)
            .arg(c.echoBytes)
            .arg(harness::reconnectModeName(c.reconnect.mode))
            .arg(c.reconnect.initialSeconds)
            .arg(c.reconnect.multiplier)
            .arg(c.reconnect.maxSeconds)
            .arg(c.reconnect.jitter)
            .arg(c.reconnect.maxAttempts)
            .arg(c.threads)
            .arg(c.connectTimeoutSeconds)
            .arg(g.startTimeoutSeconds)
            .arg(g.autoStart);
    };
    lines.append(group(p.sessions));
    for (const PlanStep &s : p.steps) {
        lines.append(QStringLiteral("%1 %2 | %3").arg(s.index).arg(s.name, describe(s)));
        for (const EnvSetting &e : s.env)
            lines.append(QStringLiteral("env %1=%2 ref=%3 remove=%4")
                             .arg(e.name, e.value, e.secretRef)
                             .arg(e.remove));
        if (s.command)
            lines.append(QStringLiteral("command ") + s.command->join(QLatin1Char('|')));
        if (s.args)
            lines.append(QStringLiteral("args ") + s.args->join(QLatin1Char('|')));
        if (s.kind == StepKind::StartSessions)
            lines.append(group(s.sessions));
        for (const AssertionSpec &a : s.assertions)
            lines.append(QStringLiteral("assert %1 %2 default=%3 min=%4 reconnects=%5")
                             .arg(assertionKindName(a.kind), describeExpectation(a))
                             .arg(a.byDefault)
                             .arg(a.minSessions)
                             .arg(a.includeReconnects));
    }
    return lines.join(QLatin1Char('\n'));
}

bool parse(const QByteArray &json, Plan *plan)
{
    QString error;
    const bool ok = PlanParser::parse(json, plan, &error);
    if (!ok)
        qWarning("%s", qPrintable(error));
    return ok;
}
} // namespace

class tst_PlanWriter : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void samplesRoundTrip_data();
    void samplesRoundTrip();
    void everyField();
    void defaultAssertions();
};

void tst_PlanWriter::samplesRoundTrip_data()
{
    QTest::addColumn<QString>("file");
    const QStringList files = QDir(plansDir()).entryList({QStringLiteral("*.json")});
    QVERIFY(files.size() >= 2);
    for (const QString &f : files)
        QTest::addRow("%s", qPrintable(f)) << f;
}

void tst_PlanWriter::samplesRoundTrip()
{
    QFETCH(QString, file);
    QFile f(QDir(plansDir()).filePath(file));
    QVERIFY(f.open(QIODevice::ReadOnly));
    Plan original;
    QVERIFY(parse(f.readAll(), &original));
    const QByteArray written = PlanWriter::toBytes(original);
    Plan again;
    QVERIFY2(parse(written, &again), written.constData());
    QCOMPARE(fingerprint(again), fingerprint(original));
    QCOMPARE(again.steps.size(), original.steps.size());
    // Written twice, the same bytes: nothing drifts from one save to the next.
    QCOMPARE(PlanWriter::toBytes(again), written);
}

void tst_PlanWriter::everyField()
{
    const QByteArray json = R"({
      "version": 1, "name": "all", "description": "every field",
      "target": {"app": "shop", "subscription": "sub", "resourceGroup": "rg", "apiVersion": "2024-03-01"},
      "sessions": {"url": "wss://127.0.0.1:9443/socket", "path": "/socket", "connections": 7,
                   "openRate": 0, "pingInterval": 0.5,
                   "traffic": {"mode": "echo", "interval": 2, "bytes": 128},
                   "reconnect": {"mode": "backoff", "initial": 0.25, "multiplier": 3, "max": 4,
                                 "jitter": 0.1, "maxAttempts": 5},
                   "threads": 3, "connectTimeout": 4, "startTimeout": 30, "autoStart": false},
      "steps": [
        {"kind": "startSessions", "group": "main", "sessions": {"connections": 9, "scheme": "wss"}},
        {"kind": "deploy", "revisionSuffix": "v2", "container": "web", "image": "shop:2",
         "command": ["/bin/app", "--serve"], "args": ["-v"],
         "env": {"COLOR": "v2", "OLD": null, "KEY": {"secretRef": "api-key"}},
         "terminationGracePeriodSeconds": 12, "timeout": 90},
        {"kind": "wait", "until": "ready", "revision": "v2", "timeout": 33},
        {"kind": "wait", "until": "sessionsOpen", "timeout": 20},
        {"kind": "label", "revision": "latest", "add": "canary"},
        {"kind": "traffic", "name": "half", "weights": {"shop--v1": 50, "v2": 50},
         "assertions": {"lostDuringShift": {"max": 2}, "rttP99Ms": 250,
                        "shareByWeight": {"tolerance": 12, "minSessions": 5, "includeReconnects": true}}},
        {"kind": "hold", "seconds": 1.5},
        {"kind": "traffic", "weights": {"v2": 100}, "assertions": {"lostDuringShift": false}},
        {"kind": "wait", "seconds": 2},
        {"kind": "label", "revision": "v2", "remove": "canary"},
        {"kind": "deactivate", "revision": "previous",
         "assertions": {"closeCodesOnDeactivated": [1001, 1012], "routedToDeactivated": false}},
        {"kind": "wait", "until": "drained", "revision": "shop--v1", "timeout": 45},
        {"kind": "activate", "revision": "shop--v1"},
        {"kind": "stopSessions", "group": "main"}
      ]})";
    Plan original;
    QVERIFY(parse(json, &original));
    const QByteArray written = PlanWriter::toBytes(original);
    Plan again;
    QVERIFY2(parse(written, &again), written.constData());
    QCOMPARE(fingerprint(again), fingerprint(original));
    // Spot checks that the fingerprint itself sees these fields.
    QCOMPARE(again.target.apiVersion, QStringLiteral("2024-03-01"));
    QCOMPARE(again.sessions.autoStart, false);
    QCOMPARE(again.steps.at(0).sessions.fleet.sessions, 9);
    QCOMPARE(again.steps.at(0).sessions.scheme, QStringLiteral("wss"));
    QCOMPARE(again.steps.at(1).env.size(), 3);
    QCOMPARE(again.steps.at(1).command.value(),
             QStringList({QStringLiteral("/bin/app"), QStringLiteral("--serve")}));
    QCOMPARE(again.steps.at(1).terminationGracePeriodSeconds.value_or(-1), 12);
    QCOMPARE(again.steps.at(5).name, QStringLiteral("half"));
    QCOMPARE(again.steps.at(5).assertions.size(), 3);
    QVERIFY(again.steps.at(7).assertions.isEmpty());
    QCOMPARE(again.steps.at(10).assertions.size(), 1);
    QCOMPARE(again.steps.at(10).assertions.at(0).allowedCodes, QList<int>({1001, 1012}));
    // A secret reference stays a reference; a removal stays null.
    const QJsonObject env = PlanWriter::toJson(original)
                                .value(QStringLiteral("steps"))
                                .toArray()
                                .at(1)
                                .toObject()
                                .value(QStringLiteral("env"))
                                .toObject();
    QVERIFY(env.value(QStringLiteral("OLD")).isNull());
    QCOMPARE(env.value(QStringLiteral("KEY")).toObject().value(QStringLiteral("secretRef")),
             QJsonValue(QStringLiteral("api-key")));
}

void tst_PlanWriter::defaultAssertions()
{
    Plan plan;
    QVERIFY(parse(R"({"version": 1, "target": {"app": "demo"}, "steps": [
        {"kind": "deploy", "revisionSuffix": "green"},
        {"kind": "traffic", "weights": {"blue": 0, "green": 100}},
        {"kind": "deactivate", "revision": "blue"}]})",
                  &plan));
    const QJsonArray steps = PlanWriter::toJson(plan).value(QStringLiteral("steps")).toArray();
    // The defaults a kind carries stay implicit, as a person writes the plan.
    QVERIFY(!steps.at(1).toObject().contains(QStringLiteral("assertions")));
    QVERIFY(!steps.at(2).toObject().contains(QStringLiteral("assertions")));
    // Switched off, they are written as false.
    plan.steps[2].assertions.removeIf(
        [](const AssertionSpec &a) { return a.kind == AssertionKind::RoutedToDeactivated; });
    const QJsonObject written = PlanWriter::toJson(plan)
                                    .value(QStringLiteral("steps"))
                                    .toArray()
                                    .at(2)
                                    .toObject()
                                    .value(QStringLiteral("assertions"))
                                    .toObject();
    QCOMPARE(written, QJsonObject({{QStringLiteral("routedToDeactivated"), false}}));
    Plan again;
    QVERIFY(parse(PlanWriter::toBytes(plan), &again));
    QCOMPARE(again.steps.at(2).assertions.size(), 1);
    QCOMPARE(again.steps.at(2).assertions.at(0).kind, AssertionKind::CloseCodesOnDeactivated);
}

QTEST_GUILESS_MAIN(tst_PlanWriter)
#include "tst_planwriter.moc"
