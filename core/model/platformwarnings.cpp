#include "platformwarnings.h"

#include <algorithm>
#include <cmath>

namespace blueshift::model {

namespace {
using Kind = PlatformWarning::Kind;

QString seconds(double s)
{
    return QString::number(s, 'g', 6) + QStringLiteral(" s");
}

// A ping interval that leaves a good margin under a timeout.
QString suggestion(double limit)
{
    return seconds(std::max(1.0, std::floor(limit / 2)));
}

struct Limit
{
    double seconds;
    QString what;    // "the Container Apps ingress"
    QString setting; // "idle timeout"
    Kind silent;
    Kind slower;
    Kind close;
};

void checkLimit(const SessionTiming &s, const Limit &l, QList<PlatformWarning> *out)
{
    if (l.seconds <= 0)
        return;
    const QString limit = seconds(l.seconds);
    if (s.pingIntervalSeconds <= 0) {
        if (s.sessionSeconds > 0 && s.sessionSeconds <= l.seconds)
            return;
        out->append(
            {l.silent, QStringLiteral("Sessions send no pings: one that stays silent for %1 is "
                                      "closed by %2 (%3). Set a ping interval under %1, e.g. %4.")
                           .arg(limit, l.what, l.setting, suggestion(l.seconds))});
        return;
    }
    const QString ping = seconds(s.pingIntervalSeconds);
    if (s.pingIntervalSeconds >= l.seconds) {
        out->append(
            {l.slower, QStringLiteral("The ping interval (%1) is not shorter than the %2 of %3 "
                                      "(%4): a session with nothing else to say is closed before "
                                      "its next ping. Use an interval under %4, e.g. %5.")
                           .arg(ping, l.setting, l.what, limit, suggestion(l.seconds))});
        return;
    }
    // A ping a little late (a busy client, a slow network) must not lose the session.
    const double margin = std::max(5.0, l.seconds * 0.1);
    if (s.pingIntervalSeconds > l.seconds - margin)
        out->append(
            {l.close, QStringLiteral("The ping interval (%1) is within %2 of the %3 of %4 (%5): "
                                     "one late ping and the session is closed. Use e.g. %6.")
                          .arg(ping, seconds(l.seconds - s.pingIntervalSeconds), l.setting, l.what,
                               limit, suggestion(l.seconds))});
}

QString weightsText(const QList<TrafficWeight> &traffic, const QString &latest)
{
    QStringList parts;
    for (const TrafficWeight &t : traffic) {
        if (t.weight <= 0)
            continue;
        const QString name = t.latestRevision
                                 ? (latest.isEmpty() ? QStringLiteral("latest revision")
                                                     : latest + QStringLiteral(" (latest)"))
                                 : t.revisionName;
        parts.append(QStringLiteral("%1 %2 %").arg(name).arg(t.weight));
    }
    return parts.join(QStringLiteral(", "));
}
} // namespace

QList<PlatformWarning> configurationWarnings(const ContainerApp &app)
{
    QList<PlatformWarning> out;
    if (!app.configuration.ingress)
        return out;
    const Ingress &in = *app.configuration.ingress;
    const bool single = app.configuration.activeRevisionsMode == ActiveRevisionsMode::Single;
    if (in.affinity == Affinity::Sticky && !single)
        out.append({Kind::StickyIgnoredInMultipleMode,
                    QStringLiteral("Sticky sessions are on, but Container Apps honours them only "
                                   "in single revision mode: in multiple revision mode a client "
                                   "that reconnects is routed by the traffic weights, cookie or "
                                   "not, and may land on another revision.")});
    if (in.affinity == Affinity::Sticky && in.transport == Transport::Tcp)
        out.append({Kind::StickyIgnoredForTcp,
                    QStringLiteral("Sticky sessions are on, but Container Apps honours them only "
                                   "for HTTP ingress, and this app's transport is tcp.")});
    if (single) {
        const QString latest =
            app.latestRevisionName.isEmpty() ? app.latestReadyRevisionName : app.latestRevisionName;
        int weighted = 0;
        bool notLatest = false;
        for (const TrafficWeight &t : in.traffic) {
            if (t.weight <= 0)
                continue;
            ++weighted;
            if (!t.latestRevision && !latest.isEmpty() && t.revisionName != latest)
                notLatest = true;
        }
        if (weighted > 1 || notLatest)
            out.append({Kind::WeightsIgnoredInSingleMode,
                        QStringLiteral("The app is in single revision mode: Container Apps sends "
                                       "all traffic to the latest revision and ignores these "
                                       "weights (%1). Switch to multiple revision mode to split "
                                       "traffic.")
                            .arg(weightsText(in.traffic, latest))});
    }
    return out;
}

QList<PlatformWarning> timeoutWarnings(const SessionTiming &sessions,
                                       const PlatformTimeouts &timeouts)
{
    QList<PlatformWarning> out;
    checkLimit(sessions,
               {timeouts.ingressIdleTimeoutSeconds, QStringLiteral("the Container Apps ingress"),
                QStringLiteral("idle timeout"), Kind::SilentSessionsOutliveIdleTimeout,
                Kind::PingSlowerThanIdleTimeout, Kind::PingCloseToIdleTimeout},
               &out);
    checkLimit(sessions,
               {timeouts.gatewayBackendTimeoutSeconds, QStringLiteral("the Application Gateway"),
                QStringLiteral("backend request timeout"),
                Kind::SilentSessionsOutliveGatewayTimeout, Kind::PingSlowerThanGatewayTimeout,
                Kind::PingCloseToGatewayTimeout},
               &out);
    return out;
}

QList<PlatformWarning> warningsForPatch(const QJsonObject &currentApp, const QJsonObject &patch,
                                        QString *error)
{
    ContainerApp before;
    ContainerApp after;
    QString ignored;
    const bool hadApp = fromJson(currentApp, &before, &ignored);
    if (!fromJson(mergePatch(currentApp, patch), &after, error))
        return {};
    const QList<PlatformWarning> had =
        hadApp ? configurationWarnings(before) : QList<PlatformWarning>();
    QList<PlatformWarning> out;
    for (const PlatformWarning &w : configurationWarnings(after)) {
        const bool known = std::any_of(had.begin(), had.end(),
                                       [&w](const PlatformWarning &h) { return h.kind == w.kind; });
        if (!known)
            out.append(w);
    }
    return out;
}

QString kindName(PlatformWarning::Kind kind)
{
    switch (kind) {
    case Kind::StickyIgnoredInMultipleMode:
        return QStringLiteral("StickyIgnoredInMultipleMode");
    case Kind::StickyIgnoredForTcp:
        return QStringLiteral("StickyIgnoredForTcp");
    case Kind::WeightsIgnoredInSingleMode:
        return QStringLiteral("WeightsIgnoredInSingleMode");
    case Kind::SilentSessionsOutliveIdleTimeout:
        return QStringLiteral("SilentSessionsOutliveIdleTimeout");
    case Kind::PingSlowerThanIdleTimeout:
        return QStringLiteral("PingSlowerThanIdleTimeout");
    case Kind::PingCloseToIdleTimeout:
        return QStringLiteral("PingCloseToIdleTimeout");
    case Kind::SilentSessionsOutliveGatewayTimeout:
        return QStringLiteral("SilentSessionsOutliveGatewayTimeout");
    case Kind::PingSlowerThanGatewayTimeout:
        return QStringLiteral("PingSlowerThanGatewayTimeout");
    case Kind::PingCloseToGatewayTimeout:
        return QStringLiteral("PingCloseToGatewayTimeout");
    }
    return {};
}

} // namespace blueshift::model
