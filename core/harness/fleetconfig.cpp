#include "fleetconfig.h"

#include <QJsonArray>

namespace blueshift::harness {

QString FleetConfig::validate() const
{
    const QString scheme = url.scheme();
    if (!url.isValid() || (scheme != QLatin1String("ws") && scheme != QLatin1String("wss")))
        return QStringLiteral("the URL must be ws:// or wss://");
    if (url.host().isEmpty())
        return QStringLiteral("the URL has no host");
    if (sessions < 1)
        return QStringLiteral("at least one session is needed");
    if (threads < 1)
        return QStringLiteral("at least one thread is needed");
    if (holdSeconds < 0 || pingIntervalSeconds < 0 || trafficIntervalSeconds < 0)
        return QStringLiteral("durations may not be negative");
    if (traffic != TrafficMode::None && trafficIntervalSeconds <= 0)
        return QStringLiteral("application traffic needs an interval");
    if (reconnect.mode == ReconnectMode::Backoff &&
        (reconnect.initialSeconds <= 0 || reconnect.multiplier < 1 ||
         reconnect.maxSeconds < reconnect.initialSeconds || reconnect.jitter < 0 ||
         reconnect.jitter >= 1))
        return QStringLiteral("backoff needs 0 < initial <= max, multiplier >= 1, 0 <= jitter < 1");
    return {};
}

QString reconnectModeName(ReconnectMode mode)
{
    switch (mode) {
    case ReconnectMode::None:
        return QStringLiteral("none");
    case ReconnectMode::Immediate:
        return QStringLiteral("immediate");
    case ReconnectMode::Backoff:
        return QStringLiteral("backoff");
    }
    return {};
}

QString trafficModeName(TrafficMode mode)
{
    switch (mode) {
    case TrafficMode::None:
        return QStringLiteral("none");
    case TrafficMode::Echo:
        return QStringLiteral("echo");
    case TrafficMode::Realtime:
        return QStringLiteral("realtime");
    }
    return {};
}

QJsonObject toJson(const FleetConfig &c)
{
    QJsonArray headerNames;
    for (const auto &h : c.headers)
        headerNames.append(QString::fromLatin1(h.first));
    // The URL's query may carry a key (api-key=...): only scheme, host, port and path are shown.
    const QString url =
        c.url.adjusted(QUrl::RemoveQuery | QUrl::RemoveUserInfo | QUrl::RemoveFragment).toString();
    return {
        {QStringLiteral("url"), url},
        {QStringLiteral("sessions"), c.sessions},
        {QStringLiteral("open_rate"), c.openRate},
        {QStringLiteral("hold_seconds"), c.holdSeconds},
        {QStringLiteral("ping_interval_seconds"), c.pingIntervalSeconds},
        {QStringLiteral("traffic"), trafficModeName(c.traffic)},
        {QStringLiteral("echo_bytes"), c.echoBytes},
        {QStringLiteral("traffic_interval_seconds"), c.trafficIntervalSeconds},
        {QStringLiteral("reconnect"),
         QJsonObject{{QStringLiteral("mode"), reconnectModeName(c.reconnect.mode)},
                     {QStringLiteral("initial_seconds"), c.reconnect.initialSeconds},
                     {QStringLiteral("multiplier"), c.reconnect.multiplier},
                     {QStringLiteral("max_seconds"), c.reconnect.maxSeconds},
                     {QStringLiteral("jitter"), c.reconnect.jitter},
                     {QStringLiteral("max_attempts"), c.reconnect.maxAttempts}}},
        {QStringLiteral("headers"), headerNames},
        {QStringLiteral("ca_file"), c.caFile},
        {QStringLiteral("accept_self_signed"), c.acceptSelfSigned},
        {QStringLiteral("threads"), c.threads},
    };
}

} // namespace blueshift::harness
