#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <QStringList>

namespace blueshift::socketio {

// Engine.IO protocol v4 packets over the WebSocket transport: one packet per text frame, its
// first character the type (https://github.com/socketio/engine.io-protocol, v4).
enum class EngineType : char {
    Open = '0',
    Close = '1',
    Ping = '2',
    Pong = '3',
    Message = '4',
    Upgrade = '5',
    Noop = '6',
};

// The open packet's JSON: {"sid", "upgrades", "pingInterval", "pingTimeout", "maxPayload"}.
struct EngineOpen
{
    QByteArray sid;
    int pingIntervalMs = 0;
    int pingTimeoutMs = 0;
    qint64 maxPayload = 0;
};

// Splits a text frame into its Engine.IO type and payload; false, with `*error`, for an empty
// frame or an unknown type.
bool parseEnginePacket(QByteArrayView frame, EngineType *type, QByteArrayView *payload,
                       QString *error);
// Reads the open packet's payload; every field a v4 server sends is required (a server without
// pingInterval cannot be kept alive), with bounds (a ping interval of 0 or of days is refused).
bool parseEngineOpen(QByteArrayView payload, EngineOpen *out, QString *error);

// Socket.IO protocol v5 packets, carried in Engine.IO message packets:
// <type>[<attachments>-][<namespace>,][<ack id>][<JSON data>]
enum class PacketType : int {
    Connect = 0,
    Disconnect = 1,
    Event = 2,
    Ack = 3,
    ConnectError = 4,
    BinaryEvent = 5,
    BinaryAck = 6,
};

struct Packet
{
    PacketType type = PacketType::Event;
    int attachments = 0;                     // binary packets only
    QByteArray nsp = QByteArrayLiteral("/"); // the namespace
    qint64 id = -1;                          // ack id; -1: none
    QByteArray data;                         // JSON text, as sent; empty: none
};

bool parsePacket(QByteArrayView text, Packet *out, QString *error);
QByteArray encodePacket(const Packet &packet);

// "42/chat,7[\"blueshift-echo\",\"xx\"]" as an Engine.IO message frame, ready to send.
QByteArray engineMessage(const Packet &packet);

} // namespace blueshift::socketio
