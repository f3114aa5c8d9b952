#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>

#include <cstddef>

namespace blueshift::http {

using HeaderList = QList<QPair<QByteArray, QByteArray>>;

// Case-insensitive look-ups over a header list, as HTTP/1.1 field names are.
QByteArray headerValue(const HeaderList &headers, const QByteArray &name);
bool hasHeader(const HeaderList &headers, const QByteArray &name);
// Does a comma-separated header (Connection, Upgrade) contain `token`, case-insensitively?
bool headerHasToken(const HeaderList &headers, const QByteArray &name, const QByteArray &token);

struct Request
{
    QByteArray method;
    QByteArray target; // as sent: path and query
    QByteArray path;   // target without the query
    int minorVersion = 1;
    HeaderList headers;
    // The message's framing, checked by the parser as RFC 9112 section 6 asks: one valid
    // Content-Length (several only when all equal), or Transfer-Encoding, never both.
    qint64 contentLength = -1; // -1: no Content-Length
    bool transferEncoding = false;

    QByteArray header(const QByteArray &name) const { return headerValue(headers, name); }
    bool keepAlive() const;
};

struct Response
{
    int status = 0;
    QByteArray reason;
    HeaderList headers;
    QByteArray header(const QByteArray &name) const { return headerValue(headers, name); }
};

enum class ParseResult {
    Complete,  // *consumed holds the head's length, body not included
    NeedMore,  // no blank line yet
    TooLarge,  // the head exceeds the limit: answer 431
    Malformed, // answer 400
};

// Parses a request head (request line and header fields up to the blank line). Malformed also
// covers what RFC 9112 says a server answers with 400 and closes: more than one Host field (or
// none in HTTP/1.1), an invalid or conflicting Content-Length, Content-Length together with
// Transfer-Encoding.
ParseResult parseRequestHead(const char *data, std::size_t size, std::size_t maxHeadBytes,
                             Request *out, std::size_t *consumed);
// Parses a response head, e.g. the answer to a WebSocket upgrade.
ParseResult parseResponseHead(const char *data, std::size_t size, std::size_t maxHeadBytes,
                              Response *out, std::size_t *consumed);

const char *reasonPhrase(int status);

// Appends "Name: value\r\n" to a head being built.
void appendField(QByteArray *head, const QByteArray &name, const QByteArray &value);

// A complete response with Content-Length, and Connection: close unless `keepAlive`.
QByteArray buildResponse(int status, const QByteArray &contentType, const QByteArray &body,
                         bool keepAlive, const HeaderList &extraHeaders = {},
                         bool headOnly = false);

} // namespace blueshift::http
