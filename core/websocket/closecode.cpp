#include "closecode.h"

#include "utf8validator.h"

namespace blueshift::websocket {

bool isValidWireCloseCode(int code)
{
    if (code >= 3000 && code <= 4999)
        return true;
    switch (code) {
    case 1000:
    case 1001:
    case 1002:
    case 1003:
    case 1007:
    case 1008:
    case 1009:
    case 1010:
    case 1011:
    case 1012:
    case 1013:
    case 1014:
        return true;
    default:
        return false;
    }
}

QString closeCodeName(int code)
{
    switch (code) {
    case 1000:
        return QStringLiteral("normal");
    case 1001:
        return QStringLiteral("going_away");
    case 1002:
        return QStringLiteral("protocol_error");
    case 1003:
        return QStringLiteral("unsupported_data");
    case 1005:
        return QStringLiteral("no_status");
    case 1006:
        return QStringLiteral("abnormal");
    case 1007:
        return QStringLiteral("invalid_payload");
    case 1008:
        return QStringLiteral("policy_violation");
    case 1009:
        return QStringLiteral("message_too_big");
    case 1010:
        return QStringLiteral("mandatory_extension");
    case 1011:
        return QStringLiteral("internal_error");
    case 1012:
        return QStringLiteral("service_restart");
    case 1013:
        return QStringLiteral("try_again_later");
    case 1014:
        return QStringLiteral("bad_gateway");
    default:
        return (code >= 3000 && code <= 4999) ? QStringLiteral("application")
                                              : QStringLiteral("unknown");
    }
}

ClosePayloadError parseClosePayload(const std::uint8_t *data, std::size_t size, ClosePayload *out)
{
    out->code = CloseCode::NoStatusReceived;
    out->reason.clear();
    if (size == 0)
        return ClosePayloadError::None;
    if (size == 1)
        return ClosePayloadError::BadLength;
    const int code = (data[0] << 8) | data[1];
    if (!isValidWireCloseCode(code))
        return ClosePayloadError::BadCode;
    if (!Utf8Validator::isValid(data + 2, size - 2))
        return ClosePayloadError::BadUtf8;
    out->code = code;
    out->reason = QByteArray(reinterpret_cast<const char *>(data + 2), qsizetype(size - 2));
    return ClosePayloadError::None;
}

int errorCloseCode(ClosePayloadError error)
{
    return error == ClosePayloadError::BadUtf8 ? CloseCode::InvalidPayload
                                               : CloseCode::ProtocolError;
}

QByteArray clampCloseReason(const QByteArray &reason)
{
    constexpr qsizetype limit = 123;
    if (reason.size() <= limit)
        return reason;
    qsizetype cut = limit;
    // Step back over continuation bytes so the cut lands on a code point boundary.
    while (cut > 0 && (static_cast<unsigned char>(reason.at(cut)) & 0xC0) == 0x80)
        --cut;
    return reason.left(cut);
}

} // namespace blueshift::websocket
