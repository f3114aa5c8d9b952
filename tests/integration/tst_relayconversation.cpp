// Sessions through a real relay process to a real upstream: the realtime conversation, message
// types and order, reference clients (QWebSocket and Debian's python3-websockets), messages sent
// before the upstream is open, and the Origin policy on the upgrade.
#include "integrationsupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkProxy>
#include <QSignalSpy>
#include <QTest>
#include <QWebSocket>

using namespace blueshift::itest;

namespace {
constexpr int kTimeout = 10000;

QByteArray json(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

QProcessEnvironment revisionEnvironment()
{
    QProcessEnvironment env = cleanEnvironment();
    env.insert(QStringLiteral("CONTAINER_APP_REVISION"), QStringLiteral("chat--itest42"));
    env.insert(QStringLiteral("CONTAINER_APP_REPLICA_NAME"),
               QStringLiteral("chat--itest42-replica-a"));
    return env;
}

// Every message a QWebSocket receives, text or binary, in arrival order.
struct Received
{
    QList<QPair<bool, QByteArray>> messages; // (text?, payload)

    void attach(QWebSocket &ws)
    {
        QObject::connect(&ws, &QWebSocket::textMessageReceived, &ws, [this](const QString &m) {
            messages.append({true, m.toUtf8()});
        });
        QObject::connect(&ws, &QWebSocket::binaryMessageReceived, &ws, [this](const QByteArray &m) {
            messages.append({false, m});
        });
    }
};
} // namespace

class TestRelayConversation : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void upgradeCarriesRevisionHeaders();
    void realtimeConversation();
    void textStaysTextBinaryStaysBinary();
    void fragmentsAndControlFramesPassThrough();
    void pythonClient_data();
    void pythonClient();
    void messagesSentBeforeUpstreamOpens();
    void framesPipelinedBehindUpgradeRequest();
    void clientClosesBeforeUpstreamOpens();
    void originPolicy_data();
    void originPolicy();
};

void TestRelayConversation::initTestCase()
{
    QNetworkProxy::setApplicationProxy(QNetworkProxy::NoProxy);
    QVERIFY2(QFile::exists(serverBinary()), qPrintable(serverBinary()));
}

void TestRelayConversation::upgradeCarriesRevisionHeaders()
{
    ServerProcess upstream(QStringLiteral("upstream-sim"));
    QVERIFY2(upstream.startUpstreamSim({QStringLiteral("--mode"), QStringLiteral("echo")}),
             upstream.diagnostics());
    ServerProcess relay(QStringLiteral("relay"));
    QVERIFY2(relay.startRelay(upstream.wsUrl(), {}, revisionEnvironment()), relay.diagnostics());
    QCOMPARE(relay.events(QStringLiteral("server.started"))
                 .constFirst()
                 .value(QLatin1String("revision"))
                 .toString(),
             QStringLiteral("chat--itest42"));

    RawWebSocket ws;
    QVERIFY(ws.handshake(relay.port()));
    QCOMPARE(ws.status(), 101);
    QCOMPARE(ws.responseHeader("X-Blueshift-Revision"), QByteArray("chat--itest42"));
    QCOMPARE(ws.responseHeader("X-Blueshift-Replica"), QByteArray("chat--itest42-replica-a"));
    const QByteArray session = ws.responseHeader("X-Blueshift-Session");
    QCOMPARE(session.size(), 16);
    QVERIFY2(QByteArray::fromHex(session).toHex() == session, session.constData());
    // The relay's log names the same session.
    QVERIFY2(relay.waitForEvent(QStringLiteral("upstream.connected")), relay.diagnostics());
    QCOMPARE(relay.events(QStringLiteral("client.connected"))
                 .constFirst()
                 .value(QLatin1String("session"))
                 .toString(),
             QString::fromLatin1(session));
    // Ordinary protocol headers are still there.
    QCOMPARE(ws.responseHeader("Upgrade").toLower(), QByteArray("websocket"));
}

