// The client side of the opening handshake, as bytes: the request every client here sends, and
// one verdict per rule a 101 can break (RFC 6455 section 4.1), the same for the relay's upstream
// leg, the test sessions, the doctor and the load client.
#include "http/httpmessage.h"
#include "websocket/clienthandshake.h"

#include <QTest>

using namespace blueshift;
using websocket::ClientHandshake;
using websocket::HandshakeFailure;

namespace {
// RFC 6455 section 1.3's example key and its accept value.
const QByteArray kKey("dGhlIHNhbXBsZSBub25jZQ==");
const QByteArray kAccept("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");

http::Response parse(const QByteArray &head)
{
    http::Response r;
    std::size_t consumed = 0;
    if (http::parseResponseHead(head.constData(), std::size_t(head.size()), 16384, &r, &consumed) !=
        http::ParseResult::Complete)
        qFatal("test response does not parse");
    return r;
}
} // namespace

QT_BEGIN_NAMESPACE
namespace QTest {
template<>
char *toString(const HandshakeFailure &f)
{
    static const char *names[] = {
        "None",      "NotSwitching",       "NoUpgradeWebSocket",  "NoConnectionUpgrade",
        "BadAccept", "UnofferedExtension", "UnofferedSubprotocol"};
    return qstrdup(names[int(f)]);
}
} // namespace QTest
QT_END_NAMESPACE

class TestClientHandshake : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void request();
    void requestWithEverything();
    void verdicts_data();
    void verdicts();
    void failureTexts();
    void urlParts_data();
    void urlParts();
};

void TestClientHandshake::request()
{
    websocket::ClientHandshakeOptions o;
    o.target = "/chat?x=1";
    o.hostHeader = "server.example.com";
    const ClientHandshake h(o, kKey);
    QCOMPARE(h.request(), QByteArray("GET /chat?x=1 HTTP/1.1\r\n"
                                     "Host: server.example.com\r\n"
                                     "Upgrade: websocket\r\n"
                                     "Connection: Upgrade\r\n"
                                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                     "Sec-WebSocket-Version: 13\r\n"
                                     "\r\n"));
    QCOMPARE(h.key(), kKey);
}

void TestClientHandshake::requestWithEverything()
{
    websocket::ClientHandshakeOptions o;
    o.target = "/ws";
    o.hostHeader = "127.0.0.1:8080";
    o.userAgent = "blueshift-test/1";
    o.origin = "https://app.example.com";
    o.cookie = "a=b";
    o.subprotocols = {"chat", "superchat"};
    o.extraHeaders = {{"api-key", "k"}};
    const QByteArray r = ClientHandshake(o, kKey).request();
    QVERIFY(r.startsWith("GET /ws HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"));
    QVERIFY(r.contains("\r\nSec-WebSocket-Protocol: chat, superchat\r\n"));
    QVERIFY(r.contains("\r\nOrigin: https://app.example.com\r\n"));
    QVERIFY(r.contains("\r\nUser-Agent: blueshift-test/1\r\n"));
    QVERIFY(r.contains("\r\nCookie: a=b\r\n"));
    QVERIFY(r.endsWith("\r\napi-key: k\r\n\r\n"));
    // A fresh key each time when none is given.
    QVERIFY(ClientHandshake(o).key() != ClientHandshake(o).key());
    QCOMPARE(ClientHandshake(o).key().size(), 24);
}

