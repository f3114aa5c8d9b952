// The relay against Azure OpenAI realtime's URL shape, offline: relay --azure-openai-endpoint
// wss://127.0.0.1:PORT → upstream-sim --azure-deployment over TLS with a CA made here by the
// openssl CLI, with the key checked (api-key or Microsoft Entra bearer token). A conversation
// works with the right key; a wrong key, deployment or api-version closes the client with 1011
// and a relay log line that says why; upstream-sim answers malformed URLs as Azure does; and
// the key appears in no output of either process.
#include "integrationsupport.h"

#include <QElapsedTimer>
#include <QHostAddress>
#include <QJsonDocument>
#include <QNetworkProxy>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>

using namespace blueshift::itest;

namespace {
constexpr int kTimeout = 10000;
const QString kDeployment = QStringLiteral("gpt-realtime");
const QString kApiVersion = QStringLiteral("2025-04-01-preview");

bool writeFile(const QString &path, const QByteArray &content)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(content) == content.size();
}

QByteArray canary()
{
    return "CANARYAZ" + QByteArray::number(QRandomGenerator::global()->generate64(), 16);
}

struct RawAnswer
{
    int status = 0;
    QByteArray body;
};

// A WebSocket upgrade request by hand, to read the status and body of a rejection.
RawAnswer upgrade(quint16 port, const QByteArray &target, const QByteArray &extraHeaders = {})
{
    QTcpSocket s;
    s.connectToHost(QHostAddress::LocalHost, port);
    if (!s.waitForConnected(kTimeout))
        return {};
    s.write("GET " + target +
            " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
            extraHeaders + "\r\n");
    QByteArray in;
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < kTimeout) {
        const qsizetype head = in.indexOf("\r\n\r\n");
        if (head >= 0) {
            const QByteArray status = in.left(in.indexOf("\r\n")).split(' ').value(1);
            if (status == "101")
                return {101, {}};
            const qsizetype lengthAt = in.toLower().indexOf("content-length:");
            const qsizetype length =
                lengthAt < 0 ? 0
                             : in.mid(lengthAt + 15, in.indexOf("\r\n", lengthAt) - lengthAt - 15)
                                   .trimmed()
                                   .toLongLong();
            if (in.size() >= head + 4 + length)
                return {status.toInt(), in.mid(head + 4, length)};
        }
        if (!s.waitForReadyRead(500) && s.state() != QAbstractSocket::ConnectedState)
            break;
        in += s.readAll();
    }
    return {};
}
} // namespace

class TestRelayAzure : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void conversationThroughTheAzureUrl_data();
    void conversationThroughTheAzureUrl();
    void refusedUpstreamClosesWith1011_data();
    void refusedUpstreamClosesWith1011();
    void upstreamSimAnswersAsAzure_data();
    void upstreamSimAnswersAsAzure();
    void commandLineErrors_data();
    void commandLineErrors();

private:
    bool openssl(const QStringList &args, QByteArray *error);
    // upstream-sim over wss for the Azure URL shape, checking `key`.
    bool startAzureSim(ServerProcess &sim, const QByteArray &key);
    // The relay's arguments for that upstream, and where its key comes from.
    QStringList relayArgs(quint16 port, const QString &deployment, const QString &apiVersion,
                          const QString &how, const QByteArray &key, QProcessEnvironment *env);

    QTemporaryDir m_dir;
};

