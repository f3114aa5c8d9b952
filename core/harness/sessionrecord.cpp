#include "sessionrecord.h"

namespace blueshift::harness {

QString sessionStateName(SessionState state)
{
    switch (state) {
    case SessionState::Waiting:
        return QStringLiteral("waiting");
    case SessionState::Connecting:
        return QStringLiteral("connecting");
    case SessionState::Open:
        return QStringLiteral("open");
    case SessionState::Reconnecting:
        return QStringLiteral("reconnecting");
    case SessionState::Closed:
        return QStringLiteral("closed");
    }
    return {};
}

QString sessionEventKindName(SessionEvent::Kind kind)
{
    switch (kind) {
    case SessionEvent::Kind::Opened:
        return QStringLiteral("opened");
    case SessionEvent::Kind::Closed:
        return QStringLiteral("closed");
    case SessionEvent::Kind::ConnectFailed:
        return QStringLiteral("connect_failed");
    case SessionEvent::Kind::Retrying:
        return QStringLiteral("retrying");
    case SessionEvent::Kind::Attributed:
        return QStringLiteral("attributed");
    }
    return {};
}

} // namespace blueshift::harness