void TestRelayConversation::realtimeConversation()
{
    const int deltas = 6;
    const int deltaBytes = 1200;
    ServerProcess upstream(QStringLiteral("upstream-sim"));
    QVERIFY2(upstream.startUpstreamSim(
                 {QStringLiteral("--audio-deltas"), QString::number(deltas),
                  QStringLiteral("--audio-delta-bytes"), QString::number(deltaBytes),
                  QStringLiteral("--audio-delta-interval-ms"), QStringLiteral("5")}),
             upstream.diagnostics());
    ServerProcess relay(QStringLiteral("relay"));
    QVERIFY2(relay.startRelay(upstream.wsUrl(QStringLiteral("/openai/realtime")), {},
                              revisionEnvironment()),
             relay.diagnostics());

    Received received;
    QWebSocket ws;
    received.attach(ws);
    QSignalSpy connected(&ws, &QWebSocket::connected);
    QSignalSpy disconnected(&ws, &QWebSocket::disconnected);
    ws.open(QUrl(relay.wsUrl(QStringLiteral("/ws"))));
    QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 1, kTimeout);

    auto event = [&](qsizetype i) {
        return QJsonDocument::fromJson(received.messages.at(i).second).object();
    };
    auto type = [&](qsizetype i) { return event(i).value(QLatin1String("type")).toString(); };

    QTRY_COMPARE_WITH_TIMEOUT(received.messages.size(), 1, kTimeout);
    QCOMPARE(type(0), QStringLiteral("session.created"));

    ws.sendTextMessage(QString::fromUtf8(
        json({{QStringLiteral("type"), QStringLiteral("session.update")},
              {QStringLiteral("session"),
               QJsonObject{{QStringLiteral("instructions"), QStringLiteral("Réponds brièvement.")},
                           {QStringLiteral("voice"), QStringLiteral("verse")}}}})));
    QTRY_COMPARE_WITH_TIMEOUT(received.messages.size(), 2, kTimeout);
    QCOMPARE(type(1), QStringLiteral("session.updated"));
    const QJsonObject session = event(1).value(QLatin1String("session")).toObject();
    QCOMPARE(session.value(QLatin1String("instructions")).toString(),
             QStringLiteral("Réponds brièvement."));
    QCOMPARE(session.value(QLatin1String("voice")).toString(), QStringLiteral("verse"));

    ws.sendTextMessage(
        QString::fromUtf8(json({{QStringLiteral("type"), QStringLiteral("response.create")}})));
    const qsizetype total = 2 + 1 + deltas + 2; // created, deltas, audio.done, done
    QTRY_COMPARE_WITH_TIMEOUT(received.messages.size(), total, kTimeout);

    QStringList types;
    for (qsizetype i = 2; i < total; ++i)
        types << type(i);
    QStringList expected{QStringLiteral("response.created")};
    for (int i = 0; i < deltas; ++i)
        expected << QStringLiteral("response.audio.delta");
    expected << QStringLiteral("response.audio.done") << QStringLiteral("response.done");
    QCOMPARE(types, expected);

    // Deltas arrive whole and in order: upstream-sim's pattern depends on the delta's index.
    const QString responseId =
        event(2).value(QLatin1String("response")).toObject().value(QLatin1String("id")).toString();
    for (int d = 0; d < deltas; ++d) {
        const QJsonObject e = event(3 + d);
        QCOMPARE(e.value(QLatin1String("response_id")).toString(), responseId);
        const QByteArray audio =
            QByteArray::fromBase64(e.value(QLatin1String("delta")).toString().toLatin1());
        QCOMPARE(audio.size(), deltaBytes);
        for (int i = 0; i < audio.size(); i += 97)
            QCOMPARE(quint8(audio.at(i)), quint8((i * 7 + d) & 0xFF));
    }
    const QJsonObject done = event(total - 1).value(QLatin1String("response")).toObject();
    QCOMPARE(done.value(QLatin1String("status")).toString(), QStringLiteral("completed"));
    for (const auto &m : std::as_const(received.messages))
        QVERIFY2(m.first, "a text event arrived as a binary message");

    ws.close(QWebSocketProtocol::CloseCodeNormal, QStringLiteral("bye"));
    QTRY_COMPARE_WITH_TIMEOUT(disconnected.size(), 1, kTimeout);
    QVERIFY2(relay.waitForEvent(QStringLiteral("bridge.completed")), relay.diagnostics());
    const QJsonObject closed = relay.events(QStringLiteral("connection.closed")).constFirst();
    QCOMPARE(closed.value(QLatin1String("code")).toInt(), 1000);
    QCOMPARE(closed.value(QLatin1String("side")).toString(), QStringLiteral("client"));
    const QJsonObject bridge = relay.events(QStringLiteral("bridge.completed")).constFirst();
    QCOMPARE(bridge.value(QLatin1String("messages_to_upstream")).toInt(), 2);
    QCOMPARE(bridge.value(QLatin1String("messages_to_client")).toInt(), int(total));
    // upstream-sim got the client's close (reason included) through the relay.
    QVERIFY2(upstream.waitForEvent(QStringLiteral("connection.closed")), upstream.diagnostics());
    const QJsonObject upClosed = upstream.events(QStringLiteral("connection.closed")).constFirst();
    QCOMPARE(upClosed.value(QLatin1String("code")).toInt(), 1000);
    QCOMPARE(upClosed.value(QLatin1String("reason")).toString(), QStringLiteral("bye"));

    const HttpResult metrics = httpGet(relay.port(), "/metrics");
    QCOMPARE(metrics.status, 200);
    QCOMPARE(metricValue(metrics.body,
                         R"(blueshift_relay_messages_total{direction="client_to_upstream"})"),
             2.0);
    QCOMPARE(metricValue(metrics.body,
                         R"(blueshift_relay_messages_total{direction="upstream_to_client"})"),
             double(total));
    QCOMPARE(metricValue(metrics.body, "blueshift_relay_sessions_total"), 1.0);
    QCOMPARE(metricValue(metrics.body, "blueshift_relay_upstream_failures_total"), 0.0);
}

