#pragma once

#include "http/httpmessage.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QUrl>

namespace blueshift::websocket {

// What a 101 must satisfy (RFC 6455 section 4.1), one value per broken rule, so that every
// client of the project (the relay's upstream leg, the test sessions, the doctor, the bench's
// load client) accepts exactly the same answers.
enum class HandshakeFailure {
    None,
    NotSwitching,         // any status but 101
    NoUpgradeWebSocket,   // Upgrade does not name websocket
    NoConnectionUpgrade,  // Connection does not name upgrade
    BadAccept,            // Sec-WebSocket-Accept missing or not the key's
    UnofferedExtension,   // the server chose an extension; none is offered
    UnofferedSubprotocol, // the server chose a subprotocol that was not offered
};

// "invalid handshake response: Sec-WebSocket-Accept does not match the key"; for NotSwitching
// the status line ("HTTP 403 Forbidden").
QString handshakeFailureText(HandshakeFailure failure, const http::Response &response);

struct ClientHandshakeOptions
{
    QByteArray target = QByteArrayLiteral("/"); // path and query, as sent
    QByteArray hostHeader;
    QByteArray userAgent;
    QByteArray origin; // no Origin header when empty
    QByteArray cookie; // no Cookie header when empty
    QList<QByteArray> subprotocols;
    http::HeaderList extraHeaders; // the user's own (api-key ...), written as given
};

// The client side of the opening handshake: the request, built in one place, and the check of
// its answer. Used by every WebSocket client in the project.
class ClientHandshake
{
public:
    explicit ClientHandshake(ClientHandshakeOptions options);
    // With a given key, for tests; otherwise a fresh random one.
    ClientHandshake(ClientHandshakeOptions options, QByteArray key);

    QByteArray request() const;
    const QByteArray &key() const { return m_key; }
    HandshakeFailure check(const http::Response &response) const;
    // The same check for a client that keeps only the key (a relay session, to stay small).
    static HandshakeFailure check(const http::Response &response, const QByteArray &key,
                                  const QList<QByteArray> &offeredSubprotocols = {});
    // The subprotocol the server chose (empty when none), after check() passed.
    static QByteArray chosenSubprotocol(const http::Response &response);

    // Host header and request target of a ws:// or wss:// URL (default ports left out).
    static QByteArray hostHeaderFor(const QUrl &url);
    static QByteArray targetFor(const QUrl &url);

private:
    ClientHandshakeOptions m_options;
    QByteArray m_key;
};

} // namespace blueshift::websocket
