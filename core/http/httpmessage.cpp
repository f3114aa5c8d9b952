#include "httpmessage.h"

#include <cstring>

namespace blueshift::http {

namespace {
bool isTokenChar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return std::strchr("!#$%&'*+-.^_`|~", c) != nullptr && c != '\0';
}

// Finds the blank line that ends the head; returns its end offset or 0.
std::size_t findHeadEnd(const char *data, std::size_t size)
{
    for (std::size_t i = 3; i < size; ++i) {
        if (data[i] == '\n' && data[i - 1] == '\r' && data[i - 2] == '\n' && data[i - 3] == '\r')
            return i + 1;
    }
    return 0;
}

// Splits the head into lines (after the first) and parses "Name: value" fields.
bool parseFields(const QByteArray &head, qsizetype from, HeaderList *out)
{
    while (from < head.size()) {
        const qsizetype eol = head.indexOf("\r\n", from);
        if (eol < 0)
            return false;
        if (eol == from)
            return true; // the blank line
        const QByteArray line = head.mid(from, eol - from);
        from = eol + 2;
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            return false;
        const QByteArray name = line.left(colon);
        for (char c : name) {
            if (!isTokenChar(c))
                return false; // also rejects obsolete line folding and "Name : value"
        }
        const QByteArray value = line.mid(colon + 1).trimmed();
        for (char c : value) {
            if (c == '\r' || c == '\n' || c == '\0')
                return false;
        }
        out->append({name, value});
        if (out->size() > 100)
            return false;
    }
    return false;
}
// RFC 9112 section 2.2: a bare CR is invalid, and a start line ends at its CRLF; a lone LF or
// a NUL in it would let two parsers see two different requests (found by fuzz_httpmessage).
bool hasBareLineBreak(const QByteArray &line)
{
    return line.contains('\r') || line.contains('\n') || line.contains('\0');
}

// Content-Length = 1*DIGIT; a list ("5, 5") only of equal values (RFC 9110 section 8.6).
bool parseContentLength(const QByteArray &value, qint64 *out)
{
    for (const QByteArray &part : value.split(',')) {
        const QByteArray digits = part.trimmed();
        if (digits.isEmpty() || digits.size() > 18)
            return false;
        for (char c : digits) {
            if (c < '0' || c > '9')
                return false;
        }
        const qint64 n = digits.toLongLong();
        if (*out >= 0 && *out != n)
            return false;
        *out = n;
    }
    return true;
}

// RFC 9112 sections 3.2 and 6.3: what makes a request's framing or target ambiguous.
bool checkFraming(Request *request)
{
    int hosts = 0;
    for (const auto &h : request->headers) {
        if (h.first.compare("Host", Qt::CaseInsensitive) == 0) {
            ++hosts;
        } else if (h.first.compare("Content-Length", Qt::CaseInsensitive) == 0) {
            if (!parseContentLength(h.second, &request->contentLength))
                return false;
        } else if (h.first.compare("Transfer-Encoding", Qt::CaseInsensitive) == 0) {
            request->transferEncoding = true;
        }
    }
    if (hosts > 1 || (hosts == 0 && request->minorVersion == 1))
        return false;
    return !(request->transferEncoding && request->contentLength >= 0);
}
} // namespace

QByteArray headerValue(const HeaderList &headers, const QByteArray &name)
{
    for (const auto &h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return h.second;
    }
    return {};
}

bool hasHeader(const HeaderList &headers, const QByteArray &name)
{
    for (const auto &h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

bool headerHasToken(const HeaderList &headers, const QByteArray &name, const QByteArray &token)
{
    for (const auto &h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) != 0)
            continue;
        for (const QByteArray &part : h.second.split(',')) {
            if (part.trimmed().compare(token, Qt::CaseInsensitive) == 0)
                return true;
        }
    }
    return false;
}

bool Request::keepAlive() const
{
    if (headerHasToken(headers, "Connection", "close"))
        return false;
    if (minorVersion == 0)
        return headerHasToken(headers, "Connection", "keep-alive");
    return true;
}

