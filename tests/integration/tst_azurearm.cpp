// The ARM client against Azure's shapes: a loopback server answers with the official
// Microsoft.App examples (tests/data/azure) for list, get, paging through nextLink, PATCH with
// 202 and polling (Azure-AsyncOperation and Location), failed operations, revision actions,
// replicas, 429 with Retry-After, 5xx, ARM error bodies, a 401 with a token refresh, discovery
// for the pickers; the bearer token goes with every request and into no message.
#include "armstubserver.h"
#include "localplatformsupport.h"

#include "controlplane/armpatches.h"
#include "controlplane/azurediscovery.h"
#include "model/containerapp.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkProxy>
#include <QRandomGenerator>
#include <QTest>

using namespace blueshift;
using namespace blueshift::itest;

namespace {
const QString kSub = QStringLiteral("34adfa4f-cedf-4dc0-ba29-b6d1a69ab345");
const QString kApps =
    QStringLiteral("/subscriptions/%1/resourceGroups/rg/providers/Microsoft.App/containerApps")
        .arg(kSub);
const QString kApp = kApps + QStringLiteral("/testcontainerapp0");
const QString kOperation =
    QStringLiteral("/subscriptions/%1/providers/Microsoft.App/locations/eastus/"
                   "containerappOperationResults/62e4d893-d233-4005-988e-a428d9f77076")
        .arg(kSub);

QByteArray g_token;
QStringList g_messages;
void captureMessage(QtMsgType, const QMessageLogContext &, const QString &text)
{
    g_messages.append(text);
}

controlplane::ArmEndpoint endpointFor(const ArmStubServer &stub)
{
    controlplane::ArmEndpoint e;
    e.baseUrl = QUrl(stub.base());
    e.subscription = kSub;
    e.resourceGroup = QStringLiteral("rg");
    e.pollIntervalMs = 50;
    e.token = [](std::function<void(QByteArray, QString)> done) { done(g_token, QString()); };
    return e;
}

StubResponse status(const QString &state, const QByteArray &retryAfter = "0")
{
    return {
        200,
        toJson({{QStringLiteral("id"), kOperation},
                {QStringLiteral("name"), QStringLiteral("62e4d893-d233-4005-988e-a428d9f77076")},
                {QStringLiteral("status"), state},
                {QStringLiteral("startTime"), QStringLiteral("2025-01-01T10:00:00Z")}}),
        {qMakePair(QByteArray("Retry-After"), retryAfter)}};
}

// The official 202 of ContainerApps_Patch, pointed at the stub instead of management.azure.com.
StubResponse accepted(const ArmStubServer &stub)
{
    const QJsonObject headers = azureExample(QStringLiteral("ContainerApps_Patch.json"))
                                    .value(QStringLiteral("responses"))
                                    .toObject()
                                    .value(QStringLiteral("202"))
                                    .toObject()
                                    .value(QStringLiteral("headers"))
                                    .toObject();
    QString async = headers.value(QStringLiteral("azure-asyncoperation")).toString();
    async.replace(QStringLiteral("https://management.azure.com"), stub.base());
    return {202, {}, {qMakePair(QByteArray("azure-asyncoperation"), async.toLatin1())}};
}

QStringList names(const QJsonArray &items)
{
    QStringList out;
    for (const QJsonValue &v : items)
        out.append(v.toObject().value(QStringLiteral("name")).toString());
    return out;
}
} // namespace

class TestAzureArm : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanupTestCase();
    void listAndGetOfficialExamples();
    void pagingThroughNextLink();
    void patchPolledThroughAzureAsyncOperation();
    void patchPolledThroughLocation_data();
    void patchPolledThroughLocation();
    void failedOperation();
    void revisionActionsRevisionsAndReplicas();
    void throttlingAndServerErrors_data();
    void throttlingAndServerErrors();
    void armErrorBodies_data();
    void armErrorBodies();
    void expiredTokenIsRefreshedOnce();
    void pollUrlOnAnotherOriginIsNotFollowed();
    void pollUrlNamingThisMachineIsFollowed_data();
    void pollUrlNamingThisMachineIsFollowed();
    void cancelWhilePolling();
    void discoveryForThePickers();