void TestRelayConversation::textStaysTextBinaryStaysBinary()
{
    ServerProcess upstream(QStringLiteral("upstream-sim"));
    QVERIFY2(upstream.startUpstreamSim({QStringLiteral("--mode"), QStringLiteral("echo")}),
             upstream.diagnostics());
    ServerProcess relay(QStringLiteral("relay"));
    QVERIFY2(relay.startRelay(upstream.wsUrl()), relay.diagnostics());

    // Sizes around the 7/16/64-bit length encodings, both types interleaved.
    QList<QPair<bool, QByteArray>> sent;
    QByteArray allBytes(256, Qt::Uninitialized);
    for (int i = 0; i < 256; ++i)
        allBytes[i] = char(i);
    sent << qMakePair(true, QByteArray("hello"));
    sent << qMakePair(false, allBytes);
    sent << qMakePair(true, QByteArray());
    sent << qMakePair(false, QByteArray());
    sent << qMakePair(true, QStringLiteral("héllo ✓ 🌊").toUtf8());
    sent << qMakePair(false, QByteArray("{\"type\":\"looks like json\"}"));
    sent << qMakePair(true, QByteArray(125, 'a'));
    sent << qMakePair(false, QByteArray(126, '\xff'));
    sent << qMakePair(true, QByteArray(65535, 'b'));
    sent << qMakePair(false, QByteArray(65536, '\0'));
    sent << qMakePair(true, QByteArray(200000, 'c'));
    sent << qMakePair(false, allBytes.repeated(300));

    Received received;
    QWebSocket ws;
    received.attach(ws);
    QSignalSpy connected(&ws, &QWebSocket::connected);
    ws.open(QUrl(relay.wsUrl(QStringLiteral("/ws"))));
    QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 1, kTimeout);
    for (const auto &m : std::as_const(sent)) {
        if (m.first)
            ws.sendTextMessage(QString::fromUtf8(m.second));
        else
            ws.sendBinaryMessage(m.second);
    }
    QTRY_COMPARE_WITH_TIMEOUT(received.messages.size(), sent.size(), kTimeout);
    for (qsizetype i = 0; i < sent.size(); ++i) {
        QVERIFY2(received.messages.at(i).first == sent.at(i).first,
                 qPrintable(QStringLiteral("message %1 changed type").arg(i)));
        QVERIFY2(received.messages.at(i).second == sent.at(i).second,
                 qPrintable(QStringLiteral("message %1 changed").arg(i)));
    }
    const HttpResult metrics = httpGet(relay.port(), "/metrics");
    QCOMPARE(metricValue(metrics.body,
                         R"(blueshift_relay_messages_total{direction="client_to_upstream"})"),
             double(sent.size()));
    QCOMPARE(metricValue(metrics.body,
                         R"(blueshift_relay_messages_total{direction="upstream_to_client"})"),
             double(sent.size()));
}

