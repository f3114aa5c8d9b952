#include "http/headerfile.h"
#include "relayoptions.h"

#include <QTemporaryDir>
#include <QTest>

using namespace blueshift;
using server::CommandLine;

namespace {
QStringList argv(const QString &line)
{
    QStringList a{QStringLiteral("relay")};
    if (!line.isEmpty())
        a += line.split(QLatin1Char(' '));
    return a;
}

QProcessEnvironment envWith(std::initializer_list<std::pair<const char *, const char *>> vars)
{
    QProcessEnvironment env;
    for (const auto &[k, v] : vars)
        env.insert(QString::fromLatin1(k), QString::fromLatin1(v));
    return env;
}
} // namespace

class tst_RelayOptions : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void defaultsAndContainerAppsEnvironment();
    void explicitOptionsWin();
    void drainTiming();
    void errors_data();
    void errors();
    void headerFile();
    void headerFileErrorsNeverQuoteTheValue();
    void apiKeyFromEnvironment();
    void headerFileFromEnvironment();
    void byteSizes();
    void azureOpenAiUrl_data();
    void azureOpenAiUrl();
    void azureOpenAiErrors_data();
    void azureOpenAiErrors();
    void bearerTokenFile();
};

void tst_RelayOptions::defaultsAndContainerAppsEnvironment()
{
    relay::RelayConfig c;
    const auto env = envWith({{"PORT", "9123"},
                              {"CONTAINER_APP_REVISION", "app--blue"},
                              {"CONTAINER_APP_REPLICA_NAME", "app--blue-5d8f"},
                              {"UPSTREAM_URL", "ws://127.0.0.1:9000/x"}});
    const CommandLine cl = server::parseRelayOptions(argv(QString()), env, &c);
    QCOMPARE(cl.status, CommandLine::Run);
    QCOMPARE(c.listen.host, QByteArray("0.0.0.0"));
    QCOMPARE(c.listen.port, quint16(9123));
    QCOMPARE(c.revision, QStringLiteral("app--blue"));
    QCOMPARE(c.replica, QStringLiteral("app--blue-5d8f"));
    QCOMPARE(c.upstream.toString(), QStringLiteral("ws://127.0.0.1:9000/x"));
    QCOMPARE(c.path, QByteArray("/ws"));
    QCOMPARE(c.graceSeconds, 30.0);
    QCOMPARE(c.maxMessageBytes, quint64(1024 * 1024));
    QCOMPARE(c.logFormat, telemetry::LogFormat::Json);

    relay::RelayConfig d;
    QCOMPARE(server::parseRelayOptions(argv(QStringLiteral("--upstream ws://h/")),
                                       QProcessEnvironment(), &d)
                 .status,
             CommandLine::Run);
    QCOMPARE(d.listen.port, quint16(8080));
    QVERIFY(!d.replica.isEmpty()); // the host name
}

void tst_RelayOptions::explicitOptionsWin()
{
    relay::RelayConfig c;
    const auto env = envWith(
        {{"PORT", "1"}, {"CONTAINER_APP_REVISION", "env-rev"}, {"UPSTREAM_URL", "ws://env/"}});
    const CommandLine cl = server::parseRelayOptions(
        argv(QStringLiteral(
            "--listen [::1]:0 --revision cli-rev --upstream wss://up.example/rt --path /realtime "
            "--max-message-bytes 64KiB --allow-origin https://a.example --allow-origin "
            "https://b.example "
            "--log-format text --threads 3")),
        env, &c);
    QCOMPARE(cl.status, CommandLine::Run);
    QCOMPARE(c.listen.host, QByteArray("::1"));
    QCOMPARE(c.listen.port, quint16(0));
    QCOMPARE(c.revision, QStringLiteral("cli-rev"));
    QCOMPARE(c.upstream.host(), QStringLiteral("up.example"));
    QCOMPARE(c.path, QByteArray("/realtime"));
    QCOMPARE(c.maxMessageBytes, quint64(64 * 1024));
    QCOMPARE(c.allowedOrigins.size(), 2);
    QCOMPARE(c.logFormat, telemetry::LogFormat::Text);
    QCOMPARE(c.threads, 3);
}

