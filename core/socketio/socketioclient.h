#pragma once

#include "socketio/packets.h"
#include "stats/closecause.h"

#include <QList>

namespace blueshift::socketio {

// What a test session must do after the client has read a frame.
struct ClientStep
{
    QList<QByteArray> send;    // text frames to send, in order
    bool connected = false;    // the namespace connection was acknowledged ("40")
    int events = 0;            // server events received ("42")
    qint64 ackId = -1;         // an ack ("43") arrived for this id
    QByteArray firstEventData; // the first event's JSON array, for attribution by message
    bool close = false;        // the session must end: `cause` and `reason` say why
    stats::CloseCause cause = stats::CloseCause::Clean;
    QString reason;
};

// The client side of Socket.IO v5 over Engine.IO v4's WebSocket transport, without sockets:
// frames in, frames out (as python-socketio's and socket.io-client's clients behave). It reads
// the open packet, connects to the namespace (with optional auth), answers every ping with a
// pong, counts events, matches acks to the echo emits, and turns a server's DISCONNECT ("41"),
// CONNECT_ERROR ("44"), Engine.IO close ("1") or a malformed packet into a close with its cause.
class Client
{
public:
    enum class State { AwaitingOpen, Connecting, Connected, Closed };

    // `nsp` "/" or "/chat"; `auth` a JSON object's text, or empty for none.
    Client(QByteArray nsp, QByteArray auth);

    ClientStep onText(QByteArrayView frame);
    // A binary frame: an attachment of a binary packet, which the harness counts and drops.
    ClientStep onBinary();

    State state() const { return m_state; }
    const EngineOpen &open() const { return m_open; }
    // Engine.IO's own rule: the server pings every pingInterval; without a ping for
    // pingInterval + pingTimeout the connection is dead. 0 until the open packet.
    int heartbeatTimeoutMs() const { return m_open.pingIntervalMs + m_open.pingTimeoutMs; }
    // An echo emit with an ack id: 42[/nsp,]ID["blueshift-echo","xxx..."].
    QByteArray echoFrame(qint64 id, int bytes) const;
    // A clean goodbye: DISCONNECT of the namespace ("41"); the caller then closes with 1000.
    QByteArray disconnectFrame() const;
    int pingsAnswered() const { return m_pings; }
    int attachmentsDropped() const { return m_attachmentsDropped; }

private:
    ClientStep fail(stats::CloseCause cause, const QString &reason);
    ClientStep onEngineMessage(QByteArrayView payload);

    QByteArray m_nsp;
    QByteArray m_auth;
    State m_state = State::AwaitingOpen;
    EngineOpen m_open;
    int m_pings = 0;
    int m_attachmentsPending = 0;
    int m_attachmentsDropped = 0;
    bool m_sawEvent = false;
};

} // namespace blueshift::socketio
