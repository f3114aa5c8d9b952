// The console against Azure Container Apps' shapes: a loopback ARM stub serves the official
// Microsoft.App and Microsoft.Resources examples (tests/data/azure) and a fake `az`, first on
// PATH, prints the documented token JSON. The Azure dialog lists subscriptions, resource groups
// and apps from the stub, shows ARM's errors in ARM's words and can be cancelled; connecting
// shows the example app's revisions; a new revision is PATCHed from a fresh GET with the whole
// template; the platform warnings show in the Revisions view, a change's before it is sent
// (tst_azuredialogs has the field checks and the warnings' cases). The token lands in no
// setting, no event and no message. Screenshots land in <build>/tests/gui/artifacts.
#include "app/appsession.h"
#include "app/azurebrowser.h"
#include "app/azureconnectdialog.h"
#include "app/platformconnection.h"
#include "app/platformselector.h"
#include "app/settings.h"
#include "armstubserver.h"
#include "events/eventsmodel.h"
#include "mainwindow.h"
#include "revisions/platformwarningsbar.h"
#include "revisions/revisionactions.h"
#include "revisions/revisionsmodel.h"
#include "revisions/revisionsview.h"

#include "controlplane/armpatches.h"
#include "controlplane/azureclitoken.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QNetworkProxy>
#include <QPushButton>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace blueshift;
using namespace blueshift::gui;
using namespace blueshift::itest;

namespace {
constexpr int kTimeout = 15000;
const QString kSub = QStringLiteral("34adfa4f-cedf-4dc0-ba29-b6d1a69ab345");
const QString kGroups = QStringLiteral("/subscriptions/%1/resourcegroups").arg(kSub);
const QString kApps =
    QStringLiteral("/subscriptions/%1/resourceGroups/rg/providers/Microsoft.App/containerApps")
        .arg(kSub);
const QString kApp = kApps + QStringLiteral("/testcontainerapp0");
const QString kRevision = QStringLiteral("testcontainerApp0-pjxhsye");

QStringList g_messages;
void captureMessage(QtMsgType, const QMessageLogContext &, const QString &text)
{
    g_messages.append(text);
}

QString artifact(const QString &name)
{
    QDir().mkpath(QStringLiteral(BLUESHIFT_GUI_ARTIFACTS));
    return QDir(QStringLiteral(BLUESHIFT_GUI_ARTIFACTS)).filePath(name);
}

bool writeFile(const QString &path, const QByteArray &content)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(content) == content.size();
}

// GetSubscriptions.json with one more entry, the subscription of the Microsoft.App examples,
// shaped like the others; its nextLink placeholder ("...") goes.
QByteArray subscriptionsBody()
{
    QJsonObject body = azureExampleBody(QStringLiteral("GetSubscriptions.json"));
    QJsonArray value = body.value(QStringLiteral("value")).toArray();
    QJsonObject ours = value.at(0).toObject();
    ours.insert(QStringLiteral("id"), QString(QStringLiteral("/subscriptions/") + kSub));
    ours.insert(QStringLiteral("subscriptionId"), kSub);
    ours.insert(QStringLiteral("displayName"), QStringLiteral("Blueshift Test"));
    value.append(ours);
    body.insert(QStringLiteral("value"), value);
    body.insert(QStringLiteral("nextLink"), QJsonValue::Null);
    return toJson(body);
}

// CreateResourceGroup.json's answer, and the same for "rg" (where the app examples live).
QByteArray groupsBody()
{
    const QJsonObject example = azureExampleBody(QStringLiteral("CreateResourceGroup.json"));
    QJsonObject rg = example;
    rg.insert(QStringLiteral("name"), QStringLiteral("rg"));
    rg.insert(QStringLiteral("id"),
              QStringLiteral("/subscriptions/%1/resourceGroups/rg").arg(kSub));
    return toJson({{QStringLiteral("value"), QJsonArray{example, rg}}});
}

QJsonObject exampleApp()
{
    return azureExampleBody(QStringLiteral("ContainerApps_Get.json"));
}