void tst_RelayOptions::drainTiming()
{
    relay::RelayConfig c;
    QCOMPARE(server::parseRelayOptions(argv(QStringLiteral("--upstream ws://h/")),
                                       QProcessEnvironment(), &c)
                 .status,
             CommandLine::Run);
    QCOMPARE(c.drainWindowSeconds(), 25.0);  // grace 30 minus 5
    QCOMPARE(c.hardDeadlineSeconds(), 28.0); // grace minus 2
    QCOMPARE(server::parseRelayOptions(
                 argv(QStringLiteral("--upstream ws://h/ --grace-seconds 6 --drain-seconds 1")),
                 QProcessEnvironment(), &c)
                 .status,
             CommandLine::Run);
    QCOMPARE(c.drainWindowSeconds(), 1.0);
    QCOMPARE(c.hardDeadlineSeconds(), 4.0);
    // A grace period shorter than 5 s leaves no drain window, but still time to close.
    QCOMPARE(server::parseRelayOptions(argv(QStringLiteral("--upstream ws://h/ --grace-seconds 3")),
                                       QProcessEnvironment(), &c)
                 .status,
             CommandLine::Run);
    QCOMPARE(c.drainWindowSeconds(), 0.0);
    QCOMPARE(c.hardDeadlineSeconds(), 1.5);
}

void tst_RelayOptions::errors_data()
{
    QTest::addColumn<QString>("args");
    QTest::addColumn<QString>("messagePart");
    QTest::addRow("no upstream") << QString() << QStringLiteral("no upstream");
    QTest::addRow("unknown option")
        << QStringLiteral("--upstream ws://h/ --bogus") << QStringLiteral("bogus");
    QTest::addRow("http upstream")
        << QStringLiteral("--upstream http://h/") << QStringLiteral("ws:// or wss://");
    QTest::addRow("credentials in url")
        << QStringLiteral("--upstream ws://u:p@h/") << QStringLiteral("credentials");
    QTest::addRow("bad listen") << QStringLiteral("--upstream ws://h/ --listen nowhere")
                                << QStringLiteral("--listen");
    QTest::addRow("port too big") << QStringLiteral("--upstream ws://h/ --listen 1.2.3.4:70000")
                                  << QStringLiteral("port");
    QTest::addRow("bad grace") << QStringLiteral("--upstream ws://h/ --grace-seconds soon")
                               << QStringLiteral("--grace-seconds");
    QTest::addRow("drain past deadline")
        << QStringLiteral("--upstream ws://h/ --grace-seconds 10 --drain-seconds 9")
        << QStringLiteral("at most 8");
    QTest::addRow("tiny max message") << QStringLiteral("--upstream ws://h/ --max-message-bytes 10")
                                      << QStringLiteral("--max-message-bytes");
    QTest::addRow("bad log format")
        << QStringLiteral("--upstream ws://h/ --log-format xml") << QStringLiteral("json or text");
    QTest::addRow("bad origin") << QStringLiteral("--upstream ws://h/ --allow-origin example.com")
                                << QStringLiteral("--allow-origin");
    QTest::addRow("bad path") << QStringLiteral("--upstream ws://h/ --path ws")
                              << QStringLiteral("--path");
    QTest::addRow("missing header file")
        << QStringLiteral("--upstream ws://h/ --upstream-header-file /nonexistent/h")
        << QStringLiteral("cannot read header file /nonexistent/h");
    QTest::addRow("missing ca") << QStringLiteral(
                                       "--upstream wss://h/ --upstream-ca /nonexistent/ca.pem")
                                << QStringLiteral("cannot read --upstream-ca");
    QTest::addRow("extra argument")
        << QStringLiteral("--upstream ws://h/ stray") << QStringLiteral("stray");
    QTest::addRow("header file /dev/zero")
        << QStringLiteral("--upstream ws://h/ --upstream-header-file /dev/zero")
        << QStringLiteral("not a regular file");
    QTest::addRow("bearer token file /dev/zero")
        << QStringLiteral("--upstream ws://h/ --upstream-bearer-token-file /dev/zero")
        << QStringLiteral("cannot read bearer token file /dev/zero: not a regular file");
    QTest::addRow("upstream port 65536")
        << QStringLiteral("--upstream ws://h:65536/")
        << QStringLiteral("--upstream: the URL's port must be from 1 to 65535");
}

void tst_RelayOptions::errors()
{
    QFETCH(QString, args);
    QFETCH(QString, messagePart);
    relay::RelayConfig c;
    const CommandLine cl = server::parseRelayOptions(argv(args), QProcessEnvironment(), &c);
    QCOMPARE(cl.status, CommandLine::Error);
    QVERIFY2(cl.message.contains(messagePart), qPrintable(cl.message));
    QVERIFY2(!cl.message.contains(QLatin1Char('\n')), "errors are one line");
}