ParseResult parseRequestHead(const char *data, std::size_t size, std::size_t maxHeadBytes,
                             Request *out, std::size_t *consumed)
{
    const std::size_t end = findHeadEnd(data, std::min(size, maxHeadBytes));
    if (end == 0)
        return size >= maxHeadBytes ? ParseResult::TooLarge : ParseResult::NeedMore;
    const QByteArray head(data, qsizetype(end));
    const qsizetype eol = head.indexOf("\r\n");
    const QByteArray line = head.left(eol);
    if (hasBareLineBreak(line))
        return ParseResult::Malformed;
    const QList<QByteArray> parts = line.split(' ');
    if (parts.size() != 3 || parts[0].isEmpty() || parts[1].isEmpty())
        return ParseResult::Malformed;
    for (char c : parts[0]) {
        if (!isTokenChar(c))
            return ParseResult::Malformed;
    }
    if (parts[2] == "HTTP/1.1")
        out->minorVersion = 1;
    else if (parts[2] == "HTTP/1.0")
        out->minorVersion = 0;
    else
        return ParseResult::Malformed;
    out->method = parts[0];
    out->target = parts[1];
    const qsizetype q = out->target.indexOf('?');
    out->path = q < 0 ? out->target : out->target.left(q);
    out->headers.clear();
    out->contentLength = -1;
    out->transferEncoding = false;
    if (!parseFields(head, eol + 2, &out->headers) || !checkFraming(out))
        return ParseResult::Malformed;
    *consumed = end;
    return ParseResult::Complete;
}

ParseResult parseResponseHead(const char *data, std::size_t size, std::size_t maxHeadBytes,
                              Response *out, std::size_t *consumed)
{
    const std::size_t end = findHeadEnd(data, std::min(size, maxHeadBytes));
    if (end == 0)
        return size >= maxHeadBytes ? ParseResult::TooLarge : ParseResult::NeedMore;
    const QByteArray head(data, qsizetype(end));
    const qsizetype eol = head.indexOf("\r\n");
    const QByteArray line = head.left(eol);
    if (hasBareLineBreak(line))
        return ParseResult::Malformed;
    // "HTTP/1.1 101 Switching Protocols"
    // status-code = 3DIGIT, then SP and the reason (or nothing): "HTTP/1.1 2001" is no 200.
    if (!line.startsWith("HTTP/1.") || line.size() < 12 || line.at(8) != ' ' ||
        (line.size() > 12 && line.at(12) != ' '))
        return ParseResult::Malformed;
    bool ok = false;
    out->status = line.mid(9, 3).toInt(&ok);
    if (!ok || out->status < 100 || out->status > 599)
        return ParseResult::Malformed;
    out->reason = line.mid(13);
    out->headers.clear();
    if (!parseFields(head, eol + 2, &out->headers))
        return ParseResult::Malformed;
    *consumed = end;
    return ParseResult::Complete;
}

void appendField(QByteArray *head, const QByteArray &name, const QByteArray &value)
{
    head->append(name);
    head->append(": ");
    head->append(value);
    head->append("\r\n");
}

const char *reasonPhrase(int status)
{
    switch (status) {
    case 101:
        return "Switching Protocols";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 300:
        return "Multiple Choices";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 411:
        return "Length Required";
    case 413:
        return "Content Too Large";
    case 421:
        return "Misdirected Request";
    case 426:
        return "Upgrade Required";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        // RFC 9112 allows an empty reason phrase; a made-up one would mislead.
        return "";
    }
}

QByteArray buildResponse(int status, const QByteArray &contentType, const QByteArray &body,
                         bool keepAlive, const HeaderList &extraHeaders, bool headOnly)
{
    QByteArray out;
    out.reserve(160 + body.size());
    out += "HTTP/1.1 " + QByteArray::number(status) + ' ' + reasonPhrase(status) + "\r\n";
    if (!contentType.isEmpty())
        out += "Content-Type: " + contentType + "\r\n";
    out += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    out += "Cache-Control: no-store\r\n";
    for (const auto &h : extraHeaders)
        out += h.first + ": " + h.second + "\r\n";
    out += keepAlive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
    if (!headOnly)
        out += body;
    return out;
}

} // namespace blueshift::http