void TestRelayConversation::fragmentsAndControlFramesPassThrough()
{
    ServerProcess upstream(QStringLiteral("upstream-sim"));
    QVERIFY2(upstream.startUpstreamSim({QStringLiteral("--mode"), QStringLiteral("echo")}),
             upstream.diagnostics());
    ServerProcess relay(QStringLiteral("relay"));
    QVERIFY2(relay.startRelay(upstream.wsUrl()), relay.diagnostics());

    RawWebSocket ws;
    QSignalSpy frames(&ws, &RawWebSocket::frameReceived);
    QVERIFY(ws.handshake(relay.port()));
    QCOMPARE(ws.status(), 101);
    // A text message in three fragments, split inside "ö", with a ping between fragments.
    ws.sendFrame(0x1, "Hello, w\xc3", false);
    ws.sendFrame(0x9, "mid-message ping");
    ws.sendFrame(0x0, "\xb6rld", false);
    ws.sendFrame(0x0, "!", true);
    ws.sendFrame(0x2, QByteArray("\x00\x01\x02", 3));
    QTRY_COMPARE_WITH_TIMEOUT(frames.size(), 5, kTimeout);

    const QList<RawFrame> &got = ws.frames();
    QByteArray text;
    QList<int> dataOpcodes;
    for (const RawFrame &f : got) {
        QVERIFY2(!f.masked, "the relay sent a masked frame to its client");
        if (f.opcode == 0xA)
            QCOMPARE(f.payload, QByteArray("mid-message ping"));
        else
            dataOpcodes << f.opcode;
        if (f.opcode <= 1)
            text += f.payload;
    }
    QCOMPARE(dataOpcodes, (QList<int>{0x1, 0x0, 0x0, 0x2}));
    QCOMPARE(QString::fromUtf8(text), QStringLiteral("Hello, wörld!"));
    QCOMPARE(ws.dataFrames().at(2).fin, true);
    QCOMPARE(ws.dataFrames().at(0).fin, false);
    QCOMPARE(ws.dataFrames().at(3).payload, QByteArray("\x00\x01\x02", 3));
}

void TestRelayConversation::pythonClient_data()
{
    QTest::addColumn<QString>("mode");
    QTest::addRow("echo upstream") << QStringLiteral("echo");
    QTest::addRow("realtime upstream") << QStringLiteral("realtime");
}