// The example app with another revision mode (and what else a test changes).
QJsonObject appWithMode(const QString &mode)
{
    QJsonObject app = exampleApp();
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

bool eventsContain(EventsModel *events, const QString &needle)
{
    events->flush();
    for (int row = 0; row < events->rowCount(); ++row) {
        const EventEntry &e = events->entryAt(row);
        if (e.event.contains(needle) || e.text.contains(needle))
            return true;
    }
    return false;
}
} // namespace

class TestAzureConnect : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanupTestCase();
    void dialogListsThenConsoleShowsRevisions();
    void listingErrorsInArmWords_data();
    void listingErrorsInArmWords();
    void cancelWhileAzIsSlow();
    void connectionErrorsInArmWords_data();
    void connectionErrorsInArmWords();

private:
    void setAz(const QByteArray &mode);
    int azRuns() const;
    PlatformTarget stubTarget() const;
    void serveExamples();

    QTemporaryDir m_dir;
    QByteArray m_oldPath;
    QByteArray m_token;
    QtMessageHandler m_oldHandler = nullptr;
    std::unique_ptr<ArmStubServer> m_stub;
};

void TestAzureConnect::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QNetworkProxy::setApplicationProxy(QNetworkProxy::NoProxy);
    QVERIFY(m_dir.isValid());
    // A token shaped like Entra's, with a canary no other text has.
    const QByteArray canary =
        "CANARYAZ" + QByteArray::number(QRandomGenerator::global()->generate64(), 16);
    const qint64 exp = QDateTime::currentSecsSinceEpoch() + 3600;
    const QByteArray payload =
        QJsonDocument(QJsonObject{{QStringLiteral("exp"), double(exp)}})
            .toJson(QJsonDocument::Compact)
            .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    m_token = "eyJhbGciOiJSUzI1NiJ9." + payload + '.' + canary;
    // What `az account get-access-token --output json` prints (az 2.54 and later).
    const QJsonObject answer{
        {QStringLiteral("accessToken"), QString::fromLatin1(m_token)},
        {QStringLiteral("expires_on"), double(exp)},
        {QStringLiteral("subscription"), kSub},
        {QStringLiteral("tenant"), QStringLiteral("31c75423-32d6-4322-88b7-c478bdde4858")},
        {QStringLiteral("tokenType"), QStringLiteral("Bearer")}};
    QVERIFY(writeFile(m_dir.filePath(QStringLiteral("answer")), QJsonDocument(answer).toJson()));
    const QByteArray script = R"sh(#!/bin/sh
dir=$(dirname "$0")
echo "$*" >> "$dir/calls"
case "$(cat "$dir/mode")" in
  ok) cat "$dir/answer" ;;
  fail) echo "ERROR: Please run 'az login' to setup account." >&2; exit 1 ;;
  hang) exec sleep 30 ;;
