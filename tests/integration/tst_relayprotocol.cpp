// RFC 6455 enforcement by a real relay process, on both legs: frames written by hand from the
// client side (unmasked, reserved bits and opcodes, bad UTF-8, oversize announced in a header
// whose payload never comes) and from a hand-made upstream in this process.
#include "integrationsupport.h"

#include <QCryptographicHash>
#include <QJsonDocument>
#include <QNetworkProxy>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTest>
#include <QWebSocket>

using namespace blueshift::itest;

namespace {
constexpr int kTimeout = 10000;
constexpr int kMaxMessage = 1024;

QByteArray headerOnly(quint8 opcode, quint64 length, bool fin = true)
{
    return RawWebSocket::frameHeader(opcode, length, true, fin) + QByteArray("\x11\x22\x33\x44", 4);
}
} // namespace

// An upstream that answers the upgrade correctly and then sends whatever the test says: the
// relay's view of a broken server. Records the close frame the relay sends it.
class RawUpstream : public QObject
{
    Q_OBJECT
public:
    RawUpstream()
    {
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            m_conn = m_server.nextPendingConnection();
            connect(m_conn, &QTcpSocket::readyRead, this, &RawUpstream::readData);
        });
    }
    bool listen() { return m_server.listen(QHostAddress::LocalHost, 0); }
    QString url() const { return QStringLiteral("ws://127.0.0.1:%1/").arg(m_server.serverPort()); }
    void send(const QByteArray &bytes) { m_conn->write(bytes); }
    bool upgraded() const { return m_upgraded; }
    int closeCode() const { return m_closeCode; }

Q_SIGNALS:
    void closeReceived(int code);

private:
    void readData()
    {
        m_in += m_conn->readAll();
        if (!m_upgraded) {
            const qsizetype end = m_in.indexOf("\r\n\r\n");
            if (end < 0)
                return;
            QByteArray key;
            for (const QByteArray &line : m_in.left(end).split('\n')) {
                if (line.toLower().startsWith("sec-websocket-key:"))
                    key = line.mid(18).trimmed();
            }
            m_in.remove(0, end + 4);
            const QByteArray accept =
                QCryptographicHash::hash(QByteArray(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"),
                                         QCryptographicHash::Sha1)
                    .toBase64();
            m_conn->write(
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                "Sec-WebSocket-Accept: " +
                accept + "\r\n\r\n");
            m_upgraded = true;
        }
        RawFrame f;
        bool tooLarge = false;
        while (RawWebSocket::takeFrame(&m_in, &f, &tooLarge)) {
            if (f.opcode == 0x8 && m_closeCode == 0) {
                m_closeCode = RawWebSocket::closeCodeOf(f.payload);
                Q_EMIT closeReceived(m_closeCode);
            }
        }
    }

    QTcpServer m_server;
    QTcpSocket *m_conn = nullptr;
    QByteArray m_in;
    bool m_upgraded = false;
    int m_closeCode = 0;
};

class TestRelayProtocol : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void clientViolation_data();
    void clientViolation();
    void messageAtTheLimitPasses();
    void oversizeFromQtClient();
    void oversizeFromUpstream();
    void upstreamViolation_data();
    void upstreamViolation();
};

void TestRelayProtocol::initTestCase()
{
    QNetworkProxy::setApplicationProxy(QNetworkProxy::NoProxy);
    QVERIFY2(QFile::exists(serverBinary()), qPrintable(serverBinary()));
}