void TestRelayConversation::pythonClient()
{
    QFETCH(QString, mode);
    ServerProcess upstream(QStringLiteral("upstream-sim"));
    QVERIFY2(
        upstream.startUpstreamSim({QStringLiteral("--mode"), mode, QStringLiteral("--audio-deltas"),
                                   QStringLiteral("4"), QStringLiteral("--audio-delta-interval-ms"),
                                   QStringLiteral("2")}),
        upstream.diagnostics());
    ServerProcess relay(QStringLiteral("relay"));
    QVERIFY2(relay.startRelay(upstream.wsUrl(), {}, revisionEnvironment()), relay.diagnostics());

    ServerProcess client(QStringLiteral("pyclient"));
    QProcessEnvironment env = cleanEnvironment();
    env.insert(QStringLiteral("PYTHONDONTWRITEBYTECODE"), QStringLiteral("1"));
    client.start(
        systemPython(),
        {sourceFile(QStringLiteral("pyclient.py")), relay.wsUrl(QStringLiteral("/ws")), mode}, env);
    QVERIFY2(client.waitForExit(30000), client.diagnostics());
    QVERIFY2(client.exitStatus() == QProcess::NormalExit && client.exitCode() == 0,
             QByteArray(client.diagnostics() +
                        "\n(needs Debian's python3-websockets in /usr/bin/python3)")
                 .constData());
    QCOMPARE(client.events().size(), 1);
    const QJsonObject result = client.events().constFirst();
    QCOMPARE(result.value(QLatin1String("ok")).toBool(), true);
    QCOMPARE(result.value(QLatin1String("revision")).toString(), QStringLiteral("chat--itest42"));
    QCOMPARE(result.value(QLatin1String("close_code")).toInt(), 1000);
    if (mode == QLatin1String("echo")) {
        QCOMPARE(result.value(QLatin1String("echoed")).toInt(), 7);
        QCOMPARE(result.value(QLatin1String("pong")).toBool(), true);
    } else {
        QCOMPARE(result.value(QLatin1String("deltas")).toInt(), 4);
    }
    QVERIFY2(relay.waitForEvent(QStringLiteral("bridge.completed")), relay.diagnostics());
    QCOMPARE(relay.events(QStringLiteral("connection.closed"))
                 .constFirst()
                 .value(QLatin1String("code"))
                 .toInt(),
             1000);
}

void TestRelayConversation::messagesSentBeforeUpstreamOpens()
{
    // The upstream answers the upgrade 600 ms late; the client writes as soon as it has its 101.
    ServerProcess upstream(QStringLiteral("pyupstream"));
    QVERIFY2(upstream.startPython(QStringLiteral("pyupstream.py"),
                                  {QStringLiteral("--handshake-delay-ms"), QStringLiteral("600")}),
             upstream.diagnostics());
    ServerProcess relay(QStringLiteral("relay"));
    QVERIFY2(relay.startRelay(upstream.wsUrl()), relay.diagnostics());

    Received received;
    QWebSocket ws;
    received.attach(ws);
    QSignalSpy connected(&ws, &QWebSocket::connected);
    connect(&ws, &QWebSocket::connected, &ws, [&ws] {
        ws.sendTextMessage(QStringLiteral("one"));
        ws.sendBinaryMessage(QByteArray("\x02\x00\x02", 3));
        ws.sendTextMessage(QStringLiteral("three ✓"));
        ws.sendBinaryMessage(QByteArray(100000, 'x'));
        ws.sendTextMessage(QStringLiteral("five"));
    });
    ws.open(QUrl(relay.wsUrl(QStringLiteral("/ws"))));
    QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 1, kTimeout);
    QTRY_COMPARE_WITH_TIMEOUT(received.messages.size(), 5, kTimeout);
    QCOMPARE(received.messages.at(0), qMakePair(true, QByteArray("one")));
    QCOMPARE(received.messages.at(1), qMakePair(false, QByteArray("\x02\x00\x02", 3)));
    QCOMPARE(received.messages.at(2), qMakePair(true, QStringLiteral("three ✓").toUtf8()));
    QCOMPARE(received.messages.at(3), qMakePair(false, QByteArray(100000, 'x')));
    QCOMPARE(received.messages.at(4), qMakePair(true, QByteArray("five")));

    // The upstream really was not open when the client wrote.
    QVERIFY2(relay.waitForEvent(QStringLiteral("upstream.connected")), relay.diagnostics());
    QVERIFY(relay.events(QStringLiteral("upstream.connected"))
                .constFirst()
                .value(QLatin1String("connect_ms"))
                .toDouble() >= 500);
    const QList<QJsonObject> got = upstream.events(QStringLiteral("message"));
    QCOMPARE(got.size(), 5);
    QCOMPARE(got.at(0).value(QLatin1String("data")).toString(), QStringLiteral("one"));
    QCOMPARE(got.at(1).value(QLatin1String("data")).toString(), QStringLiteral("020002"));
    QCOMPARE(got.at(4).value(QLatin1String("data")).toString(), QStringLiteral("five"));
}

