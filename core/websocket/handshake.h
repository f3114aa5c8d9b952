#pragma once

#include <QByteArray>

namespace blueshift::websocket {

// Sec-WebSocket-Accept for a Sec-WebSocket-Key (RFC 6455 section 4.2.2).
QByteArray acceptKeyFor(const QByteArray &clientKey);

// A Sec-WebSocket-Key is the base64 of 16 bytes.
bool isValidClientKey(const QByteArray &clientKey);

// A fresh random Sec-WebSocket-Key.
QByteArray generateClientKey();

} // namespace blueshift::websocket