void TestRelayProtocol::clientViolation_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("code");
    using W = RawWebSocket;

    QTest::addRow("unmasked text frame") << W::frame(0x1, "hello", false) << 1002;
    QTest::addRow("unmasked binary frame") << W::frame(0x2, "\x01\x02", false) << 1002;
    QTest::addRow("unmasked after a good frame")
        << W::frame(0x1, "fine") + W::frame(0x1, "bad", false) << 1002;
    QTest::addRow("reserved data opcode 0x3") << W::frame(0x3, "x") << 1002;
    QTest::addRow("reserved data opcode 0x7") << W::frame(0x7, "x") << 1002;
    QTest::addRow("reserved control opcode 0xB") << W::frame(0xB, "x") << 1002;
    QTest::addRow("RSV1 without an extension") << W::frame(0x1, "x", true, true, 4) << 1002;
    QTest::addRow("RSV2") << W::frame(0x2, "x", true, true, 2) << 1002;
    QTest::addRow("RSV3 on a ping") << W::frame(0x9, "x", true, true, 1) << 1002;
    QTest::addRow("continuation without a message") << W::frame(0x0, "x") << 1002;
    QTest::addRow("new message inside a fragmented one")
        << W::frame(0x1, "a", true, false) + W::frame(0x1, "b") << 1002;
    QTest::addRow("fragmented ping") << W::frame(0x9, "x", true, false) << 1002;
    QTest::addRow("ping over 125 bytes") << W::frame(0x9, QByteArray(126, 'p')) << 1002;
    QTest::addRow("64-bit length with the top bit set")
        << W::frameHeader(0x2, quint64(1) << 63) + QByteArray("\x11\x22\x33\x44", 4) << 1002;
    QTest::addRow("close code 1005 on the wire") << W::frame(0x8, W::closePayload(1005)) << 1002;
    QTest::addRow("close code 999") << W::frame(0x8, W::closePayload(999)) << 1002;
    QTest::addRow("close with a one-byte payload") << W::frame(0x8, "\x03") << 1002;
    QTest::addRow("close reason not UTF-8")
        << W::frame(0x8, W::closePayload(1000, "\xff\xfe")) << 1007;
    QTest::addRow("invalid UTF-8 text") << W::frame(0x1, "ab\xc3\x28") << 1007;
    QTest::addRow("UTF-16 surrogate in text") << W::frame(0x1, "\xed\xa0\x80") << 1007;
    QTest::addRow("overlong encoding") << W::frame(0x1, "\xc0\xaf") << 1007;
    QTest::addRow("text ends inside a code point") << W::frame(0x1, "ab\xe2\x82") << 1007;
    QTest::addRow("invalid UTF-8 across fragments")
        << W::frame(0x1, "ok\xe2", true, false) + W::frame(0x0, "\x28") << 1007;
    // Oversize is decided from the header: the payload is never sent.
    QTest::addRow("oversize, header only, 16-bit length")
        << headerOnly(0x2, kMaxMessage + 1) << 1009;
    QTest::addRow("oversize, header only, 1 GiB") << headerOnly(0x2, quint64(1) << 30) << 1009;
    QTest::addRow("oversize, header only, 2^62 text") << headerOnly(0x1, quint64(1) << 62) << 1009;
    QTest::addRow("oversize across fragments")
        << W::frame(0x2, QByteArray(600, 'a'), true, false) + headerOnly(0x0, 600) << 1009;
    QTest::addRow("oversize complete text message")
        << W::frame(0x1, QByteArray(kMaxMessage + 1, 't')) << 1009;
}

void TestRelayProtocol::clientViolation()
{
    QFETCH(QByteArray, bytes);
    QFETCH(int, code);
    ServerProcess upstream(QStringLiteral("upstream-sim"));
    QVERIFY2(upstream.startUpstreamSim({QStringLiteral("--mode"), QStringLiteral("echo")}),
             upstream.diagnostics());
    ServerProcess relay(QStringLiteral("relay"));
    QVERIFY2(relay.startRelay(upstream.wsUrl(), {QStringLiteral("--max-message-bytes"),
                                                 QString::number(kMaxMessage)}),
             relay.diagnostics());

    RawWebSocket ws;
    QSignalSpy closed(&ws, &RawWebSocket::closeFrameReceived);
    QSignalSpy disconnected(&ws, &RawWebSocket::disconnected);
    QVERIFY(ws.handshake(relay.port()));
    QCOMPARE(ws.status(), 101);
    // Wait for the upstream leg, so that the relay's answer to the upstream can be checked too.
    QVERIFY2(relay.waitForEvent(QStringLiteral("upstream.connected")), relay.diagnostics());
    ws.sendRaw(bytes);

    QTRY_COMPARE_WITH_TIMEOUT(closed.size(), 1, kTimeout);
    QCOMPARE(ws.closeCode(), code);
    QVERIFY2(!ws.closeReason().isEmpty(), "the close frame should say why");
    // The relay closes the TCP connection after the close handshake.
    QTRY_COMPARE_WITH_TIMEOUT(disconnected.size(), 1, kTimeout);

    QVERIFY2(relay.waitForEvent(QStringLiteral("bridge.completed")), relay.diagnostics());
    const QJsonObject logged = relay.events(QStringLiteral("connection.closed")).constFirst();
    QCOMPARE(logged.value(QLatin1String("code")).toInt(), code);
    QCOMPARE(logged.value(QLatin1String("side")).toString(), QStringLiteral("relay"));
    // The upstream is told the client went away.
    QVERIFY2(upstream.waitForEvent(QStringLiteral("connection.closed")), upstream.diagnostics());
    QCOMPARE(upstream.events(QStringLiteral("connection.closed"))
                 .constFirst()
                 .value(QLatin1String("code"))
                 .toInt(),
             1001);

    const HttpResult metrics = httpGet(relay.port(), "/metrics");
    QCOMPARE(metricValue(metrics.body, "blueshift_relay_closes_total{code=\"" +
                                           QByteArray::number(code) + "\",side=\"relay\"}"),
             1.0);
    QCOMPARE(metricValue(metrics.body, "blueshift_relay_sessions_open"), 0.0);
}

