// `blueshift-server sessions` as a user runs it: a real process against blueshift-server relay in
// front of upstream-sim on loopback, stopped by its duration, by SIGINT (twice), refused by bad
// options, failing on a closed port, and never showing a header value it was given.
#include "integrationsupport.h"

#include <QCryptographicHash>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <memory>
#include <signal.h>

using namespace blueshift::itest;

namespace {
constexpr int kTimeout = 20000;

QString arg(const char *text)
{
    return QString::fromLatin1(text);
}

QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

bool writeFile(const QString &path, const QByteArray &data)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(data) == data.size();
}

// sessions.csv as rows of fields (no field here holds a comma or a quote).
QList<QList<QByteArray>> csvRows(const QByteArray &csv, QList<QByteArray> *header)
{
    QList<QByteArray> lines = csv.split('\n');
    while (!lines.isEmpty() && lines.constLast().isEmpty())
        lines.removeLast();
    QList<QList<QByteArray>> rows;
    if (lines.isEmpty())
        return rows;
    *header = lines.takeFirst().split(',');
    for (const QByteArray &line : std::as_const(lines))
        rows.append(line.split(','));
    return rows;
}

QByteArray field(const QList<QByteArray> &header, const QList<QByteArray> &row, const char *name)
{
    const qsizetype i = header.indexOf(QByteArray(name));
    return i >= 0 && i < row.size() ? row.at(i) : QByteArray("<missing>");
}

// Every line of events.jsonl is one JSON object; returns them, or fails on the first bad line.
bool parseJsonl(const QByteArray &text, QList<QJsonObject> *out, QByteArray *bad)
{
    for (const QByteArray &line : text.split('\n')) {
        if (line.isEmpty())
            continue;
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(line, &error);
        if (error.error != QJsonParseError::NoError || !doc.isObject()) {
            *bad = line.left(200);
            return false;
        }
        out->append(doc.object());
    }
    return true;
}

qsizetype countEvents(const QList<QJsonObject> &events, const QString &name)
{
    return std::count_if(events.cbegin(), events.cend(), [&](const QJsonObject &e) {
        return e.value(QLatin1String("event")).toString() == name;
    });
}

// What a user's shell gives it: ctest's QT_LOGGING_RULES would turn the harness's developer
// chatter on, and stderr is checked for holding errors only.
QProcessEnvironment sessionsEnvironment()
{
    QProcessEnvironment env = cleanEnvironment();
    env.remove(QStringLiteral("QT_LOGGING_RULES"));
    return env;
}

struct Run
{
    int exitCode = -1;
    bool crashed = false;
    bool finished = false;
    QByteArray out;
    QByteArray err;
};

// Runs `blueshift-server sessions <args>` to the end (bounded).
Run runSessions(const QStringList &args, int timeoutMs = kTimeout)
{
    QProcess p;
    p.setProcessEnvironment(sessionsEnvironment());
    p.start(serverBinary(), QStringList{arg("sessions")} + args);
    Run r;
    r.finished = p.waitForFinished(timeoutMs);
    if (!r.finished) {
        p.kill();
        p.waitForFinished(5000);
    }
    r.exitCode = p.exitCode();
    r.crashed = p.exitStatus() != QProcess::NormalExit;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

QByteArray describe(const Run &r)
{
    return "exit " + QByteArray::number(r.exitCode) + (r.finished ? "" : " (timed out)") +
           "; stderr: " + r.err.right(400) + "; stdout: " + r.out.right(800);
}

// The summary row of a revision: "app--blue  5  0  5  1000×5  0.15  0.22".
QRegularExpressionMatch summaryRow(const QByteArray &out, const QString &revision)
{
    const QRegularExpression re(
        QStringLiteral("^%1 +(\\d+) +(\\d+) +(\\d+) +(\\S.*?) +(\\S+) +(\\S+)$")
            .arg(QRegularExpression::escape(revision)),
        QRegularExpression::MultilineOption);
    return re.match(QString::fromUtf8(out));
}

// A WebSocket peer that completes the upgrade and then never answers anything, a close frame
// included: a stopping client has to wait for its stop timeout.
void serveSilently(QTcpServer *server)
{
    QObject::connect(server, &QTcpServer::newConnection, server, [server] {
        while (QTcpSocket *s = server->nextPendingConnection()) {
            auto head = std::make_shared<QByteArray>();
            QObject::connect(s, &QTcpSocket::readyRead, s, [s, head] {
                const QByteArray data = s->readAll();
                if (head->endsWith("\r\n\r\n"))
                    return; // after the upgrade: swallowed
                *head += data;
                if (!head->contains("\r\n\r\n"))
                    return;
                const QRegularExpression keyRe(QStringLiteral("Sec-WebSocket-Key: *([^\\r]+)"),
                                               QRegularExpression::CaseInsensitiveOption);
                const QByteArray key =
                    keyRe.match(QString::fromLatin1(*head)).captured(1).trimmed().toLatin1();
                const QByteArray accept =
                    QCryptographicHash::hash(
                        QByteArray(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"),
                        QCryptographicHash::Sha1)
                        .toBase64();
                s->write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                         "Connection: Upgrade\r\nSec-WebSocket-Accept: " +
                         accept + "\r\n\r\n");
                *head = "\r\n\r\n";
            });
        }
    });
}
} // namespace

