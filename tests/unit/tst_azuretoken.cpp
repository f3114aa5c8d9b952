// Where the ARM bearer token comes from: `az account get-access-token` run as a process (a fake
// az, first on PATH, that prints what the Azure CLI documents), refreshed before it expires and
// shared by concurrent callers; $BLUESHIFT_ARM_TOKEN and token files; and the checks that build
// an Azure endpoint. The token must never appear in a message or an error.
#include "controlplane/azureclitoken.h"
#include "controlplane/azuretarget.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace blueshift::controlplane;

namespace {
// Everything any logging category printed while the test ran.
QStringList g_messages;
void captureMessage(QtMsgType, const QMessageLogContext &, const QString &text)
{
    g_messages.append(text);
}

// A token shaped like Entra's (a JWT) whose exp is `exp`, with a canary no other text has.
QByteArray jwt(const QDateTime &exp, const QByteArray &canary)
{
    const QByteArray header =
        QByteArray(R"({"alg":"RS256","typ":"JWT"})")
            .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    const QByteArray payload =
        QJsonDocument(
            QJsonObject{{QStringLiteral("aud"), QStringLiteral("https://management.azure.com/")},
                        {QStringLiteral("exp"), double(exp.toSecsSinceEpoch())},
                        {QStringLiteral("canary"), QString::fromLatin1(canary)}})
            .toJson(QJsonDocument::Compact)
            .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    return header + '.' + payload + '.' + canary;
}

bool writeFile(const QString &path, const QByteArray &content)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(content) == content.size();
}

struct Answer
{
    bool done = false;
    QByteArray token;
    QString error;
};

// Calls get() and keeps what it answers (now or later).
std::shared_ptr<Answer> ask(AzureCliToken &source)
{
    auto a = std::make_shared<Answer>();
    source.get([a](QByteArray token, QString error) {
        a->done = true;
        a->token = token;
        a->error = error;
    });
    return a;
}

std::shared_ptr<Answer> ask(const ArmEndpoint &endpoint)
{
    auto a = std::make_shared<Answer>();
    endpoint.token([a](QByteArray token, QString error) {
        a->done = true;
        a->token = token;
        a->error = error;
    });
    return a;
}
} // namespace

class tst_AzureToken : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanupTestCase();
    void parse_data();
    void parse();
    void refreshTime_data();
    void refreshTime();
    void runsAzAndCachesUntilRefreshDue();
    void tokenExpiringSoonIsRefreshed();
    void concurrentCallersShareOneRun();
    void failingAzGivesAClearError();
    void missingAz();
    void azThatHangsIsKilled();
    void backgroundRefreshFailureKeepsTheGoodToken();
    void invalidateForcesARun();
    void endpointFromEnvironment();
    void endpointFromTokenFile();
    void endpointFromAzureCli();
    void endpointErrors_data();
    void endpointErrors();

private:
    // What the fake az prints next: its mode ("ok", "legacy", "fail", "hang", "slow", "garbage",
    // "leaky-fail") and the token and expiry of "ok".
    void setAz(const QByteArray &mode, const QByteArray &token = {}, const QDateTime &expires = {});
    QStringList azCalls() const;
    void expectNoTokenInMessages(const QByteArray &token);

    QTemporaryDir m_dir;
    QByteArray m_oldPath;
    QtMessageHandler m_oldHandler = nullptr;
    QDateTime m_now;
};

void tst_AzureToken::initTestCase()
{
    QVERIFY(m_dir.isValid());
    // The fake az: what the Azure CLI prints for `account get-access-token --output json`.
    const QByteArray script = R"(#!/bin/sh
dir=$(dirname "$0")
echo "$*" >> "$dir/calls"
mode=$(cat "$dir/mode")
case "$mode" in
  ok) cat "$dir/answer" ;;
  slow) sleep 0.3; cat "$dir/answer" ;;
  legacy) cat "$dir/answer" ;;
  fail) echo "WARNING: A new version of the Azure CLI is available." >&2
        echo "ERROR: Please run 'az login' to setup account." >&2; exit 1 ;;
  leaky-fail) echo "ERROR: token $(cat "$dir/token") was refused" >&2; exit 2 ;;
  garbage) echo "this is not json" ;;
  hang) exec sleep 30 ;;
