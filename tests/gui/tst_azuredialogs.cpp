// The Azure console's dialogs and warnings without a connection: the Azure dialog's fields
// checked as typed with core's validators (data-driven), the Traffic dialog's platform warnings
// for single revision mode (data-driven, on the official example app) and the Revisions view's
// warnings band (configuration, ping interval against the 240 s idle timeout and an Application
// Gateway's backend timeout, a change's warnings first). No Azure and no az are involved: the
// dialog's token comes from a file and its listings go to a closed loopback port.
#include "app/azureconnectdialog.h"
#include "armstubserver.h"
#include "revisions/platformwarningsbar.h"
#include "revisions/trafficdialog.h"

#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QNetworkProxy>
#include <QTemporaryDir>
#include <QTest>

using namespace blueshift;
using namespace blueshift::gui;
using namespace blueshift::itest;

namespace {
const QString kSub = QStringLiteral("34adfa4f-cedf-4dc0-ba29-b6d1a69ab345");
const QString kRevision = QStringLiteral("testcontainerApp0-pjxhsye");

QString artifact(const QString &name)
{
    QDir().mkpath(QStringLiteral(BLUESHIFT_GUI_ARTIFACTS));
    return QDir(QStringLiteral(BLUESHIFT_GUI_ARTIFACTS)).filePath(name);
}

// The official example app (sticky sessions on, an 80/20 split) in another revision mode.
QJsonObject appWithMode(const QString &mode)
{
    QJsonObject app = azureExampleBody(QStringLiteral("ContainerApps_Get.json"));
    QJsonObject properties = app.value(QStringLiteral("properties")).toObject();
    QJsonObject configuration = properties.value(QStringLiteral("configuration")).toObject();
    configuration.insert(QStringLiteral("activeRevisionsMode"), mode);
    properties.insert(QStringLiteral("configuration"), configuration);
    app.insert(QStringLiteral("properties"), properties);
    return app;
}

QStringList kinds(const QList<model::PlatformWarning> &warnings)
{
    QStringList out;
    for (const model::PlatformWarning &w : warnings)
        out.append(model::kindName(w.kind));
    return out;
}
} // namespace

class TestAzureDialogs : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void fieldsCheckedAsTyped_data();
    void fieldsCheckedAsTyped();
    void trafficDialogWarnsInSingleMode_data();
    void trafficDialogWarnsInSingleMode();
    void warningsBand_data();
    void warningsBand();
    void changeWarningsComeFirst();

private:
    QTemporaryDir m_dir;
    QString m_tokenFile;
};

void TestAzureDialogs::initTestCase()
{
    QNetworkProxy::setApplicationProxy(QNetworkProxy::NoProxy);
    QVERIFY(m_dir.isValid());
    m_tokenFile = m_dir.filePath(QStringLiteral("arm-token"));
    QFile f(m_tokenFile);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("not-a-real-token\n");
}

void TestAzureDialogs::fieldsCheckedAsTyped_data()
{
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("value");
    QTest::addColumn<QString>("expected"); // empty: the choice is valid
    QTest::addRow("http to another host") << "url"
                                          << "http://management.example"
                                          << "must use https";
    QTest::addRow("url with a path") << "url"
                                     << "https://management.azure.com/x"
                                     << "bare origin";
    QTest::addRow("url without scheme") << "url"
                                        << "management.azure.com"
                                        << "not a URL with a host";
    QTest::addRow("url with a trailing slash") << "url"
                                               << "http://127.0.0.1:1/"
                                               << "";
    QTest::addRow("api-version") << "api"
                                 << "2025"
                                 << "not an api-version";
    QTest::addRow("preview api-version") << "api"
                                         << "2025-02-02-preview"
                                         << "";
    QTest::addRow("subscription by name") << "subscription"
                                          << "My subscription"
                                          << "not a subscription ID";
    QTest::addRow("no subscription") << "subscription"
                                     << ""
                                     << "choose a subscription";
    QTest::addRow("subscription as listed")
        << "subscription" << QStringLiteral("Blueshift Test (%1)").arg(kSub) << "";
    QTest::addRow("group with a slash") << "group"
                                        << "bad/group"
                                        << "not a resource group name";
    QTest::addRow("group ending in a dot") << "group"
                                           << "rg."
                                           << "not a resource group name";
    QTest::addRow("no group") << "group"
                              << ""
                              << "choose a resource group";
    QTest::addRow("app with capitals") << "app"
                                       << "Bad_App"
                                       << "lowercase";
    QTest::addRow("no app: the first") << "app"
                                       << ""
                                       << "";
    QTest::addRow("variable not set") << "source"
                                      << "env"
                                      << "BLUESHIFT_ARM_TOKEN is not set";
    QTest::addRow("token file missing") << "tokenFile"
                                        << "/nonexistent/arm-token"
                                        << "cannot read the token file";
}