void TestRelayProtocol::messageAtTheLimitPasses()
{
    ServerProcess upstream(QStringLiteral("upstream-sim"));
    QVERIFY2(upstream.startUpstreamSim({QStringLiteral("--mode"), QStringLiteral("echo")}),
             upstream.diagnostics());
    ServerProcess relay(QStringLiteral("relay"));
    QVERIFY2(relay.startRelay(upstream.wsUrl(), {QStringLiteral("--max-message-bytes"),
                                                 QString::number(kMaxMessage)}),
             relay.diagnostics());

    // Exactly the limit, whole and in fragments that add up to it.
    RawWebSocket ws;
    QSignalSpy frames(&ws, &RawWebSocket::frameReceived);
    QVERIFY(ws.handshake(relay.port()));
    ws.sendFrame(0x2, QByteArray(kMaxMessage, 'b'));
    ws.sendFrame(0x1, QByteArray(kMaxMessage / 2, 't'), false);
    ws.sendFrame(0x0, QByteArray(kMaxMessage / 2, 't'), true);
    QTRY_COMPARE_WITH_TIMEOUT(frames.size(), 3, kTimeout);
    QVERIFY(!ws.closeReceived());
    QCOMPARE(ws.frames().at(0).payload.size(), kMaxMessage);
    QCOMPARE(ws.frames().at(2).payload.size(), kMaxMessage / 2);
}

void TestRelayProtocol::oversizeFromQtClient()
{
    ServerProcess upstream(QStringLiteral("upstream-sim"));
    QVERIFY2(upstream.startUpstreamSim({QStringLiteral("--mode"), QStringLiteral("echo")}),
             upstream.diagnostics());
    ServerProcess relay(QStringLiteral("relay"));
    QVERIFY2(relay.startRelay(upstream.wsUrl(), {QStringLiteral("--max-message-bytes"),
                                                 QString::number(kMaxMessage)}),
             relay.diagnostics());

    QWebSocket ws;
    QSignalSpy connected(&ws, &QWebSocket::connected);
    QSignalSpy echoed(&ws, &QWebSocket::binaryMessageReceived);
    QSignalSpy disconnected(&ws, &QWebSocket::disconnected);
    ws.open(QUrl(relay.wsUrl(QStringLiteral("/ws"))));
    QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 1, kTimeout);
    ws.sendBinaryMessage(QByteArray(kMaxMessage, 'a'));
    QTRY_COMPARE_WITH_TIMEOUT(echoed.size(), 1, kTimeout);
    ws.sendBinaryMessage(QByteArray(kMaxMessage + 1, 'a'));
    QTRY_COMPARE_WITH_TIMEOUT(disconnected.size(), 1, kTimeout);
    QCOMPARE(int(ws.closeCode()), 1009);
    QCOMPARE(echoed.size(), 1);
}