void tst_RelayOptions::headerFile()
{
    QTemporaryDir dir;
    QFile f(dir.filePath(QStringLiteral("headers")));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("# Azure OpenAI\r\napi-key: 0123456789abcdef\r\n\r\nOpenAI-Beta:  realtime=v1 \n");
    f.close();
    relay::RelayConfig c;
    const CommandLine cl = server::parseRelayOptions(
        argv(QStringLiteral("--upstream ws://h/ --upstream-header-file ") + f.fileName()),
        QProcessEnvironment(), &c);
    QCOMPARE(cl.status, CommandLine::Run);
    QCOMPARE(c.upstreamHeaders.size(), 2);
    QCOMPARE(c.upstreamHeaders[0].first, QByteArray("api-key"));
    QCOMPARE(c.upstreamHeaders[0].second, QByteArray("0123456789abcdef"));
    QCOMPARE(c.upstreamHeaders[1].second, QByteArray("realtime=v1"));
}

void tst_RelayOptions::headerFileErrorsNeverQuoteTheValue()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("headers"));
    for (const QByteArray &content :
         {QByteArray("no colon secretvalue123\n"), QByteArray("Host: secretvalue123\n"),
          QByteArray("Sec-WebSocket-Key: secretvalue123\n")}) {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(content);
        f.close();
        http::HeaderList h;
        QString error;
        QVERIFY(!http::readHeaderFile(path, &h, &error));
        QVERIFY2(error.contains(QLatin1String("line 1")), qPrintable(error));
        QVERIFY2(!error.contains(QLatin1String("secretvalue123")), qPrintable(error));
    }
}

void tst_RelayOptions::apiKeyFromEnvironment()
{
    relay::RelayConfig c;
    const auto env = envWith({{"UPSTREAM_URL", "wss://r.openai.azure.com/openai/realtime"},
                              {"UPSTREAM_API_KEY", "k-123 "}});
    QCOMPARE(server::parseRelayOptions(argv(QString()), env, &c).status, CommandLine::Run);
    QCOMPARE(c.upstreamHeaders.size(), 1);
    QCOMPARE(c.upstreamHeaders[0], qMakePair(QByteArray("api-key"), QByteArray("k-123")));
}

void tst_RelayOptions::headerFileFromEnvironment()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("headers"));
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("# the key, as systemd hands it over\napi-key: from-file\n");
    f.close();
    const QByteArray pathBytes = path.toLocal8Bit();
    relay::RelayConfig c;
    auto env = envWith(
        {{"UPSTREAM_URL", "ws://127.0.0.1:9/"}, {"UPSTREAM_HEADER_FILE", pathBytes.constData()}});
    QCOMPARE(server::parseRelayOptions(argv(QString()), env, &c).status, CommandLine::Run);
    QCOMPARE(c.upstreamHeaders.size(), 1);
    QCOMPARE(c.upstreamHeaders[0], qMakePair(QByteArray("api-key"), QByteArray("from-file")));

    // The option wins over the environment; an unreadable file is an error either way.
    env.insert(QStringLiteral("UPSTREAM_HEADER_FILE"), dir.filePath(QStringLiteral("missing")));
    relay::RelayConfig c2;
    const CommandLine cl = server::parseRelayOptions(argv(QString()), env, &c2);
    QCOMPARE(cl.status, CommandLine::Error);
    QVERIFY2(cl.message.contains(QLatin1String("missing")), qPrintable(cl.message));
    relay::RelayConfig c3;
    QCOMPARE(
        server::parseRelayOptions(argv(QStringLiteral("--upstream-header-file ") + path), env, &c3)
            .status,
        CommandLine::Run);
    QCOMPARE(c3.upstreamHeaders.size(), 1);
}

void tst_RelayOptions::byteSizes()
{
    quint64 v = 0;
    QVERIFY(server::parseByteSize(QStringLiteral("1048576"), &v));
    QCOMPARE(v, quint64(1048576));
    QVERIFY(server::parseByteSize(QStringLiteral("4KiB"), &v));
    QCOMPARE(v, quint64(4096));
    QVERIFY(server::parseByteSize(QStringLiteral("2M"), &v));
    QCOMPARE(v, quint64(2 * 1024 * 1024));
    QVERIFY(!server::parseByteSize(QStringLiteral("-1"), &v));
    QVERIFY(!server::parseByteSize(QStringLiteral("1.5MiB"), &v));
    QVERIFY(!server::parseByteSize(QStringLiteral("lots"), &v));
}

