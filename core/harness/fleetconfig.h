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

// The protocol a session speaks over its WebSocket, so that the service's own rules (its
// heartbeat, its namespaces, its session cap) are kept and its closes told apart.
enum class SessionProtocol : quint8 {
    WebSocket, // plain WebSocket: pings, optional echo traffic
    SocketIo,  // Socket.IO v5 over Engine.IO v4 (python-socketio, Chainlit): pongs every ping
    Realtime,  // an OpenAI / Azure OpenAI realtime conversation, with its session cap
};

// What a fleet of test sessions does. Filled by a runner's command line or the GUI, never from
// global options.
struct FleetConfig
{
    QUrl url; // ws:// or wss://
    SessionProtocol protocol = SessionProtocol::WebSocket;
    QByteArray socketIoNamespace = QByteArrayLiteral("/");
    QByteArray socketIoAuth; // a JSON object sent with the namespace CONNECT; a secret
    // Attribution when the 101 carries no X-Blueshift-Revision (a workload on Azure): a response
    // header the app sets (e.g. from CONTAINER_APP_REVISION), or a JSON pointer into the first
    // message (socket.io: into the first event's array, e.g. /1/revision).
    QByteArray revisionHeader;
    QString revisionPointer;
    // The revision every session is on by construction (a group pinned to a revision's or a
    // label's own address); used when nothing in the 101 says otherwise.
    QString pinnedRevision;
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
    // The URL sessions connect to: for socket.io, /socket.io/ when the URL has no path, and
    // EIO=4&transport=websocket added to the query unless given.
    QUrl connectUrl() const;
};

QString reconnectModeName(ReconnectMode mode);
QString trafficModeName(TrafficMode mode);
QString sessionProtocolName(SessionProtocol protocol);
bool sessionProtocolFromName(const QString &name, SessionProtocol *out);

// The configuration as report.json shows it: header names only, never their values.
QJsonObject toJson(const FleetConfig &config);

} // namespace blueshift::harness