class TestSessionsCommand : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void runsForItsDurationAndReports();
    void sigintStillWritesACompleteReport();
    void secondSigintStopsWaitingForCloses();
    void badOptionsExitTwo_data();
    void badOptionsExitTwo();
    void unreachableUrlExitsOneWithTheReason();
    void headerValuesNeverShown();

private:
    QString relayUrl() const { return m_relay->wsUrl(QStringLiteral("/ws")); }

    ServerProcess *m_echo = nullptr;
    ServerProcess *m_relay = nullptr;
};

void TestSessionsCommand::initTestCase()
{
    m_echo = new ServerProcess(QStringLiteral("upstream-sim"), this);
    QVERIFY2(m_echo->startUpstreamSim({arg("--mode"), arg("echo")}), m_echo->diagnostics());
    m_relay = new ServerProcess(QStringLiteral("relay"), this);
    QVERIFY2(m_relay->startRelay(m_echo->wsUrl(), {arg("--revision"), arg("app--blue")}),
             m_relay->diagnostics());
}

void TestSessionsCommand::runsForItsDurationAndReports()
{
    QTemporaryDir dir;
    const QString report = dir.filePath(arg("run"));
    const Run r = runSessions({relayUrl(), arg("--connections"), arg("5"), arg("--duration"),
                               arg("2"), arg("--ping-interval"), arg("0.5"),
                               arg("--status-interval"), arg("0.5"), arg("--report"), report});
    QVERIFY2(r.finished && !r.crashed && r.exitCode == 0, describe(r));
    QVERIFY2(r.err.isEmpty(), describe(r));

    // Progress lines while it ran (stdout is a pipe: whole lines), then the summary.
    QVERIFY2(QRegularExpression(QStringLiteral("^\\d+\\.\\ds  open 5/5  \\[app--blue 5\\]"),
                                QRegularExpression::MultilineOption)
                 .match(QString::fromUtf8(r.out))
                 .hasMatch(),
             describe(r));
    QVERIFY2(!r.out.contains('\r'), "no terminal control on a pipe");
    const auto row = summaryRow(r.out, arg("app--blue"));
    QVERIFY2(row.hasMatch(), describe(r));
    QCOMPARE(row.captured(1), arg("5")); // opened
    QCOMPARE(row.captured(2), arg("0")); // alive after the stop
    QCOMPARE(row.captured(3), arg("5")); // closed
    QCOMPARE(row.captured(4), QStringLiteral("1000\u00D75"));
    QVERIFY2(row.captured(5).toDouble() > 0, qPrintable(row.captured(5))); // RTT p50 measured
    QVERIFY2(summaryRow(r.out, arg("total")).hasMatch(), describe(r));
    QVERIFY2(r.out.contains("(duration elapsed)"), describe(r));

    const QJsonObject json =
        QJsonDocument::fromJson(readAll(report + arg("/report.json"))).object();
    QVERIFY2(!json.isEmpty(), "report.json parses");
    const QJsonObject totals = json.value(arg("totals")).toObject();
    QCOMPARE(totals.value(arg("sessions")).toInt(), 5);
    QCOMPARE(totals.value(arg("connections_opened")).toInt(), 5);
    QCOMPARE(totals.value(arg("closed")).toInt(), 5);
    QCOMPARE(totals.value(arg("open")).toInt(), 0);
    QVERIFY(totals.value(arg("rtt_ms")).toObject().value(arg("count")).toInt() >= 10);
    const QJsonObject config = json.value(arg("config")).toObject();
    QCOMPARE(config.value(arg("sessions")).toInt(), 5);
    QCOMPARE(config.value(arg("ping_interval_seconds")).toDouble(), 0.5);
    const QJsonArray revisions = json.value(arg("revisions")).toArray();
    QCOMPARE(revisions.size(), 1);
    QCOMPARE(revisions.at(0).toObject().value(arg("revision")).toString(), arg("app--blue"));
    QCOMPARE(revisions.at(0).toObject().value(arg("opened")).toInt(), 5);
    QCOMPARE(revisions.at(0).toObject().value(arg("close_codes")).toObject(),
             QJsonObject({{arg("1000"), 5}}));

    QList<QByteArray> header;
    const auto rows = csvRows(readAll(report + arg("/sessions.csv")), &header);
    QCOMPARE(rows.size(), 5);
    for (const auto &row : rows) {
        QCOMPARE(field(header, row, "state"), QByteArray("closed"));
        QCOMPARE(field(header, row, "revision"), QByteArray("app--blue"));
        QCOMPARE(field(header, row, "close_code"), QByteArray("1000"));
        QCOMPARE(field(header, row, "closed_by"), QByteArray("client"));
        // Pings every 0.5 s for about 2 s.
        QVERIFY(field(header, row, "rtt_count").toInt() >= 2);
    }

    QList<QJsonObject> events;
    QByteArray bad;
    QVERIFY2(parseJsonl(readAll(report + arg("/events.jsonl")), &events, &bad), bad);
    QCOMPARE(countEvents(events, arg("session.opened")), 5);
    QCOMPARE(countEvents(events, arg("session.closed")), 5);
    QCOMPARE(countEvents(events, arg("run.started")), 1);
    QCOMPARE(countEvents(events, arg("run.stopping")), 1);
}

