// The warnings Blueshift shows before a user learns Container Apps' and Application Gateway's
// rules the hard way: sticky sessions only in single revision mode (and HTTP ingress), weights
// ignored in single mode, ping intervals against the ingress idle timeout and the gateway's
// backend timeout; and warnings for a PATCH before it is sent.
#include "model/platformwarnings.h"

#include <QFile>
#include <QJsonDocument>
#include <QTest>

using namespace blueshift::model;
using Kind = PlatformWarning::Kind;

namespace {
ContainerApp app(ActiveRevisionsMode mode, Affinity affinity, QList<TrafficWeight> traffic,
                 Transport transport = Transport::Auto)
{
    ContainerApp a;
    a.name = QStringLiteral("shop");
    a.latestRevisionName = QStringLiteral("shop--green");
    a.configuration.activeRevisionsMode = mode;
    Ingress in;
    in.affinity = affinity;
    in.transport = transport;
    in.traffic = std::move(traffic);
    a.configuration.ingress = in;
    return a;
}

TrafficWeight to(const QString &revision, int weight, const QString &label = {})
{
    TrafficWeight t;
    t.revisionName = revision;
    t.weight = weight;
    t.label = label;
    return t;
}

TrafficWeight latest(int weight)
{
    TrafficWeight t;
    t.latestRevision = true;
    t.weight = weight;
    return t;
}

QList<Kind> kinds(const QList<PlatformWarning> &warnings)
{
    QList<Kind> k;
    for (const PlatformWarning &w : warnings)
        k.append(w.kind);
    return k;
}

QJsonObject officialGetBody()
{
    QFile f(QStringLiteral(BLUESHIFT_SOURCE_DIR "/tests/data/azure/ContainerApps_Get.json"));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(f.readAll())
        .object()
        .value(QLatin1String("responses"))
        .toObject()
        .value(QLatin1String("200"))
        .toObject()
        .value(QLatin1String("body"))
        .toObject();
}
} // namespace

namespace blueshift::model {
// Found by QCOMPARE through argument-dependent lookup.
char *toString(PlatformWarning::Kind kind)
{
    return qstrdup(qPrintable(kindName(kind)));
}
} // namespace blueshift::model

class tst_PlatformWarnings : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void configuration_data();
    void configuration();
    void weightsTextNamesEveryRevision();
    void noIngressNoWarning();
    void timeouts_data();
    void timeouts();
    void timeoutTextsSayWhatToChange();
    void patchWarnsBeforeItIsSent();
    void patchOfTheOfficialExample();
};

void tst_PlatformWarnings::configuration_data()
{
    QTest::addColumn<int>("mode");
    QTest::addColumn<int>("affinity");
    QTest::addColumn<int>("transport");
    QTest::addColumn<QList<TrafficWeight>>("traffic");
    QTest::addColumn<QList<Kind>>("expected");
    const int single = int(ActiveRevisionsMode::Single);
    const int multiple = int(ActiveRevisionsMode::Multiple);
    const int sticky = int(Affinity::Sticky);
    const int none = int(Affinity::None);
    const int autoT = int(Transport::Auto);
    const int tcp = int(Transport::Tcp);
    const QString blue = QStringLiteral("shop--blue");
    const QString green = QStringLiteral("shop--green");

    QTest::addRow("single, all to latest")
        << single << none << autoT << QList<TrafficWeight>{latest(100)} << QList<Kind>{};
    QTest::addRow("single, all to the latest by name")
        << single << sticky << autoT << QList<TrafficWeight>{to(green, 100)} << QList<Kind>{};
    QTest::addRow("single, sticky: honoured")
        << single << sticky << autoT << QList<TrafficWeight>{latest(100)} << QList<Kind>{};
    QTest::addRow("single, 80/20 split")
        << single << none << autoT << QList<TrafficWeight>{to(blue, 80), to(green, 20)}
        << QList<Kind>{Kind::WeightsIgnoredInSingleMode};
    QTest::addRow("single, all to an older revision")
        << single << none << autoT << QList<TrafficWeight>{to(blue, 100)}
        << QList<Kind>{Kind::WeightsIgnoredInSingleMode};
    QTest::addRow("single, label with weight 0 beside latest")
        << single << none << autoT
        << QList<TrafficWeight>{latest(100), to(blue, 0, QStringLiteral("old"))} << QList<Kind>{};
    QTest::addRow("multiple, split, no affinity")
        << multiple << none << autoT << QList<TrafficWeight>{to(blue, 50), to(green, 50)}
        << QList<Kind>{};
    QTest::addRow("multiple, sticky")
        << multiple << sticky << autoT << QList<TrafficWeight>{to(blue, 50), to(green, 50)}
        << QList<Kind>{Kind::StickyIgnoredInMultipleMode};
    QTest::addRow("single, sticky over tcp")
        << single << sticky << tcp << QList<TrafficWeight>{latest(100)}
        << QList<Kind>{Kind::StickyIgnoredForTcp};
    QTest::addRow("multiple, sticky over tcp")
        << multiple << sticky << tcp << QList<TrafficWeight>{latest(100)}
        << QList<Kind>{Kind::StickyIgnoredInMultipleMode, Kind::StickyIgnoredForTcp};
    QTest::addRow("single, sticky, split: both")
        << single << sticky << autoT << QList<TrafficWeight>{to(blue, 90), latest(10)}
        << QList<Kind>{Kind::WeightsIgnoredInSingleMode};
}

