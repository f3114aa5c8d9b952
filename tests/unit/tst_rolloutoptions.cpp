// `blueshift-server rollout` options: --platform azure takes where on Azure from the options or
// the plan's target, checks them before anything runs, and never needs the token for --dry-run.
#include "rolloutoptions.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

using blueshift::server::CommandLine;
using blueshift::server::RolloutOptions;

class tst_RolloutOptions : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void azureFromThePlan();
    void optionsOverrideThePlan();
    void errors_data();
    void errors();
    void planThatIsNotAFile_data();
    void planThatIsNotAFile();

private:
    QString writePlan(const QString &name, const QByteArray &target);
    QTemporaryDir m_dir;
    QString m_azurePlan;
    QString m_localPlan;
};

QString tst_RolloutOptions::writePlan(const QString &name, const QByteArray &target)
{
    const QString path = m_dir.filePath(name);
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        return {};
    f.write(R"({"version":1,"target":)" + target +
            R"(,"sessions":{"url":"ingress","connections":2},
               "steps":[{"kind":"traffic","weights":{"blue":0,"green":100}}]})");
    return path;
}

void tst_RolloutOptions::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_azurePlan = writePlan(
        QStringLiteral("azure.json"),
        R"({"app":"chat","subscription":"34adfa4f-cedf-4dc0-ba29-b6d1a69ab345","resourceGroup":"rg-chat"})");
    m_localPlan = writePlan(QStringLiteral("local.json"), R"({"app":"demo"})");
    QVERIFY(!m_azurePlan.isEmpty() && !m_localPlan.isEmpty());
}

void tst_RolloutOptions::azureFromThePlan()
{
    RolloutOptions o;
    const CommandLine cl = blueshift::server::parseRolloutOptions(
        {QStringLiteral("rollout"), m_azurePlan, QStringLiteral("--platform"),
         QStringLiteral("azure"), QStringLiteral("--dry-run")},
        &o);
    QCOMPARE(cl.status, CommandLine::Run);
    QVERIFY(o.azure);
    QCOMPARE(o.azureTarget.subscription, QStringLiteral("34adfa4f-cedf-4dc0-ba29-b6d1a69ab345"));
    QCOMPARE(o.azureTarget.resourceGroup, QStringLiteral("rg-chat"));
    QCOMPARE(o.azureTarget.managementUrl, QUrl(QStringLiteral("https://management.azure.com")));
    QCOMPARE(o.azureTarget.tokenSource, blueshift::controlplane::AzureTarget::TokenSource::Auto);
}

void tst_RolloutOptions::optionsOverrideThePlan()
{
    const QString token = m_dir.filePath(QStringLiteral("token"));
    QFile f(token);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("eyJ0eXAiOiJKV1QifQ.e30.sig\n");
    f.close();
    RolloutOptions o;
    const CommandLine cl = blueshift::server::parseRolloutOptions(
        {QStringLiteral("rollout"), m_localPlan, QStringLiteral("--platform"),
         QStringLiteral("azure"), QStringLiteral("--subscription"),
         QStringLiteral("00000000-0000-0000-0000-000000000001"), QStringLiteral("--resource-group"),
         QStringLiteral("rg-other"), QStringLiteral("--admin"),
         QStringLiteral("https://management.usgovcloudapi.net"), QStringLiteral("--token-file"),
         token},
        &o);
    QCOMPARE(cl.status, CommandLine::Run);
    QCOMPARE(o.azureTarget.subscription, QStringLiteral("00000000-0000-0000-0000-000000000001"));
    QCOMPARE(o.azureTarget.resourceGroup, QStringLiteral("rg-other"));
    QCOMPARE(o.azureTarget.managementUrl.host(), QStringLiteral("management.usgovcloudapi.net"));
    QCOMPARE(o.azureTarget.tokenSource, blueshift::controlplane::AzureTarget::TokenSource::File);
    QCOMPARE(o.azureTarget.tokenFile, token);
}

void tst_RolloutOptions::errors_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    QTest::addRow("unknown platform")
        << QStringList{QStringLiteral("--platform"), QStringLiteral("gcp")}
        << QStringLiteral("--platform must be local or azure");
    QTest::addRow("azure without subscription")
        << QStringList{QStringLiteral("local.json"), QStringLiteral("--platform"),
                       QStringLiteral("azure")}
        << QStringLiteral("needs a subscription");
    QTest::addRow("azure without resource group")
        << QStringList{QStringLiteral("local.json"), QStringLiteral("--platform"),
                       QStringLiteral("azure"), QStringLiteral("--subscription"),
                       QStringLiteral("00000000-0000-0000-0000-000000000001")}
        << QStringLiteral("needs a resource group");
    QTest::addRow("subscription not a GUID")
        << QStringList{QStringLiteral("--platform"), QStringLiteral("azure"),
                       QStringLiteral("--subscription"), QStringLiteral("my-sub")}
        << QStringLiteral("subscription: ");
    QTest::addRow("management URL over http")
        << QStringList{QStringLiteral("--platform"), QStringLiteral("azure"),
                       QStringLiteral("--admin"), QStringLiteral("http://management.azure.com")}
        << QStringLiteral("--admin: ");
    QTest::addRow("missing token file")
        << QStringList{QStringLiteral("--platform"), QStringLiteral("azure"),
                       QStringLiteral("--token-file"), QStringLiteral("/nonexistent/token")}
        << QStringLiteral("cannot read token file");
    QTest::addRow("token file /dev/zero")
        << QStringList{QStringLiteral("--platform"), QStringLiteral("azure"),
                       QStringLiteral("--token-file"), QStringLiteral("/dev/zero")}
        << QStringLiteral("not a regular file");
    QTest::addRow("subscription on local")
        << QStringList{QStringLiteral("--subscription"),
                       QStringLiteral("00000000-0000-0000-0000-000000000001")}
        << QStringLiteral("go with --platform azure");
}

void tst_RolloutOptions::errors()
{
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    // The plan comes first: the Azure one unless the row names the local one.
    QStringList all{QStringLiteral("rollout")};
    if (args.value(0) == QLatin1String("local.json"))
        all << m_localPlan << args.mid(1);
    else
        all << m_azurePlan << args;
    RolloutOptions o;
    const CommandLine cl = blueshift::server::parseRolloutOptions(all, &o);
    QCOMPARE(cl.status, CommandLine::Error);
    QVERIFY2(cl.message.contains(message), qPrintable(cl.message));
}

void tst_RolloutOptions::planThatIsNotAFile_data()
{
    QTest::addColumn<QString>("plan");
    QTest::addRow("/dev/zero") << QStringLiteral("/dev/zero");
    QTest::addRow("FIFO nobody writes") << QStringLiteral("fifo");
}

void tst_RolloutOptions::planThatIsNotAFile()
{
    // /dev/zero once ended in std::bad_alloc and a FIFO blocked the command for ever.
    QFETCH(QString, plan);
    if (plan == QLatin1String("fifo")) {
        plan = m_dir.filePath(QStringLiteral("plan.fifo"));
        QCOMPARE(::mkfifo(QFile::encodeName(plan).constData(), 0600), 0);
    }
    RolloutOptions o;
    const CommandLine cl = blueshift::server::parseRolloutOptions(
        {QStringLiteral("rollout"), plan, QStringLiteral("--dry-run")}, &o);
    QCOMPARE(cl.status, CommandLine::Error);
    QCOMPARE(cl.message, QStringLiteral("cannot read plan %1: not a regular file").arg(plan));
}

QTEST_GUILESS_MAIN(tst_RolloutOptions)
#include "tst_rolloutoptions.moc"
