#include "proxyheads.h"

namespace blueshift::ingress {

namespace {
bool named(const QByteArray &field, const char *name)
{
    return field.compare(name, Qt::CaseInsensitive) == 0;
}

bool isHopByHop(const QByteArray &field)
{
    return named(field, "Connection") || named(field, "Keep-Alive") ||
           named(field, "Proxy-Connection");
}
} // namespace

using http::appendField;

bool isUpgradeRequest(const http::Request &request)
{
    // Only the upgrade this ingress tunnels; any other (h2c, TLS/1.0 ...) is a plain request.
    return http::headerHasToken(request.headers, "Upgrade", "websocket") &&
           http::headerHasToken(request.headers, "Connection", "upgrade");
}

QByteArray forwardedRequestHead(const http::Request &request, const QByteArray &clientIp, bool tls,
                                bool upgrade)
{
    QByteArray out;
    out.reserve(256 + request.headers.size() * 48);
    out += request.method + ' ' + request.target + " HTTP/1." +
           QByteArray::number(request.minorVersion) + "\r\n";
    QByteArray forwardedFor;
    for (const auto &h : request.headers) {
        if (named(h.first, "X-Forwarded-For")) {
            forwardedFor += (forwardedFor.isEmpty() ? "" : ", ") + h.second;
            continue;
        }
        if (named(h.first, "X-Forwarded-Proto"))
            continue;
        // Upgrade too: outside a WebSocket upgrade it is an offer (h2c, ...) that this proxy does
        // not take up, and it must not reach the replica as if it had.
        if (!upgrade && (isHopByHop(h.first) || named(h.first, "Upgrade")))
            continue;
        appendField(&out, h.first, h.second);
    }
    appendField(&out, "X-Forwarded-For",
                forwardedFor.isEmpty() ? clientIp : forwardedFor + ", " + clientIp);
    appendField(&out, "X-Forwarded-Proto", tls ? "https" : "http");
    if (!upgrade)
        appendField(&out, "Connection", "close");
    out += "\r\n";
    return out;
}

QByteArray clientResponseHead(const http::Response &response, const QByteArray &revision,
                              const QByteArray &replica, const QByteArray &setCookie,
                              bool closeConnection)
{
    QByteArray out;
    out.reserve(256 + response.headers.size() * 48);
    out += "HTTP/1.1 " + QByteArray::number(response.status) + ' ' + response.reason + "\r\n";
    for (const auto &h : response.headers) {
        if (named(h.first, "X-Blueshift-Revision") || named(h.first, "X-Blueshift-Replica"))
            continue;
        if (closeConnection && isHopByHop(h.first))
            continue;
        appendField(&out, h.first, h.second);
    }
    appendField(&out, "X-Blueshift-Revision", revision);
    appendField(&out, "X-Blueshift-Replica", replica);
    if (!setCookie.isEmpty())
        appendField(&out, "Set-Cookie", setCookie);
    if (closeConnection)
        appendField(&out, "Connection", "close");
    out += "\r\n";
    return out;
}

} // namespace blueshift::ingress