void tst_RelayOptions::azureOpenAiUrl_data()
{
    QTest::addColumn<QString>("args");
    QTest::addColumn<QString>("url");
    const QString key = QStringLiteral(" --azure-openai-deployment gpt-realtime");
    QTest::addRow("resource name")
        << QStringLiteral("--azure-openai-resource MyRes") + key
        << QStringLiteral("wss://myres.openai.azure.com/openai/realtime?api-version=2025-04-01-"
                          "preview&deployment=gpt-realtime");
    QTest::addRow("endpoint as the portal shows it")
        << QStringLiteral("--azure-openai-endpoint https://myres.openai.azure.com/") + key
        << QStringLiteral("wss://myres.openai.azure.com/openai/realtime?api-version=2025-04-01-"
                          "preview&deployment=gpt-realtime");
    QTest::addRow("cognitiveservices endpoint, own api-version")
        << QStringLiteral("--azure-openai-endpoint https://myres.cognitiveservices.azure.com "
                          "--azure-openai-api-version 2024-10-01-preview") +
               key
        << QStringLiteral("wss://myres.cognitiveservices.azure.com/openai/realtime?api-version="
                          "2024-10-01-preview&deployment=gpt-realtime");
    QTest::addRow("local stand-in over wss")
        << QStringLiteral("--azure-openai-endpoint wss://127.0.0.1:8443") + key
        << QStringLiteral("wss://127.0.0.1:8443/openai/realtime?api-version=2025-04-01-preview&"
                          "deployment=gpt-realtime");
    QTest::addRow("local stand-in over ws")
        << QStringLiteral("--azure-openai-endpoint ws://127.0.0.1:9000") + key
        << QStringLiteral("ws://127.0.0.1:9000/openai/realtime?api-version=2025-04-01-preview&"
                          "deployment=gpt-realtime");
}

void tst_RelayOptions::azureOpenAiUrl()
{
    QFETCH(QString, args);
    QFETCH(QString, url);
    relay::RelayConfig c;
    // UPSTREAM_URL from the environment gives way to the Azure options.
    const auto env = envWith({{"UPSTREAM_API_KEY", "k-1"}, {"UPSTREAM_URL", "ws://env/"}});
    const CommandLine cl = server::parseRelayOptions(argv(args), env, &c);
    QVERIFY2(cl.status == CommandLine::Run, qPrintable(cl.message));
    QCOMPARE(c.upstream.toString(QUrl::FullyEncoded), url);
    QCOMPARE(c.upstreamHeaders,
             http::HeaderList({qMakePair(QByteArray("api-key"), QByteArray("k-1"))}));
}

void tst_RelayOptions::azureOpenAiErrors_data()
{
    QTest::addColumn<QString>("args");
    QTest::addColumn<bool>("withKey");
    QTest::addColumn<QString>("messagePart");
    const QString d = QStringLiteral(" --azure-openai-deployment gpt-realtime");
    QTest::addRow("with --upstream")
        << QStringLiteral("--upstream ws://h/ --azure-openai-resource r") + d << true
        << QStringLiteral("exclude each other");
    QTest::addRow("resource and endpoint")
        << QStringLiteral("--azure-openai-resource r --azure-openai-endpoint https://r.openai."
                          "azure.com") +
               d
        << true << QStringLiteral("one of --azure-openai-resource");
    QTest::addRow("deployment alone")
        << d.trimmed() << true << QStringLiteral("one of --azure-openai-resource");
    QTest::addRow("no deployment") << QStringLiteral("--azure-openai-resource r") << true
                                   << QStringLiteral("--azure-openai-deployment is missing");
    QTest::addRow("resource with a dot")
        << QStringLiteral("--azure-openai-resource r.openai.azure.com") + d << true
        << QStringLiteral("not a resource name");
    QTest::addRow("deployment with a slash")
        << QStringLiteral("--azure-openai-resource r --azure-openai-deployment a/b") << true
        << QStringLiteral("not a deployment name");
    QTest::addRow("plain http to the internet")
        << QStringLiteral("--azure-openai-endpoint http://r.openai.azure.com") + d << true
        << QStringLiteral("must use https");
    QTest::addRow("endpoint with a path")
        << QStringLiteral("--azure-openai-endpoint https://r.openai.azure.com/openai/realtime") + d
        << true << QStringLiteral("no path, query or credentials");
    QTest::addRow("endpoint with a key in the query")
        << QStringLiteral("--azure-openai-endpoint https://r.openai.azure.com/?api-key=x") + d
        << true << QStringLiteral("no path, query or credentials");
    QTest::addRow("bad api-version")
        << QStringLiteral("--azure-openai-resource r --azure-openai-api-version latest") + d << true
        << QStringLiteral("'latest' is not an api-version");
    QTest::addRow("no key") << QStringLiteral("--azure-openai-resource r") + d << false
                            << QStringLiteral("needs a key");
}