void TestRelayProtocol::oversizeFromUpstream()
{
    // Audio deltas of 3000 bytes (4000 in base64) are over a 2048-byte limit; the events
    // before them are not.
    ServerProcess upstream(QStringLiteral("upstream-sim"));
    QVERIFY2(
        upstream.startUpstreamSim({QStringLiteral("--audio-delta-bytes"), QStringLiteral("3000")}),
        upstream.diagnostics());
    ServerProcess relay(QStringLiteral("relay"));
    QVERIFY2(relay.startRelay(upstream.wsUrl(),
                              {QStringLiteral("--max-message-bytes"), QStringLiteral("2048")}),
             relay.diagnostics());

    QWebSocket ws;
    QStringList types;
    connect(&ws, &QWebSocket::textMessageReceived, &ws, [&types](const QString &m) {
        types
            << QJsonDocument::fromJson(m.toUtf8()).object().value(QLatin1String("type")).toString();
    });
    QSignalSpy connected(&ws, &QWebSocket::connected);
    QSignalSpy disconnected(&ws, &QWebSocket::disconnected);
    ws.open(QUrl(relay.wsUrl(QStringLiteral("/ws"))));
    QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 1, kTimeout);
    QTRY_COMPARE_WITH_TIMEOUT(types.size(), 1, kTimeout);
    ws.sendTextMessage(QStringLiteral(R"({"type":"response.create"})"));
    QTRY_COMPARE_WITH_TIMEOUT(disconnected.size(), 1, kTimeout);

    QCOMPARE(types,
             (QStringList{QStringLiteral("session.created"), QStringLiteral("response.created")}));
    // The client did nothing wrong: it gets 1011 and why; the upstream gets 1009.
    QCOMPARE(int(ws.closeCode()), 1011);
    QVERIFY2(ws.closeReason().contains(QLatin1String("upstream")) &&
                 ws.closeReason().contains(QLatin1String("size")),
             qPrintable(ws.closeReason()));
    QVERIFY2(upstream.waitForEvent(QStringLiteral("connection.closed")), upstream.diagnostics());
    QCOMPARE(upstream.events(QStringLiteral("connection.closed"))
                 .constFirst()
                 .value(QLatin1String("code"))
                 .toInt(),
             1009);
}

void TestRelayProtocol::upstreamViolation_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("upstreamCode");
    using W = RawWebSocket;
    QTest::addRow("masked server frame") << W::frame(0x1, "masked", true) << 1002;
    QTest::addRow("reserved opcode") << W::frame(0x4, "x", false) << 1002;
    QTest::addRow("RSV1 without an extension") << W::frame(0x1, "x", false, true, 4) << 1002;
    QTest::addRow("invalid UTF-8 text") << W::frame(0x1, "\xff", false) << 1007;
    QTest::addRow("oversize, header only") << W::frameHeader(0x2, quint64(1) << 30, false) << 1009;
    QTest::addRow("good frame, then a masked one")
        << W::frame(0x1, "fine", false) + W::frame(0x2, "bad", true) << 1002;
}

void TestRelayProtocol::upstreamViolation()
{
    QFETCH(QByteArray, bytes);
    QFETCH(int, upstreamCode);
    RawUpstream upstream;
    QVERIFY(upstream.listen());
    QSignalSpy upstreamClosed(&upstream, &RawUpstream::closeReceived);
    ServerProcess relay(QStringLiteral("relay"));
    QVERIFY2(relay.startRelay(upstream.url(), {QStringLiteral("--max-message-bytes"),
                                               QString::number(kMaxMessage)}),
             relay.diagnostics());

    RawWebSocket ws;
    QSignalSpy closed(&ws, &RawWebSocket::closeFrameReceived);
    QVERIFY(ws.handshake(relay.port()));
    QCOMPARE(ws.status(), 101);
    QTRY_VERIFY_WITH_TIMEOUT(upstream.upgraded(), kTimeout);
    QVERIFY2(relay.waitForEvent(QStringLiteral("upstream.connected")), relay.diagnostics());
    upstream.send(bytes);

    QTRY_COMPARE_WITH_TIMEOUT(closed.size(), 1, kTimeout);
    QCOMPARE(ws.closeCode(), 1011);
    QVERIFY2(ws.closeReason().startsWith("upstream protocol error"), ws.closeReason().constData());
    QTRY_COMPARE_WITH_TIMEOUT(upstreamClosed.size(), 1, kTimeout);
    QCOMPARE(upstream.closeCode(), upstreamCode);
    // Whatever valid came before the violation was delivered.
    for (const RawFrame &f : ws.dataFrames())
        QCOMPARE(f.payload, QByteArray("fine"));
}

QTEST_GUILESS_MAIN(TestRelayProtocol)
#include "tst_relayprotocol.moc"
