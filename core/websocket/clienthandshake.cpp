#include "websocket/clienthandshake.h"

#include "websocket/handshake.h"

namespace blueshift::websocket {

using http::appendField;

QString handshakeFailureText(HandshakeFailure failure, const http::Response &response)
{
    switch (failure) {
    case HandshakeFailure::None:
        return {};
    case HandshakeFailure::NotSwitching:
        return QStringLiteral("HTTP %1 %2")
            .arg(response.status)
            .arg(QString::fromLatin1(response.reason.left(60)))
            .trimmed();
    case HandshakeFailure::NoUpgradeWebSocket:
        return QStringLiteral("invalid handshake response: no \"Upgrade: websocket\"");
    case HandshakeFailure::NoConnectionUpgrade:
        return QStringLiteral("invalid handshake response: no \"Connection: Upgrade\"");
    case HandshakeFailure::BadAccept:
        return QStringLiteral(
            "invalid handshake response: Sec-WebSocket-Accept does not match the key");
    case HandshakeFailure::UnofferedExtension:
        return QStringLiteral("invalid handshake response: the server chose an extension that "
                              "was not offered (%1)")
            .arg(QString::fromLatin1(response.header("Sec-WebSocket-Extensions").left(60)));
    case HandshakeFailure::UnofferedSubprotocol:
        return QStringLiteral("invalid handshake response: the server chose a subprotocol that "
                              "was not offered (%1)")
            .arg(QString::fromLatin1(response.header("Sec-WebSocket-Protocol").left(60)));
    }
    return {};
}

ClientHandshake::ClientHandshake(ClientHandshakeOptions options)
    : ClientHandshake(std::move(options), generateClientKey())
{}

ClientHandshake::ClientHandshake(ClientHandshakeOptions options, QByteArray key)
    : m_options(std::move(options))
    , m_key(std::move(key))
{}

QByteArray ClientHandshake::request() const
{
    QByteArray out;
    out.reserve(320 + m_options.extraHeaders.size() * 48);
    out += "GET ";
    out += m_options.target.isEmpty() ? QByteArrayLiteral("/") : m_options.target;
    out += " HTTP/1.1\r\n";
    appendField(&out, "Host", m_options.hostHeader);
    out += "Upgrade: websocket\r\nConnection: Upgrade\r\n";
    appendField(&out, "Sec-WebSocket-Key", m_key);
    out += "Sec-WebSocket-Version: 13\r\n";
    if (!m_options.subprotocols.isEmpty())
        appendField(&out, "Sec-WebSocket-Protocol", m_options.subprotocols.join(", "));
    if (!m_options.origin.isEmpty())
        appendField(&out, "Origin", m_options.origin);
    if (!m_options.userAgent.isEmpty())
        appendField(&out, "User-Agent", m_options.userAgent);
    if (!m_options.cookie.isEmpty())
        appendField(&out, "Cookie", m_options.cookie);
    for (const auto &h : m_options.extraHeaders)
        appendField(&out, h.first, h.second);
    out += "\r\n";
    return out;
}

HandshakeFailure ClientHandshake::check(const http::Response &response) const
{
    return check(response, m_key, m_options.subprotocols);
}

HandshakeFailure ClientHandshake::check(const http::Response &response, const QByteArray &key,
                                        const QList<QByteArray> &offeredSubprotocols)
{
    if (response.status != 101)
        return HandshakeFailure::NotSwitching;
    if (!http::headerHasToken(response.headers, "Upgrade", "websocket"))
        return HandshakeFailure::NoUpgradeWebSocket;
    if (!http::headerHasToken(response.headers, "Connection", "upgrade"))
        return HandshakeFailure::NoConnectionUpgrade;
    if (response.header("Sec-WebSocket-Accept") != acceptKeyFor(key))
        return HandshakeFailure::BadAccept;
    // No extension is ever offered (permessage-deflate is not spoken): any is a violation.
    if (http::hasHeader(response.headers, "Sec-WebSocket-Extensions"))
        return HandshakeFailure::UnofferedExtension;
    if (http::hasHeader(response.headers, "Sec-WebSocket-Protocol")) {
        const QByteArray chosen = response.header("Sec-WebSocket-Protocol").trimmed();
        if (!offeredSubprotocols.contains(chosen))
            return HandshakeFailure::UnofferedSubprotocol;
    }
    return HandshakeFailure::None;
}

QByteArray ClientHandshake::chosenSubprotocol(const http::Response &response)
{
    return response.header("Sec-WebSocket-Protocol").trimmed();
}

QByteArray ClientHandshake::hostHeaderFor(const QUrl &url)
{
    QByteArray host = url.host(QUrl::FullyEncoded).toLatin1();
    if (host.contains(':'))
        host = '[' + host + ']';
    const bool secure =
        url.scheme() == QLatin1String("wss") || url.scheme() == QLatin1String("https");
    const int defaultPort = secure ? 443 : 80;
    const int port = url.port(defaultPort);
    if (port != defaultPort)
        host += ':' + QByteArray::number(port);
    return host;
}

QByteArray ClientHandshake::targetFor(const QUrl &url)
{
    QByteArray target = url.path(QUrl::FullyEncoded).toLatin1();
    if (target.isEmpty())
        target = "/";
    if (url.hasQuery())
        target += '?' + url.query(QUrl::FullyEncoded).toLatin1();
    return target;
}

} // namespace blueshift::websocket