void TestAzureDialogs::fieldsCheckedAsTyped()
{
    QFETCH(QString, field);
    QFETCH(QString, value);
    QFETCH(QString, expected);
    PlatformTarget initial = PlatformTarget::azure();
    initial.adminUrl = QUrl(QStringLiteral("http://127.0.0.1:1")); // nothing listens
    initial.tokenSource = PlatformTarget::TokenSource::File;
    initial.tokenFile = m_tokenFile;
    initial.subscription = kSub;
    initial.resourceGroup = QStringLiteral("rg");
    // No $BLUESHIFT_ARM_TOKEN in this environment.
    AzureConnectDialog dialog(initial, QStringLiteral("testcontainerapp0"), nullptr,
                              QProcessEnvironment());
    QVERIFY2(dialog.isAcceptable(), qPrintable(dialog.validationError()));
    if (field == QLatin1String("url"))
        dialog.managementUrlEdit()->setText(value);
    else if (field == QLatin1String("api"))
        dialog.apiVersionEdit()->setText(value);
    else if (field == QLatin1String("subscription"))
        dialog.subscriptionBox()->setEditText(value);
    else if (field == QLatin1String("group"))
        dialog.resourceGroupBox()->setEditText(value);
    else if (field == QLatin1String("app"))
        dialog.appBox()->setEditText(value);
    else if (field == QLatin1String("source"))
        dialog.tokenSourceBox()->setCurrentIndex(
            dialog.tokenSourceBox()->findData(int(PlatformTarget::TokenSource::Environment)));
    else
        dialog.tokenFileEdit()->setText(value);
    if (!expected.isEmpty()) {
        QVERIFY2(dialog.validationError().contains(expected), qPrintable(dialog.validationError()));
        QVERIFY(!dialog.isAcceptable());
        return;
    }
    QVERIFY2(dialog.isAcceptable(), qPrintable(dialog.validationError()));
    // What the dialog hands over passes the connection's own checks.
    const PlatformTarget t = dialog.target();
    QVERIFY2(t.isAvailable(), qPrintable(dialog.validationError()));
    QCOMPARE(t.subscription, kSub);
    QCOMPARE(t.tokenSource, PlatformTarget::TokenSource::File);
    QCOMPARE(t.tokenFile, m_tokenFile);
    if (field == QLatin1String("api"))
        QCOMPARE(t.apiVersion, value);
}

void TestAzureDialogs::trafficDialogWarnsInSingleMode_data()
{
    QTest::addColumn<QString>("mode");
    QTest::addColumn<int>("older");  // testcontainerapp0-ab1234
    QTest::addColumn<int>("latest"); // testcontainerApp0-pjxhsye, by name
    QTest::addColumn<int>("latestRevision");
    QTest::addColumn<QStringList>("expected");
    const QStringList ignored{QStringLiteral("WeightsIgnoredInSingleMode")};
    const QStringList sticky{QStringLiteral("StickyIgnoredInMultipleMode")};
    QTest::addRow("single, 50/50") << QStringLiteral("Single") << 50 << 50 << 0 << ignored;
    QTest::addRow("single, all to an older revision")
        << QStringLiteral("Single") << 100 << 0 << 0 << ignored;
    QTest::addRow("single, all to the latest by name")
        << QStringLiteral("Single") << 0 << 100 << 0 << QStringList();
    QTest::addRow("single, all to latestRevision")
        << QStringLiteral("Single") << 0 << 0 << 100 << QStringList();
    QTest::addRow("multiple, 50/50, sticky")
        << QStringLiteral("Multiple") << 50 << 50 << 0 << sticky;
}

void TestAzureDialogs::trafficDialogWarnsInSingleMode()
{
    QFETCH(QString, mode);
    QFETCH(int, older);
    QFETCH(int, latest);
    QFETCH(int, latestRevision);
    QFETCH(QStringList, expected);
    // The official example app (sticky sessions on), its latest revision named as Revisions_List
    // names it, and an older active one.
    QJsonObject json = appWithMode(mode);
    model::ContainerApp app;
    QString error;
    QVERIFY2(model::fromJson(json, &app, &error), qPrintable(error));
    app.latestRevisionName = kRevision;
    model::Revision old;
    old.name = QStringLiteral("testcontainerapp0-ab1234");
    model::Revision newest;
    newest.name = kRevision;
    TrafficDialog dialog(app, {old, newest});
    dialog.setWeight(old.name, older);
    dialog.setWeight(newest.name, latest);
    dialog.setWeight(QString(), latestRevision);
    QVERIFY2(dialog.isAcceptable(), qPrintable(dialog.validationError())); // never blocks
    QCOMPARE(kinds(dialog.warnings()), expected);
    auto *label = dialog.findChild<QLabel *>(QStringLiteral("trafficWarnings"));
    QVERIFY(label);
    QCOMPARE(label->isVisibleTo(&dialog), !expected.isEmpty());
    if (!expected.isEmpty())
        QCOMPARE(label->text(), dialog.warnings().constFirst().text);
    if (qstrcmp(QTest::currentDataTag(), "single, 50/50") == 0) {
        dialog.show();
        QVERIFY(dialog.grab().save(artifact(QStringLiteral("dialog-traffic-single.png"))));
    }
}