void TestSessionsCommand::sigintStillWritesACompleteReport()
{
    QTemporaryDir dir;
    const QString report = dir.filePath(arg("interrupted"));
    ServerProcess run(QStringLiteral("sessions"));
    run.start(serverBinary(),
              {arg("sessions"), relayUrl(), arg("--connections"), arg("5"), arg("--duration"),
               arg("0"), arg("--ping-interval"), arg("0.2"), arg("--status-interval"), arg("0.2"),
               arg("--report"), report},
              sessionsEnvironment());
    QTRY_VERIFY2_WITH_TIMEOUT(run.standardOutput().contains("open 5/5"), run.diagnostics(),
                              kTimeout);
    QVERIFY(run.isRunning());
    QCOMPARE(::kill(pid_t(run.processId()), SIGINT), 0);
    QVERIFY2(run.waitForExit(kTimeout), run.diagnostics());
    QCOMPARE(run.exitStatus(), QProcess::NormalExit);
    QVERIFY2(run.exitCode() == 0, run.diagnostics());
    QVERIFY2(run.standardOutput().contains("(SIGINT)"), run.standardOutput().right(600));
    const auto row = summaryRow(run.standardOutput(), arg("app--blue"));
    QVERIFY2(row.hasMatch(), run.standardOutput().right(600));
    QCOMPARE(row.captured(1), arg("5"));

    QList<QByteArray> header;
    const auto rows = csvRows(readAll(report + arg("/sessions.csv")), &header);
    QCOMPARE(rows.size(), 5);
    for (const auto &r : rows) {
        QCOMPARE(field(header, r, "state"), QByteArray("closed"));
        QCOMPARE(field(header, r, "close_code"), QByteArray("1000"));
        QCOMPARE(field(header, r, "closed_by"), QByteArray("client"));
    }
    const QJsonObject json =
        QJsonDocument::fromJson(readAll(report + arg("/report.json"))).object();
    const QJsonObject totals = json.value(arg("totals")).toObject();
    QCOMPARE(totals.value(arg("sessions")).toInt(), 5);
    QCOMPARE(totals.value(arg("closed")).toInt(), 5);
    QCOMPARE(totals.value(arg("open")).toInt(), 0);
    QCOMPARE(totals.value(arg("closes")).toInt(), 5);
    QCOMPARE(totals.value(arg("connections_opened")).toInt(), 5);
    QCOMPARE(totals.value(arg("connect_failures")).toInt(), 0);
    int opened = 0;
    for (const QJsonValue &v : json.value(arg("revisions")).toArray())
        opened += v.toObject().value(arg("opened")).toInt();
    QCOMPARE(opened, 5);
    bool stoppedBySignal = false;
    for (const QJsonValue &v : json.value(arg("timeline")).toArray()) {
        const QJsonObject e = v.toObject();
        stoppedBySignal |= e.value(arg("event")).toString() == arg("run.stopping") &&
                           e.value(arg("reason")).toString() == arg("SIGINT");
    }
    QVERIFY(stoppedBySignal);
    QList<QJsonObject> events;
    QByteArray bad;
    QVERIFY2(parseJsonl(readAll(report + arg("/events.jsonl")), &events, &bad), bad);
    QCOMPARE(countEvents(events, arg("session.closed")), 5);
}

