#include "armclient.h"

#include <QElapsedTimer>
#include <QHostAddress>
#include <QJsonDocument>
#include <QLocale>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRandomGenerator>
#include <QTimer>
#include <QUrlQuery>

namespace blueshift::controlplane {

struct ArmClient::Request
{
    // Where the call is: its first request (and its pages), polling an Azure-AsyncOperation
    // or a Location URL, or the GET that fetches the result once the operation succeeded.
    enum class Phase { Initial, PollAsync, PollLocation, FinalGet };

    QPointer<ArmCall> call;
    QByteArray method;
    QUrl url;
    QJsonObject body;
    bool list = false;
    int attempt = 0;
    bool tokenRetried = false;
    bool sentToken = false;
    Phase phase = Phase::Initial;
    QUrl pollUrl;
    QUrl locationUrl; // a Location given beside Azure-AsyncOperation: where a POST's result is
    QUrl finalUrl;
    QJsonObject initialBody;
    int initialStatus = 0;
    QElapsedTimer clock;

    QUrl currentUrl() const
    {
        switch (phase) {
        case Phase::Initial:
            return url;
        case Phase::PollAsync:
        case Phase::PollLocation:
            return pollUrl;
        case Phase::FinalGet:
            return finalUrl;
        }
        return url;
    }
    QByteArray currentMethod() const { return phase == Phase::Initial ? method : "GET"; }
};

QString ArmCall::errorText() const
{
    if (m_errorCode.isEmpty())
        return {};
    return m_errorMessage.isEmpty() ? m_errorCode
                                    : m_errorCode + QStringLiteral(": ") + m_errorMessage;
}

void ArmCall::cancel()
{
    if (m_cancelled)
        return;
    m_cancelled = true;
    if (m_reply) {
        m_reply->abort(); // finishes through the reply's finished()
        return;
    }
    // Waiting for a poll, a retry or a token: finish now, not when that wait ends.
    if (m_cancelHook)
        QTimer::singleShot(0, this, m_cancelHook);
}

ArmClient::ArmClient(ArmEndpoint endpoint, QObject *parent)
    : QObject(parent)
    , m_endpoint(std::move(endpoint))
    , m_nam(new QNetworkAccessManager(this))
{
    m_nam->setTransferTimeout(60000);
}

QString ArmClient::appsPath() const
{
    return QStringLiteral(
               "/subscriptions/%1/resourceGroups/%2/providers/Microsoft.App/containerApps")
        .arg(m_endpoint.subscription, m_endpoint.resourceGroup);
}

QString ArmClient::appPath(const QString &app) const
{
    return appsPath() + QLatin1Char('/') + app;
}

ArmCall *ArmClient::listApps()
{
    return send("GET", appsPath(), {}, true);
}
ArmCall *ArmClient::getApp(const QString &app)
{
    return send("GET", appPath(app));
}
ArmCall *ArmClient::putApp(const QString &app, const QJsonObject &body)
{
    return send("PUT", appPath(app), body);
}
ArmCall *ArmClient::patchApp(const QString &app, const QJsonObject &body)
{
    return send("PATCH", appPath(app), body);
}
ArmCall *ArmClient::deleteApp(const QString &app)
{
    return send("DELETE", appPath(app));
}
ArmCall *ArmClient::listRevisions(const QString &app)
{
    return send("GET", appPath(app) + QStringLiteral("/revisions"), {}, true);
}
ArmCall *ArmClient::getRevision(const QString &app, const QString &revision)
{
    return send("GET", appPath(app) + QStringLiteral("/revisions/") + revision);
}
ArmCall *ArmClient::revisionAction(const QString &app, const QString &revision,
                                   const QString &action)
{
    return send("POST", appPath(app) + QStringLiteral("/revisions/") + revision + QLatin1Char('/') +
                            action);
}
ArmCall *ArmClient::listReplicas(const QString &app, const QString &revision)
{
    return send("GET",
                appPath(app) + QStringLiteral("/revisions/") + revision +
                    QStringLiteral("/replicas"),
                {}, true);
}
ArmCall *ArmClient::listSubscriptions()
{
    return send("GET",
                QStringLiteral("/subscriptions?api-version=") + m_endpoint.subscriptionsApiVersion,
                {}, true);
}
ArmCall *ArmClient::listResourceGroups()
{
    return send("GET",
                QStringLiteral("/subscriptions/%1/resourcegroups?api-version=%2")
                    .arg(m_endpoint.subscription, m_endpoint.resourceGroupsApiVersion),
                {}, true);
}

QUrl ArmClient::urlFor(const QString &pathOrUrl) const
{
    // Absolute URLs (nextLink, Azure-AsyncOperation, Location) as given; paths, and relative
    // Location values, against the base URL.
    QUrl url = m_endpoint.baseUrl.resolved(QUrl(pathOrUrl));
    QUrlQuery q(url);
    if (!q.hasQueryItem(QStringLiteral("api-version"))) {
        q.addQueryItem(QStringLiteral("api-version"), m_endpoint.apiVersion);
        url.setQuery(q);
    }
    return url;
}

QUrl ArmClient::followUrl(const QByteArray &value) const
{
    QUrl url = m_endpoint.baseUrl.resolved(QUrl(QString::fromUtf8(value)));
    // A control plane that listens on every address may name itself 0.0.0.0: it means the
    // host the client reached it by.
    const QHostAddress host(url.host());
    if (host == QHostAddress::AnyIPv4 || host == QHostAddress::AnyIPv6)
        url.setHost(m_endpoint.baseUrl.host());
    return url;
}

bool ArmClient::sameOrigin(const QUrl &url) const
{
    const QUrl &base = m_endpoint.baseUrl;
    const auto defaultPort = [](const QUrl &u) {
        return u.scheme() == QLatin1String("https") ? 443 : 80;
    };
    // localhost, 127.0.0.1 and ::1 are the same machine: one name for another is no new party.
    const auto loopback = [](const QString &h) {
        const QHostAddress a(h);
        return h.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0 ||
               (!a.isNull() && a.isLoopback());
    };
    const bool sameHost = url.host().compare(base.host(), Qt::CaseInsensitive) == 0 ||
                          (loopback(url.host()) && loopback(base.host()));
    return url.scheme() == base.scheme() && sameHost &&
           url.port(defaultPort(url)) == base.port(defaultPort(base));
}

std::optional<qint64> ArmClient::retryAfterMs(const QByteArray &value, const QDateTime &now)
{
    const QByteArray v = value.trimmed();
    if (v.isEmpty())
        return std::nullopt;
    bool ok = false;
    const qint64 seconds = v.toLongLong(&ok);
    if (ok)
        return seconds < 0 ? std::nullopt : std::optional<qint64>(seconds * 1000);
    // HTTP-date (IMF-fixdate): "Sun, 06 Nov 1994 08:49:37 GMT".
    const QDateTime at = QLocale::c().toDateTime(QString::fromLatin1(v).simplified(),
                                                 QStringLiteral("ddd, dd MMM yyyy HH:mm:ss 'GMT'"));
    if (!at.isValid())
        return std::nullopt;
    const QDateTime utc(at.date(), at.time(), Qt::UTC);
    return std::max<qint64>(0, now.msecsTo(utc));
}

ArmCall *ArmClient::send(const QByteArray &method, const QString &path, const QJsonObject &body,
                         bool list)
{
    auto *call = new ArmCall(this);
    auto r = std::make_shared<Request>();
    r->call = call;
    r->method = method;
    r->url = urlFor(path);
    r->body = body;
    r->list = list;
    r->clock.start();
    std::weak_ptr<Request> weak = r;
    call->m_cancelHook = [this, weak] {
        if (auto req = weak.lock())
            fail(req, QStringLiteral("Cancelled"), QStringLiteral("the operation was cancelled"));
    };
    // Start after the caller has connected to finished().
    QTimer::singleShot(0, this, [this, r] { start(r); });
    return call;
}

void ArmClient::start(std::shared_ptr<Request> r)
{
    if (!r->call)
        return;
    if (r->call->m_cancelled) {
        fail(r, QStringLiteral("Cancelled"), QStringLiteral("the operation was cancelled"));
        return;
    }
    if (!m_endpoint.token) {
        issue(r, QByteArray());
        return;
    }
    m_endpoint.token([this, r](QByteArray token, QString error) {
        if (!r->call)
            return;
        if (!error.isEmpty()) {
            fail(r, QStringLiteral("AuthenticationFailed"), error);
            return;
        }
        issue(r, token);
    });
}

void ArmClient::issue(std::shared_ptr<Request> r, const QByteArray &token)
{
    if (!r->call)
        return;
    if (r->call->m_cancelled) {
        fail(r, QStringLiteral("Cancelled"), QStringLiteral("the operation was cancelled"));
        return;
    }
    const QUrl url = r->currentUrl();
    // A nextLink, Azure-AsyncOperation or Location comes from the response: the bearer token
    // goes to the control plane's own origin only.
    if (!sameOrigin(url)) {
        fail(r, QStringLiteral("UntrustedUrl"),
             QStringLiteral("the service sent Blueshift to %1, which is not %2; not following it "
                            "with the token")
                 .arg(url.toString(QUrl::RemoveQuery | QUrl::RemoveUserInfo),
                      m_endpoint.baseUrl.toString(QUrl::RemoveUserInfo)));
        return;
    }
    QNetworkRequest req(url);
    req.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    req.setRawHeader("Accept", "application/json");
    req.setRawHeader("User-Agent", "blueshift/" BLUESHIFT_VERSION);
    r->sentToken = !token.isEmpty();
    if (r->sentToken)
        req.setRawHeader("Authorization", "Bearer " + token);
    req.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                     QNetworkRequest::ManualRedirectPolicy);
    const QByteArray method = r->currentMethod();
    QByteArray payload;
    if (r->phase == Request::Phase::Initial &&
        (method == "PUT" || method == "PATCH" || (method == "POST" && !r->body.isEmpty())))
        payload = QJsonDocument(r->body).toJson(QJsonDocument::Compact);
    QNetworkReply *reply = m_nam->sendCustomRequest(req, method, payload);
    r->call->m_reply = reply;
    connect(reply, &QNetworkReply::finished, this, [this, r, reply] { handleReply(r, reply); });
}

