// What an operator sees from a bad command line: exit code 2, one line on stderr saying what is
// wrong, nothing on stdout, no server started, and never a secret quoted back.
#include "integrationsupport.h"

#include <QTemporaryDir>
#include <QTest>

using namespace blueshift::itest;

namespace {
constexpr int kTimeout = 10000;
const QByteArray kCanary = "CANARYLINE-5f1e0c2a9b";
} // namespace

class TestRelayCommandLine : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void badCommandLine_data();
    void badCommandLine();
    void helpAndVersion_data();
    void helpAndVersion();

private:
    QTemporaryDir m_dir;
};

void TestRelayCommandLine::initTestCase()
{
    QVERIFY2(QFile::exists(serverBinary()), qPrintable(serverBinary()));
    QVERIFY(m_dir.isValid());
    // A header file whose only line is malformed and holds a secret.
    QFile f(m_dir.filePath(QStringLiteral("malformed-headers")));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(kCanary + "\n");
}

void TestRelayCommandLine::badCommandLine_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("upstreamUrlEnv"); // UPSTREAM_URL, if not empty
    QTest::addColumn<QString>("mentions");       // stderr must contain this

    const QString up = QStringLiteral("--upstream");
    const QString ok = QStringLiteral("ws://127.0.0.1:9/");
    auto s = [](const char *text) { return QString::fromLatin1(text); };

    QTest::addRow("unknown option")
        << QStringList{s("relay"), s("--bogus"), up, ok} << QString() << s("bogus");
    QTest::addRow("unexpected argument")
        << QStringList{s("relay"), s("extra"), up, ok} << QString() << s("extra");
    QTest::addRow("--listen without a port")
        << QStringList{s("relay"), s("--listen"), s("127.0.0.1"), up, ok} << QString()
        << s("--listen");
    QTest::addRow("--listen port out of range")
        << QStringList{s("relay"), s("--listen"), s("127.0.0.1:99999"), up, ok} << QString()
        << s("--listen");
    QTest::addRow("--listen not an address")
        << QStringList{s("relay"), s("--listen"), s("nonsense"), up, ok} << QString()
        << s("--listen");
    QTest::addRow("--listen without a value")
        << QStringList{s("relay"), up, ok, s("--listen")} << QString() << s("listen");
    QTest::addRow("unreadable --upstream-header-file")
        << QStringList{s("relay"), up, ok, s("--upstream-header-file"),
                       s("/nonexistent/blueshift/api-key")}
        << QString() << s("/nonexistent/blueshift/api-key");
    QTest::addRow("malformed --upstream-header-file")
        << QStringList{s("relay"), up, ok, s("--upstream-header-file"),
                       QStringLiteral("{dir}/malformed-headers")}
        << QString() << s("line 1");
    QTest::addRow("http:// upstream")
        << QStringList{s("relay"), up, s("http://127.0.0.1:9/")} << QString() << s("ws://");
    QTest::addRow("upstream without a host")
        << QStringList{s("relay"), up, s("ws:///path")} << QString() << s("ws://");
    QTest::addRow("not a URL at all")
        << QStringList{s("relay"), up, s("127.0.0.1:9")} << QString() << s("ws://");
    QTest::addRow("non-ws UPSTREAM_URL")
        << QStringList{s("relay")} << s("https://example.com/") << s("ws://");
    QTest::addRow("no upstream at all")
        << QStringList{s("relay")} << QString() << s("UPSTREAM_URL");
    QTest::addRow("credentials in the upstream URL")
        << QStringList{s("relay"), up,
                       QStringLiteral("ws://user:") + QString::fromLatin1(kCanary) +
                           s("@127.0.0.1:9/")}
        << QString() << s("credentials");
    QTest::addRow("unreadable --upstream-ca")
        << QStringList{s("relay"), up, s("wss://127.0.0.1:9/"), s("--upstream-ca"),
                       s("/nonexistent/ca.pem")}
        << QString() << s("/nonexistent/ca.pem");
    QTest::addRow("drain longer than the grace period allows")
        << QStringList{s("relay"),           up,    ok, s("--grace-seconds"), s("6"),
                       s("--drain-seconds"), s("5")}
        << QString() << s("--drain-seconds");
    QTest::addRow("--max-message-bytes below 125")
        << QStringList{s("relay"), up, ok, s("--max-message-bytes"), s("100")} << QString()
        << s("--max-message-bytes");
    QTest::addRow("bad --allow-origin")
        << QStringList{s("relay"), up, ok, s("--allow-origin"), s("not an origin")} << QString()
        << s("--allow-origin");
    QTest::addRow("upstream-sim: unknown option")
        << QStringList{s("upstream-sim"), s("--bogus")} << QString() << s("bogus");
    QTest::addRow("upstream-sim: bad --listen")
        << QStringList{s("upstream-sim"), s("--listen"), s("127.0.0.1:x")} << QString()
        << s("--listen");
    QTest::addRow("upstream-sim: unreadable --require-key-file")
        << QStringList{s("upstream-sim"), s("--require-key-file"), s("/nonexistent/key")}
        << QString() << s("/nonexistent/key");
    QTest::addRow("unknown command")
        << QStringList{s("frobnicate")} << QString() << s("frobnicate");
}

