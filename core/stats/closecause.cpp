#include "stats/closecause.h"

#include <array>
#include <utility>

namespace blueshift::stats {

namespace {
constexpr std::array<std::pair<CloseCause, const char *>, 7> kNames{{
    {CloseCause::Clean, "clean"},
    {CloseCause::Network, "network"},
    {CloseCause::HeartbeatTimeout, "heartbeat-timeout"},
    {CloseCause::NamespaceDisconnect, "namespace-disconnect"},
    {CloseCause::NamespaceRefused, "namespace-refused"},
    {CloseCause::SessionCap, "session-cap"},
    {CloseCause::ProtocolError, "protocol-error"},
}};
} // namespace

QString closeCauseName(CloseCause cause)
{
    for (const auto &[c, name] : kNames) {
        if (c == cause)
            return QString::fromLatin1(name);
    }
    return QStringLiteral("clean");
}

bool closeCauseFromName(const QString &name, CloseCause *out)
{
    for (const auto &[c, n] : kNames) {
        if (name == QLatin1String(n)) {
            *out = c;
            return true;
        }
    }
    return false;
}

} // namespace blueshift::stats
