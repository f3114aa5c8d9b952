// Engine.IO v4 and Socket.IO v5 packets, and the client state machine the test sessions use,
// fed as bytes: what python-socketio 5 sends, and what a broken server might.
#include "socketio/socketioclient.h"

#include <QTest>

using namespace blueshift;
using namespace blueshift::socketio;
using stats::CloseCause;

namespace {
// python-socketio 5 / python-engineio 4's open packet (pingInterval and pingTimeout in ms).
const QByteArray kOpen =
    R"(0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":[],"pingTimeout":20000,"pingInterval":25000,"maxPayload":1000000})";
} // namespace

class TestSocketIo : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void packets_data();
    void packets();
    void malformedPackets_data();
    void malformedPackets();
    void encodeRoundTrip();
    void openPacket_data();
    void openPacket();
    void handshakeAndHeartbeat();
    void namespaceWithAuth();
    void closes_data();
    void closes();
    void eventsAndAcks();
    void binaryAttachments();
};

void TestSocketIo::packets_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<int>("type");
    QTest::addColumn<QByteArray>("nsp");
    QTest::addColumn<qint64>("id");
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<int>("attachments");
    QTest::addRow("connect /") << QByteArray("0") << 0 << QByteArray("/") << qint64(-1)
                               << QByteArray() << 0;
    QTest::addRow("connect ack with sid") << QByteArray(R"(0{"sid":"abc"})") << 0 << QByteArray("/")
                                          << qint64(-1) << QByteArray(R"({"sid":"abc"})") << 0;
    QTest::addRow("event") << QByteArray(R"(2["hello",1])") << 2 << QByteArray("/") << qint64(-1)
                           << QByteArray(R"(["hello",1])") << 0;
    QTest::addRow("event with ack in namespace")
        << QByteArray(R"(2/chat,12["m"])") << 2 << QByteArray("/chat") << qint64(12)
        << QByteArray(R"(["m"])") << 0;
    QTest::addRow("ack") << QByteArray(R"(37["ok"])") << 3 << QByteArray("/") << qint64(7)
                         << QByteArray(R"(["ok"])") << 0;
    QTest::addRow("disconnect of a namespace")
        << QByteArray("1/chat,") << 1 << QByteArray("/chat") << qint64(-1) << QByteArray() << 0;
    QTest::addRow("namespace without comma")
        << QByteArray("1/chat") << 1 << QByteArray("/chat") << qint64(-1) << QByteArray() << 0;
    QTest::addRow("connect error")
        << QByteArray(R"(4{"message":"Not authorized"})") << 4 << QByteArray("/") << qint64(-1)
        << QByteArray(R"({"message":"Not authorized"})") << 0;
    QTest::addRow("binary event") << QByteArray(R"(51-["up",{"_placeholder":true,"num":0}])") << 5
                                  << QByteArray("/") << qint64(-1)
                                  << QByteArray(R"(["up",{"_placeholder":true,"num":0}])") << 1;
}

void TestSocketIo::packets()
{
    QFETCH(QByteArray, text);
    QFETCH(int, type);
    QFETCH(QByteArray, nsp);
    QFETCH(qint64, id);
    QFETCH(QByteArray, data);
    QFETCH(int, attachments);
    Packet p;
    QString error;
    QVERIFY2(parsePacket(text, &p, &error), qPrintable(error));
    QCOMPARE(int(p.type), type);
    QCOMPARE(p.nsp, nsp);
    QCOMPARE(p.id, id);
    QCOMPARE(p.data, data);
    QCOMPARE(p.attachments, attachments);
}

void TestSocketIo::malformedPackets_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("error");
    QTest::addRow("empty") << QByteArray() << QStringLiteral("empty");
    QTest::addRow("unknown type") << QByteArray("9") << QStringLiteral("unknown");
    QTest::addRow("event without data") << QByteArray("2") << QStringLiteral("without data");
    QTest::addRow("event data not JSON") << QByteArray("2[oops") << QStringLiteral("not JSON");
    QTest::addRow("event data not an array")
        << QByteArray(R"(2{"a":1})") << QStringLiteral("not an array");
    QTest::addRow("binary without count")
        << QByteArray(R"(5["x"])") << QStringLiteral("attachment count");
    QTest::addRow("too many attachments")
        << QByteArray(R"(59999-["x"])") << QStringLiteral("too many");
    QTest::addRow("ack id too long")
        << QByteArray("312345678901234567890[]") << QStringLiteral("too long");
}