void TestSessionsCommand::secondSigintStopsWaitingForCloses()
{
    QTcpServer silent;
    QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
    serveSilently(&silent);
    QTemporaryDir dir;
    const QString report = dir.filePath(arg("cut"));
    ServerProcess run(QStringLiteral("sessions"));
    // Without the second signal the stop would wait a minute for close answers that never come.
    run.start(serverBinary(),
              {arg("sessions"), QStringLiteral("ws://127.0.0.1:%1/").arg(silent.serverPort()),
               arg("--connections"), arg("2"), arg("--duration"), arg("0"), arg("--ping-interval"),
               arg("0"), arg("--stop-timeout"), arg("60"), arg("--status-interval"), arg("0.2"),
               arg("--report"), report},
              sessionsEnvironment());
    QTRY_VERIFY2_WITH_TIMEOUT(run.standardOutput().contains("open 2/2"), run.diagnostics(),
                              kTimeout);
    QCOMPARE(::kill(pid_t(run.processId()), SIGINT), 0);
    QTRY_VERIFY2_WITH_TIMEOUT(run.standardOutput().contains("stopping (SIGINT)"), run.diagnostics(),
                              kTimeout);
    QVERIFY2(run.isRunning(), "waits for the close handshakes");
    QCOMPARE(::kill(pid_t(run.processId()), SIGINT), 0);
    QVERIFY2(run.waitForExit(kTimeout), run.diagnostics());
    QCOMPARE(run.exitStatus(), QProcess::NormalExit);
    QVERIFY2(run.exitCode() == 0, run.diagnostics());
    QVERIFY2(run.standardOutput().contains("SIGINT again: not waiting"), run.diagnostics());

    QList<QByteArray> header;
    const auto rows = csvRows(readAll(report + arg("/sessions.csv")), &header);
    QCOMPARE(rows.size(), 2);
    QList<QJsonObject> events;
    QByteArray bad;
    QVERIFY2(parseJsonl(readAll(report + arg("/events.jsonl")), &events, &bad), bad);
    QCOMPARE(countEvents(events, arg("session.opened")), 2);
    QCOMPARE(countEvents(events, arg("run.interrupted")), 1);
    QVERIFY(!QJsonDocument::fromJson(readAll(report + arg("/report.json"))).object().isEmpty());
}

void TestSessionsCommand::badOptionsExitTwo_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("expected");
    QTest::addRow("http scheme") << QStringList{arg("http://127.0.0.1:1/ws")}
                                 << arg("ws:// or wss://");
    QTest::addRow("no connections")
        << QStringList{arg("ws://127.0.0.1:1/ws"), arg("--connections"), arg("0")}
        << arg("--connections");
    QTest::addRow("unreadable header file")
        << QStringList{arg("ws://127.0.0.1:1/ws"), arg("--header-file"),
                       QDir::tempPath() + arg("/blueshift-no-such-dir/headers")}
        << arg("cannot read header file");
    QTest::addRow("no url") << QStringList{arg("--connections"), arg("3")} << arg("no URL");
    QTest::addRow("unknown option")
        << QStringList{arg("ws://127.0.0.1:1/ws"), arg("--connexions"), arg("3")}
        << arg("connexions");
    QTest::addRow("bad reconnect")
        << QStringList{arg("ws://127.0.0.1:1/ws"), arg("--reconnect"), arg("sometimes")}
        << arg("--reconnect");
    QTest::addRow("unreadable ca")
        << QStringList{arg("wss://127.0.0.1:1/ws"), arg("--ca"),
                       QDir::tempPath() + arg("/blueshift-no-such-dir/ca.pem")}
        << arg("--ca");
}