esac
)sh";
    QVERIFY(writeFile(m_dir.filePath(QStringLiteral("az")), script));
    QVERIFY(QFile::setPermissions(m_dir.filePath(QStringLiteral("az")),
                                  QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
    m_oldPath = qgetenv("PATH");
    qputenv("PATH", QFile::encodeName(m_dir.path()) + ':' + m_oldPath);
    qunsetenv(controlplane::kArmTokenVariable);
    m_oldHandler = qInstallMessageHandler(captureMessage);
}

void TestAzureConnect::init()
{
    setAz("ok");
    QFile::remove(m_dir.filePath(QStringLiteral("calls")));
    m_stub = std::make_unique<ArmStubServer>();
    QVERIFY(m_stub->listen());
}

void TestAzureConnect::cleanupTestCase()
{
    qInstallMessageHandler(m_oldHandler);
    qputenv("PATH", m_oldPath);
    // Whatever any part printed during the whole run: never the token.
    const QString all = g_messages.join(QLatin1Char('\n'));
    QVERIFY2(!all.contains(QString::fromLatin1(m_token.split('.').last())), qPrintable(all));
}

void TestAzureConnect::setAz(const QByteArray &mode)
{
    QVERIFY(writeFile(m_dir.filePath(QStringLiteral("mode")), mode + '\n'));
}

int TestAzureConnect::azRuns() const
{
    QFile f(m_dir.filePath(QStringLiteral("calls")));
    if (!f.open(QIODevice::ReadOnly))
        return 0;
    return int(f.readAll().count('\n'));
}

PlatformTarget TestAzureConnect::stubTarget() const
{
    PlatformTarget t = PlatformTarget::azure();
    t.adminUrl = QUrl(m_stub->base());
    return t;
}

void TestAzureConnect::serveExamples()
{
    m_stub->on("GET", QStringLiteral("/subscriptions"), {{200, subscriptionsBody()}});
    m_stub->on("GET", kGroups, {{200, groupsBody()}});
    m_stub->on("GET", kApps,
               {{200, toJson(azureExampleBody(
                          QStringLiteral("ContainerApps_ListByResourceGroup.json")))}});
    m_stub->on("GET", kApp, {{200, toJson(exampleApp())}});
    m_stub->on("GET", kApp + QStringLiteral("/revisions"),
               {{200, toJson(azureExampleBody(QStringLiteral("Revisions_List.json")))}});
}

void TestAzureConnect::dialogListsThenConsoleShowsRevisions()
{
    serveExamples();
    QTemporaryDir tmp;
    Settings settings(tmp.filePath(QStringLiteral("console.ini")));
    // The management URL of a sovereign cloud, as a user would have typed it once: the stub.
    settings.setPlatformTarget(stubTarget());
    MainWindow w(&settings);
    w.resize(1280, 820);
    w.show();

    // Platform selector → Azure Container Apps…
    auto *selector = w.findChild<PlatformSelector *>();
    QVERIFY(selector);
    QVERIFY(selector->model()->flags(selector->model()->index(2, 0)) & Qt::ItemIsEnabled);
    Q_EMIT selector->activated(PlatformSelector::indexOf(PlatformKind::Azure));
    auto *dialog = w.findChild<AzureConnectDialog *>();
    QVERIFY(dialog);
    QTRY_VERIFY_WITH_TIMEOUT(dialog->isVisible(), kTimeout);
    QCOMPARE(dialog->managementUrlEdit()->text(), m_stub->base());
    QCOMPARE(dialog->apiVersionEdit()->text(), controlplane::AzureTarget().apiVersion);

    // Subscriptions by name and ID; the token's, asked of az.
    QTRY_COMPARE_WITH_TIMEOUT(dialog->subscriptionBox()->count(), 3, kTimeout);
    const int ours = dialog->subscriptionBox()->findData(kSub);
    QVERIFY(ours >= 0);
    QCOMPARE(dialog->subscriptionBox()->itemText(ours),
             QStringLiteral("Blueshift Test (%1)").arg(kSub));
    QVERIFY(dialog->subscriptionBox()->findText(QStringLiteral(
                "Example Subscription (291bba3f-e0a5-47bc-a099-3bdcb2a50a05)")) >= 0);
    QVERIFY(!dialog->isAcceptable()); // no subscription chosen yet
    dialog->subscriptionBox()->setCurrentIndex(ours);
    QTRY_COMPARE_WITH_TIMEOUT(dialog->resourceGroupBox()->count(), 2, kTimeout);
    QVERIFY(dialog->resourceGroupBox()->findText(QStringLiteral("my-resource-group")) >= 0);
    dialog->resourceGroupBox()->setCurrentText(QStringLiteral("rg"));
    // The app saved from the local platform ("demo") is not in rg: its first app is offered.
    QTRY_COMPARE_WITH_TIMEOUT(dialog->appBox()->count(), 1, kTimeout);
    QTRY_COMPARE_WITH_TIMEOUT(dialog->appName(), QStringLiteral("testcontainerapp0"), kTimeout);
    QVERIFY2(dialog->isAcceptable(), qPrintable(dialog->validationError()));
    QVERIFY(dialog->listingError().isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(!dialog->browser()->isBusy(), kTimeout);
    QVERIFY(dialog->grab().save(artifact(QStringLiteral("dialog-azure.png"))));
    QVERIFY(azRuns() >= 1);

    dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok)->click();
    QTRY_COMPARE_WITH_TIMEOUT(w.connection()->state(), PlatformConnection::State::Connected,
                              kTimeout);
    QCOMPARE(w.connection()->target().kind, PlatformKind::Azure);
    QCOMPARE(w.connection()->target().subscription, kSub);
    RevisionsModel *m = w.revisionsModel();
    QTRY_VERIFY_WITH_TIMEOUT(m->rowOf(kRevision) >= 0, kTimeout);
    QCOMPARE(w.session()->appName(), QStringLiteral("testcontainerapp0"));
    QCOMPARE(m->data(m->index(m->rowOf(kRevision), RevisionsModel::Replicas)).toInt(), 1);
    // No /logstream on Azure: the events view says so instead of trying.
    QVERIFY(eventsContain(w.eventsModel(), QStringLiteral("No live log stream")));
    QVERIFY(m_stub->requests("GET", QStringLiteral("/logstream")).isEmpty());

    // The example app: single mode (no activeRevisionsMode) with an 80/20 split. The band says
    // so, and the sessions' ping interval against the 240 s idle timeout once it is known.
    PlatformWarningsBar *band = w.revisionsView()->warningsBar();
    QTRY_VERIFY_WITH_TIMEOUT(!band->isHidden(), kTimeout);
    QVERIFY(kinds(band->warnings()).contains(QStringLiteral("WeightsIgnoredInSingleMode")));
    w.revisionsView()->setSessionPingInterval(300);
    QVERIFY(kinds(band->warnings()).contains(QStringLiteral("PingSlowerThanIdleTimeout")));
    QVERIFY2(band->text().contains(QLatin1String("240 s")), qPrintable(band->text()));
    w.revisionsView()->setSessionPingInterval(30);
    QVERIFY(!kinds(band->warnings()).contains(QStringLiteral("PingSlowerThanIdleTimeout")));

    // Multiple mode with sticky sessions on: the warning comes before the platform answers.
    QSignalSpy finished(w.session(), &AppSession::operationFinished);
    QSignalSpy warned(w.revisionActions(), &RevisionActions::warned);
    m_stub->on("PATCH", kApp, {{200, toJson(appWithMode(QStringLiteral("Multiple")))}});
    QVERIFY(w.revisionActions()->setRevisionMode(model::ActiveRevisionsMode::Multiple));
    QCOMPARE(warned.size(), 1);
    QVERIFY(kinds(band->warnings()).contains(QStringLiteral("StickyIgnoredInMultipleMode")));
    QVERIFY2(band->text().contains(QLatin1String("Set revision mode Multiple")),
             qPrintable(band->text()));
    m_stub->on("GET", kApp, {{200, toJson(appWithMode(QStringLiteral("Multiple")))}});
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), kTimeout);
    QVERIFY2(finished.constLast().at(0).toBool(),
             qPrintable(finished.constLast().at(1).toString()));
    QCOMPARE(QJsonDocument::fromJson(m_stub->requests("PATCH", kApp).constLast().body).object(),
             controlplane::revisionModePatch(model::ActiveRevisionsMode::Multiple));
    QTRY_VERIFY_WITH_TIMEOUT(
        !kinds(band->warnings()).contains(QStringLiteral("WeightsIgnoredInSingleMode")), kTimeout);
    QVERIFY(kinds(band->warnings()).contains(QStringLiteral("StickyIgnoredInMultipleMode")));
    QVERIFY(!band->text().contains(QLatin1String("Set revision mode"))); // applied: the app's own
    QString error;
    QVERIFY2(w.saveScreenshot(artifact(QStringLiteral("console-azure.png")), &error),
             qPrintable(error));

    // Sticky sessions off, then on again in multiple mode from the toolbar: warned with the click.
    m_stub->on("GET", kApp,
               {{200, toJson(model::mergePatch(
                          appWithMode(QStringLiteral("Multiple")),
                          controlplane::stickySessionsPatch(model::Affinity::None)))}});
    QTRY_VERIFY_WITH_TIMEOUT(
        !kinds(band->warnings()).contains(QStringLiteral("StickyIgnoredInMultipleMode")), kTimeout);
    QTRY_VERIFY_WITH_TIMEOUT(w.revisionsView()->stickyAction()->isEnabled(), kTimeout);
    warned.clear();
    finished.clear();
    w.revisionsView()->stickyAction()->trigger();
    QCOMPARE(warned.size(), 1);
    QVERIFY(kinds(band->warnings()).contains(QStringLiteral("StickyIgnoredInMultipleMode")));
    QVERIFY2(band->text().contains(QLatin1String("Turn sticky sessions on")),
             qPrintable(band->text()));
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), kTimeout);
    QCOMPARE(QJsonDocument::fromJson(m_stub->requests("PATCH", kApp).constLast().body).object(),
             controlplane::stickySessionsPatch(model::Affinity::Sticky));

    // A new revision: the app read afresh, its whole template PATCHed back with the suffix (an
    // ARM merge patch replaces arrays: initContainers and serviceBinds must survive).
    finished.clear();
    NewRevisionSpec spec;
    spec.suffix = QStringLiteral("green");
    spec.image = QStringLiteral("repo/testcontainerapp0:v5");
    // The official 202 (pointed at the stub), then the operation polled until it succeeds.
    QString operation = azureExample(QStringLiteral("ContainerApps_Patch.json"))
                            .value(QStringLiteral("responses"))
                            .toObject()
                            .value(QStringLiteral("202"))
                            .toObject()
                            .value(QStringLiteral("headers"))
                            .toObject()
                            .value(QStringLiteral("azure-asyncoperation"))
                            .toString();
    operation.replace(QStringLiteral("https://management.azure.com"), m_stub->base());
    m_stub->on("PATCH", kApp,
               {{202,
                 {},
                 {qMakePair(QByteArray("Azure-AsyncOperation"), operation.toLatin1()),
                  qMakePair(QByteArray("Retry-After"), QByteArray("0"))}}});
    auto status = [](const char *state) {
        return StubResponse(200, QByteArray(R"({"status":")") + state + R"("})",
                            {qMakePair(QByteArray("Retry-After"), QByteArray("0"))});
    };
    m_stub->on("GET", QUrl(operation).path(), {status("InProgress"), status("Succeeded")});
    QSignalSpy progress(w.session(), &AppSession::operationProgress);
    const qsizetype before = m_stub->requests().size();
    QVERIFY(w.revisionActions()->createRevision(spec));
    QVERIFY(w.session()->busy());
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), kTimeout);
    QVERIFY2(finished.constLast().at(0).toBool(),
             qPrintable(finished.constLast().at(1).toString()));
    QVERIFY(!progress.isEmpty());
    QCOMPARE(progress.constFirst().at(1).toString(), QStringLiteral("InProgress"));
    QCOMPARE(m_stub->requests("GET", QUrl(operation).path()).size(), 2);
    // The app was read after the click and before the PATCH: not the last poll's template.
    const QList<StubRequest> log = m_stub->requests();
    qsizetype patchAt = -1;
    bool readFirst = false;
    for (qsizetype i = before; i < log.size() && patchAt < 0; ++i) {
        if (log.at(i).method == "PATCH")
            patchAt = i;
        else if (log.at(i).method == "GET" && log.at(i).path == kApp)
            readFirst = true;
    }
    QVERIFY(patchAt >= 0);
    QVERIFY(readFirst);
    const QJsonObject sent =
        QJsonDocument::fromJson(m_stub->requests("PATCH", kApp).constLast().body)
            .object()
            .value(QStringLiteral("properties"))
            .toObject()
            .value(QStringLiteral("template"))
            .toObject();
    QCOMPARE(sent.value(QStringLiteral("revisionSuffix")).toString(), QStringLiteral("green"));
    const QJsonObject exampleTemplate = exampleApp()
                                            .value(QStringLiteral("properties"))
                                            .toObject()
                                            .value(QStringLiteral("template"))
                                            .toObject();
    for (const char *kept : {"initContainers", "serviceBinds", "scale"})
        QCOMPARE(sent.value(QLatin1String(kept)), exampleTemplate.value(QLatin1String(kept)));
    const QJsonObject container =
        sent.value(QStringLiteral("containers")).toArray().at(0).toObject();
    QCOMPARE(container.value(QStringLiteral("image")).toString(), spec.image);
    QCOMPARE(container.value(QStringLiteral("resources")),
             exampleTemplate.value(QStringLiteral("containers"))
                 .toArray()
                 .at(0)
                 .toObject()
                 .value(QStringLiteral("resources")));

    // The bearer token went with every request, and nowhere else.
    for (const StubRequest &r : m_stub->requests())
        QCOMPARE(r.headers.value("authorization"), "Bearer " + m_token);
    const QString secret = QString::fromLatin1(m_token.split('.').last());
    EventsModel *events = w.eventsModel();
    events->flush();
    for (int row = 0; row < events->rowCount(); ++row)
        QVERIFY(!events->entryAt(row).text.contains(secret));
    w.close();
    QTRY_VERIFY_WITH_TIMEOUT(!w.isVisible(), kTimeout);
    settings.sync();
    QFile ini(settings.fileName());
    QVERIFY(ini.open(QIODevice::ReadOnly));
    const QByteArray saved = ini.readAll();
    QVERIFY(!saved.contains(secret.toLatin1()));
    // The choice is remembered, and the console comes back to it.
    const PlatformTarget again = Settings(settings.fileName()).platformTarget();
    QCOMPARE(again.kind, PlatformKind::Azure);
    QCOMPARE(again.subscription, kSub);
    QCOMPARE(again.subscriptionName, QStringLiteral("Blueshift Test"));
    QCOMPARE(again.resourceGroup, QStringLiteral("rg"));
    QCOMPARE(again.tokenSource, PlatformTarget::TokenSource::AzureCli);
    QCOMPARE(again.adminUrl, QUrl(m_stub->base()));
    QCOMPARE(Settings(settings.fileName()).appName(), QStringLiteral("testcontainerapp0"));
}

