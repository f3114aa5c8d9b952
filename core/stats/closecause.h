#pragma once

#include <QString>

namespace blueshift::stats {

// Why a test session ended, beyond its close code: what a rollout could have caused (a clean
// close by the server, a dropped connection) apart from what the service's own protocol did (its
// heartbeat, a namespace disconnect, the realtime service's session cap). Rollout assertions
// count only the causes a rollout can cause and say how many closes they left out.
enum class CloseCause : quint8 {
    Clean,               // a close frame, by either side
    Network,             // no close frame: the connection dropped (1006) or a socket error
    HeartbeatTimeout,    // the protocol's heartbeat lapsed (socket.io: no ping in time)
    NamespaceDisconnect, // socket.io: the server disconnected the namespace ("41")
    NamespaceRefused,    // socket.io: CONNECT_ERROR ("44") for the namespace
    SessionCap,          // realtime: the service's maximum session duration (session_expired)
    ProtocolError,       // the service broke its own protocol (a malformed packet ...)
};

QString closeCauseName(CloseCause cause); // "clean", "heartbeat-timeout" ...
bool closeCauseFromName(const QString &name, CloseCause *out);

// Whether a rollout step (a weight shift, a deactivation, a gateway reload) can be the cause of
// such a close. Heartbeat timeouts, session caps and protocol errors are the service's own.
constexpr bool rolloutCanCause(CloseCause cause)
{
    return cause == CloseCause::Clean || cause == CloseCause::Network ||
           cause == CloseCause::NamespaceDisconnect;
}

} // namespace blueshift::stats