void TestClientHandshake::verdicts_data()
{
    QTest::addColumn<QByteArray>("head");
    QTest::addColumn<HandshakeFailure>("expected");
    const QByteArray good = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                            "Connection: Upgrade\r\nSec-WebSocket-Accept: " +
                            kAccept + "\r\n";
    QTest::addRow("valid") << good + "\r\n" << HandshakeFailure::None;
    QTest::addRow("valid, tokens in other case and lists")
        << QByteArray("HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\n"
                      "Connection: keep-alive, UPGRADE\r\nSec-WebSocket-Accept: " +
                      kAccept + "\r\n\r\n")
        << HandshakeFailure::None;
    QTest::addRow("403") << QByteArray("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                         << HandshakeFailure::NotSwitching;
    QTest::addRow("200") << QByteArray("HTTP/1.1 200 OK\r\nUpgrade: websocket\r\n\r\n")
                         << HandshakeFailure::NotSwitching;
    QTest::addRow("no Upgrade") << QByteArray(
                                       "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
                                       "Sec-WebSocket-Accept: " +
                                       kAccept + "\r\n\r\n")
                                << HandshakeFailure::NoUpgradeWebSocket;
    QTest::addRow("Upgrade: h2c")
        << QByteArray("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Accept: " +
                      kAccept + "\r\n\r\n")
        << HandshakeFailure::NoUpgradeWebSocket;
    QTest::addRow("no Connection")
        << QByteArray("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                      "Sec-WebSocket-Accept: " +
                      kAccept + "\r\n\r\n")
        << HandshakeFailure::NoConnectionUpgrade;
    QTest::addRow("no Accept") << QByteArray("HTTP/1.1 101 Switching Protocols\r\nUpgrade: "
                                             "websocket\r\nConnection: Upgrade\r\n\r\n")
                               << HandshakeFailure::BadAccept;
    QTest::addRow("wrong Accept")
        << QByteArray(
               "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n")
        << HandshakeFailure::BadAccept;
    QTest::addRow("extension never offered")
        << good + "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n"
        << HandshakeFailure::UnofferedExtension;
    QTest::addRow("subprotocol not offered") << good + "Sec-WebSocket-Protocol: mqtt\r\n\r\n"
                                             << HandshakeFailure::UnofferedSubprotocol;
    QTest::addRow("subprotocol offered") << good + "Sec-WebSocket-Protocol: chat\r\n\r\n"
                                         << HandshakeFailure::None;
}

void TestClientHandshake::verdicts()
{
    QFETCH(QByteArray, head);
    QFETCH(HandshakeFailure, expected);
    websocket::ClientHandshakeOptions o;
    o.hostHeader = "h";
    o.subprotocols = {"chat"};
    const ClientHandshake h(o, kKey);
    const http::Response response = parse(head);
    QCOMPARE(h.check(response), expected);
    QCOMPARE(ClientHandshake::check(response, kKey, {"chat"}), expected);
}

void TestClientHandshake::failureTexts()
{
    const http::Response forbidden = parse("HTTP/1.1 403 Forbidden\r\n\r\n");
    QCOMPARE(websocket::handshakeFailureText(HandshakeFailure::NotSwitching, forbidden),
             QStringLiteral("HTTP 403 Forbidden"));
    const http::Response deflate =
        parse("HTTP/1.1 101 X\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n");
    QCOMPARE(websocket::handshakeFailureText(HandshakeFailure::UnofferedExtension, deflate),
             QStringLiteral("invalid handshake response: the server chose an extension that was "
                            "not offered (permessage-deflate)"));
    QVERIFY(websocket::handshakeFailureText(HandshakeFailure::None, deflate).isEmpty());
}

void TestClientHandshake::urlParts_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QByteArray>("host");
    QTest::addColumn<QByteArray>("target");
    QTest::addRow("default ws port")
        << "ws://example.com/ws" << QByteArray("example.com") << QByteArray("/ws");
    QTest::addRow("default wss port")
        << "wss://example.com:443/a?b=c" << QByteArray("example.com") << QByteArray("/a?b=c");
    QTest::addRow("other port, no path")
        << "ws://127.0.0.1:8080" << QByteArray("127.0.0.1:8080") << QByteArray("/");
    QTest::addRow("IPv6") << "ws://[::1]:9000/ws" << QByteArray("[::1]:9000") << QByteArray("/ws");
    QTest::addRow("socket.io query")
        << "ws://h/ws/socket.io/?EIO=4&transport=websocket" << QByteArray("h")
        << QByteArray("/ws/socket.io/?EIO=4&transport=websocket");
}

void TestClientHandshake::urlParts()
{
    QFETCH(QString, url);
    QFETCH(QByteArray, host);
    QFETCH(QByteArray, target);
    QCOMPARE(ClientHandshake::hostHeaderFor(QUrl(url)), host);
    QCOMPARE(ClientHandshake::targetFor(QUrl(url)), target);
}

QTEST_GUILESS_MAIN(TestClientHandshake)
#include "tst_clienthandshake.moc"
