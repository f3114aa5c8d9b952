#pragma once

#include "http/httpserver.h"
#include "telemetry/eventlog.h"

#include <QByteArray>
#include <QStringList>

#include <atomic>
#include <optional>

namespace blueshift::server {

// What upstream-sim does; filled from its command line.
struct UpstreamSimConfig
{
    enum class Mode { Realtime, Echo };
    net::HostPort listen{QByteArrayLiteral("127.0.0.1"), 9000};
    Mode mode = Mode::Realtime;
    QByteArray path;        // empty: any path
    QByteArray requiredKey; // empty: no key check
    // Azure OpenAI's URL shape: /openai/realtime?api-version=V&deployment=D, answered as Azure
    // does when a part is missing or unknown. Empty: any path and query.
    QStringList azureDeployments;
    QStringList azureApiVersions; // accepted api-versions; empty: any well-formed one
    int audioDeltas = 5;          // response.audio.delta events per response
    int audioDeltaBytes = 4800;   // raw audio bytes per delta (base64 on the wire)
    int audioDeltaIntervalMs = 20;
    int responseDelayMs = 0;      // fault: delay before every answer
    double closeAfterSeconds = 0; // fault: close each session after this long (0: never)
    // The service's own cap: OpenAI / Azure OpenAI realtime sessions end after a maximum duration
    // (60 minutes since GA) with an error event of code session_expired, then a close (0: none).
    double sessionMaxSeconds = 0;
    int closeCode = 1000;
    QByteArray closeReason = "session time limit reached";
    int refuseUpgradesStatus = 0; // fault: answer every upgrade with this status
    quint64 maxMessageBytes = 16 * 1024 * 1024;
    QString tlsCert;
    QString tlsKey;
    int threads = 1;
    QString model = QStringLiteral("gpt-realtime");
    telemetry::LogFormat logFormat = telemetry::LogFormat::Json;
};

// A stand-in for an Azure OpenAI realtime deployment, so that everything runs offline:
// session.created on open, session.update -> session.updated, input_audio_buffer.append and
// .commit, response.create -> response.created, N response.audio.delta, response.done.
// --mode echo returns every frame unchanged instead. With --azure-deployment it also takes the
// URL Azure OpenAI takes, and rejects what Azure rejects, with Azure's error bodies.
class UpstreamSimService final : public http::HttpService
{
public:
    UpstreamSimService(const UpstreamSimConfig &config, telemetry::EventLog &log);

    http::Reply handle(const http::Request &request, http::HttpWorker &worker) override;
    http::UpgradeDecision checkUpgrade(const http::Request &request,
                                       http::HttpWorker &worker) override;
    void startSession(http::HttpWorker &worker, std::unique_ptr<net::Connection> client,
                      net::ByteBuffer leftover, const http::Request &request,
                      const http::UpgradeDecision &decision) override;
    void workerStopping(http::HttpWorker &worker) override;

    const UpstreamSimConfig &config() const { return m_config; }
    telemetry::EventLog &log() { return m_log; }
    std::atomic<std::uint64_t> sessionsOpen{0};
    std::atomic<std::uint64_t> sessionsTotal{0};

private:
    bool keyAccepted(const http::Request &request) const;
    // The Azure OpenAI checks of the request target; a rejection when one fails.
    std::optional<http::Reply> azureRejection(const http::Request &request) const;
    std::optional<http::Reply> azureDeploymentRejection(const http::Request &request) const;

    UpstreamSimConfig m_config;
    telemetry::EventLog &m_log;
};

} // namespace blueshift::server