bool TestRelayAzure::openssl(const QStringList &args, QByteArray *error)
{
    QProcess p;
    p.setWorkingDirectory(m_dir.path());
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(QStringLiteral("openssl"), args);
    if (!p.waitForFinished(30000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        *error = "openssl " + args.join(QLatin1Char(' ')).toUtf8() + ": " + p.readAll();
        return false;
    }
    return true;
}

void TestRelayAzure::initTestCase()
{
    QNetworkProxy::setApplicationProxy(QNetworkProxy::NoProxy);
    QVERIFY2(QFile::exists(serverBinary()), qPrintable(serverBinary()));
    QVERIFY(m_dir.isValid());
    // A throwaway CA and a certificate for 127.0.0.1, as the stand-in for NAME.openai.azure.com.
    const QStringList ec{QStringLiteral("-newkey"), QStringLiteral("ec"),
                         QStringLiteral("-pkeyopt"), QStringLiteral("ec_paramgen_curve:prime256v1"),
                         QStringLiteral("-nodes")};
    QByteArray error;
    QVERIFY2(openssl(QStringList{QStringLiteral("req"), QStringLiteral("-x509")} + ec +
                         QStringList{QStringLiteral("-keyout"), QStringLiteral("ca.key"),
                                     QStringLiteral("-out"), QStringLiteral("ca.pem"),
                                     QStringLiteral("-days"), QStringLiteral("2"),
                                     QStringLiteral("-subj"),
                                     QStringLiteral("/CN=Blueshift Azure test CA"),
                                     QStringLiteral("-addext"),
                                     QStringLiteral("basicConstraints=critical,CA:TRUE"),
                                     QStringLiteral("-addext"),
                                     QStringLiteral("keyUsage=critical,keyCertSign,cRLSign")},
                     &error),
             error.constData());
    QVERIFY(writeFile(m_dir.filePath(QStringLiteral("server.ext")),
                      "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                      "extendedKeyUsage=serverAuth\n"));
    QVERIFY2(openssl(QStringList{QStringLiteral("req"), QStringLiteral("-new")} + ec +
                         QStringList{QStringLiteral("-keyout"), QStringLiteral("server.key"),
                                     QStringLiteral("-out"), QStringLiteral("server.csr"),
                                     QStringLiteral("-subj"), QStringLiteral("/CN=127.0.0.1")},
                     &error),
             error.constData());
    QVERIFY2(openssl({QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"),
                      QStringLiteral("server.csr"), QStringLiteral("-CA"), QStringLiteral("ca.pem"),
                      QStringLiteral("-CAkey"), QStringLiteral("ca.key"),
                      QStringLiteral("-CAcreateserial"), QStringLiteral("-days"),
                      QStringLiteral("2"), QStringLiteral("-out"), QStringLiteral("server.pem"),
                      QStringLiteral("-extfile"), QStringLiteral("server.ext")},
                     &error),
             error.constData());
}

bool TestRelayAzure::startAzureSim(ServerProcess &sim, const QByteArray &key)
{
    const QString keyFile = m_dir.filePath(QStringLiteral("expected.key"));
    return writeFile(keyFile, key + '\n') &&
           sim.startUpstreamSim(
               {QStringLiteral("--tls-cert"), m_dir.filePath(QStringLiteral("server.pem")),
                QStringLiteral("--tls-key"), m_dir.filePath(QStringLiteral("server.key")),
                QStringLiteral("--require-key-file"), keyFile, QStringLiteral("--azure-deployment"),
                kDeployment, QStringLiteral("--azure-api-version"), kApiVersion,
                QStringLiteral("--audio-deltas"), QStringLiteral("2")});
}

QStringList TestRelayAzure::relayArgs(quint16 port, const QString &deployment,
                                      const QString &apiVersion, const QString &how,
                                      const QByteArray &key, QProcessEnvironment *env)
{
    QStringList args{QStringLiteral("--azure-openai-endpoint"),
                     QStringLiteral("wss://127.0.0.1:%1").arg(port),
                     QStringLiteral("--azure-openai-deployment"),
                     deployment,
                     QStringLiteral("--azure-openai-api-version"),
                     apiVersion,
                     QStringLiteral("--upstream-ca"),
                     m_dir.filePath(QStringLiteral("ca.pem"))};
    if (how == QLatin1String("api-key file")) {
        const QString file = m_dir.filePath(QStringLiteral("headers"));
        writeFile(file, "# Azure OpenAI key\napi-key: " + key + '\n');
        args << QStringLiteral("--upstream-header-file") << file;
    } else if (how == QLatin1String("UPSTREAM_API_KEY")) {
        env->insert(QStringLiteral("UPSTREAM_API_KEY"), QString::fromLatin1(key));
    } else {
        const QString file = m_dir.filePath(QStringLiteral("entra-token"));
        writeFile(file, key + '\n');
        args << QStringLiteral("--upstream-bearer-token-file") << file;
    }
    return args;
}

void TestRelayAzure::conversationThroughTheAzureUrl_data()
{
    QTest::addColumn<QString>("how");
    QTest::addRow("api-key in --upstream-header-file") << QStringLiteral("api-key file");
    QTest::addRow("api-key in $UPSTREAM_API_KEY") << QStringLiteral("UPSTREAM_API_KEY");
    QTest::addRow("Entra token in --upstream-bearer-token-file") << QStringLiteral("bearer");
}

void TestRelayAzure::conversationThroughTheAzureUrl()
{
    QFETCH(QString, how);
    const QByteArray key = canary();
    ServerProcess sim(QStringLiteral("upstream-sim"));
    QVERIFY2(startAzureSim(sim, key), sim.diagnostics());
    QProcessEnvironment env = cleanEnvironment();
    ServerProcess relay(QStringLiteral("relay"));
    QVERIFY2(relay.startRelay(QString(),
                              relayArgs(sim.port(), kDeployment, kApiVersion, how, key, &env), env),
             relay.diagnostics());
    const QString upstream = relay.events(QStringLiteral("server.started"))
                                 .constFirst()
                                 .value(QLatin1String("upstream"))
                                 .toString();
    QCOMPARE(upstream, QStringLiteral("wss://127.0.0.1:%1/openai/realtime?api-version=%2&"
                                      "deployment=%3")
                           .arg(sim.port())
                           .arg(kApiVersion, kDeployment));

    QWebSocket ws;
    QStringList types;
    connect(&ws, &QWebSocket::textMessageReceived, &ws, [&types](const QString &m) {
        types
            << QJsonDocument::fromJson(m.toUtf8()).object().value(QLatin1String("type")).toString();
    });
    QSignalSpy disconnected(&ws, &QWebSocket::disconnected);
    ws.open(QUrl(relay.wsUrl(QStringLiteral("/ws"))));
    QTRY_COMPARE_WITH_TIMEOUT(types.size(), 1, kTimeout);
    QCOMPARE(types.constFirst(), QStringLiteral("session.created"));
    ws.sendTextMessage(QStringLiteral(R"({"type":"session.update","session":{"voice":"verse"}})"));
    ws.sendTextMessage(QStringLiteral(R"({"type":"response.create"})"));
    QTRY_VERIFY_WITH_TIMEOUT(types.contains(QStringLiteral("response.done")), kTimeout);
    QCOMPARE(types.count(QStringLiteral("session.updated")), 1);
    QCOMPARE(types.count(QStringLiteral("response.audio.delta")), 2);
    ws.close();
    QTRY_COMPARE_WITH_TIMEOUT(disconnected.size(), 1, kTimeout);
    QCOMPARE(int(ws.closeCode()), 1000);

    QVERIFY2(sim.waitForEvent(QStringLiteral("client.connected")), sim.diagnostics());
    QCOMPARE(sim.events(QStringLiteral("client.connected"))
                 .constFirst()
                 .value(QLatin1String("path"))
                 .toString(),
             QStringLiteral("/openai/realtime?api-version=%1&deployment=%2")
                 .arg(kApiVersion, kDeployment));
    QVERIFY2(relay.waitForEvent(QStringLiteral("bridge.completed")), relay.diagnostics());
    relay.terminate();
    sim.terminate();
    QVERIFY2(relay.waitForExit(kTimeout), relay.diagnostics());
    QVERIFY2(sim.waitForExit(kTimeout), sim.diagnostics());
    const QByteArray everything =
        relay.standardOutput() + relay.standardError() + sim.standardOutput() + sim.standardError();
    QVERIFY2(!everything.contains(key), everything.constData());
    QVERIFY2(!everything.contains("CANARYAZ"), everything.constData());
}

void TestRelayAzure::refusedUpstreamClosesWith1011_data()
{
    QTest::addColumn<QString>("how");
    QTest::addColumn<QString>("wrong"); // key, deployment, api-version
    QTest::addColumn<int>("status");
    QTest::addRow("wrong api-key")
        << QStringLiteral("api-key file") << QStringLiteral("key") << 401;
    QTest::addRow("wrong Entra token") << QStringLiteral("bearer") << QStringLiteral("key") << 401;
    QTest::addRow("unknown deployment")
        << QStringLiteral("api-key file") << QStringLiteral("deployment") << 404;
    QTest::addRow("api-version not served")
        << QStringLiteral("UPSTREAM_API_KEY") << QStringLiteral("api-version") << 404;
}

void TestRelayAzure::refusedUpstreamClosesWith1011()
{
    QFETCH(QString, how);
    QFETCH(QString, wrong);
    QFETCH(int, status);
    const QByteArray expected = canary();
    const QByteArray given = wrong == QLatin1String("key") ? canary() : expected;
    ServerProcess sim(QStringLiteral("upstream-sim"));
    QVERIFY2(startAzureSim(sim, expected), sim.diagnostics());
    QProcessEnvironment env = cleanEnvironment();
    const QString deployment =
        wrong == QLatin1String("deployment") ? QStringLiteral("gpt-4o-realtime") : kDeployment;
    const QString version =
        wrong == QLatin1String("api-version") ? QStringLiteral("2024-10-01-preview") : kApiVersion;
    ServerProcess relay(QStringLiteral("relay"));
    QVERIFY2(relay.startRelay(QString(),
                              relayArgs(sim.port(), deployment, version, how, given, &env), env),
             relay.diagnostics());

    QWebSocket ws;
    QSignalSpy messages(&ws, &QWebSocket::textMessageReceived);
    QSignalSpy disconnected(&ws, &QWebSocket::disconnected);
    ws.open(QUrl(relay.wsUrl(QStringLiteral("/ws"))));
    QTRY_COMPARE_WITH_TIMEOUT(disconnected.size(), 1, kTimeout);
    QCOMPARE(int(ws.closeCode()), 1011);
    QVERIFY2(ws.closeReason().startsWith(QLatin1String("upstream unavailable: ")) &&
                 ws.closeReason().contains(QString::number(status)),
             qPrintable(ws.closeReason()));
    QCOMPARE(messages.size(), 0);

    // The relay says what happened, in its log.
    QVERIFY2(relay.waitForEvent(QStringLiteral("bridge.completed")), relay.diagnostics());
    const QJsonObject failed = relay.events(QStringLiteral("upstream.failed")).value(0);
    QCOMPARE(failed.value(QLatin1String("level")).toString(), QStringLiteral("warning"));
    QCOMPARE(
        failed.value(QLatin1String("error")).toString(),
        QStringLiteral("upstream refused the upgrade: HTTP %1 %2")
            .arg(status)
            .arg(status == 401 ? QStringLiteral("Unauthorized") : QStringLiteral("Not Found")));
    QVERIFY2(failed.value(QLatin1String("upstream")).toString().contains(deployment),
             qPrintable(failed.value(QLatin1String("upstream")).toString()));
    // ... and so does the stand-in, with Azure's reason.
    QVERIFY2(sim.waitForEvent(QStringLiteral("upgrade.rejected")), sim.diagnostics());
    const QJsonObject rejected = sim.events(QStringLiteral("upgrade.rejected")).constFirst();
    QCOMPARE(rejected.value(QLatin1String("status")).toInt(), status);
    if (wrong == QLatin1String("deployment"))
        QVERIFY(rejected.value(QLatin1String("why"))
                    .toString()
                    .contains(QLatin1String("DeploymentNotFound")));

    relay.terminate();
    sim.terminate();
    QVERIFY2(relay.waitForExit(kTimeout), relay.diagnostics());
    QVERIFY2(sim.waitForExit(kTimeout), sim.diagnostics());
    const QByteArray everything =
        relay.standardOutput() + relay.standardError() + sim.standardOutput() + sim.standardError();
    QVERIFY2(!everything.contains("CANARYAZ"), everything.constData());
}

void TestRelayAzure::upstreamSimAnswersAsAzure_data()
{
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QByteArray>("headers");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("bodyContains");
    const QByteArray key = "api-key: KEYFORTHESIM\r\n";
    QTest::addRow("all right")
        << QByteArray("/openai/realtime?api-version=2025-04-01-preview&deployment=gpt-realtime")
        << key << 101 << QString();
    QTest::addRow("Bearer instead of api-key")
        << QByteArray("/openai/realtime?api-version=2025-04-01-preview&deployment=gpt-realtime")
        << QByteArray("Authorization: Bearer KEYFORTHESIM\r\n") << 101 << QString();
    QTest::addRow("no api-version") << QByteArray("/openai/realtime?deployment=gpt-realtime") << key
                                    << 400 << QStringLiteral("MissingApiVersionParameter");
    QTest::addRow("api-version not served")
        << QByteArray("/openai/realtime?api-version=2023-01-01&deployment=gpt-realtime") << key
        << 404 << QStringLiteral("api-version '2023-01-01'");
    QTest::addRow("no deployment") << QByteArray("/openai/realtime?api-version=2025-04-01-preview")
                                   << key << 400 << QStringLiteral("deployment query parameter");
    QTest::addRow("unknown deployment")
        << QByteArray("/openai/realtime?api-version=2025-04-01-preview&deployment=other") << key
        << 404 << QStringLiteral("DeploymentNotFound");
    QTest::addRow("another path")
        << QByteArray("/realtime?api-version=2025-04-01-preview&deployment=gpt-realtime") << key
        << 404 << QStringLiteral("Resource not found");
    QTest::addRow("no key")
        << QByteArray("/openai/realtime?api-version=2025-04-01-preview&deployment=gpt-realtime")
        << QByteArray() << 401 << QStringLiteral("Access denied");
}

void TestRelayAzure::upstreamSimAnswersAsAzure()
{
    QFETCH(QByteArray, target);
    QFETCH(QByteArray, headers);
    QFETCH(int, status);
    QFETCH(QString, bodyContains);
    const QString keyFile = m_dir.filePath(QStringLiteral("sim.key"));
    QVERIFY(writeFile(keyFile, "KEYFORTHESIM\n"));
    ServerProcess sim(QStringLiteral("upstream-sim"));
    QVERIFY2(sim.startUpstreamSim({QStringLiteral("--require-key-file"), keyFile,
                                   QStringLiteral("--azure-deployment"), kDeployment,
                                   QStringLiteral("--azure-api-version"), kApiVersion}),
             sim.diagnostics());
    const RawAnswer a = upgrade(sim.port(), target, headers);
    QCOMPARE(a.status, status);
    if (status == 101)
        return;
    // Azure's error body: {"error": {"code", "message"}}.
    const QJsonObject error =
        QJsonDocument::fromJson(a.body).object().value(QLatin1String("error")).toObject();
    QVERIFY2(!error.value(QLatin1String("code")).toString().isEmpty(), a.body.constData());
    QVERIFY2(QString::fromUtf8(a.body).contains(bodyContains), a.body.constData());
}

void TestRelayAzure::commandLineErrors_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("stderrContains");
    QTest::addRow("relay: --upstream and Azure")
        << QStringList{QStringLiteral("relay"),
                       QStringLiteral("--upstream"),
                       QStringLiteral("ws://127.0.0.1:9/"),
                       QStringLiteral("--azure-openai-resource"),
                       QStringLiteral("r"),
                       QStringLiteral("--azure-openai-deployment"),
                       kDeployment}
        << QStringLiteral("exclude each other");
    QTest::addRow("relay: Azure without a key")
        << QStringList{QStringLiteral("relay"), QStringLiteral("--azure-openai-resource"),
                       QStringLiteral("r"), QStringLiteral("--azure-openai-deployment"),
                       kDeployment}
        << QStringLiteral("needs a key");
    QTest::addRow("upstream-sim: api-version alone")
        << QStringList{QStringLiteral("upstream-sim"), QStringLiteral("--azure-api-version"),
                       kApiVersion}
        << QStringLiteral("goes with --azure-deployment");
}

void TestRelayAzure::commandLineErrors()
{
    QFETCH(QStringList, args);
    QFETCH(QString, stderrContains);
    QProcess p;
    p.setProcessEnvironment(cleanEnvironment());
    p.start(serverBinary(), args);
    QVERIFY(p.waitForFinished(kTimeout));
    QCOMPARE(p.exitCode(), 2);
    const QByteArray err = p.readAllStandardError();
    QVERIFY2(QString::fromUtf8(err).contains(stderrContains), err.constData());
    QCOMPARE(err.count('\n'), 1);
}

QTEST_GUILESS_MAIN(TestRelayAzure)
#include "tst_relayazure.moc"