void TestAzureDialogs::warningsBand_data()
{
    QTest::addColumn<QString>("mode");
    QTest::addColumn<bool>("sticky");
    QTest::addColumn<QString>("transport");
    QTest::addColumn<double>("ping"); // seconds; -1: not known yet
    QTest::addColumn<double>("gateway");
    QTest::addColumn<QStringList>("expected");
    const QString single = QStringLiteral("Single");
    const QString http = QStringLiteral("http");
    QTest::addRow("nothing to say") << single << false << http << 20.0 << 0.0 << QStringList();
    QTest::addRow("ping interval not known yet")
        << single << false << http << -1.0 << 0.0 << QStringList();
    QTest::addRow("sticky in multiple mode")
        << QStringLiteral("Multiple") << true << http << 20.0 << 0.0
        << QStringList{QStringLiteral("StickyIgnoredInMultipleMode")};
    QTest::addRow("sticky over tcp") << single << true << QStringLiteral("tcp") << 20.0 << 0.0
                                     << QStringList{QStringLiteral("StickyIgnoredForTcp")};
    QTest::addRow("no pings") << single << false << http << 0.0 << 0.0
                              << QStringList{QStringLiteral("SilentSessionsOutliveIdleTimeout")};
    QTest::addRow("ping 300 s") << single << false << http << 300.0 << 0.0
                                << QStringList{QStringLiteral("PingSlowerThanIdleTimeout")};
    QTest::addRow("ping 236 s") << single << false << http << 236.0 << 0.0
                                << QStringList{QStringLiteral("PingCloseToIdleTimeout")};
    QTest::addRow("ping 30 s, gateway 20 s")
        << single << false << http << 30.0 << 20.0
        << QStringList{QStringLiteral("PingSlowerThanGatewayTimeout")};
}

void TestAzureDialogs::warningsBand()
{
    QFETCH(QString, mode);
    QFETCH(bool, sticky);
    QFETCH(QString, transport);
    QFETCH(double, ping);
    QFETCH(double, gateway);
    QFETCH(QStringList, expected);
    QJsonObject json = appWithMode(mode);
    QJsonObject properties = json.value(QStringLiteral("properties")).toObject();
    QJsonObject configuration = properties.value(QStringLiteral("configuration")).toObject();
    QJsonObject ingress = configuration.value(QStringLiteral("ingress")).toObject();
    ingress.insert(QStringLiteral("stickySessions"),
                   QJsonObject{{QStringLiteral("affinity"),
                                sticky ? QStringLiteral("sticky") : QStringLiteral("none")}});
    ingress.insert(QStringLiteral("transport"), transport);
    // All to the latest: no weights for single mode to ignore.
    ingress.insert(QStringLiteral("traffic"),
                   QJsonArray{QJsonObject{{QStringLiteral("latestRevision"), true},
                                          {QStringLiteral("weight"), 100}}});
    configuration.insert(QStringLiteral("ingress"), ingress);
    properties.insert(QStringLiteral("configuration"), configuration);
    json.insert(QStringLiteral("properties"), properties);
    model::ContainerApp app;
    QString error;
    QVERIFY2(model::fromJson(json, &app, &error), qPrintable(error));

    QWidget parent;
    auto *band = new PlatformWarningsBar(&parent);
    band->setApp(app);
    if (ping >= 0)
        band->setSessionPingInterval(ping);
    band->setTimeouts({model::defaultIngressIdleTimeoutSeconds, gateway});
    QCOMPARE(kinds(band->warnings()), expected);
    QCOMPARE(band->isHidden(), expected.isEmpty());
    for (const model::PlatformWarning &w : band->warnings())
        QVERIFY2(band->text().contains(w.text.toHtmlEscaped()), qPrintable(band->text()));
    band->clearApp(); // disconnected: nothing to warn about
    QVERIFY(band->isHidden());
}

void TestAzureDialogs::changeWarningsComeFirst()
{
    model::ContainerApp app;
    QString error;
    QVERIFY2(model::fromJson(appWithMode(QStringLiteral("Single")), &app, &error),
             qPrintable(error));
    QWidget parent;
    auto *band = new PlatformWarningsBar(&parent);
    band->setApp(app); // single mode, 80/20: the weights are ignored
    QCOMPARE(kinds(band->warnings()), QStringList{QStringLiteral("WeightsIgnoredInSingleMode")});
    const model::PlatformWarning sticky{model::PlatformWarning::Kind::StickyIgnoredInMultipleMode,
                                        QStringLiteral("Sticky sessions are on, but ...")};
    band->setChangeWarnings(QStringLiteral("Set revision mode Multiple"), {sticky});
    QCOMPARE(kinds(band->warnings()), (QStringList{QStringLiteral("StickyIgnoredInMultipleMode"),
                                                   QStringLiteral("WeightsIgnoredInSingleMode")}));
    QVERIFY2(band->text().startsWith(QLatin1String("<b>Set revision mode Multiple:</b>")),
             qPrintable(band->text()));
    band->clearChangeWarnings();
    QCOMPARE(kinds(band->warnings()), QStringList{QStringLiteral("WeightsIgnoredInSingleMode")});
}

QTEST_MAIN(TestAzureDialogs)
#include "tst_azuredialogs.moc"
