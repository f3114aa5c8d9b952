#pragma once

#include "http/httpmessage.h"

#include <QByteArray>

namespace blueshift::ingress {

// The request and response heads as the ingress passes them on. Everything the peer sent is
// kept, in order, except the fields the ingress owns.

// Does the request ask to switch protocols (WebSocket or any other Upgrade)?
bool isUpgradeRequest(const http::Request &request);

// The head sent to the replica: X-Forwarded-For gets the client's address appended,
// X-Forwarded-Proto says http or https. A plain request asks for "Connection: close", so that
// the response ends with the replica's end of stream and the ingress can pass it on as bytes.
QByteArray forwardedRequestHead(const http::Request &request, const QByteArray &clientIp, bool tls,
                                bool upgrade);

// The head sent to the client: X-Blueshift-Revision and X-Blueshift-Replica replace whatever
// the replica sent, `setCookie` (when not empty) is added, and a response that ends the
// connection says "Connection: close".
QByteArray clientResponseHead(const http::Response &response, const QByteArray &revision,
                              const QByteArray &replica, const QByteArray &setCookie,
                              bool closeConnection);

} // namespace blueshift::ingress
