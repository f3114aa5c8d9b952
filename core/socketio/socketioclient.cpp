#include "socketio/socketioclient.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace blueshift::socketio {

using stats::CloseCause;

Client::Client(QByteArray nsp, QByteArray auth)
    : m_nsp(nsp.isEmpty() ? QByteArrayLiteral("/") : std::move(nsp))
    , m_auth(std::move(auth))
{}

ClientStep Client::fail(CloseCause cause, const QString &reason)
{
    m_state = State::Closed;
    ClientStep step;
    step.close = true;
    step.cause = cause;
    step.reason = reason;
    return step;
}

ClientStep Client::onText(QByteArrayView frame)
{
    ClientStep step;
    if (m_state == State::Closed)
        return step;
    EngineType type;
    QByteArrayView payload;
    QString error;
    if (!parseEnginePacket(frame, &type, &payload, &error))
        return fail(CloseCause::ProtocolError, error);
    if (m_state == State::AwaitingOpen) {
        if (type != EngineType::Open)
            return fail(CloseCause::ProtocolError,
                        QStringLiteral("expected the Engine.IO open packet, got type %1")
                            .arg(QLatin1Char(char(type))));
        if (!parseEngineOpen(payload, &m_open, &error))
            return fail(CloseCause::ProtocolError, error);
        m_state = State::Connecting;
        Packet connect;
        connect.type = PacketType::Connect;
        connect.nsp = m_nsp;
        connect.data = m_auth;
        step.send.append(engineMessage(connect));
        return step;
    }
    switch (type) {
    case EngineType::Ping:
        // "2" -> "3", with the probe payload echoed when there is one.
        ++m_pings;
        step.send.append('3' + payload.toByteArray());
        return step;
    case EngineType::Message:
        return onEngineMessage(payload);
    case EngineType::Close:
        return fail(CloseCause::NamespaceDisconnect,
                    QStringLiteral("the server closed the Engine.IO session"));
    case EngineType::Noop:
    case EngineType::Pong:
        return step;
    case EngineType::Open:
        return fail(CloseCause::ProtocolError, QStringLiteral("a second Engine.IO open packet"));
    case EngineType::Upgrade:
        return fail(CloseCause::ProtocolError,
                    QStringLiteral("an Engine.IO upgrade packet on the WebSocket transport"));
    }
    return step;
}

ClientStep Client::onEngineMessage(QByteArrayView payload)
{
    ClientStep step;
    Packet p;
    QString error;
    if (!parsePacket(payload, &p, &error))
        return fail(CloseCause::ProtocolError, error);
    if (p.nsp != m_nsp)
        return step; // another namespace's traffic on the same connection
    switch (p.type) {
    case PacketType::Connect:
        if (m_state == State::Connecting) {
            m_state = State::Connected;
            step.connected = true;
        }
        return step;
    case PacketType::ConnectError: {
        const QJsonObject o = QJsonDocument::fromJson(p.data).object();
        const QString message = o.value(QStringLiteral("message")).toString();
        return fail(CloseCause::NamespaceRefused,
                    QStringLiteral("namespace %1 refused: %2")
                        .arg(QString::fromLatin1(m_nsp),
                             message.isEmpty() ? QString::fromUtf8(p.data.left(120)) : message));
    }
    case PacketType::Disconnect:
        return fail(
            CloseCause::NamespaceDisconnect,
            QStringLiteral("the server disconnected namespace %1").arg(QString::fromLatin1(m_nsp)));
    case PacketType::Event:
        ++step.events;
        if (!m_sawEvent) {
            m_sawEvent = true;
            step.firstEventData = p.data;
        }
        if (p.id >= 0) {
            // The server asked for an ack: give an empty one, as a client that handles it would.
            Packet ack;
            ack.type = PacketType::Ack;
            ack.nsp = m_nsp;
            ack.id = p.id;
            ack.data = QByteArrayLiteral("[]");
            step.send.append(engineMessage(ack));
        }
        return step;
    case PacketType::Ack:
        step.ackId = p.id;
        return step;
    case PacketType::BinaryEvent:
    case PacketType::BinaryAck:
        // Counted as an event; its attachments follow as binary frames and are dropped.
        ++step.events;
        m_attachmentsPending += p.attachments;
        return step;
    }
    return step;
}

ClientStep Client::onBinary()
{
    if (m_attachmentsPending == 0 && m_state != State::Closed)
        return fail(CloseCause::ProtocolError,
                    QStringLiteral("a binary frame that no binary packet announced"));
    --m_attachmentsPending;
    ++m_attachmentsDropped;
    return {};
}

QByteArray Client::echoFrame(qint64 id, int bytes) const
{
    Packet p;
    p.type = PacketType::Event;
    p.nsp = m_nsp;
    p.id = id;
    p.data = QByteArrayLiteral("[\"blueshift-echo\",\"") + QByteArray(bytes, 'x') + "\"]";
    return engineMessage(p);
}

QByteArray Client::disconnectFrame() const
{
    Packet p;
    p.type = PacketType::Disconnect;
    p.nsp = m_nsp;
    return engineMessage(p);
}

} // namespace blueshift::socketio
