#include "sessionsoptions.h"
#include "sessionsstatus.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace blueshift;
using server::CommandLine;
using server::SessionsOptions;

namespace {
QStringList argv(const QString &line)
{
    QStringList a{QStringLiteral("sessions")};
    if (!line.isEmpty())
        a += line.split(QLatin1Char(' '));
    return a;
}

bool writeFile(const QString &path, const QByteArray &data)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(data) == data.size();
}
} // namespace

class tst_SessionsOptions : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void defaultsFromTheIssue();
    void everyOptionReachesTheFleet();
    void errors_data();
    void errors();
    void headerFileAndOrigin();
    void headerValuesNeverInErrors();
    void helpStatesTheExitRule();
    void statusLine();
    void elapsed();
    void fitsTheTerminal();
};

void tst_SessionsOptions::defaultsFromTheIssue()
{
    SessionsOptions o;
    const CommandLine cl = server::parseSessionsOptions(argv(QStringLiteral("ws://h:1/ws")), &o);
    QCOMPARE(cl.status, CommandLine::Run);
    QCOMPARE(o.fleet.url, QUrl(QStringLiteral("ws://h:1/ws")));
    QCOMPARE(o.fleet.sessions, 5);
    QCOMPARE(o.durationSeconds, 300.0);
    QCOMPARE(o.fleet.pingIntervalSeconds, 30.0);
    QCOMPARE(o.fleet.holdSeconds, 0.0);
    QCOMPARE(o.fleet.traffic, harness::TrafficMode::None);
    QCOMPARE(o.fleet.reconnect.mode, harness::ReconnectMode::None);
    QVERIFY(o.fleet.headers.isEmpty());
    QVERIFY(!o.fleet.acceptSelfSigned);
    QVERIFY(o.reportDir.isEmpty());
    QVERIFY(!o.quiet);
    QCOMPARE(o.statusIntervalSeconds, 5.0);
}

void tst_SessionsOptions::everyOptionReachesTheFleet()
{
    QTemporaryDir dir;
    const QString ca = dir.filePath(QStringLiteral("ca.pem"));
    QVERIFY(writeFile(ca, "not checked here: the fleet loads it"));
    SessionsOptions o;
    const CommandLine cl = server::parseSessionsOptions(
        argv(QStringLiteral(
                 "wss://gw.example.com/realtime --connections 10000 --duration 0 "
                 "--ping-interval 0 --open-rate 250 --hold 60 --traffic echo --echo-bytes 4KiB "
                 "--traffic-interval 0.5 --reconnect backoff --reconnect-initial 0.25 "
                 "--reconnect-max 8 --reconnect-multiplier 1.5 --reconnect-jitter 0.3 "
                 "--reconnect-attempts 7 --ca %1 --accept-self-signed --connect-timeout 3 "
                 "--stop-timeout 9 --threads 4 --report out --quiet --status-interval 2")
                 .arg(ca)),
        &o);
    QVERIFY2(cl.status == CommandLine::Run, qPrintable(cl.message));
    const harness::FleetConfig &f = o.fleet;
    QCOMPARE(f.url.host(), QStringLiteral("gw.example.com"));
    QCOMPARE(f.sessions, 10000);
    QCOMPARE(o.durationSeconds, 0.0);
    QCOMPARE(f.pingIntervalSeconds, 0.0);
    QCOMPARE(f.openRate, 250.0);
    QCOMPARE(f.holdSeconds, 60.0);
    QCOMPARE(f.traffic, harness::TrafficMode::Echo);
    QCOMPARE(f.echoBytes, 4096);
    QCOMPARE(f.trafficIntervalSeconds, 0.5);
    QCOMPARE(f.reconnect.mode, harness::ReconnectMode::Backoff);
    QCOMPARE(f.reconnect.initialSeconds, 0.25);
    QCOMPARE(f.reconnect.maxSeconds, 8.0);
    QCOMPARE(f.reconnect.multiplier, 1.5);
    QCOMPARE(f.reconnect.jitter, 0.3);
    QCOMPARE(f.reconnect.maxAttempts, 7);
    QCOMPARE(f.caFile, ca);
    QVERIFY(f.acceptSelfSigned);
    QCOMPARE(f.connectTimeoutSeconds, 3.0);
    QCOMPARE(f.stopTimeoutSeconds, 9.0);
    QCOMPARE(f.threads, 4);
    QCOMPARE(o.reportDir, QStringLiteral("out"));
    QVERIFY(o.quiet);
    QCOMPARE(o.statusIntervalSeconds, 2.0);

    SessionsOptions rt;
    QCOMPARE(server::parseSessionsOptions(
                 argv(QStringLiteral("ws://h:1/ --traffic realtime --reconnect immediate")), &rt)
                 .status,
             CommandLine::Run);
    QCOMPARE(rt.fleet.traffic, harness::TrafficMode::Realtime);
    QCOMPARE(rt.fleet.reconnect.mode, harness::ReconnectMode::Immediate);
}