void TestAzureConnect::listingErrorsInArmWords_data()
{
    QTest::addColumn<QByteArray>("az");
    QTest::addColumn<QString>("failingPath");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("message");
    QTest::addColumn<QStringList>("expected");
    const QString invalid = QStringLiteral("The access token is invalid.");
    QTest::addRow("401 on subscriptions")
        << QByteArray("ok") << QStringLiteral("/subscriptions") << 401
        << QStringLiteral("InvalidAuthenticationToken") << invalid
        << QStringList{QStringLiteral("Cannot list subscriptions"),
                       QStringLiteral("refused the token from the Azure CLI"),
                       QStringLiteral("InvalidAuthenticationToken: ") + invalid};
    const QString denied =
        QStringLiteral(
            "The client 'user@example.com' with object id '00000000-0000-0000-0000-000000000000' "
            "does "
            "not have authorization to perform action 'Microsoft.Resources/subscriptions/"
            "resourcegroups/read' over scope '/subscriptions/%1' or the scope is invalid.")
            .arg(kSub);
    QTest::addRow("403 on resource groups")
        << QByteArray("ok") << kGroups << 403 << QStringLiteral("AuthorizationFailed") << denied
        << QStringList{QStringLiteral("Cannot list resource groups"),
                       QStringLiteral("AuthorizationFailed: ") + denied};
    QTest::addRow("az not signed in")
        << QByteArray("fail") << QString() << 0 << QString() << QString()
        << QStringList{QStringLiteral("no token from the Azure CLI"),
                       QStringLiteral("Please run 'az login'")};
}

