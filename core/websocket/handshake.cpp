#include "handshake.h"

#include "../net/random.h"

#include <QCryptographicHash>
#include <QString> // QByteArray concatenation goes through QStringBuilder

namespace blueshift::websocket {

QByteArray acceptKeyFor(const QByteArray &clientKey)
{
    static const QByteArray guid = QByteArrayLiteral("258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
    const QByteArray input = clientKey + guid;
    return QCryptographicHash::hash(input, QCryptographicHash::Sha1).toBase64();
}

bool isValidClientKey(const QByteArray &clientKey)
{
    if (clientKey.size() != 24)
        return false;
    const auto decoded =
        QByteArray::fromBase64Encoding(clientKey, QByteArray::AbortOnBase64DecodingErrors);
    return decoded && decoded.decoded.size() == 16;
}

QByteArray generateClientKey()
{
    QByteArray raw(16, Qt::Uninitialized);
    net::fillRandom(reinterpret_cast<std::uint8_t *>(raw.data()), raw.size());
    return raw.toBase64();
}

} // namespace blueshift::websocket
