#include "model/containerapp.h"
#include "model/names.h"
#include "model/traffic.h"

#include <QJsonDocument>
#include <QTest>

using namespace blueshift::model;

// Readable QCOMPARE failures for the model's enums.
namespace blueshift::model {
char *toString(const ActiveRevisionsMode &m)
{
    return qstrdup(qPrintable(wireName(m)));
}
char *toString(const Transport &t)
{
    return qstrdup(qPrintable(wireName(t)));
}
char *toString(const Affinity &a)
{
    return qstrdup(qPrintable(wireName(a)));
}
} // namespace blueshift::model

class tst_Model : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void suffixRules_data();
    void suffixRules();
    void appNameRules_data();
    void appNameRules();
    void appRoundTrip();
    void readsArmShape();
    void errorsNameTheJsonPath_data();
    void errorsNameTheJsonPath();
    void revisionTimeOutOfRange();
    void trafficRules_data();
    void trafficRules();
    void latestRevisionAndLabels();
    void mergePatchReplacesArrays();
    void concurrencyFromScaleRule();
};

void tst_Model::suffixRules_data()
{
    QTest::addColumn<QString>("suffix");
    QTest::addColumn<QString>("rule"); // a phrase the message must contain; empty: valid
    QTest::addRow("green") << QStringLiteral("green") << QString();
    QTest::addRow("digit first") << QStringLiteral("2nd") << QString();
    QTest::addRow("with dashes") << QStringLiteral("v2-canary-1") << QString();
    QTest::addRow("empty") << QString() << QStringLiteral("must not be empty");
    QTest::addRow("uppercase") << QStringLiteral("Green") << QStringLiteral("lowercase");
    QTest::addRow("underscore") << QStringLiteral("a_b") << QStringLiteral("'_' is not allowed");
    QTest::addRow("dot") << QStringLiteral("v1.2") << QStringLiteral("'.' is not allowed");
    QTest::addRow("leading dash") << QStringLiteral("-a")
                                  << QStringLiteral("start with a letter or digit");
    QTest::addRow("trailing dash")
        << QStringLiteral("a-") << QStringLiteral("end with a letter or digit");
    QTest::addRow("double dash") << QStringLiteral("a--b") << QStringLiteral("'--'");
    QTest::addRow("too long") << QString(60, QLatin1Char('a'))
                              << QStringLiteral("at most 54 characters");
}

void tst_Model::suffixRules()
{
    QFETCH(QString, suffix);
    QFETCH(QString, rule);
    const QString e = revisionSuffixError(suffix, QStringLiteral("demo"));
    if (rule.isEmpty())
        QVERIFY2(e.isEmpty(), qPrintable(e));
    else
        QVERIFY2(e.contains(rule), qPrintable(e));
}

void tst_Model::appNameRules_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("valid");
    QTest::addRow("demo") << QStringLiteral("demo") << true;
    QTest::addRow("album-api") << QStringLiteral("album-api") << true;
    QTest::addRow("one char") << QStringLiteral("a") << false;
    QTest::addRow("digit first") << QStringLiteral("1app") << false;
    QTest::addRow("33 chars") << QString(33, QLatin1Char('a')) << false;
    QTest::addRow("double dash") << QStringLiteral("a--b") << false;
}

void tst_Model::appNameRules()
{
    QFETCH(QString, name);
    QFETCH(bool, valid);
    QCOMPARE(appNameError(name).isEmpty(), valid);
}

void tst_Model::appRoundTrip()
{
    ContainerApp app;
    app.name = QStringLiteral("demo");
    app.configuration.activeRevisionsMode = ActiveRevisionsMode::Multiple;
    Ingress in;
    in.targetPort = 8080;
    in.transport = Transport::Http;
    in.affinity = Affinity::Sticky;
    in.traffic = {{QStringLiteral("demo--blue"), false, 50, QStringLiteral("blue")},
                  {QString(), true, 50, QString()}};
    app.configuration.ingress = in;
    app.tmpl.revisionSuffix = QStringLiteral("green");
    app.tmpl.terminationGracePeriodSeconds = 12;
    app.tmpl.containers = {
        {QStringLiteral("relay"),
         QStringLiteral("blueshift/relay:1"),
         {QStringLiteral("/usr/bin/blueshift-server")},
         {QStringLiteral("relay")},
         {{QStringLiteral("UPSTREAM_URL"), QStringLiteral("ws://x/"), QString()}},
         {}}};
    app.tmpl.scale.minReplicas = 2;

    const QJsonObject json = toJson(app);
    ContainerApp back;
    QString error;
    QVERIFY2(fromJson(json, &back, &error), qPrintable(error));
    QCOMPARE(back.name, app.name);
    QCOMPARE(back.configuration.activeRevisionsMode, ActiveRevisionsMode::Multiple);
    QVERIFY(back.configuration.ingress);
    QCOMPARE(back.configuration.ingress->transport, Transport::Http);
    QCOMPARE(back.configuration.ingress->affinity, Affinity::Sticky);
    QCOMPARE(back.configuration.ingress->traffic, in.traffic);
    QVERIFY(back.tmpl == app.tmpl);
}