void TestSessionsCommand::badOptionsExitTwo()
{
    QFETCH(QStringList, args);
    QFETCH(QString, expected);
    const Run r = runSessions(args);
    QVERIFY2(r.finished && !r.crashed && r.exitCode == 2, describe(r));
    QCOMPARE(r.err.count('\n'), 1);
    QVERIFY2(r.err.startsWith("blueshift-server sessions: "), r.err);
    QVERIFY2(r.err.contains(expected.toUtf8()), r.err);
    QVERIFY2(r.out.isEmpty(), r.out);
}

void TestSessionsCommand::unreachableUrlExitsOneWithTheReason()
{
    QTemporaryDir dir;
    const QString report = dir.filePath(arg("refused"));
    const QString url = QStringLiteral("ws://127.0.0.1:%1/ws").arg(unusedPort());
    // The default duration is 300 s: the run has to end by itself once nothing can open.
    const Run r = runSessions({url, arg("--connections"), arg("3"), arg("--report"), report});
    QVERIFY2(r.finished && !r.crashed && r.exitCode == 1, describe(r));
    QVERIFY2(r.err.contains("no session opened"), describe(r));
    QVERIFY2(r.err.contains("refused"), describe(r));
    QVERIFY2(r.out.contains("connect failures: 3"), describe(r));
    // The report is still written: it is how the failure is diagnosed afterwards.
    QList<QByteArray> header;
    const auto rows = csvRows(readAll(report + arg("/sessions.csv")), &header);
    QCOMPARE(rows.size(), 3);
    for (const auto &row : rows)
        QCOMPARE(field(header, row, "connect_failures"), QByteArray("1"));
}

void TestSessionsCommand::headerValuesNeverShown()
{
    const QByteArray canary = "canary-9f3e1c7d2b4a6e8f";
    QTemporaryDir dir;
    const QString keyFile = dir.filePath(arg("key"));
    const QString headers = dir.filePath(arg("headers"));
    const QString wrongHeaders = dir.filePath(arg("wrong-headers"));
    const QString brokenHeaders = dir.filePath(arg("broken-headers"));
    QVERIFY(writeFile(keyFile, canary));
    QVERIFY(writeFile(headers, "# the key\napi-key: " + canary + "\nX-Trace: " + canary + "\n"));
    QVERIFY(writeFile(wrongHeaders, "api-key: wrong-" + canary + "\n"));
    QVERIFY(writeFile(brokenHeaders, "api-key " + canary + "\n"));
    // The key is checked by the server: the header really is sent, and opens the sessions.
    ServerProcess keyed(QStringLiteral("keyed upstream-sim"));
    QVERIFY2(
        keyed.startUpstreamSim({arg("--mode"), arg("echo"), arg("--require-key-file"), keyFile}),
        keyed.diagnostics());

    const auto leaks = [&](const Run &r, const QString &reportDir) {
        QByteArray all = r.out + r.err;
        for (const char *name : {"/report.json", "/sessions.csv", "/events.jsonl"})
            all += readAll(reportDir + QString::fromLatin1(name));
        return all.contains(canary);
    };

    const QString okReport = dir.filePath(arg("ok"));
    const Run ok = runSessions({keyed.wsUrl(), arg("--connections"), arg("2"), arg("--duration"),
                                arg("1"), arg("--ping-interval"), arg("0.2"), arg("--header-file"),
                                headers, arg("--origin"), arg("https://app.example.com"),
                                arg("--status-interval"), arg("0.2"), arg("--report"), okReport});
    QVERIFY2(ok.finished && ok.exitCode == 0, describe(ok));
    QVERIFY2(ok.out.contains("open 2/2"), describe(ok));
    QVERIFY(!readAll(okReport + arg("/report.json")).isEmpty());
    QVERIFY2(readAll(okReport + arg("/report.json")).contains("api-key"), "names are shown");
    QVERIFY(!leaks(ok, okReport));

    const QString deniedReport = dir.filePath(arg("denied"));
    const Run denied =
        runSessions({keyed.wsUrl(), arg("--connections"), arg("2"), arg("--header-file"),
                     wrongHeaders, arg("--report"), deniedReport});
    QVERIFY2(denied.finished && denied.exitCode == 1, describe(denied));
    QVERIFY2(denied.err.contains("401"), describe(denied));
    QVERIFY(!leaks(denied, deniedReport));

    const Run broken = runSessions({keyed.wsUrl(), arg("--header-file"), brokenHeaders});
    QVERIFY2(broken.finished && broken.exitCode == 2, describe(broken));
    QVERIFY(!leaks(broken, QString()));
}

QTEST_GUILESS_MAIN(TestSessionsCommand)
#include "tst_sessionscommand.moc"
