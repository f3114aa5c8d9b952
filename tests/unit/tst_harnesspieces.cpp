// The harness's pure pieces: the cookie jar, the reconnect schedule, and the shape of the files
// a run leaves (sessions.csv, events.jsonl, report.json).
#include "harness/backoff.h"
#include "harness/cookiejar.h"
#include "harness/fleetreport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace blueshift;
using namespace blueshift::harness;

class TestHarnessPieces : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parseSetCookie_data();
    void parseSetCookie();
    void jarSendsBackWhatWasSet();
    void backoffGrowsAndCaps();
    void backoffJitterStaysInBounds();
    void immediateAndNone();
    void configValidation();
    void configJsonHasNoHeaderValues();
    void csvShape();
    void eventsMergedByTime();
    void reportShape();
};

void TestHarnessPieces::parseSetCookie_data()
{
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<QByteArray>("name");
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<bool>("remove");
    QTest::addRow("plain") << QByteArray("a=1") << true << QByteArray("a") << QByteArray("1")
                           << false;
    QTest::addRow("affinity") << QByteArray(
                                     "blueshift-affinity=app--blue.r0; Path=/; Max-Age=3600; "
                                     "HttpOnly; SameSite=Lax")
                              << true << QByteArray("blueshift-affinity")
                              << QByteArray("app--blue.r0") << false;
    QTest::addRow("quoted") << QByteArray("q=\"x y\"") << true << QByteArray("q")
                            << QByteArray("x y") << false;
    QTest::addRow("max-age 0 removes")
        << QByteArray("a=; Max-Age=0") << true << QByteArray("a") << QByteArray() << true;
    QTest::addRow("expired") << QByteArray("a=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT") << true
                             << QByteArray("a") << QByteArray("1") << true;
    QTest::addRow("max-age beats expires")
        << QByteArray("a=1; Max-Age=60; Expires=Thu, 01 Jan 1970 00:00:00 GMT") << true
        << QByteArray("a") << QByteArray("1") << false;
    QTest::addRow("no name") << QByteArray("=1") << false << QByteArray() << QByteArray() << false;
    QTest::addRow("no equals") << QByteArray("junk") << false << QByteArray() << QByteArray()
                               << false;
}

void TestHarnessPieces::parseSetCookie()
{
    QFETCH(QByteArray, header);
    QFETCH(bool, valid);
    const auto c = harness::parseSetCookie(header);
    QCOMPARE(c.has_value(), valid);
    if (!valid)
        return;
    QTEST(c->name, "name");
    QTEST(c->value, "value");
    QTEST(c->remove, "remove");
}

void TestHarnessPieces::jarSendsBackWhatWasSet()
{
    CookieJar jar;
    QVERIFY(jar.header().isEmpty());
    http::HeaderList headers{{"Upgrade", "websocket"},
                             {"Set-Cookie", "blueshift-affinity=app--blue.r0; Path=/"},
                             {"set-cookie", "other=2"}};
    jar.update(headers);
    QCOMPARE(jar.size(), 2);
    QCOMPARE(jar.header(), QByteArray("blueshift-affinity=app--blue.r0; other=2"));
    // Replaced in place, then removed.
    jar.update({{"Set-Cookie", "blueshift-affinity=app--green.r1"}});
    QCOMPARE(jar.value("blueshift-affinity"), QByteArray("app--green.r1"));
    QCOMPARE(jar.header(), QByteArray("blueshift-affinity=app--green.r1; other=2"));
    jar.update({{"Set-Cookie", "other=; Max-Age=0"}});
    QCOMPARE(jar.header(), QByteArray("blueshift-affinity=app--green.r1"));
}

void TestHarnessPieces::backoffGrowsAndCaps()
{
    ReconnectPolicy p;
    p.mode = ReconnectMode::Backoff;
    p.initialSeconds = 0.5;
    p.multiplier = 2;
    p.maxSeconds = 5;
    p.jitter = 0;
    QCOMPARE(reconnectBaseDelay(p, 1), 0.5);
    QCOMPARE(reconnectBaseDelay(p, 2), 1.0);
    QCOMPARE(reconnectBaseDelay(p, 4), 4.0);
    QCOMPARE(reconnectBaseDelay(p, 5), 5.0);
    QCOMPARE(reconnectBaseDelay(p, 5000), 5.0); // pow overflows; the cap holds
    QCOMPARE(reconnectDelay(p, 3, 0.7), 2.0);
    p.maxAttempts = 3;
    QCOMPARE(reconnectDelay(p, 3, 0.5), 2.0);
    QCOMPARE(reconnectDelay(p, 4, 0.5), -1.0);
}

