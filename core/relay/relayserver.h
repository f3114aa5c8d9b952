#pragma once

#include "relayconfig.h"
#include "relayservice.h"

#include "../http/httpserver.h"

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

namespace blueshift::relay {

// One revision's relay process: the HTTP/WebSocket server and the SIGTERM drain around it.
// Drain: readiness 503 and new upgrades 503 at once; open sessions flow for the drain window;
// then each gets 1001 "revision draining"; finished() when all are closed, and never later
// than the hard deadline (grace minus 2 s).
class RelayServer : public QObject
{
    Q_OBJECT
public:
    RelayServer(const RelayConfig &config, telemetry::EventLog &log, QObject *parent = nullptr);
    ~RelayServer() override;

    bool start(QString *error);
    std::uint16_t port() const { return m_http.port(); }
    bool isDraining() const { return m_service.isDraining(); }
    std::uint64_t openSessions() const { return m_service.openSessions(); }

    // SIGTERM / SIGINT: the first starts the drain; a second one ends the drain window now.
    void handleSignal(int signo);
    void beginDrain();

Q_SIGNALS:
    void finished(int exitCode);

private:
    void closeAllSessions();
    void checkDrained();
    void complete(bool forced);

    RelayConfig m_config;
    telemetry::EventLog &m_log;
    RelayService m_service;
    http::HttpServer m_http;
    QTimer m_windowTimer;
    QTimer m_deadlineTimer;
    QTimer m_lingerPoll;
    QElapsedTimer m_drainClock;
    std::uint64_t m_sessionsAtDrain = 0;
    bool m_closingAll = false;
    bool m_completed = false;
};

} // namespace blueshift::relay