private:
    void expectTokenOnEveryRequest(const ArmStubServer &stub);

    std::unique_ptr<ArmStubServer> m_stub;
    std::unique_ptr<controlplane::ArmClient> m_client;
    QtMessageHandler m_oldHandler = nullptr;
};

void TestAzureArm::initTestCase()
{
    QNetworkProxy::setApplicationProxy(QNetworkProxy::NoProxy);
    g_token = "CANARYARM" + QByteArray::number(QRandomGenerator::global()->generate64(), 16);
    m_oldHandler = qInstallMessageHandler(captureMessage);
    QVERIFY(!azureExampleBody(QStringLiteral("ContainerApps_Get.json")).isEmpty());
}

void TestAzureArm::init()
{
    m_stub = std::make_unique<ArmStubServer>();
    QVERIFY(m_stub->listen());
    m_client = std::make_unique<controlplane::ArmClient>(endpointFor(*m_stub));
}

void TestAzureArm::cleanupTestCase()
{
    qInstallMessageHandler(m_oldHandler);
    // Whatever any part printed during the whole run: never the token.
    const QString all = g_messages.join(QLatin1Char('\n'));
    QVERIFY2(!all.contains(QString::fromLatin1(g_token)), qPrintable(all));
}

void TestAzureArm::expectTokenOnEveryRequest(const ArmStubServer &stub)
{
    QVERIFY(!stub.requests().isEmpty());
    for (const StubRequest &r : stub.requests()) {
        QCOMPARE(r.headers.value("authorization"), "Bearer " + g_token);
        QCOMPARE(r.headers.value("accept"), QByteArray("application/json"));
        QVERIFY2(r.query.hasQueryItem(QStringLiteral("api-version")), r.target.constData());
    }
}

void TestAzureArm::listAndGetOfficialExamples()
{
    m_stub->on("GET", kApps,
               {{200, toJson(azureExampleBody(
                          QStringLiteral("ContainerApps_ListByResourceGroup.json")))}});
    m_stub->on("GET", kApp,
               {{200, toJson(azureExampleBody(QStringLiteral("ContainerApps_Get.json")))}});
    const ArmResult list = armWait(m_client->listApps());
    QVERIFY2(list.ok, qPrintable(list.errorCode + QLatin1Char(' ') + list.errorMessage));
    QCOMPARE(names(list.items), QStringList{QStringLiteral("testcontainerapp0")});
    model::ContainerApp app;
    QString error;
    QVERIFY2(model::fromJson(list.items.at(0).toObject(), &app, &error), qPrintable(error));
    QCOMPARE(app.runningStatus, QStringLiteral("Running"));

    const ArmResult get = armWait(m_client->getApp(QStringLiteral("testcontainerapp0")));
    QVERIFY(get.ok);
    QVERIFY2(model::fromJson(get.body, &app, &error), qPrintable(error));
    QCOMPARE(app.latestReadyRevisionName, QStringLiteral("testcontainerapp0-pjxhsye"));
    QVERIFY(app.configuration.ingress);
    QCOMPARE(app.configuration.ingress->affinity, model::Affinity::Sticky);
    QCOMPARE(app.configuration.ingress->traffic.size(), 2);
    QCOMPARE(app.configuration.ingress->traffic.at(1).label, QStringLiteral("staging"));
    QCOMPARE(app.tmpl.containers.at(0).image, QStringLiteral("repo/testcontainerapp0:v4"));

    for (const StubRequest &r : m_stub->requests())
        QCOMPARE(r.query.queryItemValue(QStringLiteral("api-version")),
                 QStringLiteral("2025-01-01"));
    expectTokenOnEveryRequest(*m_stub);
}

