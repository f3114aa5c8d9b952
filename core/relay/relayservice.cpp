#include "relayservice.h"

#include "bridge.h"

#include "../net/connection.h"
#include "../net/random.h"

#include <QUrl>
#include <QUrlQuery>

namespace blueshift::relay {

RelayService::RelayService(RelayConfig config, telemetry::EventLog &log)
    : m_config(std::move(config))
    , m_log(log)
{}

RelayService::~RelayService() = default;

bool RelayService::init(QString *error)
{
    const QUrl &u = m_config.upstream;
    const QString scheme = u.scheme().toLower();
    if (!u.isValid() || (scheme != QLatin1String("ws") && scheme != QLatin1String("wss")) ||
        u.host().isEmpty()) {
        *error = QStringLiteral("the upstream must be a ws:// or wss:// URL with a host");
        return false;
    }
    m_upstream.tls = scheme == QLatin1String("wss");
    m_upstream.host = u.host(QUrl::FullyEncoded).toUtf8();
    const int defaultPort = m_upstream.tls ? 443 : 80;
    m_upstream.port = std::uint16_t(u.port(defaultPort));
    QByteArray target = u.path(QUrl::FullyEncoded).toUtf8();
    if (target.isEmpty())
        target = "/";
    if (u.hasQuery())
        target += '?' + u.query(QUrl::FullyEncoded).toUtf8();
    m_upstream.requestTarget = target;
    m_upstream.hostHeader =
        m_upstream.host.contains(':') ? '[' + m_upstream.host + ']' : m_upstream.host;
    if (u.port(defaultPort) != defaultPort)
        m_upstream.hostHeader += ':' + QByteArray::number(m_upstream.port);
    m_upstream.displayUrl = telemetry::Redactor::redactUrl(u);
    // Query values such as api-key are as secret as the headers.
    for (const auto &item : QUrlQuery(u).queryItems(QUrl::FullyDecoded)) {
        if (telemetry::Redactor::isSecretName(item.first) ||
            item.first.compare(QLatin1String("sig"), Qt::CaseInsensitive) == 0)
            m_log.redactor().addSecret(item.second.toUtf8());
    }
    for (const auto &h : m_config.upstreamHeaders)
        m_log.redactor().addSecret(h.second);
    if (m_upstream.tls) {
        m_upstreamTls = net::TlsContext::forClient(m_config.upstreamCaFile, error);
        if (!m_upstreamTls)
            return false;
    }
    m_resolver = std::make_unique<net::Resolver>();
    return true;
}

void RelayService::workerStarted(http::HttpWorker &worker)
{
    auto state = std::make_shared<RelayWorkerState>();
    worker.setServiceData(state);
    std::lock_guard lock(m_statesMutex);
    if (m_states.size() <= std::size_t(worker.index()))
        m_states.resize(std::size_t(worker.index()) + 1);
    m_states[std::size_t(worker.index())] = state;
}

void RelayService::workerStopping(http::HttpWorker &worker)
{
    auto *state = worker.serviceData<RelayWorkerState>();
    while (!state->bridges.empty()) {
        Bridge *b = *state->bridges.begin();
        state->bridges.erase(state->bridges.begin());
        delete b;
    }
}

std::uint64_t RelayService::openSessions() const
{
    std::lock_guard lock(m_statesMutex);
    std::uint64_t n = 0;
    for (const auto &s : m_states) {
        if (s)
            n += s->counters.sessionsOpen.load(std::memory_order_relaxed);
    }
    return n;
}

void RelayService::sessionEnded(RelayWorkerState &state, Bridge *bridge)
{
    state.bridges.erase(bridge);
    WorkerCounters::sub(state.counters.sessionsOpen, 1);
    if (m_sessionEnded)
        m_sessionEnded();
}

void RelayService::closeSessionsForDrain(http::HttpWorker &worker)
{
    auto *state = worker.serviceData<RelayWorkerState>();
    // closeForDrain removes the bridge from the set.
    const std::vector<Bridge *> bridges(state->bridges.begin(), state->bridges.end());
    for (Bridge *b : bridges)
        b->closeForDrain();
}

bool RelayService::originAllowed(const http::Request &request) const
{
    const QByteArray origin = request.header("Origin");
    if (origin.isEmpty())
        return true; // not a browser
    for (const QString &allowed : m_config.allowedOrigins) {
        if (allowed == QLatin1String("*") ||
            QString::fromLatin1(origin).compare(allowed, Qt::CaseInsensitive) == 0)
            return true;
    }
    // Same origin: the Origin's authority is the Host the browser asked for.
    const QUrl o(QString::fromLatin1(origin));
    if (!o.isValid() || o.host().isEmpty())
        return false;
    const QString scheme = o.scheme().toLower();
    const int defaultPort = scheme == QLatin1String("https") ? 443 : 80;
    QString originAuthority = o.host().toLower();
    if (o.port(defaultPort) != defaultPort)
        originAuthority += QLatin1Char(':') + QString::number(o.port());
    QString host = QString::fromLatin1(request.header("Host")).toLower();
    if (host.endsWith(QLatin1String(":80")) || host.endsWith(QLatin1String(":443")))
        host = host.left(host.lastIndexOf(QLatin1Char(':')));
    return !host.isEmpty() && host == originAuthority;
}

http::Reply RelayService::handle(const http::Request &request, http::HttpWorker &)
{
    const bool known = request.path == "/healthz" || request.path == "/readyz" ||
                       request.path == "/metrics" || request.path == m_config.path;
    if (!known)
        return {404, "text/plain; charset=utf-8", "not found\n", {}};
    if (request.method != "GET" && request.method != "HEAD")
        return {405, "text/plain; charset=utf-8", "method not allowed\n", {{"Allow", "GET, HEAD"}}};
    if (request.path == "/healthz")
        return {200, "text/plain; charset=utf-8", "ok\n", {}};
    if (request.path == "/readyz") {
        if (isDraining())
            return {503, "text/plain; charset=utf-8", "draining\n", {}};
        return {200, "text/plain; charset=utf-8", "ready\n", {}};
    }
    if (request.path == "/metrics")
        return {200, "text/plain; version=0.0.4; charset=utf-8", renderMetrics(), {}};
    return {426,
            "text/plain; charset=utf-8",
            "this path takes WebSocket upgrades\n",
            {{"Upgrade", "websocket"}}};
}

http::UpgradeDecision RelayService::checkUpgrade(const http::Request &request,
                                                 http::HttpWorker &worker)
{
    http::UpgradeDecision d;
    auto reject = [&](int status, const QByteArray &body) {
        WorkerCounters::add(worker.serviceData<RelayWorkerState>()->counters.upgradesRejected, 1);
        d.rejection = {status, "text/plain; charset=utf-8", body, {}};
        return d;
    };
    if (request.path != m_config.path)
        return reject(404, "not found\n");
    if (isDraining())
        return reject(503, "revision draining\n");
    if (!originAllowed(request))
        return reject(403, "origin not allowed\n");
    std::uint8_t raw[8];
    net::fillRandom(raw, sizeof raw);
    d.sessionId = QByteArray(reinterpret_cast<const char *>(raw), sizeof raw).toHex();
    d.accept = true;
    // How a test session learns who served it; ordinary clients ignore unknown headers.
    d.headers = {{"X-Blueshift-Revision", m_config.revision.toUtf8()},
                 {"X-Blueshift-Replica", m_config.replica.toUtf8()},
                 {"X-Blueshift-Session", d.sessionId}};
    return d;
}

void RelayService::startSession(http::HttpWorker &worker, std::unique_ptr<net::Connection> client,
                                net::ByteBuffer leftover, const http::Request &,
                                const http::UpgradeDecision &decision)
{
    const QString peer = net::SocketAddress::ofSocket(client->fd(), true).toString();
    auto *bridge = new Bridge(*this, worker, *worker.serviceData<RelayWorkerState>(),
                              std::move(client), std::move(leftover), decision.sessionId, peer);
    bridge->start();
}

QByteArray RelayService::renderMetrics() const
{
    std::uint64_t open = 0, total = 0, mUp = 0, mDown = 0, bUp = 0, bDown = 0, failures = 0,
                  rejected = 0, expired = 0;
    {
        std::lock_guard lock(m_statesMutex);
        for (const auto &s : m_states) {
            if (!s)
                continue;
            const WorkerCounters &c = s->counters;
            open += c.sessionsOpen.load(std::memory_order_relaxed);
            total += c.sessionsTotal.load(std::memory_order_relaxed);
            mUp += c.messagesToUpstream.load(std::memory_order_relaxed);
            mDown += c.messagesToClient.load(std::memory_order_relaxed);
            bUp += c.bytesToUpstream.load(std::memory_order_relaxed);
            bDown += c.bytesToClient.load(std::memory_order_relaxed);
            failures += c.upstreamFailures.load(std::memory_order_relaxed);
            rejected += c.upgradesRejected.load(std::memory_order_relaxed);
            expired += c.sessionsExpired.load(std::memory_order_relaxed);
        }
    }
    auto label = [](const QString &v) {
        QString e = v;
        e.replace(QLatin1Char('\\'), QLatin1String("\\\\"))
            .replace(QLatin1Char('"'), QLatin1String("\\\""))
            .replace(QLatin1Char('\n'), QLatin1String("\\n"));
        return e.toUtf8();
    };
    QByteArray out;
    out.reserve(2048);
    auto family = [&](const char *name, const char *type, const char *help) {
        out += QByteArray("# HELP ") + name + ' ' + help + "\n# TYPE " + name + ' ' + type + '\n';
    };
    family("blueshift_relay_info", "gauge", "Relay build and identity.");
    out += "blueshift_relay_info{version=\"" BLUESHIFT_VERSION "\",revision=\"" +
           label(m_config.revision) + "\",replica=\"" + label(m_config.replica) + "\"} 1\n";
    family("blueshift_relay_draining", "gauge", "1 while the relay drains after SIGTERM.");
    out += "blueshift_relay_draining " + QByteArray::number(isDraining() ? 1 : 0) + '\n';
    family("blueshift_relay_sessions_open", "gauge", "WebSocket sessions currently relayed.");
    out += "blueshift_relay_sessions_open " + QByteArray::number(open) + '\n';
    family("blueshift_relay_sessions_total", "counter", "WebSocket sessions accepted.");
    out += "blueshift_relay_sessions_total " + QByteArray::number(total) + '\n';
    family("blueshift_relay_messages_total", "counter", "Data messages relayed.");
    out += "blueshift_relay_messages_total{direction=\"client_to_upstream\"} " +
           QByteArray::number(mUp) + '\n';
    out += "blueshift_relay_messages_total{direction=\"upstream_to_client\"} " +
           QByteArray::number(mDown) + '\n';
    family("blueshift_relay_bytes_total", "counter", "Payload bytes relayed.");
    out += "blueshift_relay_bytes_total{direction=\"client_to_upstream\"} " +
           QByteArray::number(bUp) + '\n';
    out += "blueshift_relay_bytes_total{direction=\"upstream_to_client\"} " +
           QByteArray::number(bDown) + '\n';
    family("blueshift_relay_closes_total", "counter",
           "Sessions closed, by close code and the side that closed.");
    const auto closes = m_closes.snapshot();
    for (auto it = closes.begin(); it != closes.end(); ++it)
        out += "blueshift_relay_closes_total{code=\"" + QByteArray::number(it.key().first) +
               "\",side=\"" + it.key().second + "\"} " + QByteArray::number(it.value()) + '\n';
    family("blueshift_relay_upstream_failures_total", "counter",
           "Upstream connections refused, failed or dropped.");
    out += "blueshift_relay_upstream_failures_total " + QByteArray::number(failures) + '\n';
    family("blueshift_relay_upgrades_rejected_total", "counter",
           "WebSocket upgrades answered with an error status.");
    out += "blueshift_relay_upgrades_rejected_total " + QByteArray::number(rejected) + '\n';
    family("blueshift_relay_upstream_sessions_expired_total", "counter",
           "Sessions the upstream ended at its maximum session duration (a realtime service's "
           "session_expired error event), passed through to the client.");
    out += "blueshift_relay_upstream_sessions_expired_total " + QByteArray::number(expired) + '\n';
    return out;
}

} // namespace blueshift::relay
