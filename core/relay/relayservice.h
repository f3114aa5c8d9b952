#pragma once

#include "relayconfig.h"
#include "relaymetrics.h"

#include "../http/httpserver.h"
#include "../net/resolver.h"
#include "../net/tlscontext.h"

#include <functional>
#include <memory>
#include <unordered_set>
#include <vector>

namespace blueshift::relay {

class Bridge;

// Where and how each session's upstream WebSocket is opened, derived once from the config.
struct UpstreamTarget
{
    QByteArray host;
    std::uint16_t port = 0;
    bool tls = false;
    QByteArray requestTarget; // path and query
    QByteArray hostHeader;
    QString displayUrl; // redacted, for logs
};

struct RelayWorkerState
{
    WorkerCounters counters;
    std::unordered_set<Bridge *> bridges;
};

// The relay's side of the HTTP server: health, readiness and metrics endpoints, the upgrade
// policy (path, Origin, draining), and one Bridge per accepted session.
class RelayService final : public http::HttpService
{
public:
    RelayService(RelayConfig config, telemetry::EventLog &log);
    ~RelayService() override;

    // Validates the upstream and loads its TLS trust; false with a message for the user.
    bool init(QString *error);

    void workerStarted(http::HttpWorker &worker) override;
    void workerStopping(http::HttpWorker &worker) override;
    http::Reply handle(const http::Request &request, http::HttpWorker &worker) override;
    http::UpgradeDecision checkUpgrade(const http::Request &request,
                                       http::HttpWorker &worker) override;
    void startSession(http::HttpWorker &worker, std::unique_ptr<net::Connection> client,
                      net::ByteBuffer leftover, const http::Request &request,
                      const http::UpgradeDecision &decision) override;

    // Drain control, from any thread.
    void setDraining() { m_draining.store(true); }
    bool isDraining() const { return m_draining.load(); }
    std::uint64_t openSessions() const;
    // Called on a worker thread whenever a session ends.
    void setSessionEndedCallback(std::function<void()> callback)
    {
        m_sessionEnded = std::move(callback);
    }
    // On the worker's thread: closes every session of that worker with 1001.
    void closeSessionsForDrain(http::HttpWorker &worker);

    QByteArray renderMetrics() const;

    // For bridges.
    const RelayConfig &config() const { return m_config; }
    const UpstreamTarget &upstream() const { return m_upstream; }
    telemetry::EventLog &log() { return m_log; }
    net::Resolver &resolver() { return *m_resolver; }
    net::TlsContext *upstreamTls() const { return m_upstreamTls.get(); }
    CloseCounters &closes() { return m_closes; }
    void sessionEnded(RelayWorkerState &state, Bridge *bridge);

private:
    bool originAllowed(const http::Request &request) const;

    RelayConfig m_config;
    telemetry::EventLog &m_log;
    UpstreamTarget m_upstream;
    std::unique_ptr<net::Resolver> m_resolver;
    std::shared_ptr<net::TlsContext> m_upstreamTls;
    CloseCounters m_closes;
    std::atomic<bool> m_draining{false};
    std::function<void()> m_sessionEnded;

    mutable std::mutex m_statesMutex;
    std::vector<std::shared_ptr<RelayWorkerState>> m_states;
};

} // namespace blueshift::relay