void TestAzureArm::pagingThroughNextLink()
{
    // Page 1 is ListBySubscription with a nextLink (its nextLink is null in the example); page
    // 2 is ListByResourceGroup, whose nextLink null ends the list.
    const QString path =
        QStringLiteral("/subscriptions/%1/providers/Microsoft.App/containerApps").arg(kSub);
    QJsonObject page1 = azureExampleBody(QStringLiteral("ContainerApps_ListBySubscription.json"));
    page1.insert(
        QStringLiteral("nextLink"),
        QString(m_stub->base() + path + QStringLiteral("?api-version=2025-01-01&%24skiptoken=p2")));
    m_stub->on("GET", path,
               {{200, toJson(page1)},
                {200, toJson(azureExampleBody(
                          QStringLiteral("ContainerApps_ListByResourceGroup.json")))}});
    const ArmResult r = armWait(controlplane::listContainerApps(*m_client, kSub));
    QVERIFY2(r.ok, qPrintable(r.errorMessage));
    QCOMPARE(r.items.size(), 2);
    const auto seen = m_stub->requests("GET", path);
    QCOMPARE(seen.size(), 2);
    QVERIFY(!seen.at(0).query.hasQueryItem(QStringLiteral("$skiptoken")));
    QVERIFY2(seen.at(1).target.contains("skiptoken=p2"), seen.at(1).target.constData());
    const auto refs = controlplane::appRefsFromJson(r.items);
    QCOMPARE(refs.size(), 2);
    QCOMPARE(refs.at(0).subscription, kSub);
    QCOMPARE(refs.at(0).resourceGroup, QStringLiteral("rg"));
    QCOMPARE(refs.at(0).location, QStringLiteral("East US"));
    QCOMPARE(refs.at(0).fqdn,
             QStringLiteral("testcontainerapp0.demokube-t24clv0g.eastus.containerApps.k4apps.io"));
    expectTokenOnEveryRequest(*m_stub);
}

void TestAzureArm::patchPolledThroughAzureAsyncOperation()
{
    m_stub->on("PATCH", kApp, {accepted(*m_stub)});
    m_stub->on("GET", kOperation,
               {status(QStringLiteral("InProgress")), status(QStringLiteral("InProgress")),
                status(QStringLiteral("Succeeded"))});
    m_stub->on("GET", kApp,
               {{200, toJson(azureExampleBody(QStringLiteral("ContainerApps_Patch.json")))}});
    model::TrafficWeight blue{QStringLiteral("testcontainerapp0-ab1234"), false, 80, QString()};
    model::TrafficWeight green{QString(), true, 20, QStringLiteral("staging")};
    const QJsonObject patch = controlplane::trafficPatch({blue, green});
    const ArmResult r =
        armWait(m_client->patchApp(QStringLiteral("testcontainerapp0"), patch), 10000);
    QVERIFY2(r.ok, qPrintable(r.errorCode + QLatin1Char(' ') + r.errorMessage));
    QCOMPARE(r.status, 202);
    // The result is the app as a GET answers once the operation is over.
    QCOMPARE(r.body, azureExampleBody(QStringLiteral("ContainerApps_Patch.json")));
    QCOMPARE(r.progress.count(QStringLiteral("InProgress")), 3); // the 202, then two polls
    const auto patches = m_stub->requests("PATCH", kApp);
    QCOMPARE(patches.size(), 1);
    QCOMPARE(QJsonDocument::fromJson(patches.at(0).body).object(), patch);
    QCOMPARE(patches.at(0).headers.value("content-type"), QByteArray("application/json"));
    const auto polls = m_stub->requests("GET", kOperation);
    QCOMPARE(polls.size(), 3);
    QCOMPARE(polls.at(0).query.queryItemValue(QStringLiteral("api-version")),
             QStringLiteral("2025-01-01"));
    QCOMPARE(m_stub->requests("GET", kApp).size(), 1);
    expectTokenOnEveryRequest(*m_stub);
}

