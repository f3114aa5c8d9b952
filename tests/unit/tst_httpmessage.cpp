#include "http/httpmessage.h"

#include <QTest>

using namespace blueshift::http;

namespace QTest {
template<>
char *toString(const ParseResult &r)
{
    const char *names[] = {"Complete", "NeedMore", "TooLarge", "Malformed"};
    return qstrdup(names[int(r)]);
}
} // namespace QTest

class tst_HttpMessage : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void upgradeRequest();
    void requestVerdicts_data();
    void requestVerdicts();
    void framing();
    void reasonPhrases_data();
    void reasonPhrases();
    void headerTokens();
    void responseHead();
    void builtResponse();
};

void tst_HttpMessage::upgradeRequest()
{
    const QByteArray raw =
        "GET /ws?x=1 HTTP/1.1\r\nHost: example.com:8080\r\nUpgrade: websocket\r\n"
        "Connection: keep-alive, Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n\x81\x80";
    Request r;
    std::size_t consumed = 0;
    QCOMPARE(parseRequestHead(raw.constData(), std::size_t(raw.size()), 16384, &r, &consumed),
             ParseResult::Complete);
    QCOMPARE(qsizetype(consumed), raw.size() - 2); // the frame bytes after the head are left alone
    QCOMPARE(r.method, QByteArray("GET"));
    QCOMPARE(r.target, QByteArray("/ws?x=1"));
    QCOMPARE(r.path, QByteArray("/ws"));
    QCOMPARE(r.header("host"), QByteArray("example.com:8080"));
    QVERIFY(headerHasToken(r.headers, "connection", "upgrade"));
    QVERIFY(r.keepAlive());
}

void tst_HttpMessage::requestVerdicts_data()
{
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<ParseResult>("expected");
    QTest::addRow("incomplete") << QByteArray("GET / HTTP/1.1\r\nHost: a\r\n")
                                << ParseResult::NeedMore;
    QTest::addRow("http/1.0") << QByteArray("GET / HTTP/1.0\r\n\r\n") << ParseResult::Complete;
    QTest::addRow("http/2 preface")
        << QByteArray("PRI * HTTP/2.0\r\n\r\n") << ParseResult::Malformed;
    QTest::addRow("no version") << QByteArray("GET /\r\n\r\n") << ParseResult::Malformed;
    QTest::addRow("space in name")
        << QByteArray("GET / HTTP/1.1\r\nBad Name: x\r\n\r\n") << ParseResult::Malformed;
    QTest::addRow("obs-fold") << QByteArray("GET / HTTP/1.1\r\nA: b\r\n  c\r\n\r\n")
                              << ParseResult::Malformed;
    QTest::addRow("no colon") << QByteArray("GET / HTTP/1.1\r\nnocolon\r\n\r\n")
                              << ParseResult::Malformed;
    QTest::addRow("too large") << QByteArray("GET / HTTP/1.1\r\nX: ") + QByteArray(20000, 'a')
                               << ParseResult::TooLarge;
    // RFC 9112 sections 3.2 and 6.3: 400 and close.
    QTest::addRow("no Host in 1.1")
        << QByteArray("GET / HTTP/1.1\r\nA: b\r\n\r\n") << ParseResult::Malformed;
    QTest::addRow("two Hosts") << QByteArray("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")
                               << ParseResult::Malformed;
    QTest::addRow("two Hosts, same value")
        << QByteArray("GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n") << ParseResult::Malformed;
    QTest::addRow("two different Content-Lengths")
        << QByteArray(
               "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n")
        << ParseResult::Malformed;
    QTest::addRow("Content-Length list of different values")
        << QByteArray("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\n")
        << ParseResult::Malformed;
    QTest::addRow("equal Content-Lengths")
        << QByteArray(
               "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n")
        << ParseResult::Complete;
    QTest::addRow("negative Content-Length")
        << QByteArray("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n")
        << ParseResult::Malformed;
    QTest::addRow("signed Content-Length")
        << QByteArray("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n")
        << ParseResult::Malformed;
    QTest::addRow("empty Content-Length")
        << QByteArray("POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n")
        << ParseResult::Malformed;
    QTest::addRow("huge Content-Length")
        << QByteArray("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n")
        << ParseResult::Malformed;
    // Found by fuzz_httpmessage: a start line with a bare CR, LF or NUL.
    QTest::addRow("bare CR in the target")
        << QByteArray("GET /a\rb HTTP/1.1\r\nHost: a\r\n\r\n") << ParseResult::Malformed;
    QTest::addRow("LF in the request line")
        << QByteArray("GET /a\nb HTTP/1.1\r\nHost: a\r\n\r\n") << ParseResult::Malformed;
    QTest::addRow("Content-Length and Transfer-Encoding")
        << QByteArray("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n")
        << ParseResult::Malformed;
}

