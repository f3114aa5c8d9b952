#include "socketio/packets.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonValue>

namespace blueshift::socketio {

namespace {
constexpr qsizetype kMaxNamespace = 256;
constexpr int kMaxAttachments = 1000;

bool fail(QString *error, const QString &why)
{
    *error = why;
    return false;
}

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}
} // namespace

bool parseEnginePacket(QByteArrayView frame, EngineType *type, QByteArrayView *payload,
                       QString *error)
{
    if (frame.isEmpty())
        return fail(error, QStringLiteral("empty Engine.IO packet"));
    const char t = frame.at(0);
    if (t < '0' || t > '6')
        return fail(error, QStringLiteral("unknown Engine.IO packet type '%1'")
                               .arg(QString::fromLatin1(QByteArray(1, t).toHex())));
    *type = EngineType(t);
    *payload = frame.sliced(1);
    return true;
}

bool parseEngineOpen(QByteArrayView payload, EngineOpen *out, QString *error)
{
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(payload.toByteArray(), &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isObject())
        return fail(error, QStringLiteral("Engine.IO open packet is not a JSON object"));
    const QJsonObject o = doc.object();
    const auto number = [&](const char *name, double low, double high, double *value) {
        const QJsonValue v = o.value(QLatin1String(name));
        if (!v.isDouble())
            return fail(
                error, QStringLiteral("Engine.IO open packet without %1").arg(QLatin1String(name)));
        if (!(v.toDouble() >= low && v.toDouble() <= high))
            return fail(error, QStringLiteral("Engine.IO open packet: %1 %2 is out of range")
                                   .arg(QLatin1String(name))
                                   .arg(v.toDouble()));
        *value = v.toDouble();
        return true;
    };
    const QJsonValue sid = o.value(QLatin1String("sid"));
    if (!sid.isString() || sid.toString().isEmpty() || sid.toString().size() > 256)
        return fail(error, QStringLiteral("Engine.IO open packet without sid"));
    double interval = 0, timeout = 0, maxPayload = 0;
    // A day is the most any heartbeat could sensibly be; 1 ms the least.
    if (!number("pingInterval", 1, 86400000, &interval) ||
        !number("pingTimeout", 1, 86400000, &timeout))
        return false;
    if (o.contains(QLatin1String("maxPayload")) && !number("maxPayload", 1, 1e15, &maxPayload))
        return false;
    out->sid = sid.toString().toLatin1();
    out->pingIntervalMs = int(interval);
    out->pingTimeoutMs = int(timeout);
    out->maxPayload = qint64(maxPayload);
    return true;
}

bool parsePacket(QByteArrayView text, Packet *out, QString *error)
{
    if (text.isEmpty())
        return fail(error, QStringLiteral("empty Socket.IO packet"));
    const char t = text.at(0);
    if (t < '0' || t > '6')
        return fail(error, QStringLiteral("unknown Socket.IO packet type"));
    Packet p;
    p.type = PacketType(t - '0');
    qsizetype i = 1;
    if (p.type == PacketType::BinaryEvent || p.type == PacketType::BinaryAck) {
        const qsizetype dash = text.indexOf('-', i);
        if (dash <= i || dash - i > 4)
            return fail(error, QStringLiteral("binary Socket.IO packet without attachment count"));
        int n = 0;
        for (qsizetype k = i; k < dash; ++k) {
            if (!isDigit(text.at(k)))
                return fail(error, QStringLiteral("binary Socket.IO packet: bad attachment count"));
            n = n * 10 + (text.at(k) - '0');
        }
        if (n > kMaxAttachments)
            return fail(error, QStringLiteral("binary Socket.IO packet: too many attachments"));
        p.attachments = n;
        i = dash + 1;
    }
    if (i < text.size() && text.at(i) == '/') {
        qsizetype comma = text.indexOf(',', i);
        if (comma < 0)
            comma = text.size(); // "41/chat": the namespace alone
        if (comma - i > kMaxNamespace)
            return fail(error, QStringLiteral("Socket.IO namespace too long"));
        p.nsp = text.sliced(i, comma - i).toByteArray();
        i = std::min(comma + 1, text.size());
    }
    if (i < text.size() && isDigit(text.at(i))) {
        qint64 id = 0;
        qsizetype k = i;
        while (k < text.size() && isDigit(text.at(k))) {
            if (k - i >= 15)
                return fail(error, QStringLiteral("Socket.IO ack id too long"));
            id = id * 10 + (text.at(k) - '0');
            ++k;
        }
        p.id = id;
        i = k;
    }
    p.data = text.sliced(i).toByteArray();
    if (!p.data.isEmpty()) {
        QJsonParseError pe;
        const QJsonDocument doc = QJsonDocument::fromJson(p.data, &pe);
        if (pe.error != QJsonParseError::NoError)
            return fail(error, QStringLiteral("Socket.IO packet data is not JSON"));
        const bool needsArray = p.type == PacketType::Event || p.type == PacketType::Ack ||
                                p.type == PacketType::BinaryEvent ||
                                p.type == PacketType::BinaryAck;
        if (needsArray && !doc.isArray())
            return fail(error, QStringLiteral("Socket.IO event data is not an array"));
    } else if (p.type == PacketType::Event || p.type == PacketType::BinaryEvent) {
        return fail(error, QStringLiteral("Socket.IO event without data"));
    }
    *out = p;
    return true;
}

QByteArray encodePacket(const Packet &packet)
{
    QByteArray out;
    out.reserve(8 + packet.nsp.size() + packet.data.size());
    out += char('0' + int(packet.type));
    if (packet.type == PacketType::BinaryEvent || packet.type == PacketType::BinaryAck)
        out += QByteArray::number(packet.attachments) + '-';
    if (!packet.nsp.isEmpty() && packet.nsp != "/")
        out += packet.nsp + ',';
    if (packet.id >= 0)
        out += QByteArray::number(packet.id);
    out += packet.data;
    return out;
}

QByteArray engineMessage(const Packet &packet)
{
    return char(EngineType::Message) + encodePacket(packet);
}

} // namespace blueshift::socketio