void TestAzureArm::patchPolledThroughLocation_data()
{
    QTest::addColumn<int>("doneStatus");
    QTest::addColumn<bool>("resultInLocation");
    QTest::addRow("200 with the result") << 200 << true;
    QTest::addRow("204, result by GET") << 204 << false;
}

void TestAzureArm::patchPolledThroughLocation()
{
    QFETCH(int, doneStatus);
    QFETCH(bool, resultInLocation);
    const QString location = QStringLiteral("/subscriptions/%1/providers/Microsoft.App/locations/"
                                            "eastus/containerappOperationResults/loc-1")
                                 .arg(kSub);
    m_stub->on(
        "PATCH", kApp,
        {{202,
          {},
          {qMakePair(
               QByteArray("Location"),
               (m_stub->base() + location + QStringLiteral("?api-version=2025-01-01")).toLatin1()),
           qMakePair(QByteArray("Retry-After"), QByteArray("0"))}}});
    const QByteArray result = toJson(azureExampleBody(QStringLiteral("ContainerApps_Patch.json")));
    StubResponse running{202, {}, {qMakePair(QByteArray("Retry-After"), QByteArray("0"))}};
    m_stub->on("GET", location,
               {running, running, {doneStatus, resultInLocation ? result : QByteArray(), {}}});
    m_stub->on("GET", kApp, {{200, result}});
    const ArmResult r =
        armWait(m_client->patchApp(QStringLiteral("testcontainerapp0"),
                                   controlplane::transportPatch(model::Transport::Http2)),
                10000);
    QVERIFY2(r.ok, qPrintable(r.errorCode + QLatin1Char(' ') + r.errorMessage));
    QCOMPARE(r.body, QJsonDocument::fromJson(result).object());
    QCOMPARE(m_stub->requests("GET", location).size(), 3);
    QCOMPARE(m_stub->requests("GET", kApp).size(), resultInLocation ? 0 : 1);
    QVERIFY(r.progress.contains(QStringLiteral("InProgress")));
    expectTokenOnEveryRequest(*m_stub);
}

void TestAzureArm::failedOperation()
{
    m_stub->on("PATCH", kApp, {accepted(*m_stub)});
    QJsonObject failed = QJsonDocument::fromJson(status(QStringLiteral("Failed")).body).object();
    failed.insert(
        QStringLiteral("error"),
        QJsonObject{{QStringLiteral("code"), QStringLiteral("ContainerAppOperationError")},
                    {QStringLiteral("message"),
                     QStringLiteral("Failed to provision revision for container app "
                                    "'testcontainerapp0'.")}});
    m_stub->on("GET", kOperation,
               {status(QStringLiteral("InProgress")), {200, toJson(failed), {}}});
    controlplane::ArmCall *call =
        m_client->patchApp(QStringLiteral("testcontainerapp0"),
                           controlplane::revisionModePatch(model::ActiveRevisionsMode::Multiple));
    QString text;
    connect(call, &controlplane::ArmCall::finished, this,
            [&text, call] { text = call->errorText(); });
    const ArmResult r = armWait(call, 10000);
    QVERIFY(!r.ok);
    QCOMPARE(text, QStringLiteral("ContainerAppOperationError: Failed to provision revision for "
                                  "container app 'testcontainerapp0'."));
    QCOMPARE(m_stub->requests("GET", kApp).size(), 0);
}