void tst_SessionsOptions::errors_data()
{
    QTest::addColumn<QString>("line");
    QTest::addColumn<QString>("expected");
    QTest::addRow("no url") << QString() << "no URL";
    QTest::addRow("two urls") << "ws://a:1/ ws://b:1/"
                              << "unexpected argument 'ws://b:1/'";
    QTest::addRow("http") << "http://h:1/"
                          << "ws:// or wss://";
    QTest::addRow("no host") << "ws:///path"
                             << "";
    QTest::addRow("credentials") << "ws://user:pw@h:1/"
                                 << "must not carry credentials";
    QTest::addRow("zero connections") << "ws://h:1/ --connections 0"
                                      << "--connections";
    QTest::addRow("connections not a number") << "ws://h:1/ --connections five"
                                              << "--connections";
    QTest::addRow("negative duration") << "ws://h:1/ --duration -1"
                                       << "--duration";
    QTest::addRow("duration nan") << "ws://h:1/ --duration nan"
                                  << "--duration";
    QTest::addRow("ping not a number") << "ws://h:1/ --ping-interval soon"
                                       << "--ping-interval";
    QTest::addRow("negative open rate") << "ws://h:1/ --open-rate -5"
                                        << "--open-rate";
    QTest::addRow("zero hold") << "ws://h:1/ --hold 0"
                               << "--hold";
    QTest::addRow("bad traffic") << "ws://h:1/ --traffic chatty"
                                 << "--traffic";
    QTest::addRow("echo too large") << "ws://h:1/ --echo-bytes 17MiB"
                                    << "--echo-bytes";
    QTest::addRow("echo zero") << "ws://h:1/ --echo-bytes 0"
                               << "--echo-bytes";
    QTest::addRow("zero traffic interval") << "ws://h:1/ --traffic echo --traffic-interval 0"
                                           << "--traffic-interval";
    QTest::addRow("bad reconnect") << "ws://h:1/ --reconnect sometimes"
                                   << "--reconnect";
    QTest::addRow("backoff options without backoff") << "ws://h:1/ --reconnect-max 3"
                                                     << "need --reconnect backoff";
    QTest::addRow("initial above max")
        << "ws://h:1/ --reconnect backoff --reconnect-initial 5 --reconnect-max 1"
        << "initial <= max";
    QTest::addRow("jitter of one") << "ws://h:1/ --reconnect backoff --reconnect-jitter 1"
                                   << "--reconnect-jitter";
    QTest::addRow("multiplier below one")
        << "ws://h:1/ --reconnect backoff --reconnect-multiplier 0.5"
        << "--reconnect-multiplier";
    QTest::addRow("missing header file") << "ws://h:1/ --header-file /nonexistent/headers"
                                         << "cannot read header file";
    QTest::addRow("bad origin") << "ws://h:1/ --origin app.example.com"
                                << "--origin";
    QTest::addRow("origin with a path") << "ws://h:1/ --origin https://a.example.com/x"
                                        << "--origin";
    QTest::addRow("missing ca") << "wss://h:1/ --ca /nonexistent/ca.pem"
                                << "cannot read --ca";
    QTest::addRow("zero threads") << "ws://h:1/ --threads 0"
                                  << "--threads";
    QTest::addRow("zero connect timeout") << "ws://h:1/ --connect-timeout 0"
                                          << "--connect-timeout";
    QTest::addRow("tiny status interval") << "ws://h:1/ --status-interval 0.01"
                                          << "--status-interval";
    QTest::addRow("unknown option") << "ws://h:1/ --connexions 3"
                                    << "connexions";
    // Bad files: refused at once, never read without bound or waited on.
    QTest::addRow("header file /dev/zero") << "ws://h:1/ --header-file /dev/zero"
                                           << "not a regular file";
    QTest::addRow("ca /dev/zero") << "wss://h:1/ --ca /dev/zero"
                                  << "not a regular file";
    QTest::addRow("port 0") << "ws://127.0.0.1:0/ws"
                            << "port must be from 1 to 65535";
    QTest::addRow("port 65536") << "ws://127.0.0.1:65536/ws"
                                << "port must be from 1 to 65535";
    QTest::addRow("http scheme") << "http://127.0.0.1:8080/ws"
                                 << "must be ws:// or wss://";
}

void tst_SessionsOptions::errors()
{
    QFETCH(QString, line);
    QFETCH(QString, expected);
    SessionsOptions o;
    const CommandLine cl = server::parseSessionsOptions(argv(line), &o);
    QCOMPARE(cl.status, CommandLine::Error);
    QVERIFY2(cl.message.contains(expected), qPrintable(cl.message));
    QVERIFY2(!cl.message.contains(QLatin1Char('\n')), "one line");
}

