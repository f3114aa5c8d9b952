#include "relayserver.h"

#include "../net/connection.h"
#include "../runtime/unixsignalwatcher.h"

#include <QJsonObject>
#include <QLoggingCategory>

namespace blueshift::relay {

RelayServer::RelayServer(const RelayConfig &config, telemetry::EventLog &log, QObject *parent)
    : QObject(parent)
    , m_config(config)
    , m_log(log)
    , m_service(config, log)
    , m_http(m_service, [&] {
        http::HttpServerOptions o;
        o.threads = config.threads;
        return o;
    }())
{
    m_windowTimer.setSingleShot(true);
    m_deadlineTimer.setSingleShot(true);
    m_lingerPoll.setInterval(20);
    connect(&m_windowTimer, &QTimer::timeout, this, &RelayServer::closeAllSessions);
    connect(&m_deadlineTimer, &QTimer::timeout, this, [this] { complete(true); });
    connect(&m_lingerPoll, &QTimer::timeout, this, &RelayServer::checkDrained);
    m_service.setSessionEndedCallback([this] {
        if (m_service.isDraining())
            QMetaObject::invokeMethod(this, &RelayServer::checkDrained, Qt::QueuedConnection);
    });
}

RelayServer::~RelayServer()
{
    m_http.stop();
}

bool RelayServer::start(QString *error)
{
    if (!m_service.init(error))
        return false;
    if (!m_http.listen(m_config.listen, error))
        return false;
    m_http.start();
    net::HostPort bound = m_config.listen;
    bound.port = m_http.port();
    m_log.info(QStringLiteral("server.started"), QString(),
               {{QStringLiteral("listen"), bound.toString()},
                {QStringLiteral("port"), int(bound.port)},
                {QStringLiteral("path"), QString::fromUtf8(m_config.path)},
                {QStringLiteral("upstream"), m_service.upstream().displayUrl},
                {QStringLiteral("threads"), m_http.workerCount()},
                {QStringLiteral("grace_seconds"), m_config.graceSeconds},
                {QStringLiteral("drain_seconds"), m_config.drainWindowSeconds()},
                {QStringLiteral("max_message_bytes"), double(m_config.maxMessageBytes)},
                {QStringLiteral("version"), QStringLiteral(BLUESHIFT_VERSION)}});
    return true;
}

void RelayServer::handleSignal(int signo)
{
    m_log.info(QStringLiteral("signal.received"), QString(),
               {{QStringLiteral("signal"), runtime::UnixSignalWatcher::signalName(signo)}});
    if (!m_service.isDraining())
        beginDrain();
    else if (!m_closingAll)
        closeAllSessions();
}

void RelayServer::beginDrain()
{
    if (m_service.isDraining())
        return;
    m_service.setDraining();
    m_drainClock.start();
    m_sessionsAtDrain = m_service.openSessions();
    m_log.info(QStringLiteral("drain.started"), QString(),
               {{QStringLiteral("open_sessions"), double(m_sessionsAtDrain)},
                {QStringLiteral("drain_seconds"), m_config.drainWindowSeconds()},
                {QStringLiteral("deadline_seconds"), m_config.hardDeadlineSeconds()}});
    m_deadlineTimer.start(int(m_config.hardDeadlineSeconds() * 1000));
    m_windowTimer.start(int(m_config.drainWindowSeconds() * 1000));
    // Closing connections (a probe answered just before the signal, a session that just
    // ended) end without a callback, so poll from the start: otherwise a relay with no
    // sessions but one lingering close waits for the whole drain window.
    m_lingerPoll.start();
    checkDrained();
}

void RelayServer::closeAllSessions()
{
    if (m_closingAll || m_completed)
        return;
    m_closingAll = true;
    m_windowTimer.stop();
    m_http.forEachWorker([this](http::HttpWorker &w) { m_service.closeSessionsForDrain(w); });
    // Closes linger until each peer has our close frame; they are not sessions, so poll them.
    m_lingerPoll.start();
}

void RelayServer::checkDrained()
{
    if (m_completed || !m_service.isDraining())
        return;
    if (m_service.openSessions() == 0 && net::Connection::lingeringCount() == 0)
        complete(false);
}

void RelayServer::complete(bool forced)
{
    if (m_completed)
        return;
    m_completed = true;
    m_windowTimer.stop();
    m_deadlineTimer.stop();
    m_lingerPoll.stop();
    const std::uint64_t left = m_service.openSessions();
    m_http.stop();
    m_log.info(QStringLiteral("drain.completed"), QString(),
               {{QStringLiteral("sessions_at_start"), double(m_sessionsAtDrain)},
                {QStringLiteral("sessions_cut"), double(left)},
                {QStringLiteral("forced"), forced},
                {QStringLiteral("duration_ms"), double(m_drainClock.elapsed())}});
    m_log.info(QStringLiteral("server.stopped"), QString(), {{QStringLiteral("exit_code"), 0}});
    Q_EMIT finished(0);
}

} // namespace blueshift::relay