void TestAzureArm::revisionActionsRevisionsAndReplicas()
{
    const QString rev = QStringLiteral("testcontainerApp0-pjxhsye");
    const QString revPath = kApps + QStringLiteral("/testcontainerApp0/revisions/") + rev;
    // Activate, deactivate and restart answer 200 with no body (Revisions_Deactivate.json).
    for (const char *action : {"activate", "deactivate", "restart"})
        m_stub->on("POST", revPath + QLatin1Char('/') + QLatin1String(action), {{200, {}, {}}});
    m_stub->on("GET", kApps + QStringLiteral("/testcontainerApp0/revisions"),
               {{200, toJson(azureExampleBody(QStringLiteral("Revisions_List.json")))}});
    m_stub->on("GET", revPath,
               {{200, toJson(azureExampleBody(QStringLiteral("Revisions_Get.json")))}});
    m_stub->on("GET", revPath + QStringLiteral("/replicas"),
               {{200, toJson(azureExampleBody(QStringLiteral("Replicas_List.json")))}});

    for (const QString &action :
         {QStringLiteral("activate"), QStringLiteral("deactivate"), QStringLiteral("restart")}) {
        const ArmResult r =
            armWait(m_client->revisionAction(QStringLiteral("testcontainerApp0"), rev, action));
        QVERIFY2(r.ok, qPrintable(action + QLatin1Char(' ') + r.errorMessage));
        QCOMPARE(r.status, 200);
        const auto seen = m_stub->requests("POST", revPath + QLatin1Char('/') + action);
        QCOMPARE(seen.size(), 1);
        QVERIFY(seen.at(0).body.isEmpty());
    }

    const ArmResult list = armWait(m_client->listRevisions(QStringLiteral("testcontainerApp0")));
    QCOMPARE(names(list.items), QStringList{rev});
    model::Revision revision;
    QString error;
    QVERIFY2(model::fromJson(list.items.at(0).toObject(), &revision, &error), qPrintable(error));
    QCOMPARE(revision.trafficWeight, 80);
    QCOMPARE(revision.replicas, 1);
    QVERIFY(revision.active);
    QCOMPARE(revision.createdTime, QDateTime(QDate(2021, 5, 24), QTime(21, 24, 22), Qt::UTC));
    const ArmResult get = armWait(m_client->getRevision(QStringLiteral("testcontainerApp0"), rev));
    QVERIFY2(model::fromJson(get.body, &revision, &error), qPrintable(error));
    QCOMPARE(revision.runningState, QStringLiteral("Running"));

    const ArmResult replicas =
        armWait(m_client->listReplicas(QStringLiteral("testcontainerApp0"), rev));
    QCOMPARE(replicas.items.size(), 1);
    model::Replica replica;
    QVERIFY2(model::fromJson(replicas.items.at(0).toObject(), &replica, &error), qPrintable(error));
    QCOMPARE(replica.name, QStringLiteral("myapp--0wlqy09-5d9774cff-5wnd8"));
    QCOMPARE(replica.containers.size(), 1);
    QVERIFY(replica.containers.at(0).ready);
    expectTokenOnEveryRequest(*m_stub);
}

void TestAzureArm::throttlingAndServerErrors_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("retryAfter"); // "date+1" for an HTTP date a second ahead
    QTest::addColumn<int>("minimumMs");
    QTest::addRow("429, Retry-After: 1") << 429 << QStringLiteral("1") << 900;
    QTest::addRow("429, Retry-After as an HTTP date") << 429 << QStringLiteral("date+2") << 500;
    QTest::addRow("503, Retry-After: 0") << 503 << QStringLiteral("0") << 0;
    QTest::addRow("500, backoff") << 500 << QString() << 200;
}