void TestRelayConversation::framesPipelinedBehindUpgradeRequest()
{
    ServerProcess upstream(QStringLiteral("pyupstream"));
    QVERIFY2(upstream.startPython(QStringLiteral("pyupstream.py"),
                                  {QStringLiteral("--handshake-delay-ms"), QStringLiteral("300")}),
             upstream.diagnostics());
    ServerProcess relay(QStringLiteral("relay"));
    QVERIFY2(relay.startRelay(upstream.wsUrl()), relay.diagnostics());

    // The frames go out in the same write as the upgrade request, before any 101.
    RawWebSocket ws;
    QSignalSpy frames(&ws, &RawWebSocket::frameReceived);
    const QByteArray pipelined = RawWebSocket::frame(0x1, "alpha") +
                                 RawWebSocket::frame(0x2, QByteArray("\x00\xff", 2)) +
                                 RawWebSocket::frame(0x1, "gamma");
    QVERIFY(ws.handshake(relay.port(), "/ws", {}, pipelined));
    QCOMPARE(ws.status(), 101);
    QTRY_COMPARE_WITH_TIMEOUT(frames.size(), 3, kTimeout);
    const QList<RawFrame> got = ws.dataFrames();
    QCOMPARE(got.at(0).opcode, quint8(0x1));
    QCOMPARE(got.at(0).payload, QByteArray("alpha"));
    QCOMPARE(got.at(1).opcode, quint8(0x2));
    QCOMPARE(got.at(1).payload, QByteArray("\x00\xff", 2));
    QCOMPARE(got.at(2).payload, QByteArray("gamma"));
}

void TestRelayConversation::clientClosesBeforeUpstreamOpens()
{
    ServerProcess upstream(QStringLiteral("pyupstream"));
    QVERIFY2(upstream.startPython(QStringLiteral("pyupstream.py"),
                                  {QStringLiteral("--handshake-delay-ms"), QStringLiteral("500")}),
             upstream.diagnostics());
    ServerProcess relay(QStringLiteral("relay"));
    QVERIFY2(relay.startRelay(upstream.wsUrl()), relay.diagnostics());

    // Two messages and a close, all before the upstream answers its upgrade.
    RawWebSocket ws;
    QSignalSpy closed(&ws, &RawWebSocket::closeFrameReceived);
    const QByteArray bytes = RawWebSocket::frame(0x1, "last words") +
                             RawWebSocket::frame(0x2, "\x01") +
                             RawWebSocket::frame(0x8, RawWebSocket::closePayload(1000, "bye"));
    QVERIFY(ws.handshake(relay.port(), "/ws", {}, bytes));
    QCOMPARE(ws.status(), 101);
    QTRY_COMPARE_WITH_TIMEOUT(closed.size(), 1, kTimeout);
    QCOMPARE(ws.closeCode(), 1000);

    // The upstream still gets both messages, then the client's close with its reason.
    QVERIFY2(upstream.waitForEvent(QStringLiteral("connection.closed")), upstream.diagnostics());
    const QList<QJsonObject> got = upstream.events(QStringLiteral("message"));
    QCOMPARE(got.size(), 2);
    QCOMPARE(got.at(0).value(QLatin1String("data")).toString(), QStringLiteral("last words"));
    QCOMPARE(got.at(1).value(QLatin1String("data")).toString(), QStringLiteral("01"));
    const QJsonObject upClosed = upstream.events(QStringLiteral("connection.closed")).constFirst();
    QCOMPARE(upClosed.value(QLatin1String("code")).toInt(), 1000);
    QCOMPARE(upClosed.value(QLatin1String("reason")).toString(), QStringLiteral("bye"));
    QVERIFY2(relay.waitForEvent(QStringLiteral("bridge.completed")), relay.diagnostics());
    QCOMPARE(relay.events(QStringLiteral("bridge.completed"))
                 .constFirst()
                 .value(QLatin1String("messages_to_upstream"))
                 .toInt(),
             2);
}

