// The heads the ingress passes on: what it adds (X-Forwarded-*, X-Blueshift-*, Set-Cookie,
// Connection: close) and that everything else arrives as the peer sent it.
#include "ingress/proxyheads.h"

#include <QTest>

using namespace blueshift;
using namespace blueshift::ingress;

namespace {
http::Request parseRequest(const QByteArray &raw)
{
    http::Request r;
    std::size_t consumed = 0;
    if (http::parseRequestHead(raw.constData(), std::size_t(raw.size()), 65536, &r, &consumed) !=
        http::ParseResult::Complete)
        qFatal("test request does not parse");
    return r;
}

http::Response parseResponse(const QByteArray &raw)
{
    http::Response r;
    std::size_t consumed = 0;
    if (http::parseResponseHead(raw.constData(), std::size_t(raw.size()), 65536, &r, &consumed) !=
        http::ParseResult::Complete)
        qFatal("test response does not parse");
    return r;
}

QList<QByteArray> values(const http::HeaderList &headers, const QByteArray &name)
{
    QList<QByteArray> out;
    for (const auto &h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            out.append(h.second);
    }
    return out;
}
} // namespace

class tst_ProxyHeads : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void upgradeDetection();
    void forwardedUpgrade();
    void forwardedPlainRequest();
    void responseForUpgrade();
    void responseForPlainRequest();
};

void tst_ProxyHeads::upgradeDetection()
{
    QVERIFY(isUpgradeRequest(parseRequest("GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n"
                                          "Connection: keep-alive, Upgrade\r\n\r\n")));
    QVERIFY(!isUpgradeRequest(parseRequest("GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n"
                                           "Connection: keep-alive\r\n\r\n")));
    QVERIFY(!isUpgradeRequest(parseRequest("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n")));
}

void tst_ProxyHeads::forwardedUpgrade()
{
    const http::Request req = parseRequest(
        "GET /ws?blueshift-label=green HTTP/1.1\r\nHost: demo---green.localhost:8080\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: abc==\r\n"
        "Sec-WebSocket-Version: 13\r\nX-Forwarded-For: 10.0.0.1\r\nX-Forwarded-Proto: ftp\r\n"
        "Cookie: a=b\r\n\r\n");
    const QByteArray head = forwardedRequestHead(req, "127.0.0.5", true, true);
    QVERIFY2(head.startsWith("GET /ws?blueshift-label=green HTTP/1.1\r\n"), head.constData());
    QVERIFY(head.endsWith("\r\n\r\n"));
    const http::Request out = parseRequest(head);
    QCOMPARE(out.header("Host"), QByteArray("demo---green.localhost:8080"));
    QCOMPARE(out.header("Connection"), QByteArray("Upgrade"));
    QCOMPARE(out.header("Sec-WebSocket-Key"), QByteArray("abc=="));
    QCOMPARE(out.header("Cookie"), QByteArray("a=b"));
    QCOMPARE(values(out.headers, "X-Forwarded-For"), QList<QByteArray>{"10.0.0.1, 127.0.0.5"});
    QCOMPARE(values(out.headers, "X-Forwarded-Proto"), QList<QByteArray>{"https"});
}

void tst_ProxyHeads::forwardedPlainRequest()
{
    const http::Request req = parseRequest("GET /healthz HTTP/1.1\r\nHost: a\r\n"
                                           "Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n"
                                           "Accept: */*\r\n\r\n");
    const http::Request out = parseRequest(forwardedRequestHead(req, "::1", false, false));
    QCOMPARE(values(out.headers, "Connection"), QList<QByteArray>{"close"});
    QVERIFY(!http::hasHeader(out.headers, "Keep-Alive"));
    QCOMPARE(out.header("Accept"), QByteArray("*/*"));
    QCOMPARE(out.header("X-Forwarded-For"), QByteArray("::1"));
    QCOMPARE(out.header("X-Forwarded-Proto"), QByteArray("http"));
}

void tst_ProxyHeads::responseForUpgrade()
{
    const http::Response resp = parseResponse(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Accept: xyz=\r\nX-Blueshift-Revision: liar\r\n"
        "x-blueshift-replica: liar-1\r\nX-Blueshift-Session: s1\r\n\r\n");
    const QByteArray head = clientResponseHead(resp, "demo--blue", "demo--blue-1",
                                               "blueshift-affinity=v; Path=/", false);
    QVERIFY2(head.startsWith("HTTP/1.1 101 Switching Protocols\r\n"), head.constData());
    const http::Response out = parseResponse(head);
    QCOMPARE(values(out.headers, "X-Blueshift-Revision"), QList<QByteArray>{"demo--blue"});
    QCOMPARE(values(out.headers, "X-Blueshift-Replica"), QList<QByteArray>{"demo--blue-1"});
    QCOMPARE(out.header("X-Blueshift-Session"), QByteArray("s1"));
    QCOMPARE(out.header("Sec-WebSocket-Accept"), QByteArray("xyz="));
    QCOMPARE(out.header("Connection"), QByteArray("Upgrade"));
    QCOMPARE(out.header("Set-Cookie"), QByteArray("blueshift-affinity=v; Path=/"));
}

void tst_ProxyHeads::responseForPlainRequest()
{
    const http::Response resp =
        parseResponse("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\n");
    const http::Response out = parseResponse(clientResponseHead(resp, "r", "p", {}, true));
    QCOMPARE(out.status, 200);
    QCOMPARE(out.reason, QByteArray("OK"));
    QCOMPARE(values(out.headers, "Connection"), QList<QByteArray>{"close"});
    QCOMPARE(out.header("Content-Length"), QByteArray("3"));
    QVERIFY(!http::hasHeader(out.headers, "Set-Cookie"));
}

QTEST_GUILESS_MAIN(tst_ProxyHeads)
#include "tst_proxyheads.moc"