void TestHarnessPieces::backoffJitterStaysInBounds()
{
    ReconnectPolicy p;
    p.mode = ReconnectMode::Backoff;
    p.initialSeconds = 1;
    p.multiplier = 2;
    p.maxSeconds = 10;
    p.jitter = 0.25;
    for (int attempt = 1; attempt <= 8; ++attempt) {
        const double base = reconnectBaseDelay(p, attempt);
        QCOMPARE(reconnectDelay(p, attempt, 0.0), base * 0.75);
        QCOMPARE(reconnectDelay(p, attempt, 0.5), base);
        for (double u : {0.0, 0.1, 0.5, 0.9, 0.999999, 1.0}) {
            const double d = reconnectDelay(p, attempt, u);
            QVERIFY2(d >= base * 0.75 - 1e-12 && d <= std::min(base * 1.25, 10.0) + 1e-12,
                     qPrintable(QStringLiteral("attempt %1 u %2: %3").arg(attempt).arg(u).arg(d)));
        }
    }
    // The cap includes jitter.
    QCOMPARE(reconnectDelay(p, 8, 1.0), 10.0);
}

void TestHarnessPieces::immediateAndNone()
{
    ReconnectPolicy p;
    QCOMPARE(reconnectDelay(p, 1, 0.5), -1.0);
    p.mode = ReconnectMode::Immediate;
    QCOMPARE(reconnectDelay(p, 1, 0.9), 0.0);
    QCOMPARE(reconnectDelay(p, 100, 0.9), 0.0);
}

void TestHarnessPieces::configValidation()
{
    FleetConfig c;
    QVERIFY(!c.validate().isEmpty());
    c.url = QUrl(QStringLiteral("http://127.0.0.1:1/"));
    QVERIFY(!c.validate().isEmpty());
    c.url = QUrl(QStringLiteral("wss://example.org/ws"));
    QCOMPARE(c.validate(), QString());
    c.traffic = TrafficMode::Echo;
    c.trafficIntervalSeconds = 0;
    QVERIFY(!c.validate().isEmpty());
    c.trafficIntervalSeconds = 1;
    c.reconnect.mode = ReconnectMode::Backoff;
    c.reconnect.jitter = 1.5;
    QVERIFY(!c.validate().isEmpty());
}

void TestHarnessPieces::configJsonHasNoHeaderValues()
{
    FleetConfig c;
    c.url = QUrl(QStringLiteral("wss://user:pw@example.org/openai/realtime?api-key=SECRET1"));
    c.headers = {{"api-key", "SECRET2"}, {"Origin", "https://app.example"}};
    const QByteArray json = QJsonDocument(toJson(c)).toJson();
    QVERIFY(!json.contains("SECRET"));
    QVERIFY(!json.contains("pw"));
    QVERIFY(json.contains("api-key"));
    QCOMPARE(toJson(c).value(QStringLiteral("url")).toString(),
             QStringLiteral("wss://example.org/openai/realtime"));
}

void TestHarnessPieces::csvShape()
{
    SessionRecord a;
    a.id = 0;
    a.state = SessionState::Closed;
    a.revision = QStringLiteral("app--blue");
    a.firstOpenTime = a.openTime = 1.5;
    a.closeTime = 9.25;
    a.closeCode = 1001;
    a.closeReason = QStringLiteral("revision draining, \"bye\"");
    a.rttCount = 2;
    a.rttLastUs = 1500;
    SessionRecord b;
    b.id = 1;
    const QByteArray csv = sessionsCsv({a, b});
    const QList<QByteArray> lines = csv.split('\n');
    QCOMPARE(lines.size(), 4); // header, two rows, the empty tail
    const int columns = int(lines[0].count(',')) + 1;
    QCOMPARE(columns, 26);
    QVERIFY(lines[1].startsWith("0,closed,app--blue,,,1.500,1.500,9.250,1001,"
                                "\"revision draining, \"\"bye\"\"\",server,clean,,2,1.500,"));
    QVERIFY(lines[2].startsWith("1,waiting,,,,,,,,,,,,0,,,,"));
}