void TestSocketIo::malformedPackets()
{
    QFETCH(QByteArray, text);
    QFETCH(QString, error);
    Packet p;
    QString why;
    QVERIFY(!parsePacket(text, &p, &why));
    QVERIFY2(why.contains(error), qPrintable(why));
}

void TestSocketIo::encodeRoundTrip()
{
    Packet p;
    p.type = PacketType::Event;
    p.nsp = "/chat";
    p.id = 42;
    p.data = R"(["blueshift-echo","xx"])";
    QCOMPARE(encodePacket(p), QByteArray(R"(2/chat,42["blueshift-echo","xx"])"));
    QCOMPARE(engineMessage(p), QByteArray(R"(42/chat,42["blueshift-echo","xx"])"));
    Packet back;
    QString error;
    QVERIFY(parsePacket(encodePacket(p), &back, &error));
    QCOMPARE(back.nsp, p.nsp);
    QCOMPARE(back.id, p.id);
    QCOMPARE(back.data, p.data);
    Packet root;
    root.type = PacketType::Connect;
    QCOMPARE(engineMessage(root), QByteArray("40"));
}

void TestSocketIo::openPacket_data()
{
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<QString>("error");
    QTest::addRow("python-socketio") << kOpen.mid(1) << QString();
    QTest::addRow("no pingInterval")
        << QByteArray(R"({"sid":"a","upgrades":[],"pingTimeout":20000})")
        << QStringLiteral("without pingInterval");
    QTest::addRow("no sid") << QByteArray(R"({"pingInterval":1,"pingTimeout":1})")
                            << QStringLiteral("without sid");
    QTest::addRow("zero interval") << QByteArray(R"({"sid":"a","pingInterval":0,"pingTimeout":1})")
                                   << QStringLiteral("out of range");
    QTest::addRow("not JSON") << QByteArray("{") << QStringLiteral("not a JSON object");
    QTest::addRow("interval a string")
        << QByteArray(R"({"sid":"a","pingInterval":"25000","pingTimeout":1})")
        << QStringLiteral("without pingInterval");
}

void TestSocketIo::openPacket()
{
    QFETCH(QByteArray, payload);
    QFETCH(QString, error);
    EngineOpen open;
    QString why;
    const bool ok = parseEngineOpen(payload, &open, &why);
    QCOMPARE(ok, error.isEmpty());
    if (ok) {
        QCOMPARE(open.sid, QByteArray("lv_VI97HAXpY6yYWAAAC"));
        QCOMPARE(open.pingIntervalMs, 25000);
        QCOMPARE(open.pingTimeoutMs, 20000);
        QCOMPARE(open.maxPayload, 1000000);
    } else {
        QVERIFY2(why.contains(error), qPrintable(why));
    }
}

void TestSocketIo::handshakeAndHeartbeat()
{
    Client c("/", {});
    QCOMPARE(c.state(), Client::State::AwaitingOpen);
    QCOMPARE(c.heartbeatTimeoutMs(), 0);
    ClientStep s = c.onText(kOpen);
    QVERIFY(!s.close);
    QCOMPARE(s.send, QList<QByteArray>{"40"});
    QCOMPARE(c.heartbeatTimeoutMs(), 45000);
    s = c.onText(R"(40{"sid":"x"})");
    QVERIFY(s.connected);
    QCOMPARE(c.state(), Client::State::Connected);
    // Every ping gets its pong: the one thing a client must do to stay connected.
    for (int i = 0; i < 3; ++i) {
        s = c.onText("2");
        QCOMPARE(s.send, QList<QByteArray>{"3"});
    }
    QCOMPARE(c.pingsAnswered(), 3);
    QCOMPARE(c.onText("2probe").send, QList<QByteArray>{"3probe"});
    QVERIFY(!c.onText("6").close); // noop
}

