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
        QVERIFY(!server::readHeaderFile(path, &h, &error));
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

QTEST_GUILESS_MAIN(tst_RelayOptions)
#include "tst_relayoptions.moc"