void tst_RelayOptions::azureOpenAiErrors()
{
    QFETCH(QString, args);
    QFETCH(bool, withKey);
    QFETCH(QString, messagePart);
    relay::RelayConfig c;
    const auto env = withKey ? envWith({{"UPSTREAM_API_KEY", "k-1"}}) : QProcessEnvironment();
    const CommandLine cl = server::parseRelayOptions(argv(args), env, &c);
    QCOMPARE(cl.status, CommandLine::Error);
    QVERIFY2(cl.message.contains(messagePart), qPrintable(cl.message));
    QVERIFY2(!cl.message.contains(QLatin1Char('\n')), "errors are one line");
}

void tst_RelayOptions::bearerTokenFile()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("entra-token"));
    auto write = [&path](const QByteArray &content) {
        QFile f(path);
        return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(content) >= 0;
    };
    const QByteArray token = "eyJ0eXAiOiJKV1QifQ.eyJhdWQiOiJjb2duaXRpdmVzZXJ2aWNlcyJ9.SECRETSIG";
    QVERIFY(write(token + '\n'));
    const QString azure =
        QStringLiteral("--azure-openai-resource r --azure-openai-deployment gpt-realtime");
    relay::RelayConfig c;
    CommandLine cl = server::parseRelayOptions(
        argv(azure + QStringLiteral(" --upstream-bearer-token-file ") + path),
        QProcessEnvironment(), &c);
    QVERIFY2(cl.status == CommandLine::Run, qPrintable(cl.message));
    QCOMPARE(c.upstreamHeaders,
             http::HeaderList({qMakePair(QByteArray("Authorization"), "Bearer " + token)}));

    // From the environment, as a mounted secret would be given.
    relay::RelayConfig e;
    const QByteArray pathBytes = path.toLocal8Bit();
    cl = server::parseRelayOptions(
        argv(azure), envWith({{"UPSTREAM_BEARER_TOKEN_FILE", pathBytes.constData()}}), &e);
    QVERIFY2(cl.status == CommandLine::Run, qPrintable(cl.message));
    QCOMPARE(e.upstreamHeaders.size(), 1);

    // Two Authorization headers, an empty file, a file with more than the token: errors that
    // never quote the token.
    const QString headers = dir.filePath(QStringLiteral("headers"));
    QFile h(headers);
    QVERIFY(h.open(QIODevice::WriteOnly));
    h.write("Authorization: Bearer other\n");
    h.close();
    relay::RelayConfig f;
    cl = server::parseRelayOptions(argv(azure + QStringLiteral(" --upstream-header-file ") +
                                        headers + QStringLiteral(" --upstream-bearer-token-file ") +
                                        path),
                                   QProcessEnvironment(), &f);
    QCOMPARE(cl.status, CommandLine::Error);
    QVERIFY2(cl.message.contains(QLatin1String("Authorization is given twice")),
             qPrintable(cl.message));
    for (const QByteArray &content : {QByteArray("\n"), QByteArray(token + "\nsecond-line")}) {
        QVERIFY(write(content));
        cl = server::parseRelayOptions(
            argv(azure + QStringLiteral(" --upstream-bearer-token-file ") + path),
            QProcessEnvironment(), &f);
        QCOMPARE(cl.status, CommandLine::Error);
        QVERIFY2(cl.message.contains(path), qPrintable(cl.message));
        QVERIFY2(!cl.message.contains(QLatin1String("SECRETSIG")), qPrintable(cl.message));
    }
    cl = server::parseRelayOptions(
        argv(azure + QStringLiteral(" --upstream-bearer-token-file /nonexistent/t")),
        QProcessEnvironment(), &f);
    QCOMPARE(cl.status, CommandLine::Error);
    QVERIFY2(cl.message.startsWith(QLatin1String("cannot read bearer token file /nonexistent/t")),
             qPrintable(cl.message));
}

QTEST_GUILESS_MAIN(tst_RelayOptions)
#include "tst_relayoptions.moc"
