#pragma once

#include "containerapp.h"

#include <QList>
#include <QString>

namespace blueshift::model {

// What Container Apps and Application Gateway do that a rollout's user otherwise learns the
// hard way, as warnings shown before the change or the test run. Pure functions of the app's
// configuration and the session timing; the same for both platforms (the local platform honours
// some settings Azure ignores, which is exactly when a warning helps).

struct PlatformWarning
{
    enum class Kind {
        StickyIgnoredInMultipleMode,      // affinity is honoured in single revision mode only
        StickyIgnoredForTcp,              // ... and for HTTP ingress only
        WeightsIgnoredInSingleMode,       // single mode sends everything to the latest revision
        SilentSessionsOutliveIdleTimeout, // no pings, sessions longer than the idle timeout
        PingSlowerThanIdleTimeout,        // pings come after the ingress has cut the session
        PingCloseToIdleTimeout,           // under it, by less than the margin
        SilentSessionsOutliveGatewayTimeout,
        PingSlowerThanGatewayTimeout,
        PingCloseToGatewayTimeout,
    };
    Kind kind;
    QString text; // one or two sentences: what happens, and what to change
    bool operator==(const PlatformWarning &) const = default;
};

// How the sessions behave that will go through the platform.
struct SessionTiming
{
    double pingIntervalSeconds = 0; // 0: no pings, the session is silent between messages
    double sessionSeconds = 0;      // how long a session is held; 0: unknown or unbounded
};

// The timeouts in front of the revisions.
struct PlatformTimeouts
{
    // Container Apps' ingress closes a connection with no traffic for this long (240 s by
    // default); 0 when there is none.
    double ingressIdleTimeoutSeconds = 240;
    // The request timeout of the Application Gateway backend setting in front of the app; 0
    // when no gateway is in front.
    double gatewayBackendTimeoutSeconds = 0;
};

// Container Apps' default ingress idle timeout.
constexpr double defaultIngressIdleTimeoutSeconds = 240;

// Revision mode, traffic and sticky sessions of an app as configured.
QList<PlatformWarning> configurationWarnings(const ContainerApp &app);

// Ping interval and session length against the idle timeouts on the way.
QList<PlatformWarning> timeoutWarnings(const SessionTiming &sessions,
                                       const PlatformTimeouts &timeouts);

// Before a PATCH is sent: the warnings of the app it would make (the patch merged into the
// app's JSON) that the app does not have yet. Empty, with *error, when the result is no app.
QList<PlatformWarning> warningsForPatch(const QJsonObject &currentApp, const QJsonObject &patch,
                                        QString *error);

// The kind as a word, for logs and failing QCOMPAREs.
QString kindName(PlatformWarning::Kind kind);

} // namespace blueshift::model