void tst_SessionsOptions::headerFileAndOrigin()
{
    QTemporaryDir dir;
    const QString headers = dir.filePath(QStringLiteral("headers"));
    QVERIFY(writeFile(headers, "# from the portal\napi-key: k1\r\nX-Client: blueshift\n"));
    SessionsOptions o;
    CommandLine cl = server::parseSessionsOptions(
        argv(QStringLiteral("ws://h:1/ --header-file %1 --origin https://app.example.com:8443")
                 .arg(headers)),
        &o);
    QVERIFY2(cl.status == CommandLine::Run, qPrintable(cl.message));
    const QList<QPair<QByteArray, QByteArray>> expected = {
        {"api-key", "k1"}, {"X-Client", "blueshift"}, {"Origin", "https://app.example.com:8443"}};
    QCOMPARE(o.fleet.headers, expected);

    QVERIFY(writeFile(headers, "origin: https://other.example.com\n"));
    cl = server::parseSessionsOptions(
        argv(QStringLiteral("ws://h:1/ --header-file %1 --origin https://app.example.com")
                 .arg(headers)),
        &o);
    QCOMPARE(cl.status, CommandLine::Error);
    QVERIFY2(cl.message.contains(QLatin1String("both")), qPrintable(cl.message));
}

void tst_SessionsOptions::headerValuesNeverInErrors()
{
    QTemporaryDir dir;
    const QString headers = dir.filePath(QStringLiteral("headers"));
    QVERIFY(writeFile(headers, "api-key canary-5d1e\n"));
    SessionsOptions o;
    const CommandLine cl = server::parseSessionsOptions(
        argv(QStringLiteral("ws://h:1/ --header-file %1").arg(headers)), &o);
    QCOMPARE(cl.status, CommandLine::Error);
    QVERIFY2(cl.message.contains(QLatin1String("line 1")), qPrintable(cl.message));
    QVERIFY(!cl.message.contains(QLatin1String("canary")));
}

void tst_SessionsOptions::helpStatesTheExitRule()
{
    SessionsOptions o;
    const CommandLine cl = server::parseSessionsOptions(argv(QStringLiteral("--help")), &o);
    QCOMPARE(cl.status, CommandLine::ExitOk);
    for (const char *text : {"Exit status: 0", "1 no session ever opened", "2 bad options",
                             "--header-file", "--accept-self-signed", "--reconnect"})
        QVERIFY2(cl.message.contains(QLatin1String(text)), text);
}

void tst_SessionsOptions::statusLine()
{
    harness::FleetSnapshot s;
    s.time = 12.34;
    s.sessions = 10;
    s.open = 7;
    s.connecting = 1;
    s.reconnecting = 2;
    s.closes = 3;
    s.connectFailures = 1;
    s.reconnects = 2;
    harness::RevisionSummary blue;
    blue.revision = QStringLiteral("app--blue");
    blue.alive = 4;
    blue.closeCodes = {{1001, 3}};
    harness::RevisionSummary unknown;
    unknown.alive = 3;
    s.revisions = {blue, unknown};
    s.rttMicros.count = 5;
    s.rttMicros.p50 = 1500;
    s.rttMicros.p99 = 20000;
    QCOMPARE(server::sessionsStatusLine(s),
             QStringLiteral("12.3s  open 7/10  connecting 1  reconnecting 2  "
                            "[app--blue 4, (unattributed) 3]  closes 3 (1001\u00D73)  failures 1  "
                            "reconnects 2  rtt p50 1.50 ms p99 20.00 ms"));

    harness::FleetSnapshot quiet;
    quiet.sessions = 5;
    QCOMPARE(server::sessionsStatusLine(quiet), QStringLiteral("0.0s  open 0/5  closes 0  rtt -"));
}

void tst_SessionsOptions::elapsed()
{
    QCOMPARE(server::elapsedText(9.54), QStringLiteral("9.5s"));
    QCOMPARE(server::elapsedText(245), QStringLiteral("4m05s"));
    QCOMPARE(server::elapsedText(7390), QStringLiteral("2h03m10s"));
    QCOMPARE(server::elapsedText(-1), QStringLiteral("0.0s"));
}

void tst_SessionsOptions::fitsTheTerminal()
{
    QCOMPARE(server::fitToWidth(QStringLiteral("abcdef"), 10), QStringLiteral("abcdef"));
    QCOMPARE(server::fitToWidth(QStringLiteral("abcdef"), 4), QStringLiteral("abc\u2026"));
    QCOMPARE(server::fitToWidth(QStringLiteral("abcdef"), 0), QStringLiteral("abcdef"));
}

QTEST_GUILESS_MAIN(tst_SessionsOptions)
#include "tst_sessionsoptions.moc"
