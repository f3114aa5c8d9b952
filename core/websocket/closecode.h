#pragma once

#include <QByteArray>
#include <QString>

#include <cstdint>

namespace blueshift::websocket {

// RFC 6455 section 7.4 close codes, plus the IANA registry additions (1012-1014).
namespace CloseCode {
constexpr int Normal = 1000;
constexpr int GoingAway = 1001;
constexpr int ProtocolError = 1002;
constexpr int UnsupportedData = 1003;
constexpr int NoStatusReceived = 1005; // never sent: means "the close frame had no payload"
constexpr int Abnormal = 1006;         // never sent: means "no close frame at all"
constexpr int InvalidPayload = 1007;
constexpr int PolicyViolation = 1008;
constexpr int MessageTooBig = 1009;
constexpr int InternalError = 1011;
} // namespace CloseCode

// May a peer put this code in a close frame? (1004-1006 and 1015 are reserved, 1016-2999 are
// unassigned, 3000-4999 belong to libraries and applications.)
bool isValidWireCloseCode(int code);

// A short name for logs and metrics ("going_away"), or "application" / "unknown".
QString closeCodeName(int code);

struct ClosePayload
{
    int code = CloseCode::NoStatusReceived;
    QByteArray reason;
};

enum class ClosePayloadError { None, BadLength, BadCode, BadUtf8 };

// Parses the payload of a received close frame. On error, `errorCloseCode` tells which code the
// receiver must answer with (1002 for length and code, 1007 for the reason's encoding).
ClosePayloadError parseClosePayload(const std::uint8_t *data, std::size_t size, ClosePayload *out);
int errorCloseCode(ClosePayloadError error);

// Reasons must fit a control frame: 123 bytes of UTF-8. Truncates on a code point boundary.
QByteArray clampCloseReason(const QByteArray &reason);

} // namespace blueshift::websocket