void TestAzureArm::throttlingAndServerErrors()
{
    QFETCH(int, status);
    QFETCH(QString, retryAfter);
    QFETCH(int, minimumMs);
    QByteArray header = retryAfter.toLatin1();
    if (retryAfter == QLatin1String("date+2"))
        header = QLocale::c()
                     .toString(QDateTime::currentDateTimeUtc().addSecs(2),
                               QStringLiteral("ddd, dd MMM yyyy HH:mm:ss 'GMT'"))
                     .toLatin1();
    StubResponse busy{status,
                      armError(status == 429 ? QStringLiteral("TooManyRequests")
                                             : QStringLiteral("InternalServerError"),
                               QStringLiteral("try later")),
                      {}};
    if (!header.isEmpty())
        busy.headers.append(qMakePair(QByteArray("Retry-After"), header));
    m_stub->on(
        "GET", kApp,
        {busy, {200, toJson(azureExampleBody(QStringLiteral("ContainerApps_Get.json"))), {}}});
    QElapsedTimer clock;
    clock.start();
    const ArmResult r = armWait(m_client->getApp(QStringLiteral("testcontainerapp0")), 15000);
    QVERIFY2(r.ok, qPrintable(r.errorCode + QLatin1Char(' ') + r.errorMessage));
    QVERIFY2(clock.elapsed() >= minimumMs, qPrintable(QString::number(clock.elapsed())));
    QVERIFY2(clock.elapsed() < 10000, qPrintable(QString::number(clock.elapsed())));
    QCOMPARE(m_stub->requests("GET", kApp).size(), 2);
    QVERIFY2(r.progress.value(0).startsWith(QStringLiteral("retrying after HTTP %1").arg(status)),
             qPrintable(r.progress.join(QLatin1Char('|'))));

    // A service that stays busy: four retries, then its error.
    init();
    m_stub->on("GET", kApp,
               {{503,
                 armError(QStringLiteral("ServiceUnavailable"), QStringLiteral("down")),
                 {qMakePair(QByteArray("Retry-After"), QByteArray("0"))}}});
    const ArmResult down = armWait(m_client->getApp(QStringLiteral("testcontainerapp0")), 15000);
    QVERIFY(!down.ok);
    QCOMPARE(down.status, 503);
    QCOMPARE(down.errorCode, QStringLiteral("ServiceUnavailable"));
    QCOMPARE(m_stub->requests("GET", kApp).size(), 5);
}

void TestAzureArm::armErrorBodies_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("text");
    QTest::addRow("404 ResourceNotFound")
        << 404
        << armError(QStringLiteral("ResourceNotFound"),
                    QStringLiteral("The Resource 'Microsoft.App/containerApps/nope' under "
                                   "resource group 'rg' was not found."))
        << QStringLiteral("ResourceNotFound: The Resource 'Microsoft.App/containerApps/nope' "
                          "under resource group 'rg' was not found.");
    QTest::addRow("400, the message in details")
        << 400
        << QByteArray(R"({"error":{"code":"InvalidRequestContent","message":"","details":[)"
                      R"({"code":"ContainerAppInvalidName","message":"Invalid name 'X'."}]}})")
        << QStringLiteral("InvalidRequestContent: Invalid name 'X'.");
    QTest::addRow("403 AuthorizationFailed")
        << 403
        << armError(QStringLiteral("AuthorizationFailed"),
                    QStringLiteral("The client does not have authorization to perform action "
                                   "'Microsoft.App/containerApps/write'."))
        << QStringLiteral("AuthorizationFailed: The client does not have authorization to "
                          "perform action 'Microsoft.App/containerApps/write'.");
    QTest::addRow("409, not JSON") << 409 << QByteArray("<html>Conflict</html>")
                                   << QStringLiteral("HTTP409: <html>Conflict</html>");
}

void TestAzureArm::armErrorBodies()
{
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    QFETCH(QString, text);
    m_stub->on("PATCH", kApp, {{status, body, {}}});
    controlplane::ArmCall *call =
        m_client->patchApp(QStringLiteral("testcontainerapp0"),
                           controlplane::stickySessionsPatch(model::Affinity::None));
    QString errorText;
    connect(call, &controlplane::ArmCall::finished, this,
            [&errorText, call] { errorText = call->errorText(); });
    const ArmResult r = armWait(call);
    QVERIFY(!r.ok);
    QCOMPARE(r.status, status);
    QCOMPARE(errorText, text);
    QCOMPARE(m_stub->requests().size(), 1); // 4xx is not retried
}

