#pragma once

#include <QString>
#include <QStringList>
#include <QUrl>

namespace blueshift::websocket {

// Parses a WebSocket URL the way every command and the console take one: ws:// or wss:// (and
// the other schemes listed, e.g. http for the doctor), a host, a port from 1 to 65535 (a port
// out of range is named as such, not as a bad scheme), no user info. Returns the URL, or an
// invalid one with `*error` saying what is wrong ("--upstream: the port must be from 1 to
// 65535"); `what` prefixes the message when given.
QUrl parseWebSocketUrl(const QString &text, const QString &what, QString *error,
                       const QStringList &schemes = {QStringLiteral("ws"), QStringLiteral("wss")});

// The same check for a URL already parsed.
QString webSocketUrlError(const QUrl &url, const QStringList &schemes = {QStringLiteral("ws"),
                                                                         QStringLiteral("wss")});

} // namespace blueshift::websocket
