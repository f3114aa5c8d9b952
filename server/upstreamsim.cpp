#include "upstreamsim.h"

#include "net/connection.h"
#include "net/random.h"
#include "websocket/closecode.h"
#include "websocket/messagesocket.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QUrlQuery>

#include <openssl/crypto.h>

#include <unordered_set>

namespace blueshift::server {

using websocket::MessageSocket;

namespace {
QString newId(const char *prefix)
{
    std::uint8_t raw[10];
    net::fillRandom(raw, sizeof raw);
    return QString::fromLatin1(prefix) +
           QString::fromLatin1(QByteArray(reinterpret_cast<const char *>(raw), sizeof raw).toHex());
}

struct SimWorkerState;

// One simulated realtime session.
class SimSession final : public MessageSocket::Handler
{
public:
    SimSession(UpstreamSimService &service, http::HttpWorker &worker, SimWorkerState &state,
               std::unique_ptr<net::Connection> conn, QByteArray id);
    ~SimSession();
    void start(net::ByteBuffer leftover);

    void onMessage(MessageSocket &socket, bool text, const QByteArray &payload) override;
    void onClosed(MessageSocket &socket, int code, const QByteArray &reason, bool byPeer) override;

private:
    void sendEvent(QJsonObject event);
    void later(int delayMs, std::function<void()> fn);
    void handleEvent(const QJsonObject &event);
    void streamResponse(const QString &responseId, const QString &itemId, int index);
    void error(const QString &code, const QString &message, const QJsonValue &eventId = {});