void TestSocketIo::namespaceWithAuth()
{
    Client c("/chat", R"({"token":"t"})");
    ClientStep s = c.onText(kOpen);
    QCOMPARE(s.send, QList<QByteArray>{R"(40/chat,{"token":"t"})"});
    // The root namespace's traffic is not ours.
    s = c.onText(R"(40{"sid":"root"})");
    QVERIFY(!s.connected);
    s = c.onText(R"(40/chat,{"sid":"y"})");
    QVERIFY(s.connected);
    QCOMPARE(c.echoFrame(5, 3), QByteArray(R"(42/chat,5["blueshift-echo","xxx"])"));
    QCOMPARE(c.disconnectFrame(), QByteArray("41/chat,"));
}

void TestSocketIo::closes_data()
{
    QTest::addColumn<QList<QByteArray>>("frames");
    QTest::addColumn<CloseCause>("cause");
    QTest::addColumn<QString>("reason");
    QTest::addRow("connect error")
        << QList<QByteArray>{kOpen, R"(44{"message":"Not authorized"})"}
        << CloseCause::NamespaceRefused << QStringLiteral("namespace / refused: Not authorized");
    QTest::addRow("server disconnect")
        << QList<QByteArray>{kOpen, "40", "41"} << CloseCause::NamespaceDisconnect
        << QStringLiteral("the server disconnected namespace /");
    QTest::addRow("engine close") << QList<QByteArray>{kOpen, "40", "1"}
                                  << CloseCause::NamespaceDisconnect
                                  << QStringLiteral("closed the Engine.IO session");
    QTest::addRow("no open packet first") << QList<QByteArray>{"40"} << CloseCause::ProtocolError
                                          << QStringLiteral("expected the Engine.IO open packet");
    QTest::addRow("open without pingInterval")
        << QList<QByteArray>{R"(0{"sid":"a","pingTimeout":20000})"} << CloseCause::ProtocolError
        << QStringLiteral("without pingInterval");
    QTest::addRow("malformed engine packet")
        << QList<QByteArray>{kOpen, "x"} << CloseCause::ProtocolError
        << QStringLiteral("unknown Engine.IO packet type");
    QTest::addRow("malformed socket.io packet")
        << QList<QByteArray>{kOpen, "40", "42[broken"} << CloseCause::ProtocolError
        << QStringLiteral("not JSON");
    QTest::addRow("second open") << QList<QByteArray>{kOpen, kOpen} << CloseCause::ProtocolError
                                 << QStringLiteral("second Engine.IO open");
}

void TestSocketIo::closes()
{
    QFETCH(QList<QByteArray>, frames);
    QFETCH(CloseCause, cause);
    QFETCH(QString, reason);
    Client c("/", {});
    ClientStep last;
    for (const QByteArray &f : frames)
        last = c.onText(f);
    QVERIFY(last.close);
    QCOMPARE(int(last.cause), int(cause));
    QVERIFY2(last.reason.contains(reason), qPrintable(last.reason));
    QCOMPARE(c.state(), Client::State::Closed);
    // Nothing more happens after a close.
    QVERIFY(c.onText("2").send.isEmpty());
}

void TestSocketIo::eventsAndAcks()
{
    Client c("/", {});
    c.onText(kOpen);
    c.onText("40");
    ClientStep s = c.onText(R"(42["hello",{"revision":"demo--blue"}])");
    QCOMPARE(s.events, 1);
    QCOMPARE(s.firstEventData, QByteArray(R"(["hello",{"revision":"demo--blue"}])"));
    s = c.onText(R"(42["again"])");
    QVERIFY(s.firstEventData.isEmpty()); // only the first
    // A server event asking for an ack gets one.
    s = c.onText(R"(429["question"])");
    QCOMPARE(s.send, QList<QByteArray>{"439[]"});
    s = c.onText(R"(4317["blueshift-echo","xx"])");
    QCOMPARE(s.ackId, 17);
}

void TestSocketIo::binaryAttachments()
{
    Client c("/", {});
    c.onText(kOpen);
    c.onText("40");
    ClientStep s =
        c.onText(R"(452-["file",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])");
    QCOMPARE(s.events, 1);
    QVERIFY(!c.onBinary().close);
    QVERIFY(!c.onBinary().close);
    QCOMPARE(c.attachmentsDropped(), 2);
    // A third binary frame was never announced.
    s = c.onBinary();
    QVERIFY(s.close);
    QCOMPARE(int(s.cause), int(CloseCause::ProtocolError));
}

QTEST_GUILESS_MAIN(TestSocketIo)
#include "tst_socketio.moc"
