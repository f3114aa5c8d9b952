#pragma once

#include "../stats/closecause.h"
#include "../stats/closetally.h"

#include <QList>
#include <QMetaType>
#include <QString>

namespace blueshift::harness {

enum class SessionState : quint8 {
    Waiting,      // not started yet (ramp)
    Connecting,   // TCP, TLS or the upgrade
    Open,         // 101 received
    Reconnecting, // closed, waiting for the next attempt
    Closed,       // for good
};
QString sessionStateName(SessionState state);

// What one test session has seen so far; times are seconds since the fleet started. A
// reconnected session keeps its record: revision and replica are those of its current (or last)
// connection, close fields those of its last close.
struct SessionRecord
{
    int id = -1;
    SessionState state = SessionState::Waiting;
    double firstOpenTime = -1; // -1: never opened
    double openTime = -1;      // the current connection
    double closeTime = -1;     // the last close
    QString revision;
    QString replica;
    QString firstRevision;
    // RTT in microseconds from ping/pong; percentiles are kept per fleet and revision.
    quint32 rttCount = 0;
    quint32 rttLastUs = 0;
    quint32 rttMinUs = 0;
    quint32 rttMaxUs = 0;
    quint64 messagesIn = 0;
    quint64 messagesOut = 0;
    quint32 audioDeltas = 0; // realtime: response.audio.delta received
    quint32 responses = 0;   // realtime: response.done received
    int closeCode = 0;       // 1006 when the connection dropped without a close frame
    QString closeReason;
    stats::CloseSide closedBy = stats::CloseSide::Server;
    stats::CloseCause closeCause = stats::CloseCause::Clean;
    QString error; // the socket or handshake error when there was no close frame
    // socket.io: the server's heartbeat (from its open packet) and the pings answered.
    quint32 heartbeatIntervalMs = 0;
    quint32 heartbeatTimeoutMs = 0;
    quint32 pingsAnswered = 0;
    int connectFailures = 0;
    int reconnects = 0;             // successful reconnects
    int sameRevisionReconnects = 0; // of which landed on the revision they left
    double lastReconnectSeconds = -1;
    double totalReconnectSeconds = 0;
};

// One session lifecycle event, for events.jsonl and the consumers' logs.
struct SessionEvent
{
    enum class Kind : quint8 {
        Opened,        // 101 (a first open or a reconnect)
        Closed,        // a connection ended
        ConnectFailed, // no 101: refused, TLS, HTTP status, timeout
        Retrying,      // a reconnect was scheduled
        Attributed,    // the revision became known from the first message
    };
    Kind kind = Kind::Opened;
    double time = 0;
    int session = -1;
    QString revision;
    QString replica;
    int code = 0;
    QString reason;
    stats::CloseSide side = stats::CloseSide::Server;
    stats::CloseCause cause = stats::CloseCause::Clean;
    QString error;
    double seconds = -1;    // Closed: how long it was open; Opened: reconnect time; Retrying: delay
    bool reconnect = false; // Opened: this was a reconnect
    bool sameRevision = false; // Opened after a reconnect: same revision as before
    int attempt = 0;
};
QString sessionEventKindName(SessionEvent::Kind kind);

// An RTT sample handed from a worker to the fleet.
struct RttSample
{
    float time;
    quint32 micros;
    int session;
};

} // namespace blueshift::harness

Q_DECLARE_METATYPE(blueshift::harness::SessionRecord)