void tst_Model::readsArmShape()
{
    // The shape Azure returns for GET containerApps/{name} (api-version 2025-01-01), with the
    // parts Blueshift ignores left in.
    const QByteArray body = R"({
      "id": "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.App/containerApps/shop",
      "name": "shop", "type": "Microsoft.App/containerApps", "location": "East US",
      "properties": {
        "provisioningState": "Succeeded",
        "latestRevisionName": "shop--v2", "latestReadyRevisionName": "shop--v2",
        "configuration": {
          "activeRevisionsMode": "Multiple",
          "ingress": {
            "fqdn": "shop.example.eastus.azurecontainerapps.io", "external": true, "targetPort": 3000,
            "transport": "auto",
            "traffic": [ {"weight": 80, "revisionName": "shop--v1"},
                         {"weight": 20, "revisionName": "shop--v2", "label": "staging"} ],
            "stickySessions": {"affinity": "sticky"},
            "ipSecurityRestrictions": []
          },
          "dapr": {"enabled": false}
        },
        "template": {
          "containers": [ {"image": "repo/shop:v2", "name": "shop", "resources": {"cpu": 0.5, "memory": "1Gi"}} ],
          "scale": {"minReplicas": 1, "maxReplicas": 5,
                    "rules": [ {"name": "http", "http": {"metadata": {"concurrentRequests": "50"}}} ]}
        }
      }
    })";
    ContainerApp app;
    QString error;
    QVERIFY2(fromJson(QJsonDocument::fromJson(body).object(), &app, &error), qPrintable(error));
    QCOMPARE(app.configuration.ingress->traffic.size(), 2);
    QCOMPARE(app.configuration.ingress->traffic[1].label, QStringLiteral("staging"));
    QCOMPARE(app.configuration.ingress->targetPort, 3000);
    QCOMPARE(app.tmpl.scale.concurrencyPerReplica(), 50);
    QCOMPARE(app.tmpl.containers[0].resources.value(QStringLiteral("memory")).toString(),
             QStringLiteral("1Gi"));
}

void tst_Model::errorsNameTheJsonPath_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("path");
    QTest::addRow("weight not integer")
        << QByteArray(
               R"({"properties":{"configuration":{"ingress":{"traffic":[{"revisionName":"a","weight":50},{"revisionName":"b","weight":49.5}]}}}})")
        << QStringLiteral("properties.configuration.ingress.traffic[1].weight must be an integer");
    QTest::addRow("weight over 100")
        << QByteArray(
               R"({"properties":{"configuration":{"ingress":{"traffic":[{"revisionName":"a","weight":101}]}}}})")
        << QStringLiteral("traffic[0].weight must be between 0 and 100");
    QTest::addRow("weight far past any integer") // found by fuzz_model (undefined behaviour)
        << QByteArray(
               R"({"properties":{"configuration":{"ingress":{"traffic":[{"weight":55555555555555555555}]}}}})")
        << QStringLiteral(
               "traffic[0].weight must be between 0 and 100 (it is 5.5555555555555557e+19)");
    QTest::addRow("bad transport")
        << QByteArray(R"({"properties":{"configuration":{"ingress":{"transport":"udp"}}}})")
        << QStringLiteral("transport must be one of auto, http, http2, tcp");
    QTest::addRow("bad mode")
        << QByteArray(R"({"properties":{"configuration":{"activeRevisionsMode":"Some"}}})")
        << QStringLiteral("activeRevisionsMode must be one of Single, Multiple");
    QTest::addRow("both names")
        << QByteArray(
               R"({"properties":{"configuration":{"ingress":{"traffic":[{"revisionName":"a","latestRevision":true,"weight":100}]}}}})")
        << QStringLiteral("sets both revisionName and latestRevision");
    QTest::addRow("min over max")
        << QByteArray(R"({"properties":{"template":{"scale":{"minReplicas":5,"maxReplicas":2}}}})")
        << QStringLiteral("minReplicas (5) must not exceed maxReplicas (2)");
    QTest::addRow("command not strings")
        << QByteArray(R"({"properties":{"template":{"containers":[{"name":"c","command":[1]}]}}})")
        << QStringLiteral("properties.template.containers[0].command[0] must be a string");
}

void tst_Model::errorsNameTheJsonPath()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, path);
    ContainerApp app;
    QString error;
    QVERIFY(!fromJson(QJsonDocument::fromJson(json).object(), &app, &error));
    QVERIFY2(error.contains(path), qPrintable(error));
}