void TestHarnessPieces::eventsMergedByTime()
{
    QList<TimelineEntry> timeline{{1.0, QStringLiteral("step"), {}, 0},
                                  {3.0, QStringLiteral("revision.deactivated"), {}, -1}};
    std::deque<SessionEvent> events;
    SessionEvent opened;
    opened.kind = SessionEvent::Kind::Opened;
    opened.time = 0.5;
    opened.session = 7;
    opened.revision = QStringLiteral("r1");
    SessionEvent closed = opened;
    closed.kind = SessionEvent::Kind::Closed;
    closed.time = 3.5;
    closed.code = 1001;
    closed.side = stats::CloseSide::Server;
    events.push_back(opened);
    events.push_back(closed);
    const QList<QByteArray> lines = eventsJsonl(timeline, events).trimmed().split('\n');
    QCOMPARE(lines.size(), 4);
    QStringList kinds;
    for (const QByteArray &l : lines)
        kinds << QJsonDocument::fromJson(l).object().value(QStringLiteral("event")).toString();
    QCOMPARE(kinds, (QStringList{QStringLiteral("session.opened"), QStringLiteral("step"),
                                 QStringLiteral("revision.deactivated"),
                                 QStringLiteral("session.closed")}));
    const QJsonObject c = QJsonDocument::fromJson(lines[3]).object();
    QCOMPARE(c.value(QStringLiteral("code")).toInt(), 1001);
    QCOMPARE(c.value(QStringLiteral("closed_by")).toString(), QStringLiteral("server"));
}

void TestHarnessPieces::reportShape()
{
    FleetConfig c;
    c.url = QUrl(QStringLiteral("ws://127.0.0.1:1/"));
    FleetSnapshot s;
    s.sessions = 3;
    RevisionSummary r;
    r.revision = QStringLiteral("app--blue");
    r.opened = 3;
    r.alive = 1;
    r.closed = 2;
    r.closeCodes = {{1001, 2}};
    r.rttMicros.p50 = 1500;
    r.rttMicros.p99 = 4000;
    s.revisions = {r};
    stats::CloseTally tally;
    tally.timeline().addStep(1, QStringLiteral("deactivate blue"));
    tally.recordAt(2, QStringLiteral("app--blue"), 1001, stats::CloseSide::Server);
    tally.recordAt(2.5, QStringLiteral("app--blue"), 1001, stats::CloseSide::Server);
    const QJsonObject report = reportJson(c, QDateTime::currentDateTimeUtc(), s, tally, {});
    for (const char *key : {"config", "started_at", "duration_s", "totals", "revisions", "steps",
                            "closes", "timeline"})
        QVERIFY2(report.contains(QLatin1String(key)), key);
    const QJsonObject rev = report.value(QStringLiteral("revisions")).toArray().at(0).toObject();
    QCOMPARE(rev.value(QStringLiteral("revision")).toString(), QStringLiteral("app--blue"));
    QCOMPARE(
        rev.value(QStringLiteral("close_codes")).toObject().value(QStringLiteral("1001")).toInt(),
        2);
    QCOMPARE(rev.value(QStringLiteral("rtt_ms")).toObject().value(QStringLiteral("p99")).toDouble(),
             4.0);
    const QJsonArray steps = report.value(QStringLiteral("steps")).toArray();
    QCOMPARE(steps.size(), 1);
    QCOMPARE(steps.at(0).toObject().value(QStringLiteral("name")).toString(),
             QStringLiteral("deactivate blue"));
    QCOMPARE(steps.at(0)
                 .toObject()
                 .value(QStringLiteral("close_codes"))
                 .toObject()
                 .value(QStringLiteral("1001"))
                 .toInt(),
             2);
}

QTEST_GUILESS_MAIN(TestHarnessPieces)
#include "tst_harnesspieces.moc"