void ArmClient::schedule(std::shared_ptr<Request> r, QNetworkReply *reply)
{
    const auto after =
        retryAfterMs(reply->rawHeader("Retry-After"), QDateTime::currentDateTimeUtc());
    const qint64 delay = after ? std::clamp<qint64>(*after, 0, 60000) : m_endpoint.pollIntervalMs;
    QTimer::singleShot(int(delay), this, [this, r] { start(r); });
}

void ArmClient::finalGet(std::shared_ptr<Request> r, const QUrl &url)
{
    r->phase = Request::Phase::FinalGet;
    r->finalUrl = url;
    start(r);
}

void ArmClient::handleReply(std::shared_ptr<Request> r, QNetworkReply *reply)
{
    reply->deleteLater();
    if (!r->call)
        return;
    ArmCall *call = r->call;
    call->m_reply.clear();
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QByteArray data = reply->readAll();
    const QJsonObject json = QJsonDocument::fromJson(data).object();
    if (call->m_cancelled) {
        fail(r, QStringLiteral("Cancelled"), QStringLiteral("the operation was cancelled"));
        return;
    }
    if (status == 0) {
        // Connection-level failures are worth a retry as much as a 503.
        if (r->attempt < m_endpoint.maxRetries &&
            reply->error() != QNetworkReply::ConnectionRefusedError) {
            ++r->attempt;
            Q_EMIT call->progress(QStringLiteral("retrying after %1").arg(reply->errorString()));
            QTimer::singleShot(200 << r->attempt, this, [this, r] { start(r); });
            return;
        }
        fail(r, QStringLiteral("ConnectionFailed"), reply->errorString());
        return;
    }
    // An expired or revoked token: one more try with a new one.
    if (status == 401 && r->sentToken && !r->tokenRetried && m_endpoint.tokenRejected) {
        r->tokenRetried = true;
        m_endpoint.tokenRejected();
        start(r);
        return;
    }
    // Throttled or failing: honour Retry-After, else exponential backoff with jitter.
    if ((status == 429 || status >= 500) && r->attempt < m_endpoint.maxRetries) {
        ++r->attempt;
        const auto after =
            retryAfterMs(reply->rawHeader("Retry-After"), QDateTime::currentDateTimeUtc());
        const qint64 backoff =
            qint64((500 << r->attempt) * (0.5 + QRandomGenerator::global()->generateDouble() / 2));
        const qint64 delayMs = std::clamp<qint64>(after ? *after : backoff, 0, 60000);
        Q_EMIT call->progress(
            QStringLiteral("retrying after HTTP %1 in %2 s").arg(status).arg(delayMs / 1000.0));
        QTimer::singleShot(int(delayMs), this, [this, r] { start(r); });
        return;
    }
    r->attempt = 0;
    if (status >= 400) {
        call->m_status = status;
        // ARM's error body: {"error": {"code", "message", "details": [...]}}.
        const QJsonObject err = json.value(QStringLiteral("error")).toObject();
        QString code = err.value(QStringLiteral("code")).toString();
        QString message = err.value(QStringLiteral("message")).toString();
        if (message.isEmpty()) {
            const QJsonObject detail =
                err.value(QStringLiteral("details")).toArray().at(0).toObject();
            message = detail.value(QStringLiteral("message")).toString();
        }
        if (code.isEmpty()) {
            code = QStringLiteral("HTTP%1").arg(status);
            message = QString::fromUtf8(data.left(300)).simplified();
        }
        fail(r, code, message);
        return;
    }
    if (r->phase != Request::Phase::Initial) {
        handlePoll(r, reply, status, json);
        return;
    }
    // A long-running operation: poll Azure-AsyncOperation (else Location) until it ends.
    const QByteArray async = reply->rawHeader("Azure-AsyncOperation");
    const QByteArray location = reply->rawHeader("Location");
    if ((status == 201 || status == 202) && (!async.isEmpty() || !location.isEmpty()) &&
        r->method != "GET") {
        r->initialBody = json;
        r->initialStatus = status;
        if (!async.isEmpty()) {
            r->phase = Request::Phase::PollAsync;
            r->pollUrl = followUrl(async);
            if (!location.isEmpty())
                r->locationUrl = followUrl(location);
        } else {
            r->phase = Request::Phase::PollLocation;
            r->pollUrl = followUrl(location);
        }
        Q_EMIT call->progress(QStringLiteral("InProgress"));
        schedule(r, reply);
        return;
    }
    call->m_status = status;
    if (r->list) {
        for (const QJsonValue &v : json.value(QStringLiteral("value")).toArray())
            call->m_items.append(v);
        const QString next = json.value(QStringLiteral("nextLink")).toString();
        if (!next.isEmpty()) {
            r->url = followUrl(next.toUtf8());
            // Most services keep api-version in nextLink; one that does not still needs it.
            QUrlQuery q(r->url);
            if (!q.hasQueryItem(QStringLiteral("api-version"))) {
                q.addQueryItem(QStringLiteral("api-version"), m_endpoint.apiVersion);
                r->url.setQuery(q);
            }
            start(r);
            return;
        }
    }
    call->m_body = json;
    finish(r);
}