void TestRelayCommandLine::badCommandLine()
{
    QFETCH(QStringList, args);
    QFETCH(QString, upstreamUrlEnv);
    QFETCH(QString, mentions);
    args.replaceInStrings(QStringLiteral("{dir}"), m_dir.path());
    QProcessEnvironment env = cleanEnvironment();
    if (!upstreamUrlEnv.isEmpty())
        env.insert(QStringLiteral("UPSTREAM_URL"), upstreamUrlEnv);

    ServerProcess p(QStringLiteral("blueshift-server"));
    p.start(serverBinary(), args, env);
    QVERIFY2(p.waitForExit(kTimeout), p.diagnostics());
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    QCOMPARE(p.exitCode(), 2);
    QCOMPARE(p.port(), quint16(0));
    const QByteArray err = p.standardError();
    if (args.constFirst() != QLatin1String("frobnicate")) {
        // A subcommand's error is exactly one line.
        QVERIFY2(err.endsWith('\n') && err.count('\n') == 1, err.constData());
        QVERIFY2(
            err.startsWith(QByteArray("blueshift-server " + args.constFirst().toUtf8() + ": ")),
            err.constData());
        QVERIFY2(p.standardOutput().isEmpty(), p.standardOutput().constData());
    } else {
        QVERIFY2(err.startsWith("blueshift-server: unknown command"), err.constData());
    }
    QVERIFY2(err.contains(mentions.toUtf8()), err.constData());
    QVERIFY2(!err.contains(kCanary), err.constData());
}

void TestRelayCommandLine::helpAndVersion_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("mentions");
    QTest::addRow("relay --help") << QStringList{QStringLiteral("relay"), QStringLiteral("--help")}
                                  << QStringLiteral("--upstream-header-file");
    QTest::addRow("relay --version")
        << QStringList{QStringLiteral("relay"), QStringLiteral("--version")}
        << QStringLiteral("blueshift-server");
    QTest::addRow("upstream-sim --help")
        << QStringList{QStringLiteral("upstream-sim"), QStringLiteral("--help")}
        << QStringLiteral("--refuse-upgrades");
}

void TestRelayCommandLine::helpAndVersion()
{
    QFETCH(QStringList, args);
    QFETCH(QString, mentions);
    ServerProcess p(QStringLiteral("blueshift-server"));
    p.start(serverBinary(), args, cleanEnvironment());
    QVERIFY2(p.waitForExit(kTimeout), p.diagnostics());
    QCOMPARE(p.exitCode(), 0);
    QVERIFY2(p.standardOutput().contains(mentions.toUtf8()), p.standardOutput().constData());
    QVERIFY2(p.standardError().isEmpty(), p.standardError().constData());
}

QTEST_GUILESS_MAIN(TestRelayCommandLine)
#include "tst_relaycommandline.moc"