void TestAzureConnect::listingErrorsInArmWords()
{
    QFETCH(QByteArray, az);
    QFETCH(QString, failingPath);
    QFETCH(int, status);
    QFETCH(QString, code);
    QFETCH(QString, message);
    QFETCH(QStringList, expected);
    serveExamples();
    setAz(az);
    if (!failingPath.isEmpty())
        m_stub->on("GET", failingPath, {{status, armError(code, message)}});
    PlatformTarget initial = stubTarget();
    initial.subscription = kSub; // so that the groups are asked at once
    AzureConnectDialog dialog(initial, QString());
    dialog.show();
    QTRY_VERIFY_WITH_TIMEOUT(!dialog.listingError().isEmpty(), kTimeout);
    QTRY_VERIFY_WITH_TIMEOUT(!dialog.browser()->isBusy(), kTimeout);
    for (const QString &e : expected)
        QVERIFY2(dialog.listingError().contains(e), qPrintable(dialog.listingError()));
    auto *shown = dialog.findChild<QLabel *>(QStringLiteral("azureListingError"));
    QVERIFY(shown && shown->isVisible());
    QCOMPARE(shown->text(), dialog.listingError());
    QVERIFY(!dialog.listingError().contains(QString::fromLatin1(m_token.split('.').last())));
    if (status == 403)
        QVERIFY(dialog.grab().save(artifact(QStringLiteral("dialog-azure-error.png"))));
    if (status == 401) // a rejected token is asked for again, once
        QCOMPARE(m_stub->requests("GET", failingPath).size(), 2);
}