// One answer while polling, or the result fetched once the operation succeeded.
void ArmClient::handlePoll(std::shared_ptr<Request> r, QNetworkReply *reply, int status,
                           const QJsonObject &json)
{
    ArmCall *call = r->call;
    const bool putOrPatch = r->method == "PUT" || r->method == "PATCH";
    auto done = [&](const QJsonObject &result) {
        call->m_status = r->initialStatus;
        call->m_body = result;
        finish(r);
    };
    auto stillRunning = [&](const QString &state) {
        if (r->clock.elapsed() > m_endpoint.operationTimeoutMs) {
            fail(r, QStringLiteral("OperationTimedOut"),
                 QStringLiteral("the operation was still %1 after %2 s")
                     .arg(state)
                     .arg(m_endpoint.operationTimeoutMs / 1000));
            return;
        }
        Q_EMIT call->progress(state);
        schedule(r, reply);
    };

    switch (r->phase) {
    case Request::Phase::Initial:
        return;
    case Request::Phase::FinalGet:
        return done(json);
    case Request::Phase::PollLocation:
        // 202 while running; 200, 201 or 204 once done, with the result when there is one.
        if (status == 202)
            return stillRunning(QStringLiteral("InProgress"));
        if (!json.isEmpty())
            return done(json);
        if (putOrPatch)
            return finalGet(r, r->url);
        return done(r->initialBody);
    case Request::Phase::PollAsync:
        break;
    }
    // {"status": "InProgress" | "Succeeded" | "Failed" | "Canceled", "error": {...}}
    const QString st = json.value(QStringLiteral("status")).toString();
    if (st.compare(QLatin1String("Succeeded"), Qt::CaseInsensitive) == 0) {
        // The resource itself is the result of PUT and PATCH; a POST's is at Location.
        if (putOrPatch)
            return finalGet(r, r->url);
        if (r->method == "POST" && r->locationUrl.isValid() && r->locationUrl != r->pollUrl)
            return finalGet(r, r->locationUrl);
        return done(r->initialBody);
    }
    if (st.compare(QLatin1String("Failed"), Qt::CaseInsensitive) == 0 ||
        st.compare(QLatin1String("Canceled"), Qt::CaseInsensitive) == 0 ||
        st.compare(QLatin1String("Cancelled"), Qt::CaseInsensitive) == 0) {
        call->m_status = r->initialStatus;
        const QJsonObject err = json.value(QStringLiteral("error")).toObject();
        fail(r, err.value(QStringLiteral("code")).toString(QStringLiteral("OperationFailed")),
             err.value(QStringLiteral("message"))
                 .toString(QStringLiteral("the operation ended with status %1").arg(st)));
        return;
    }
    stillRunning(st.isEmpty() ? QStringLiteral("InProgress") : st);
}

void ArmClient::fail(std::shared_ptr<Request> r, const QString &code, const QString &message)
{
    if (!r->call)
        return;
    r->call->m_errorCode = code.isEmpty() ? QStringLiteral("Error") : code;
    r->call->m_errorMessage = message;
    finish(r);
}

void ArmClient::finish(std::shared_ptr<Request> r)
{
    if (!r->call)
        return;
    ArmCall *call = r->call;
    r->call.clear();
    call->m_cancelHook = nullptr;
    Q_EMIT call->finished();
    call->deleteLater();
}

} // namespace blueshift::controlplane