void tst_PlatformWarnings::configuration()
{
    QFETCH(int, mode);
    QFETCH(int, affinity);
    QFETCH(int, transport);
    QFETCH(QList<TrafficWeight>, traffic);
    QFETCH(QList<Kind>, expected);
    const auto warnings = configurationWarnings(
        app(ActiveRevisionsMode(mode), Affinity(affinity), traffic, Transport(transport)));
    QCOMPARE(kinds(warnings), expected);
    for (const PlatformWarning &w : warnings)
        QVERIFY2(w.text.endsWith(QLatin1Char('.')) && w.text.size() > 40, qPrintable(w.text));
}

void tst_PlatformWarnings::weightsTextNamesEveryRevision()
{
    const auto w = configurationWarnings(
        app(ActiveRevisionsMode::Single, Affinity::None,
            {to(QStringLiteral("shop--blue"), 80), latest(20), to(QStringLiteral("x"), 0)}));
    QCOMPARE(w.size(), 1);
    QVERIFY2(w[0].text.contains(QLatin1String("shop--blue 80 %")), qPrintable(w[0].text));
    QVERIFY2(w[0].text.contains(QLatin1String("shop--green (latest) 20 %")), qPrintable(w[0].text));
    QVERIFY2(!w[0].text.contains(QLatin1String("x 0")), qPrintable(w[0].text));
    QVERIFY2(w[0].text.contains(QLatin1String("multiple revision mode")), qPrintable(w[0].text));
}

void tst_PlatformWarnings::noIngressNoWarning()
{
    ContainerApp a;
    a.configuration.activeRevisionsMode = ActiveRevisionsMode::Multiple;
    QVERIFY(configurationWarnings(a).isEmpty());
}

void tst_PlatformWarnings::timeouts_data()
{
    QTest::addColumn<double>("ping");
    QTest::addColumn<double>("session");
    QTest::addColumn<double>("idle");
    QTest::addColumn<double>("gateway");
    QTest::addColumn<QList<Kind>>("expected");
    QTest::addRow("ping 30 s, default idle timeout")
        << 30.0 << 600.0 << 240.0 << 0.0 << QList<Kind>{};
    QTest::addRow("no pings, sessions of 10 min")
        << 0.0 << 600.0 << 240.0 << 0.0 << QList<Kind>{Kind::SilentSessionsOutliveIdleTimeout};
    QTest::addRow("no pings, unbounded sessions")
        << 0.0 << 0.0 << 240.0 << 0.0 << QList<Kind>{Kind::SilentSessionsOutliveIdleTimeout};
    QTest::addRow("no pings, sessions of 2 min") << 0.0 << 120.0 << 240.0 << 0.0 << QList<Kind>{};
    QTest::addRow("ping 240 s = idle timeout")
        << 240.0 << 600.0 << 240.0 << 0.0 << QList<Kind>{Kind::PingSlowerThanIdleTimeout};
    QTest::addRow("ping 300 s") << 300.0 << 0.0 << 240.0 << 0.0
                                << QList<Kind>{Kind::PingSlowerThanIdleTimeout};
    QTest::addRow("ping 230 s: within the margin")
        << 230.0 << 0.0 << 240.0 << 0.0 << QList<Kind>{Kind::PingCloseToIdleTimeout};
    QTest::addRow("ping 200 s: enough margin") << 200.0 << 0.0 << 240.0 << 0.0 << QList<Kind>{};
    QTest::addRow("idle timeout switched off") << 0.0 << 0.0 << 0.0 << 0.0 << QList<Kind>{};
    QTest::addRow("ping 30 s, gateway timeout 20 s")
        << 30.0 << 0.0 << 240.0 << 20.0 << QList<Kind>{Kind::PingSlowerThanGatewayTimeout};
    QTest::addRow("ping 18 s, gateway timeout 20 s")
        << 18.0 << 0.0 << 240.0 << 20.0 << QList<Kind>{Kind::PingCloseToGatewayTimeout};
    QTest::addRow("ping 10 s, gateway timeout 20 s")
        << 10.0 << 0.0 << 240.0 << 20.0 << QList<Kind>{};
    QTest::addRow("no pings behind a gateway")
        << 0.0 << 0.0 << 240.0 << 30.0
        << QList<Kind>{Kind::SilentSessionsOutliveIdleTimeout,
                       Kind::SilentSessionsOutliveGatewayTimeout};
    QTest::addRow("ping 300 s behind a gateway")
        << 300.0 << 0.0 << 240.0 << 30.0
        << QList<Kind>{Kind::PingSlowerThanIdleTimeout, Kind::PingSlowerThanGatewayTimeout};
}