void tst_Model::revisionTimeOutOfRange()
{
    // Found by fuzz_model: a time past year 9999 in UTC could not be written back as ARM writes
    // times (four-digit years), so it is refused when read.
    Revision rev;
    QString error;
    QVERIFY(!fromJson(
        QJsonDocument::fromJson(R"({"properties":{"lastActiveTime":"9999-12-31T23:00:00-05:00"}})")
            .object(),
        &rev, &error));
    QCOMPARE(error, QStringLiteral("properties.lastActiveTime is out of range (years 1 to 9999 in "
                                   "UTC)"));
    QVERIFY2(fromJson(QJsonDocument::fromJson(
                          R"({"properties":{"lastActiveTime":"9999-12-31T23:00:00Z"}})")
                          .object(),
                      &rev, &error),
             qPrintable(error));
}

void tst_Model::trafficRules_data()
{
    QTest::addColumn<QList<TrafficWeight>>("traffic");
    QTest::addColumn<QString>("rule");
    const QString b = QStringLiteral("demo--blue"), g = QStringLiteral("demo--green");
    QTest::addRow("50/50") << QList<TrafficWeight>{{b, false, 50, {}}, {g, false, 50, {}}}
                           << QString();
    QTest::addRow("100/0 with labels")
        << QList<TrafficWeight>{{b, false, 100, QStringLiteral("blue")},
                                {g, false, 0, QStringLiteral("green")}}
        << QString();
    QTest::addRow("sum 90") << QList<TrafficWeight>{{b, false, 40, {}}, {g, false, 50, {}}}
                            << QStringLiteral("add up to 100 (they add up to 90)");
    QTest::addRow("unknown revision")
        << QList<TrafficWeight>{{QStringLiteral("demo--red"), false, 100, {}}}
        << QStringLiteral("does not exist");
    QTest::addRow("inactive with weight")
        << QList<TrafficWeight>{{QStringLiteral("demo--old"), false, 100, {}}}
        << QStringLiteral("not active");
    QTest::addRow("duplicate label") << QList<TrafficWeight>{{b, false, 50, QStringLiteral("x")},
                                                             {g, false, 50, QStringLiteral("x")}}
                                     << QStringLiteral("used twice");
    QTest::addRow("bad label") << QList<TrafficWeight>{{b, false, 100, QStringLiteral("Blue")}}
                               << QStringLiteral("lowercase");
}

void tst_Model::trafficRules()
{
    QFETCH(QList<TrafficWeight>, traffic);
    QFETCH(QString, rule);
    const QStringList all{QStringLiteral("demo--blue"), QStringLiteral("demo--green"),
                          QStringLiteral("demo--old")};
    const QStringList active{QStringLiteral("demo--blue"), QStringLiteral("demo--green")};
    const QString e = trafficError(traffic, all, active);
    if (rule.isEmpty())
        QVERIFY2(e.isEmpty(), qPrintable(e));
    else
        QVERIFY2(e.contains(rule), qPrintable(e));
}

void tst_Model::latestRevisionAndLabels()
{
    const QList<TrafficWeight> t{{QStringLiteral("demo--blue"), false, 30, QStringLiteral("blue")},
                                 {QString(), true, 70, QStringLiteral("next")}};
    const auto w = effectiveWeights(t, QStringLiteral("demo--green"));
    QCOMPARE(w.value(QStringLiteral("demo--green")), 70);
    QCOMPARE(w.value(QStringLiteral("demo--blue")), 30);
    QCOMPARE(labelRoutes(t, QStringLiteral("demo--green")).value(QStringLiteral("next")),
             QStringLiteral("demo--green"));
}

void tst_Model::mergePatchReplacesArrays()
{
    const QJsonObject target =
        QJsonDocument::fromJson(R"({"a":{"b":1,"c":[1,2]},"d":"keep","e":"drop"})").object();
    const QJsonObject patch =
        QJsonDocument::fromJson(R"({"a":{"c":[3]},"e":null,"f":true})").object();
    const QJsonObject out = mergePatch(target, patch);
    QCOMPARE(QJsonDocument(out).toJson(QJsonDocument::Compact),
             QByteArray(R"({"a":{"b":1,"c":[3]},"d":"keep","f":true})"));
}

void tst_Model::concurrencyFromScaleRule()
{
    Scale s;
    QCOMPARE(s.concurrencyPerReplica(), 10);
    s.rules = QJsonDocument::fromJson(
                  R"([{"name":"t","tcp":{"metadata":{"concurrentConnections":"25"}}}])")
                  .array();
    QCOMPARE(s.concurrencyPerReplica(), 25);
}

QTEST_GUILESS_MAIN(tst_Model)
#include "tst_model.moc"