void TestAzureArm::expiredTokenIsRefreshedOnce()
{
    // ARM's answer to a token that ran out: the client asks its source for a new one, once.
    const QByteArray expired = armError(QStringLiteral("ExpiredAuthenticationToken"),
                                        QStringLiteral("The access token expiry UTC time "
                                                       "'1/1/2025 10:00:00 AM' is earlier than "
                                                       "current UTC time."));
    m_stub->on("GET", kApp,
               {{401, expired, {}},
                {200, toJson(azureExampleBody(QStringLiteral("ContainerApps_Get.json"))), {}}});
    controlplane::ArmEndpoint e = endpointFor(*m_stub);
    auto generation = std::make_shared<int>(1);
    e.token = [generation](std::function<void(QByteArray, QString)> done) {
        done(g_token + QByteArray::number(*generation), QString());
    };
    e.tokenRejected = [generation] { ++*generation; };
    controlplane::ArmClient client(e);
    const ArmResult r = armWait(client.getApp(QStringLiteral("testcontainerapp0")));
    QVERIFY2(r.ok, qPrintable(r.errorMessage));
    const auto seen = m_stub->requests("GET", kApp);
    QCOMPARE(seen.size(), 2);
    QCOMPARE(seen.at(0).headers.value("authorization"), "Bearer " + g_token + '1');
    QCOMPARE(seen.at(1).headers.value("authorization"), "Bearer " + g_token + '2');

    // Rejected again: that is the answer.
    m_stub->on("GET", kApp, {{401, expired, {}}});
    const ArmResult again = armWait(client.getApp(QStringLiteral("testcontainerapp0")));
    QVERIFY(!again.ok);
    QCOMPARE(again.errorCode, QStringLiteral("ExpiredAuthenticationToken"));
    QCOMPARE(m_stub->requests("GET", kApp).size(), 4);
}

void TestAzureArm::pollUrlOnAnotherOriginIsNotFollowed()
{
    ArmStubServer elsewhere;
    QVERIFY(elsewhere.listen());
    elsewhere.on("GET", kOperation, {status(QStringLiteral("Succeeded"))});
    m_stub->on("PATCH", kApp, {accepted(elsewhere)});
    const ArmResult r =
        armWait(m_client->patchApp(QStringLiteral("testcontainerapp0"),
                                   controlplane::transportPatch(model::Transport::Auto)),
                10000);
    QVERIFY(!r.ok);
    QCOMPARE(r.errorCode, QStringLiteral("UntrustedUrl"));
    QVERIFY2(r.errorMessage.contains(elsewhere.base()), qPrintable(r.errorMessage));
    QVERIFY(!r.errorMessage.contains(QString::fromLatin1(g_token)));
    QCOMPARE(elsewhere.requests().size(), 0);
}

void TestAzureArm::pollUrlNamingThisMachineIsFollowed_data()
{
    QTest::addColumn<QString>("host");
    QTest::addRow("localhost for 127.0.0.1") << QStringLiteral("localhost");
    QTest::addRow("a control plane listening on 0.0.0.0") << QStringLiteral("0.0.0.0");
}

void TestAzureArm::pollUrlNamingThisMachineIsFollowed()
{
    // The local platform names itself by the address it listens on, which may not be the one
    // the client used: still this machine, still the same control plane.
    QFETCH(QString, host);
    StubResponse answer = accepted(*m_stub);
    answer.headers[0].second.replace("127.0.0.1", host.toLatin1());
    m_stub->on("PATCH", kApp, {answer});
    m_stub->on("GET", kOperation, {status(QStringLiteral("Succeeded"))});
    m_stub->on("GET", kApp,
               {{200, toJson(azureExampleBody(QStringLiteral("ContainerApps_Get.json")))}});
    const ArmResult r =
        armWait(m_client->patchApp(QStringLiteral("testcontainerapp0"),
                                   controlplane::transportPatch(model::Transport::Auto)),
                10000);
    QVERIFY2(r.ok, qPrintable(r.errorCode + QLatin1Char(' ') + r.errorMessage));
    QCOMPARE(m_stub->requests("GET", kOperation).size(), 1);
}