void tst_HttpMessage::requestVerdicts()
{
    QFETCH(QByteArray, raw);
    QFETCH(ParseResult, expected);
    Request r;
    std::size_t consumed = 0;
    QCOMPARE(parseRequestHead(raw.constData(), std::size_t(raw.size()), 16384, &r, &consumed),
             expected);
}

void tst_HttpMessage::framing()
{
    Request r;
    std::size_t consumed = 0;
    const QByteArray post("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n\r\n");
    QCOMPARE(parseRequestHead(post.constData(), std::size_t(post.size()), 16384, &r, &consumed),
             ParseResult::Complete);
    QCOMPARE(r.contentLength, 12);
    QVERIFY(!r.transferEncoding);
    const QByteArray get("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    QCOMPARE(parseRequestHead(get.constData(), std::size_t(get.size()), 16384, &r, &consumed),
             ParseResult::Complete);
    QCOMPARE(r.contentLength, -1); // reset from the request before
    const QByteArray chunked("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
    QCOMPARE(
        parseRequestHead(chunked.constData(), std::size_t(chunked.size()), 16384, &r, &consumed),
        ParseResult::Complete);
    QVERIFY(r.transferEncoding);
}

void tst_HttpMessage::reasonPhrases_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("phrase");
    QTest::addRow("201") << 201 << QByteArray("Created");
    QTest::addRow("202") << 202 << QByteArray("Accepted");
    QTest::addRow("204") << 204 << QByteArray("No Content");
    QTest::addRow("409") << 409 << QByteArray("Conflict");
    QTest::addRow("411") << 411 << QByteArray("Length Required");
    QTest::addRow("413") << 413 << QByteArray("Content Too Large");
    QTest::addRow("421") << 421 << QByteArray("Misdirected Request");
    QTest::addRow("unknown: empty, not made up") << 299 << QByteArray();
}

void tst_HttpMessage::reasonPhrases()
{
    QFETCH(int, status);
    QFETCH(QByteArray, phrase);
    QCOMPARE(QByteArray(reasonPhrase(status)), phrase);
    const QByteArray statusLine = "HTTP/1.1 " + QByteArray::number(status) + ' ' + phrase + "\r\n";
    QVERIFY(buildResponse(status, {}, {}, false).startsWith(statusLine));
}

void tst_HttpMessage::headerTokens()
{
    const HeaderList h = {
        {"Connection", "keep-alive"}, {"connection", " Upgrade "}, {"Upgrade", "WebSocket"}};
    QVERIFY(headerHasToken(h, "Connection", "upgrade"));
    QVERIFY(headerHasToken(h, "UPGRADE", "websocket"));
    QVERIFY(!headerHasToken(h, "Connection", "close"));
    QCOMPARE(headerValue(h, "CONNECTION"), QByteArray("keep-alive"));
    QVERIFY(!hasHeader(h, "Origin"));
}

void tst_HttpMessage::responseHead()
{
    const QByteArray raw =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n\x81\x05hello";
    Response r;
    std::size_t consumed = 0;
    QCOMPARE(parseResponseHead(raw.constData(), std::size_t(raw.size()), 16384, &r, &consumed),
             ParseResult::Complete);
    QCOMPARE(r.status, 101);
    QCOMPARE(r.header("sec-websocket-accept"), QByteArray("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
    QCOMPARE(raw.mid(qsizetype(consumed)), QByteArray("\x81\x05hello"));

    for (const QByteArray &bad : {QByteArray("HTTP/1.1 abc Nope\r\n\r\n"),
                                  QByteArray("HTTP/1.2 2001\n\r\n\r\n"), // fuzz_httpmessage
                                  QByteArray("HTTP/1.1 2001 OK\r\n\r\n")}) {
        QCOMPARE(parseResponseHead(bad.constData(), std::size_t(bad.size()), 16384, &r, &consumed),
                 ParseResult::Malformed);
    }
}

void tst_HttpMessage::builtResponse()
{
    const QByteArray r =
        buildResponse(503, "text/plain", "draining\n", false, {{"Retry-After", "5"}});
    QVERIFY(r.startsWith("HTTP/1.1 503 Service Unavailable\r\n"));
    QVERIFY(r.contains("Content-Length: 9\r\n"));
    QVERIFY(r.contains("Retry-After: 5\r\n"));
    QVERIFY(r.contains("Connection: close\r\n"));
    QVERIFY(r.endsWith("\r\n\r\ndraining\n"));
    const QByteArray head = buildResponse(200, "text/plain", "ok\n", true, {}, true);
    QVERIFY(head.endsWith("\r\n\r\n"));
    QVERIFY(head.contains("Content-Length: 3\r\n"));
}

QTEST_GUILESS_MAIN(tst_HttpMessage)
#include "tst_httpmessage.moc"