void TestRelayConversation::originPolicy_data()
{
    QTest::addColumn<QByteArray>(
        "origin"); // empty: no Origin header; {self}: the request's own host
    QTest::addColumn<int>("status");
    QTest::addRow("no origin (not a browser)") << QByteArray() << 101;
    QTest::addRow("own host") << QByteArray("http://{self}") << 101;
    QTest::addRow("own host, upper case") << QByteArray("HTTP://{SELF}") << 101;
    QTest::addRow("allowed origin") << QByteArray("https://console.example.com") << 101;
    QTest::addRow("allowed origin, other case") << QByteArray("https://Console.Example.com") << 101;
    QTest::addRow("foreign origin") << QByteArray("https://evil.example") << 403;
    QTest::addRow("allowed host, other scheme") << QByteArray("http://console.example.com") << 403;
    QTest::addRow("own host, other port") << QByteArray("http://127.0.0.1:1") << 403;
    QTest::addRow("lookalike suffix")
        << QByteArray("https://console.example.com.evil.example") << 403;
    QTest::addRow("null origin") << QByteArray("null") << 403;
}

void TestRelayConversation::originPolicy()
{
    QFETCH(QByteArray, origin);
    QFETCH(int, status);
    ServerProcess upstream(QStringLiteral("upstream-sim"));
    QVERIFY2(upstream.startUpstreamSim({QStringLiteral("--mode"), QStringLiteral("echo")}),
             upstream.diagnostics());
    ServerProcess relay(QStringLiteral("relay"));
    QVERIFY2(relay.startRelay(upstream.wsUrl(), {QStringLiteral("--allow-origin"),
                                                 QStringLiteral("https://console.example.com")}),
             relay.diagnostics());

    const QByteArray self = "127.0.0.1:" + QByteArray::number(relay.port());
    origin.replace("{self}", self).replace("{SELF}", self);
    RawWebSocket ws;
    RawWebSocket::Headers headers;
    if (!origin.isEmpty())
        headers.append({"Origin", origin});
    QVERIFY(ws.handshake(relay.port(), "/ws", headers));
    QCOMPARE(ws.status(), status);
    const HttpResult metrics = httpGet(relay.port(), "/metrics");
    QCOMPARE(metricValue(metrics.body, "blueshift_relay_upgrades_rejected_total"),
             status == 101 ? 0.0 : 1.0);
    if (status == 101) {
        QSignalSpy frames(&ws, &RawWebSocket::frameReceived);
        ws.sendFrame(0x1, "origin ok");
        QTRY_COMPARE_WITH_TIMEOUT(frames.size(), 1, kTimeout);
        QCOMPARE(ws.frames().constFirst().payload, QByteArray("origin ok"));
    } else {
        QTRY_VERIFY_WITH_TIMEOUT(ws.isDisconnected(), kTimeout);
        QCOMPARE(relay.eventCount(QStringLiteral("client.connected")), 0);
    }
}

QTEST_GUILESS_MAIN(TestRelayConversation)
#include "tst_relayconversation.moc"