void TestAzureArm::cancelWhilePolling()
{
    m_stub->on("PATCH", kApp, {accepted(*m_stub)});
    m_stub->on("GET", kOperation, {status(QStringLiteral("InProgress"), "30")});
    controlplane::ArmCall *call =
        m_client->patchApp(QStringLiteral("testcontainerapp0"),
                           controlplane::revisionModePatch(model::ActiveRevisionsMode::Single));
    int polls = 0;
    connect(call, &controlplane::ArmCall::progress, this, [&polls, call](const QString &) {
        if (++polls == 2) // the 202, then the first poll that says "wait 30 s"
            call->cancel();
    });
    QElapsedTimer clock;
    clock.start();
    const ArmResult r = armWait(call, 10000);
    QVERIFY(r.done);
    QCOMPARE(r.errorCode, QStringLiteral("Cancelled"));
    QVERIFY2(clock.elapsed() < 5000, "cancel does not wait for the next poll");
    QCOMPARE(m_stub->requests("GET", kOperation).size(), 1);
}

void TestAzureArm::discoveryForThePickers()
{
    // Subscriptions and resource groups are Microsoft.Resources: their own api-versions.
    QJsonObject subscriptions = azureExampleBody(QStringLiteral("GetSubscriptions.json"));
    // The example's nextLink is "..."; a real one points at the next page.
    subscriptions.insert(
        QStringLiteral("nextLink"),
        QString(m_stub->base() +
                QStringLiteral("/subscriptions?api-version=2022-12-01&%24skiptoken=2")));
    m_stub->on("GET", QStringLiteral("/subscriptions"),
               {{200, toJson(subscriptions), {}}, {200, R"({"value":[]})", {}}});
    const QJsonObject group = azureExampleBody(QStringLiteral("CreateResourceGroup.json"));
    m_stub->on("GET", QStringLiteral("/subscriptions/%1/resourcegroups").arg(kSub),
               {{200, toJson({{QStringLiteral("value"), QJsonArray{group}}}), {}}});

    const ArmResult subs = armWait(controlplane::listSubscriptions(*m_client));
    QVERIFY2(subs.ok, qPrintable(subs.errorMessage));
    const auto list = controlplane::subscriptionsFromJson(subs.items);
    QCOMPARE(list.size(), 2);
    QCOMPARE(list.at(0).displayName, QStringLiteral("Example Subscription"));
    QCOMPARE(list.at(0).id, QStringLiteral("291bba3f-e0a5-47bc-a099-3bdcb2a50a05"));
    QCOMPARE(list.at(1).state, QStringLiteral("Enabled"));
    for (const StubRequest &r : m_stub->requests("GET", QStringLiteral("/subscriptions")))
        QCOMPARE(r.query.queryItemValue(QStringLiteral("api-version")),
                 QStringLiteral("2022-12-01"));
    QCOMPARE(m_stub->requests("GET", QStringLiteral("/subscriptions")).size(), 2);

    const ArmResult groups = armWait(controlplane::listResourceGroups(*m_client, kSub));
    QVERIFY2(groups.ok, qPrintable(groups.errorMessage));
    const auto g = controlplane::resourceGroupsFromJson(groups.items);
    QCOMPARE(g.size(), 1);
    QCOMPARE(g.at(0).name, QStringLiteral("my-resource-group"));
    QCOMPARE(g.at(0).location, QStringLiteral("eastus"));
    QCOMPARE(m_stub->requests().constLast().query.queryItemValue(QStringLiteral("api-version")),
             QStringLiteral("2021-04-01"));
    // The client's own listResourceGroups() asks the same.
    const ArmResult own = armWait(m_client->listResourceGroups());
    QCOMPARE(own.items.size(), 1);
    expectTokenOnEveryRequest(*m_stub);
}

QTEST_GUILESS_MAIN(TestAzureArm)
#include "tst_azurearm.moc"