    UpstreamSimService &m_service;
    http::HttpWorker &m_worker;
    SimWorkerState &m_state;
    std::unique_ptr<MessageSocket> m_socket;
    QByteArray m_id;
    QJsonObject m_session;
    std::uint64_t m_audioBytesAppended = 0;
    std::vector<net::EventLoop::TimerId> m_timers;
    std::shared_ptr<bool> m_alive = std::make_shared<bool>(true);
    bool m_done = false;
};

struct SimWorkerState
{
    std::unordered_set<SimSession *> sessions;
};

SimSession::SimSession(UpstreamSimService &service, http::HttpWorker &worker, SimWorkerState &state,
                       std::unique_ptr<net::Connection> conn, QByteArray id)
    : m_service(service)
    , m_worker(worker)
    , m_state(state)
    , m_socket(std::make_unique<MessageSocket>(std::move(conn), MessageSocket::Role::Server,
                                               service.config().maxMessageBytes, this))
    , m_id(std::move(id))
{
    m_state.sessions.insert(this);
    m_service.sessionsOpen.fetch_add(1);
    m_service.sessionsTotal.fetch_add(1);
    m_session = QJsonObject{
        {QStringLiteral("id"), QString::fromLatin1(m_id)},
        {QStringLiteral("object"), QStringLiteral("realtime.session")},
        {QStringLiteral("model"), service.config().model},
        {QStringLiteral("modalities"), QJsonArray{QStringLiteral("text"), QStringLiteral("audio")}},
        {QStringLiteral("voice"), QStringLiteral("alloy")},
        {QStringLiteral("input_audio_format"), QStringLiteral("pcm16")},
        {QStringLiteral("output_audio_format"), QStringLiteral("pcm16")},
        {QStringLiteral("instructions"), QString()},
        {QStringLiteral("turn_detection"), QJsonValue()},
        {QStringLiteral("temperature"), 0.8},
    };
}

SimSession::~SimSession()
{
    *m_alive = false;
    for (auto id : m_timers)
        m_worker.loop().cancelTimer(id);
    m_state.sessions.erase(this);
}

void SimSession::later(int delayMs, std::function<void()> fn)
{
    if (delayMs <= 0) {
        fn();
        return;
    }
    auto alive = m_alive;
    m_timers.push_back(m_worker.loop().startTimer(std::chrono::milliseconds(delayMs), [alive, fn] {
        if (*alive)
            fn();
    }));
}

void SimSession::start(net::ByteBuffer leftover)
{
    const auto &cfg = m_service.config();
    if (cfg.mode == UpstreamSimConfig::Mode::Echo)
        m_socket->setEchoFrames(true);
    if (cfg.closeAfterSeconds > 0) {
        later(int(cfg.closeAfterSeconds * 1000), [this] {
            if (m_socket->isOpen())
                m_socket->close(m_service.config().closeCode, m_service.config().closeReason);
        });
    }
    if (cfg.sessionMaxSeconds > 0) {
        later(int(cfg.sessionMaxSeconds * 1000), [this] {
            if (!m_socket->isOpen())
                return;
            const double minutes = m_service.config().sessionMaxSeconds / 60.0;
            error(QStringLiteral("session_expired"),
                  QStringLiteral("Your session hit the maximum duration of %1 minutes.")
                      .arg(minutes, 0, 'g', 4));
            m_socket->close(1000, QByteArrayLiteral("session expired"));
        });
    }
    if (cfg.mode == UpstreamSimConfig::Mode::Realtime) {
        later(cfg.responseDelayMs, [this] {
            sendEvent({{QStringLiteral("type"), QStringLiteral("session.created")},
                       {QStringLiteral("session"), m_session}});
        });
    }
    m_socket->start(std::move(leftover));
}

void SimSession::sendEvent(QJsonObject event)
{
    if (!m_socket || !m_socket->isOpen())
        return;
    event.insert(QStringLiteral("event_id"), newId("event_"));
    m_socket->sendText(QJsonDocument(event).toJson(QJsonDocument::Compact));
}

void SimSession::error(const QString &code, const QString &message, const QJsonValue &eventId)
{
    sendEvent({{QStringLiteral("type"), QStringLiteral("error")},
               {QStringLiteral("error"),
                QJsonObject{{QStringLiteral("type"), QStringLiteral("invalid_request_error")},
                            {QStringLiteral("code"), code},
                            {QStringLiteral("message"), message},
                            {QStringLiteral("param"), QJsonValue()},
                            {QStringLiteral("event_id"), eventId}}}});
}

void SimSession::onMessage(MessageSocket &, bool text, const QByteArray &payload)
{
    if (!text) {
        error(QStringLiteral("invalid_message"),
              QStringLiteral("binary messages are not supported; send JSON text"));
        return;
    }
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(payload, &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isObject()) {
        error(QStringLiteral("invalid_json"), QStringLiteral("the message is not a JSON object"));
        return;
    }
    const QJsonObject event = doc.object();
    later(m_service.config().responseDelayMs, [this, event] { handleEvent(event); });
}

void SimSession::handleEvent(const QJsonObject &event)
{
    const QString type = event.value(QStringLiteral("type")).toString();
    const QJsonValue eventId = event.value(QStringLiteral("event_id"));
    if (type == QLatin1String("session.update")) {
        const QJsonObject update = event.value(QStringLiteral("session")).toObject();
        for (auto it = update.begin(); it != update.end(); ++it) {
            if (it.key() != QLatin1String("id") && it.key() != QLatin1String("object"))
                m_session.insert(it.key(), it.value());
        }
        sendEvent({{QStringLiteral("type"), QStringLiteral("session.updated")},
                   {QStringLiteral("session"), m_session}});
    } else if (type == QLatin1String("input_audio_buffer.append")) {
        const QByteArray audio =
            QByteArray::fromBase64(event.value(QStringLiteral("audio")).toString().toLatin1());
        m_audioBytesAppended += std::uint64_t(audio.size());
    } else if (type == QLatin1String("input_audio_buffer.commit")) {
        sendEvent({{QStringLiteral("type"), QStringLiteral("input_audio_buffer.committed")},
                   {QStringLiteral("previous_item_id"), QJsonValue()},
                   {QStringLiteral("item_id"), newId("item_")}});
        m_audioBytesAppended = 0;
    } else if (type == QLatin1String("input_audio_buffer.clear")) {
        m_audioBytesAppended = 0;
        sendEvent({{QStringLiteral("type"), QStringLiteral("input_audio_buffer.cleared")}});
    } else if (type == QLatin1String("conversation.item.create")) {
        QJsonObject item = event.value(QStringLiteral("item")).toObject();
        if (!item.contains(QStringLiteral("id")))
            item.insert(QStringLiteral("id"), newId("item_"));
        sendEvent({{QStringLiteral("type"), QStringLiteral("conversation.item.created")},
                   {QStringLiteral("previous_item_id"), QJsonValue()},
                   {QStringLiteral("item"), item}});
    } else if (type == QLatin1String("response.create")) {
        const QString responseId = newId("resp_");
        sendEvent({{QStringLiteral("type"), QStringLiteral("response.created")},
                   {QStringLiteral("response"),
                    QJsonObject{{QStringLiteral("id"), responseId},
                                {QStringLiteral("object"), QStringLiteral("realtime.response")},
                                {QStringLiteral("status"), QStringLiteral("in_progress")},
                                {QStringLiteral("output"), QJsonArray()}}}});
        streamResponse(responseId, newId("item_"), 0);
    } else if (type.isEmpty()) {
        error(QStringLiteral("missing_type"), QStringLiteral("the event has no type"), eventId);
    } else {
        error(QStringLiteral("unknown_event"), QStringLiteral("unknown event type '%1'").arg(type),
              eventId);
    }
}

void SimSession::streamResponse(const QString &responseId, const QString &itemId, int index)
{
    const auto &cfg = m_service.config();
    if (index < cfg.audioDeltas) {
        // A deterministic tone-like pattern is enough: clients count and size the deltas.
        QByteArray audio(cfg.audioDeltaBytes, Qt::Uninitialized);
        for (int i = 0; i < audio.size(); ++i)
            audio[i] = char((i * 7 + index) & 0xFF);
        sendEvent({{QStringLiteral("type"), QStringLiteral("response.audio.delta")},
                   {QStringLiteral("response_id"), responseId},
                   {QStringLiteral("item_id"), itemId},
                   {QStringLiteral("output_index"), 0},
                   {QStringLiteral("content_index"), 0},
                   {QStringLiteral("delta"), QString::fromLatin1(audio.toBase64())}});
        later(cfg.audioDeltaIntervalMs,
              [this, responseId, itemId, index] { streamResponse(responseId, itemId, index + 1); });
        return;
    }
    sendEvent({{QStringLiteral("type"), QStringLiteral("response.audio.done")},
               {QStringLiteral("response_id"), responseId},
               {QStringLiteral("item_id"), itemId},
               {QStringLiteral("output_index"), 0},
               {QStringLiteral("content_index"), 0}});
    const int outputTokens = cfg.audioDeltas * 10;
    sendEvent({{QStringLiteral("type"), QStringLiteral("response.done")},
               {QStringLiteral("response"),
                QJsonObject{{QStringLiteral("id"), responseId},
                            {QStringLiteral("object"), QStringLiteral("realtime.response")},
                            {QStringLiteral("status"), QStringLiteral("completed")},
                            {QStringLiteral("usage"),
                             QJsonObject{{QStringLiteral("total_tokens"), outputTokens + 10},
                                         {QStringLiteral("input_tokens"), 10},
                                         {QStringLiteral("output_tokens"), outputTokens}}}}}});
}

void SimSession::onClosed(MessageSocket &, int code, const QByteArray &reason, bool byPeer)
{
    if (m_done)
        return;
    m_done = true;
    m_service.sessionsOpen.fetch_sub(1);
    m_service.log().info(
        QStringLiteral("connection.closed"), QString::fromLatin1(m_id),
        {{QStringLiteral("code"), code},
         {QStringLiteral("reason"), QString::fromUtf8(reason)},
         {QStringLiteral("side"), byPeer ? QStringLiteral("client") : QStringLiteral("server")}});
    m_worker.loop().defer([this] { delete this; });
}
} // namespace

UpstreamSimService::UpstreamSimService(const UpstreamSimConfig &config, telemetry::EventLog &log)
    : m_config(config)
    , m_log(log)
{
    if (!m_config.requiredKey.isEmpty())
        m_log.redactor().addSecret(m_config.requiredKey);
}

bool UpstreamSimService::keyAccepted(const http::Request &request) const
{
    if (m_config.requiredKey.isEmpty())
        return true;
    QByteArray given = request.header("api-key");
    if (given.isEmpty()) {
        const QByteArray auth = request.header("Authorization");
        if (auth.startsWith("Bearer "))
            given = auth.mid(7).trimmed();
    }
    return given.size() == m_config.requiredKey.size() &&
           CRYPTO_memcmp(given.constData(), m_config.requiredKey.constData(),
                         std::size_t(given.size())) == 0;
}

namespace {
http::Reply azureError(int status, const QString &code, const QString &message)
{
    const QJsonObject body{
        {QStringLiteral("error"),
         QJsonObject{{QStringLiteral("code"), code}, {QStringLiteral("message"), message}}}};
    return {status, "application/json", QJsonDocument(body).toJson(QJsonDocument::Compact), {}};
}

QUrlQuery queryOf(const http::Request &request)
{
    const qsizetype q = request.target.indexOf('?');
    return QUrlQuery(q < 0 ? QString() : QString::fromUtf8(request.target.mid(q + 1)));
}
} // namespace

std::optional<http::Reply> UpstreamSimService::azureRejection(const http::Request &request) const
{
    if (m_config.azureDeployments.isEmpty())
        return std::nullopt;
    if (request.path != "/openai/realtime")
        return azureError(404, QStringLiteral("404"), QStringLiteral("Resource not found"));
    const QUrlQuery query = queryOf(request);
    const QString version = query.queryItemValue(QStringLiteral("api-version"), QUrl::FullyDecoded);
    if (version.isEmpty())
        return azureError(400, QStringLiteral("MissingApiVersionParameter"),
                          QStringLiteral("The api-version query parameter (?api-version=) is "
                                         "required for all requests."));
    static const QRegularExpression wellFormed(QStringLiteral("^\\d{4}-\\d{2}-\\d{2}(-preview)?$"));
    if (!wellFormed.match(version).hasMatch() ||
        (!m_config.azureApiVersions.isEmpty() && !m_config.azureApiVersions.contains(version)))
        return azureError(404, QStringLiteral("404"),
                          QStringLiteral("Resource not found: api-version '%1' is not supported "
                                         "by the realtime API here")
                              .arg(version));
    return std::nullopt;
}

std::optional<http::Reply>
UpstreamSimService::azureDeploymentRejection(const http::Request &request) const
{
    if (m_config.azureDeployments.isEmpty())
        return std::nullopt;
    const QString deployment =
        queryOf(request).queryItemValue(QStringLiteral("deployment"), QUrl::FullyDecoded);
    if (deployment.isEmpty())
        return azureError(400, QStringLiteral("BadRequest"),
                          QStringLiteral("The deployment query parameter is required: "
                                         "/openai/realtime?api-version=...&deployment=NAME"));
    if (!m_config.azureDeployments.contains(deployment))
        return azureError(
            404, QStringLiteral("DeploymentNotFound"),
            QStringLiteral("The API deployment for this resource does not exist. If you created "
                           "the deployment within the last 5 minutes, please wait a moment and "
                           "try again."));
    return std::nullopt;
}

http::Reply UpstreamSimService::handle(const http::Request &request, http::HttpWorker &)
{
    if (request.path == "/healthz")
        return {200, "text/plain; charset=utf-8", "ok\n", {}};
    return {404, "text/plain; charset=utf-8", "not found\n", {}};
}

http::UpgradeDecision UpstreamSimService::checkUpgrade(const http::Request &request,
                                                       http::HttpWorker &)
{
    http::UpgradeDecision d;
    if (!m_config.path.isEmpty() && request.path != m_config.path) {
        d.rejection = {404, "text/plain; charset=utf-8", "not found\n", {}};
        return d;
    }
    auto rejected = [this, &d](http::Reply reply, const QString &why) {
        m_log.write(telemetry::Level::Warning, QStringLiteral("upgrade.rejected"), QString(),
                    {{QStringLiteral("status"), reply.status}, {QStringLiteral("why"), why}});
        d.rejection = std::move(reply);
        return d;
    };
    if (auto r = azureRejection(request))
        return rejected(*r, QStringLiteral("Azure OpenAI URL: ") + QString::fromUtf8(r->body));
    if (m_config.refuseUpgradesStatus) {
        d.rejection = {m_config.refuseUpgradesStatus,
                       "text/plain; charset=utf-8",
                       "upgrades refused (fault switch)\n",
                       {}};
        return d;
    }
    if (!keyAccepted(request)) {
        // The shape Azure OpenAI answers with.
        d.rejection = {
            401,
            "application/json",
            R"({"error":{"code":"401","message":"Access denied due to invalid subscription key or wrong API endpoint."}})",
            {}};
        m_log.write(
            telemetry::Level::Warning, QStringLiteral("upgrade.rejected"), QString(),
            {{QStringLiteral("status"), 401},
             {QStringLiteral("why"), QStringLiteral("missing or wrong api-key or bearer token")}});
        return d;
    }
    if (auto r = azureDeploymentRejection(request))
        return rejected(*r,
                        QStringLiteral("Azure OpenAI deployment: ") + QString::fromUtf8(r->body));
    std::uint8_t raw[8];
    net::fillRandom(raw, sizeof raw);
    d.sessionId = "sess_" + QByteArray(reinterpret_cast<const char *>(raw), sizeof raw).toHex();
    d.accept = true;
    return d;
}

void UpstreamSimService::startSession(http::HttpWorker &worker,
                                      std::unique_ptr<net::Connection> client,
                                      net::ByteBuffer leftover, const http::Request &request,
                                      const http::UpgradeDecision &decision)
{
    if (!worker.serviceData<SimWorkerState>())
        worker.setServiceData(std::make_shared<SimWorkerState>());
    m_log.info(QStringLiteral("client.connected"), QString::fromLatin1(decision.sessionId),
               {{QStringLiteral("path"), QString::fromUtf8(request.target)}});
    auto *s = new SimSession(*this, worker, *worker.serviceData<SimWorkerState>(),
                             std::move(client), decision.sessionId);
    s->start(std::move(leftover));
}

void UpstreamSimService::workerStopping(http::HttpWorker &worker)
{
    if (auto *state = worker.serviceData<SimWorkerState>()) {
        while (!state->sessions.empty())
            delete *state->sessions.begin();
    }
}

} // namespace blueshift::server