void tst_PlatformWarnings::timeouts()
{
    QFETCH(double, ping);
    QFETCH(double, session);
    QFETCH(double, idle);
    QFETCH(double, gateway);
    QFETCH(QList<Kind>, expected);
    QCOMPARE(kinds(timeoutWarnings({ping, session}, {idle, gateway})), expected);
}

void tst_PlatformWarnings::timeoutTextsSayWhatToChange()
{
    const auto silent = timeoutWarnings({0, 0}, {defaultIngressIdleTimeoutSeconds, 0});
    QCOMPARE(silent.size(), 1);
    QVERIFY2(silent[0].text.contains(QLatin1String("240 s")) &&
                 silent[0].text.contains(QLatin1String("e.g. 120 s")),
             qPrintable(silent[0].text));
    const auto gw = timeoutWarnings({45, 0}, {240, 30});
    QCOMPARE(gw.size(), 1);
    QVERIFY2(gw[0].text.contains(QLatin1String("Application Gateway")) &&
                 gw[0].text.contains(QLatin1String("45 s")) &&
                 gw[0].text.contains(QLatin1String("30 s")) &&
                 gw[0].text.contains(QLatin1String("e.g. 15 s")),
             qPrintable(gw[0].text));
}

void tst_PlatformWarnings::patchWarnsBeforeItIsSent()
{
    const QJsonObject current =
        toJson(app(ActiveRevisionsMode::Multiple, Affinity::None,
                   {to(QStringLiteral("shop--blue"), 50), to(QStringLiteral("shop--green"), 50)}));
    QString error;
    // Turning sticky sessions on in multiple mode.
    const QJsonObject sticky{
        {QStringLiteral("properties"),
         QJsonObject{{QStringLiteral("configuration"),
                      QJsonObject{{QStringLiteral("ingress"),
                                   QJsonObject{{QStringLiteral("stickySessions"),
                                                QJsonObject{{QStringLiteral("affinity"),
                                                             QStringLiteral("sticky")}}}}}}}}}};
    QCOMPARE(kinds(warningsForPatch(current, sticky, &error)),
             QList<Kind>{Kind::StickyIgnoredInMultipleMode});
    // Going to single mode with the split still in place.
    const QJsonObject single{{QStringLiteral("properties"),
                              QJsonObject{{QStringLiteral("configuration"),
                                           QJsonObject{{QStringLiteral("activeRevisionsMode"),
                                                        QStringLiteral("Single")}}}}}};
    QCOMPARE(kinds(warningsForPatch(current, single, &error)),
             QList<Kind>{Kind::WeightsIgnoredInSingleMode});
    // A warning the app already has is not repeated for an unrelated change.
    const QJsonObject stickyApp = toJson(app(ActiveRevisionsMode::Multiple, Affinity::Sticky,
                                             {to(QStringLiteral("shop--blue"), 100)}));
    const QJsonObject transport{
        {QStringLiteral("properties"),
         QJsonObject{
             {QStringLiteral("configuration"),
              QJsonObject{{QStringLiteral("ingress"), QJsonObject{{QStringLiteral("transport"),
                                                                   QStringLiteral("http2")}}}}}}}};
    QVERIFY(warningsForPatch(stickyApp, transport, &error).isEmpty());
    // A patch that makes no valid app is an error, not a warning list.
    const QJsonObject broken{{QStringLiteral("properties"),
                              QJsonObject{{QStringLiteral("configuration"),
                                           QJsonObject{{QStringLiteral("activeRevisionsMode"),
                                                        QStringLiteral("Sometimes")}}}}}};
    error.clear();
    QVERIFY(warningsForPatch(current, broken, &error).isEmpty());
    QVERIFY2(error.contains(QLatin1String("activeRevisionsMode")), qPrintable(error));
}

void tst_PlatformWarnings::patchOfTheOfficialExample()
{
    // Azure's own example app: multiple mode is not set, so it is single, with an 80/20 split
    // and sticky sessions. Reading it must work, and it already carries the weights warning.
    const QJsonObject body = officialGetBody();
    QVERIFY(!body.isEmpty());
    ContainerApp a;
    QString error;
    QVERIFY2(fromJson(body, &a, &error), qPrintable(error));
    QCOMPARE(kinds(configurationWarnings(a)), QList<Kind>{Kind::WeightsIgnoredInSingleMode});
    const QJsonObject multiple{{QStringLiteral("properties"),
                                QJsonObject{{QStringLiteral("configuration"),
                                             QJsonObject{{QStringLiteral("activeRevisionsMode"),
                                                          QStringLiteral("Multiple")}}}}}};
    QCOMPARE(kinds(warningsForPatch(body, multiple, &error)),
             QList<Kind>{Kind::StickyIgnoredInMultipleMode});
}

QTEST_GUILESS_MAIN(tst_PlatformWarnings)
#include "tst_platformwarnings.moc"
