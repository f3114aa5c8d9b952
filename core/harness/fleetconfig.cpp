#include "fleetconfig.h"

#include "websocket/websocketurl.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QUrlQuery>

namespace blueshift::harness {

QString FleetConfig::validate() const
{
    if (const QString why = websocket::webSocketUrlError(url); !why.isEmpty())
        return why;
    if (protocol == SessionProtocol::SocketIo) {
        if (!socketIoNamespace.startsWith('/') || socketIoNamespace.contains(','))
            return QStringLiteral("the socket.io namespace must start with / and hold no comma");
        if (!socketIoAuth.isEmpty() && !QJsonDocument::fromJson(socketIoAuth).isObject())
            return QStringLiteral("the socket.io auth must be a JSON object");
    }
    if (!revisionPointer.isEmpty() && !revisionPointer.startsWith(QLatin1Char('/')))
        return QStringLiteral("the revision pointer must be a JSON pointer such as /revision");
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

QString sessionProtocolName(SessionProtocol protocol)
{
    switch (protocol) {
    case SessionProtocol::WebSocket:
        return QStringLiteral("websocket");
    case SessionProtocol::SocketIo:
        return QStringLiteral("socketio");
    case SessionProtocol::Realtime:
        return QStringLiteral("realtime");
    }
    return {};
}

bool sessionProtocolFromName(const QString &name, SessionProtocol *out)
{
    for (SessionProtocol p :
         {SessionProtocol::WebSocket, SessionProtocol::SocketIo, SessionProtocol::Realtime}) {
        if (name == sessionProtocolName(p)) {
            *out = p;
            return true;
        }
    }
    return false;
}

QUrl FleetConfig::connectUrl() const
{
    if (protocol != SessionProtocol::SocketIo)
        return url;
    QUrl out = url;
    if (out.path().isEmpty() || out.path() == QLatin1String("/"))
        out.setPath(QStringLiteral("/socket.io/"));
    QUrlQuery query(out);
    if (!query.hasQueryItem(QStringLiteral("EIO")))
        query.addQueryItem(QStringLiteral("EIO"), QStringLiteral("4"));
    if (!query.hasQueryItem(QStringLiteral("transport")))
        query.addQueryItem(QStringLiteral("transport"), QStringLiteral("websocket"));
    out.setQuery(query);
    return out;
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
        {QStringLiteral("protocol"), sessionProtocolName(c.protocol)},
        {QStringLiteral("socketio_namespace"), QString::fromLatin1(c.socketIoNamespace)},
        {QStringLiteral("socketio_auth"), !c.socketIoAuth.isEmpty()}, // given or not, never shown
        {QStringLiteral("revision_header"), QString::fromLatin1(c.revisionHeader)},
        {QStringLiteral("revision_pointer"), c.revisionPointer},
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