esac
)";
    QVERIFY(writeFile(m_dir.filePath(QStringLiteral("az")), script));
    QVERIFY(QFile::setPermissions(m_dir.filePath(QStringLiteral("az")),
                                  QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
    m_oldPath = qgetenv("PATH");
    qputenv("PATH", QFile::encodeName(m_dir.path()) + ':' + m_oldPath);
    qunsetenv(kArmTokenVariable);
    m_oldHandler = qInstallMessageHandler(captureMessage);
}

void tst_AzureToken::init()
{
    g_messages.clear();
    QFile::remove(m_dir.filePath(QStringLiteral("calls")));
    m_now = QDateTime::fromSecsSinceEpoch(QDateTime::currentSecsSinceEpoch(), Qt::UTC);
}

void tst_AzureToken::cleanupTestCase()
{
    qInstallMessageHandler(m_oldHandler);
    qputenv("PATH", m_oldPath);
}

void tst_AzureToken::setAz(const QByteArray &mode, const QByteArray &token,
                           const QDateTime &expires)
{
    QVERIFY(writeFile(m_dir.filePath(QStringLiteral("mode")), mode + '\n'));
    QVERIFY(writeFile(m_dir.filePath(QStringLiteral("token")), token));
    QJsonObject answer{
        {QStringLiteral("accessToken"), QString::fromLatin1(token)},
        {QStringLiteral("subscription"), QStringLiteral("34adfa4f-cedf-4dc0-ba29-b6d1a69ab345")},
        {QStringLiteral("tenant"), QStringLiteral("31c75423-32d6-4322-88b7-c478bdde4858")},
        {QStringLiteral("tokenType"), QStringLiteral("Bearer")}};
    // expiresOn is local time with microseconds; expires_on (az 2.54+) is POSIX seconds.
    answer.insert(QStringLiteral("expiresOn"),
                  expires.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.000000")));
    if (mode != "legacy")
        answer.insert(QStringLiteral("expires_on"), double(expires.toSecsSinceEpoch()));
    QVERIFY(writeFile(m_dir.filePath(QStringLiteral("answer")),
                      QJsonDocument(answer).toJson(QJsonDocument::Indented)));
}

QStringList tst_AzureToken::azCalls() const
{
    QFile f(m_dir.filePath(QStringLiteral("calls")));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QString::fromUtf8(f.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
}

void tst_AzureToken::expectNoTokenInMessages(const QByteArray &token)
{
    const QString joined = g_messages.join(QLatin1Char('\n'));
    QVERIFY2(!joined.contains(QString::fromLatin1(token)), qPrintable(joined));
    QVERIFY2(!joined.contains(QString::fromLatin1(token.split('.').last())), qPrintable(joined));
}

void tst_AzureToken::parse_data()
{
    QTest::addColumn<QByteArray>("output");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<qint64>("expiresOn"); // POSIX seconds; 0: none
    QTest::addColumn<QString>("errorContains");
    QTest::addRow("expires_on as a number")
        << QByteArray(R"({"accessToken":"abc.def.ghi","expires_on":1714571112,"expiresOn":"x"})")
        << true << qint64(1714571112) << QString();
    QTest::addRow("expires_on as a string")
        << QByteArray(R"({"accessToken":"abc","expires_on":"1714571112"})") << true
        << qint64(1714571112) << QString();
    QTest::addRow("no expiry at all")
        << QByteArray(R"({"accessToken":"abc"})") << true << qint64(0) << QString();
    QTest::addRow("no accessToken")
        << QByteArray(R"({"expires_on":1714571112,"tokenType":"Bearer"})") << false << qint64(0)
        << QStringLiteral("no accessToken");
    QTest::addRow("not JSON") << QByteArray("SECRET-ish text") << false << qint64(0)
                              << QStringLiteral("JSON object");
    QTest::addRow("token with a line break")
        << QByteArray(R"({"accessToken":"SECRET\r\nX-Evil: 1"})") << false << qint64(0)
        << QStringLiteral("cannot hold");
}

void tst_AzureToken::parse()
{
    QFETCH(QByteArray, output);
    QFETCH(bool, ok);
    QFETCH(qint64, expiresOn);
    QFETCH(QString, errorContains);
    AzureCliToken::Parsed parsed;
    QString error;
    QCOMPARE(AzureCliToken::parse(output, &parsed, &error), ok);
    if (ok) {
        QCOMPARE(parsed.expiresOn.isValid(), expiresOn != 0);
        if (expiresOn)
            QCOMPARE(parsed.expiresOn.toSecsSinceEpoch(), expiresOn);
    } else {
        QVERIFY2(error.contains(errorContains), qPrintable(error));
        QVERIFY2(!error.contains(QLatin1String("SECRET")), qPrintable(error));
    }
}

void tst_AzureToken::refreshTime_data()
{
    QTest::addColumn<int>("lifetimeSeconds");
    QTest::addColumn<int>("refreshAfterSeconds");
    QTest::addRow("60 min: 5 min before the end") << 3600 << 3300;
    QTest::addRow("10 min: at 80 percent") << 600 << 480;
    QTest::addRow("5 min: at 80 percent") << 300 << 240;
    QTest::addRow("already expired: now") << -10 << -10;
}

void tst_AzureToken::refreshTime()
{
    QFETCH(int, lifetimeSeconds);
    QFETCH(int, refreshAfterSeconds);
    const QDateTime now = QDateTime::fromSecsSinceEpoch(1700000000, Qt::UTC);
    QCOMPARE(now.secsTo(AzureCliToken::refreshTime(now, now.addSecs(lifetimeSeconds))),
             qint64(refreshAfterSeconds));
}

void tst_AzureToken::runsAzAndCachesUntilRefreshDue()
{
    const QByteArray first = jwt(m_now.addSecs(3600), "CANARYFIRST0001");
    setAz("ok", first, m_now.addSecs(3600));
    AzureCliToken source;
    QDateTime now = m_now;
    source.setClock([&now] { return now; });

    auto a = ask(source);
    QVERIFY(!a->done); // az runs as a process: the answer comes later
    QTRY_VERIFY_WITH_TIMEOUT(a->done, 10000);
    QVERIFY2(a->error.isEmpty(), qPrintable(a->error));
    QCOMPARE(a->token, first);
    QCOMPARE(source.expiresOn(), m_now.addSecs(3600));
    QCOMPARE(source.refreshAt(), m_now.addSecs(3300));
    QCOMPARE(azCalls(), QStringList{QStringLiteral(
                            "account get-access-token --resource https://management.azure.com/ "
                            "--output json")});

    // Fresh: answered at once, no second run.
    now = m_now.addSecs(3000);
    auto b = ask(source);
    QVERIFY(b->done);
    QCOMPARE(b->token, first);
    QCOMPARE(source.runs(), 1);

    // Refresh due while still good: the old token at once, a new one behind it.
    const QByteArray second = jwt(m_now.addSecs(7200), "CANARYSECOND002");
    setAz("ok", second, m_now.addSecs(7200));
    now = m_now.addSecs(3400);
    QSignalSpy refreshed(&source, &AzureCliToken::refreshed);
    auto c = ask(source);
    QVERIFY(c->done);
    QCOMPARE(c->token, first);
    QVERIFY(source.isRunning());
    QTRY_COMPARE_WITH_TIMEOUT(refreshed.size(), 1, 10000);
    QCOMPARE(source.runs(), 2);
    auto d = ask(source);
    QVERIFY(d->done);
    QCOMPARE(d->token, second);
    expectNoTokenInMessages(first);
    expectNoTokenInMessages(second);
    QVERIFY2(g_messages.join(QLatin1Char('\n')).contains(QLatin1String("refreshed")),
             qPrintable(g_messages.join(QLatin1Char('\n'))));
}

void tst_AzureToken::tokenExpiringSoonIsRefreshed()
{
    // az hands out its cached token, which has 20 s left: good for the call that asked, but
    // the next caller gets a new one rather than one that may expire on the way.
    const QByteArray old = jwt(m_now.addSecs(20), "CANARYOLD000003");
    setAz("legacy", old, m_now.addSecs(20)); // older az: expiresOn in local time only
    AzureCliToken source;
    source.setClock([this] { return m_now; });
    auto a = ask(source);
    QTRY_VERIFY_WITH_TIMEOUT(a->done, 10000);
    QCOMPARE(a->token, old);
    QCOMPARE(source.expiresOn(), m_now.addSecs(20));

    const QByteArray fresh = jwt(m_now.addSecs(3600), "CANARYFRESH0004");
    setAz("ok", fresh, m_now.addSecs(3600));
    auto b = ask(source);
    QVERIFY(!b->done);
    QTRY_VERIFY_WITH_TIMEOUT(b->done, 10000);
    QCOMPARE(b->token, fresh);
    QCOMPARE(source.runs(), 2);
}

void tst_AzureToken::concurrentCallersShareOneRun()
{
    const QByteArray token = jwt(m_now.addSecs(3600), "CANARYSHARED005");
    setAz("slow", token, m_now.addSecs(3600));
    AzureCliToken source;
    QList<std::shared_ptr<Answer>> answers;
    for (int i = 0; i < 5; ++i)
        answers.append(ask(source));
    QTRY_VERIFY_WITH_TIMEOUT(
        std::all_of(answers.begin(), answers.end(), [](const auto &a) { return a->done; }), 10000);
    for (const auto &a : answers)
        QCOMPARE(a->token, token);
    QCOMPARE(source.runs(), 1);
    QCOMPARE(azCalls().size(), 1);
}

void tst_AzureToken::failingAzGivesAClearError()
{
    setAz("fail");
    AzureCliToken source;
    QSignalSpy failed(&source, &AzureCliToken::failed);
    auto a = ask(source);
    auto b = ask(source);
    QTRY_VERIFY_WITH_TIMEOUT(a->done && b->done, 10000);
    QVERIFY(a->token.isEmpty());
    QCOMPARE(a->error,
             QStringLiteral("az account get-access-token failed (exit code 1): ERROR: Please run "
                            "'az login' to setup account."));
    QCOMPARE(b->error, a->error);
    QCOMPARE(failed.size(), 1);
    QCOMPARE(source.lastError(), a->error);

    // Even when az's own message quotes a token, the error does not.
    const QByteArray leaked = jwt(m_now.addSecs(60), "CANARYLEAKED006");
    setAz("leaky-fail", leaked);
    auto c = ask(source);
    QTRY_VERIFY_WITH_TIMEOUT(c->done, 10000);
    QVERIFY2(c->error.contains(QLatin1String("exit code 2")) &&
                 c->error.contains(QLatin1String("[REDACTED]")),
             qPrintable(c->error));
    QVERIFY2(!c->error.contains(QLatin1String("CANARYLEAKED")), qPrintable(c->error));
    expectNoTokenInMessages(leaked);

    setAz("garbage");
    auto d = ask(source);
    QTRY_VERIFY_WITH_TIMEOUT(d->done, 10000);
    QCOMPARE(d->error,
             QStringLiteral("az account get-access-token printed something other than a JSON "
                            "object"));
}

void tst_AzureToken::missingAz()
{
    AzureCliTokenOptions options;
    options.program = m_dir.filePath(QStringLiteral("not-installed/az"));
    AzureCliToken source(options);
    auto a = ask(source);
    QTRY_VERIFY_WITH_TIMEOUT(a->done, 10000);
    QVERIFY2(a->error.contains(QLatin1String("(the Azure CLI): it is not installed")) &&
                 a->error.contains(QLatin1String("BLUESHIFT_ARM_TOKEN")),
             qPrintable(a->error));
}

void tst_AzureToken::azThatHangsIsKilled()
{
    setAz("hang");
    AzureCliTokenOptions options;
    options.timeoutMs = 300;
    AzureCliToken source(options);
    QElapsedTimer clock;
    clock.start();
    auto a = ask(source);
    QTRY_VERIFY_WITH_TIMEOUT(a->done, 10000);
    QVERIFY2(clock.elapsed() < 5000, "killed at its time limit, not when it gave up");
    QCOMPARE(a->error, QStringLiteral("az account get-access-token did not finish within 0.3 s"));
    QVERIFY(!source.isRunning());
}

void tst_AzureToken::backgroundRefreshFailureKeepsTheGoodToken()
{
    const QByteArray token = jwt(m_now.addSecs(3600), "CANARYKEPT00007");
    setAz("ok", token, m_now.addSecs(3600));
    AzureCliToken source;
    QDateTime now = m_now;
    source.setClock([&now] { return now; });
    auto a = ask(source);
    QTRY_VERIFY_WITH_TIMEOUT(a->done, 10000);

    setAz("fail");
    now = m_now.addSecs(3400); // refresh due, token good for 200 s more
    QSignalSpy failed(&source, &AzureCliToken::failed);
    auto b = ask(source);
    QVERIFY(b->done);
    QCOMPARE(b->token, token);
    QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, 10000);
    auto c = ask(source);
    QVERIFY(c->done);
    QCOMPARE(c->token, token);
    QVERIFY(c->error.isEmpty());

    // Once it has run out, the failure reaches the caller.
    now = m_now.addSecs(3590);
    QTRY_VERIFY_WITH_TIMEOUT(!source.isRunning(), 10000);
    auto d = ask(source);
    QTRY_VERIFY_WITH_TIMEOUT(d->done, 10000);
    QVERIFY(d->token.isEmpty());
    QVERIFY2(d->error.contains(QLatin1String("az login")), qPrintable(d->error));
}

void tst_AzureToken::invalidateForcesARun()
{
    const QByteArray token = jwt(m_now.addSecs(3600), "CANARYINVAL0008");
    setAz("ok", token, m_now.addSecs(3600));
    AzureCliToken source;
    auto a = ask(source);
    QTRY_VERIFY_WITH_TIMEOUT(a->done, 10000);
    source.invalidate();
    auto b = ask(source);
    QVERIFY(!b->done);
    QTRY_VERIFY_WITH_TIMEOUT(b->done, 10000);
    QCOMPARE(source.runs(), 2);
}

void tst_AzureToken::endpointFromEnvironment()
{
    AzureTarget target;
    target.subscription = QStringLiteral("34adfa4f-cedf-4dc0-ba29-b6d1a69ab345");
    target.resourceGroup = QStringLiteral("rg");
    QProcessEnvironment env;
    const QByteArray good = jwt(QDateTime::currentDateTimeUtc().addSecs(3600), "CANARYENVOK0009");
    env.insert(QStringLiteral("BLUESHIFT_ARM_TOKEN"), QString::fromLatin1(good));
    QString error;
    const auto e = azureEndpoint(target, env, &error);
    QVERIFY2(e, qPrintable(error));
    QCOMPARE(e->baseUrl, QUrl(QStringLiteral("https://management.azure.com")));
    QCOMPARE(e->subscription, target.subscription);
    QCOMPARE(e->resourceGroup, QStringLiteral("rg"));
    QCOMPARE(e->apiVersion, QStringLiteral("2025-01-01"));
    auto a = ask(*e);
    QVERIFY(a->done);
    QCOMPARE(a->token, good);
    QVERIFY(!e->tokenRejected); // nothing to refresh: a 401 is final
    QCOMPARE(azCalls().size(), 0);

    const QByteArray expired = jwt(QDateTime::currentDateTimeUtc().addSecs(-60), "CANARYENVOLD10");
    env.insert(QStringLiteral("BLUESHIFT_ARM_TOKEN"), QString::fromLatin1(expired));
    QVERIFY(!azureEndpoint(target, env, &error));
    QVERIFY2(error.contains(QLatin1String("$BLUESHIFT_ARM_TOKEN expired at")), qPrintable(error));
    QVERIFY2(!error.contains(QLatin1String("CANARY")), qPrintable(error));

    env.insert(QStringLiteral("BLUESHIFT_ARM_TOKEN"), QString());
    QVERIFY(!azureEndpoint(target, env, &error));
    QCOMPARE(error, QStringLiteral("$BLUESHIFT_ARM_TOKEN is empty"));
}

void tst_AzureToken::endpointFromTokenFile()
{
    const QString path = m_dir.filePath(QStringLiteral("arm-token"));
    const QByteArray first = jwt(QDateTime::currentDateTimeUtc().addSecs(3600), "CANARYFILE00011");
    QVERIFY(writeFile(path, first + '\n'));
    AzureTarget target;
    target.tokenSource = AzureTarget::TokenSource::File;
    target.tokenFile = path;
    QString error;
    const auto e = azureEndpoint(target, QProcessEnvironment(), &error);
    QVERIFY2(e, qPrintable(error));
    QCOMPARE(ask(*e)->token, first);
    // Read before every request: whatever renews the file is picked up.
    const QByteArray second = jwt(QDateTime::currentDateTimeUtc().addSecs(3600), "CANARYFILE00012");
    QVERIFY(writeFile(path, second));
    QCOMPARE(ask(*e)->token, second);
    const QByteArray expired = jwt(QDateTime::currentDateTimeUtc().addSecs(-5), "CANARYFILE00013");
    QVERIFY(writeFile(path, expired));
    auto a = ask(*e);
    QVERIFY(a->token.isEmpty());
    QVERIFY2(a->error.contains(QLatin1String("expired at")) &&
                 a->error.contains(QLatin1String("az account get-access-token")) &&
                 !a->error.contains(QLatin1String("CANARY")),
             qPrintable(a->error));
    QFile::remove(path);
    a = ask(*e);
    QVERIFY2(a->error.startsWith(QLatin1String("cannot read the ARM token file")),
             qPrintable(a->error));
}

void tst_AzureToken::endpointFromAzureCli()
{
    // No $BLUESHIFT_ARM_TOKEN: az, for the cloud's own audience, shared by every copy.
    const QByteArray token = jwt(m_now.addSecs(3600), "CANARYCLI000014");
    setAz("ok", token, m_now.addSecs(3600));
    AzureTarget target;
    target.managementUrl = QUrl(QStringLiteral("https://management.usgovcloudapi.net"));
    target.tenant = QStringLiteral("31c75423-32d6-4322-88b7-c478bdde4858");
    QString error;
    const auto e = azureEndpoint(target, QProcessEnvironment(), &error);
    QVERIFY2(e, qPrintable(error));
    QVERIFY(e->tokenRejected);
    const ArmEndpoint copy = *e;
    auto a = ask(*e);
    QTRY_VERIFY_WITH_TIMEOUT(a->done, 10000);
    QCOMPARE(a->token, token);
    auto b = ask(copy);
    QVERIFY(b->done); // the copy shares the cache
    QCOMPARE(azCalls(),
             QStringList{QStringLiteral(
                 "account get-access-token --resource https://management.usgovcloudapi.net/ "
                 "--output json --tenant 31c75423-32d6-4322-88b7-c478bdde4858")});
    copy.tokenRejected();
    auto c = ask(*e);
    QVERIFY(!c->done);
    QTRY_VERIFY_WITH_TIMEOUT(c->done, 10000);
    QCOMPARE(azCalls().size(), 2);
    expectNoTokenInMessages(token);
}

void tst_AzureToken::endpointErrors_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("apiVersion");
    QTest::addColumn<QString>("subscription");
    QTest::addColumn<QString>("group");
    QTest::addColumn<QString>("errorContains");
    const QString arm = QStringLiteral("https://management.azure.com");
    const QString sub = QStringLiteral("34adfa4f-cedf-4dc0-ba29-b6d1a69ab345");
    QTest::addRow("http to a remote host")
        << QStringLiteral("http://management.azure.com") << QStringLiteral("2025-01-01") << sub
        << QString() << QStringLiteral("must use https");
    QTest::addRow("a path") << QStringLiteral("https://management.azure.com/subscriptions")
                            << QStringLiteral("2025-01-01") << sub << QString()
                            << QStringLiteral("bare origin");
    QTest::addRow("api-version") << arm << QStringLiteral("latest") << sub << QString()
                                 << QStringLiteral("'latest' is not an api-version");
    QTest::addRow("subscription name")
        << arm << QStringLiteral("2025-01-01") << QStringLiteral("My Subscription") << QString()
        << QStringLiteral("give the ID");
    QTest::addRow("group with a slash")
        << arm << QStringLiteral("2025-01-01") << sub << QStringLiteral("rg/../x")
        << QStringLiteral("not a resource group name");
    QTest::addRow("group without subscription")
        << arm << QStringLiteral("2025-01-01") << QString() << QStringLiteral("rg")
        << QStringLiteral("needs its subscription");
}

void tst_AzureToken::endpointErrors()
{
    QFETCH(QString, url);
    QFETCH(QString, apiVersion);
    QFETCH(QString, subscription);
    QFETCH(QString, group);
    QFETCH(QString, errorContains);
    AzureTarget target;
    target.managementUrl = QUrl(url);
    target.apiVersion = apiVersion;
    target.subscription = subscription;
    target.resourceGroup = group;
    QString error;
    QVERIFY(!azureEndpoint(target, QProcessEnvironment(), &error));
    QVERIFY2(error.contains(errorContains), qPrintable(error));

    // The same target on this machine over http is fine (a local stand-in).
    if (errorContains == QLatin1String("must use https")) {
        target.managementUrl = QUrl(QStringLiteral("http://127.0.0.1:8081"));
        QVERIFY2(azureEndpoint(target, QProcessEnvironment(), &error), qPrintable(error));
    }
}

QTEST_GUILESS_MAIN(tst_AzureToken)
#include "tst_azuretoken.moc"
