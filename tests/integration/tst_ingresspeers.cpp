// Reference WebSocket clients that nobody here wrote, through the ingress to real relays:
// Debian's python3-websockets and node's ws (tests/node, installed by `npm ci`). Each checks
// every echo itself and reports which revision served it from the ingress's 101 headers.
#include "ingresstestsupport.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkProxy>
#include <QStandardPaths>
#include <QTest>

using namespace blueshift;
using namespace blueshift::itest;

namespace {
QString nodeDirectory()
{
    return QStringLiteral(BLUESHIFT_SOURCE_DIR "/tests/node");
}

// Runs a client to completion; its stdout must be one JSON object with "ok": true.
bool runClient(const QString &program, const QStringList &args, QJsonObject *result,
               QByteArray *diagnostics)
{
    QProcess p;
    p.setProcessEnvironment(cleanEnvironment());
    p.start(program, args);
    if (!p.waitForFinished(60000)) {
        p.kill();
        p.waitForFinished();
        *diagnostics = "timed out: " + p.readAllStandardError();
        return false;
    }
    const QByteArray out = p.readAllStandardOutput();
    *diagnostics = program.toUtf8() + " exited " + QByteArray::number(p.exitCode()) + ": " +
                   p.readAllStandardError().right(600) + out.right(300);
    if (p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0)
        return false;
    *result = QJsonDocument::fromJson(out.trimmed().split('\n').constLast()).object();
    return result->value(QLatin1String("ok")).toBool();
}
} // namespace

class TestIngressPeers : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void pythonWebsockets_data();
    void pythonWebsockets();
    void nodeWs();

private:
    ServerProcess m_upstream{QStringLiteral("upstream-sim")};
    ServerProcess m_blue{QStringLiteral("relay demo--blue-1")};
    ServerProcess m_green{QStringLiteral("relay demo--green-1")};
    std::unique_ptr<ingress::Ingress> m_ingress;
};

void TestIngressPeers::initTestCase()
{
    QNetworkProxy::setApplicationProxy(QNetworkProxy::NoProxy);
    QVERIFY2(m_upstream.startUpstreamSim({QStringLiteral("--mode"), QStringLiteral("echo")}),
             m_upstream.diagnostics().constData());
    QVERIFY(startEchoRelay(m_blue, m_upstream.port(), QStringLiteral("demo--blue"),
                           QStringLiteral("demo--blue-1")));
    QVERIFY(startEchoRelay(m_green, m_upstream.port(), QStringLiteral("demo--green"),
                           QStringLiteral("demo--green-1")));
    m_ingress = startIngress(
        appRoutes({revisionOf(QStringLiteral("demo--blue"), 50,
                              {replicaAt(QStringLiteral("demo--blue-1"), m_blue.port())}),
                   revisionOf(QStringLiteral("demo--green"), 50,
                              {replicaAt(QStringLiteral("demo--green-1"), m_green.port())})}));
    QVERIFY(m_ingress);
}

void TestIngressPeers::pythonWebsockets_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<QString>("revision");
    QTest::addRow("weighted") << QString() << QString();
    QTest::addRow("label green") << QStringLiteral("?blueshift-label=green")
                                 << QStringLiteral("demo--green");
    QTest::addRow("label blue") << QStringLiteral("?blueshift-label=blue")
                                << QStringLiteral("demo--blue");
}

void TestIngressPeers::pythonWebsockets()
{
    QFETCH(QString, query);
    QFETCH(QString, revision);
    QJsonObject result;
    QByteArray diagnostics;
    const QString url = QStringLiteral("ws://127.0.0.1:%1/ws%2").arg(m_ingress->port()).arg(query);
    QVERIFY2(runClient(systemPython(),
                       {sourceFile(QStringLiteral("pyclient.py")), url, QStringLiteral("echo")},
                       &result, &diagnostics),
             diagnostics.constData());
    QCOMPARE(result.value(QLatin1String("echoed")).toInt(), 7);
    QCOMPARE(result.value(QLatin1String("close_code")).toInt(), 1000);
    const QString served = result.value(QLatin1String("revision")).toString();
    if (revision.isEmpty())
        QVERIFY2(served == QLatin1String("demo--blue") || served == QLatin1String("demo--green"),
                 qPrintable(served));
    else
        QCOMPARE(served, revision);
}

void TestIngressPeers::nodeWs()
{
    const QString node = QStandardPaths::findExecutable(QStringLiteral("node"));
    // A reference peer that is missing is a failed set-up, not a reason to pass: the README's
    // test command installs both.
    QVERIFY2(!node.isEmpty(), "node is not installed (scripts/bootstrap.sh test installs it)");
    QVERIFY2(QFileInfo::exists(nodeDirectory() + QStringLiteral("/node_modules/ws/package.json")),
             "tests/node/node_modules is missing: run npm ci --prefix tests/node");
    QJsonObject result;
    QByteArray diagnostics;
    const QString url = QStringLiteral("ws://127.0.0.1:%1/ws").arg(m_ingress->port());
    QVERIFY2(
        runClient(node,
                  {nodeDirectory() + QStringLiteral("/wsclient.mjs"), url, QStringLiteral("10")},
                  &result, &diagnostics),
        diagnostics.constData());
    QCOMPARE(result.value(QLatin1String("sessions")).toInt(), 10);
    QCOMPARE(result.value(QLatin1String("echoed")).toInt(), 50);
    // Ten sessions at 50/50 from one ingress: both revisions served, named by the ingress.
    QMap<QString, int> perRevision;
    for (const QJsonValue &v : result.value(QLatin1String("revisions")).toArray())
        ++perRevision[v.toString()];
    QCOMPARE(perRevision.value(QStringLiteral("demo--blue")) +
                 perRevision.value(QStringLiteral("demo--green")),
             10);
    QVERIFY(perRevision.value(QStringLiteral("demo--blue")) >= 3);
    QVERIFY(perRevision.value(QStringLiteral("demo--green")) >= 3);
    for (const QJsonValue &v : result.value(QLatin1String("replicas")).toArray())
        QVERIFY(v.toString().startsWith(QLatin1String("demo--")));
}

QTEST_GUILESS_MAIN(TestIngressPeers)
#include "tst_ingresspeers.moc"
