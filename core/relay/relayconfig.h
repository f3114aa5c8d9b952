#pragma once

#include "../http/httpmessage.h"
#include "../net/address.h"
#include "../telemetry/eventlog.h"

#include <QStringList>
#include <QUrl>

#include <chrono>
#include <optional>

namespace blueshift::relay {

// Everything one relay process needs to know, filled from the command line and the
// environment by `blueshift-server relay` and passed down; core never reads options itself.
struct RelayConfig
{
    net::HostPort listen{QByteArrayLiteral("0.0.0.0"), 8080};
    QString revision;
    QString replica;
    QUrl upstream;                    // ws:// or wss://
    http::HeaderList upstreamHeaders; // values are secrets
    QString upstreamCaFile;
    QByteArray path = QByteArrayLiteral("/ws");
    double graceSeconds = 30;
    std::optional<double> drainSeconds;
    quint64 maxMessageBytes = 1024 * 1024;
    QStringList allowedOrigins;
    telemetry::LogFormat logFormat = telemetry::LogFormat::Json;
    int threads = 0;
    double upstreamTimeoutSeconds = 10;

    // How long open sessions keep flowing after SIGTERM: --drain-seconds, else grace minus 5 s.
    double drainWindowSeconds() const
    {
        const double d = drainSeconds ? *drainSeconds : graceSeconds - 5;
        return std::clamp(d, 0.0, hardDeadlineSeconds());
    }
    // The process is gone by then at the latest: grace minus 2 s, leaving the platform's
    // SIGKILL nothing to do.
    double hardDeadlineSeconds() const { return std::max(graceSeconds - 2, graceSeconds / 2); }
};

} // namespace blueshift::relay
