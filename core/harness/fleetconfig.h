#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QString>
#include <QUrl>

namespace blueshift::harness {

enum class ReconnectMode : quint8 {
    None,      // a closed session stays closed
    Immediate, // reconnect at once, every time
    Backoff,   // exponential backoff with jitter, capped
};

struct ReconnectPolicy
{
    ReconnectMode mode = ReconnectMode::None;
    double initialSeconds = 0.5; // the first delay (Backoff)
    double multiplier = 2.0;     // each failed attempt multiplies the delay
    double maxSeconds = 30.0;    // the cap, jitter included
    double jitter = 0.2;         // the delay is drawn from [d * (1 - jitter), d * (1 + jitter)]
    int maxAttempts = 0;         // attempts per outage before giving up; 0: no limit
};

enum class TrafficMode : quint8 {
    None,
    Echo,     // a message of `echoBytes` every `trafficIntervalSeconds`; the peer echoes it
    Realtime, // response.create every interval; response.audio.delta counted until response.done
};

// What a fleet of test sessions does. Filled by a runner's command line or the GUI, never from
// global options.
struct FleetConfig
{
    QUrl url; // ws:// or wss://
    int sessions = 1;
    double openRate = 50;   // new sessions per second during the ramp; <= 0: all at once
    double holdSeconds = 0; // each session closes itself (1000) this long after it first opened;
                            // 0: held until stop()
    double pingIntervalSeconds = 30; // 0: no pings
    TrafficMode traffic = TrafficMode::None;
    int echoBytes = 64;
    double trafficIntervalSeconds = 5;
    ReconnectPolicy reconnect;
    // Sent with every upgrade (Origin, api-key ...). Values never reach a log or a report.
    QList<QPair<QByteArray, QByteArray>> headers;
    QString caFile;                // trust only these CAs for wss (default: the system's)
    bool acceptSelfSigned = false; // explicit opt-in: a self-signed server certificate is accepted
    int threads = 2;               // event loops the sessions are spread over
    double connectTimeoutSeconds = 10;
    double stopTimeoutSeconds = 5; // how long stop() waits for close handshakes
    int batchIntervalMs = 200;     // how often changes are handed to the caller's thread
    int maxMessageBytes = 16 * 1024 * 1024;
    int maxKeptEvents = 200000; // lifecycle events kept for events.jsonl; older ones are dropped

    // Checks the URL and the numbers; empty when usable.
    QString validate() const;
};

QString reconnectModeName(ReconnectMode mode);
QString trafficModeName(TrafficMode mode);

// The configuration as report.json shows it: header names only, never their values.
QJsonObject toJson(const FleetConfig &config);

} // namespace blueshift::harness