void TestAzureConnect::cancelWhileAzIsSlow()
{
    serveExamples();
    setAz("hang");
    AzureConnectDialog dialog(stubTarget(), QString());
    dialog.show();
    QVERIFY(dialog.browser()->isBusy());
    QTRY_VERIFY_WITH_TIMEOUT(dialog.cancelListingButton()->isVisible(), kTimeout);
    QTRY_COMPARE_WITH_TIMEOUT(azRuns(), 1, kTimeout);
    QVERIFY(dialog.grab().save(artifact(QStringLiteral("dialog-azure-listing.png"))));
    QSignalSpy cancelled(dialog.browser(), &AzureBrowser::cancelled);
    dialog.cancelListingButton()->click();
    QCOMPARE(cancelled.size(), 1);
    QVERIFY(!dialog.browser()->isBusy());
    QVERIFY(!dialog.cancelListingButton()->isVisible());
    QVERIFY(dialog.listingError().isEmpty()); // a cancel is no error
    QVERIFY(m_stub->requests().isEmpty());
    // Asked again with az answering, the list comes.
    setAz("ok");
    dialog.listButton()->click();
    QTRY_COMPARE_WITH_TIMEOUT(dialog.subscriptionBox()->count(), 3, kTimeout);
}

void TestAzureConnect::connectionErrorsInArmWords_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("message");
    QTest::addColumn<QString>("expected");
    QTest::addRow("resource group not found")
        << 404 << QStringLiteral("ResourceGroupNotFound")
        << QStringLiteral("Resource group 'rg' could not be found.")
        << QStringLiteral("ResourceGroupNotFound: Resource group 'rg' could not be found.");
    QTest::addRow("token refused")
        << 401 << QStringLiteral("ExpiredAuthenticationToken")
        << QStringLiteral("The access token expiry UTC time is earlier than current UTC time.")
        << QStringLiteral("refused the token from the Azure CLI");
}

void TestAzureConnect::connectionErrorsInArmWords()
{
    QFETCH(int, status);
    QFETCH(QString, code);
    QFETCH(QString, message);
    QFETCH(QString, expected);
    m_stub->on("GET", kApps, {{status, armError(code, message)}});
    PlatformTarget target = stubTarget();
    target.subscription = kSub;
    target.resourceGroup = QStringLiteral("rg");
    PlatformConnection connection;
    connection.connectTo(target);
    QTRY_COMPARE_WITH_TIMEOUT(connection.state(), PlatformConnection::State::Failed, kTimeout);
    QVERIFY2(connection.stateText().contains(expected), qPrintable(connection.stateText()));
    QVERIFY2(connection.stateText().contains(code), qPrintable(connection.stateText()));
}

QTEST_MAIN(TestAzureConnect)
#include "tst_azureconnect.moc"
