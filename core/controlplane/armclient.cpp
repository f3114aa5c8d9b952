#include "armclient.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRandomGenerator>
#include <QTimer>
#include <QUrlQuery>

namespace blueshift::controlplane {

struct ArmClient::Request
{
    QPointer<ArmCall> call;
    QByteArray method;
    QUrl url;
    QJsonObject body;
    bool list = false;
    int attempt = 0;
    // Long-running operation: the URL to poll once the first answer said 201/202.
    QUrl pollUrl;
    bool polling = false;
    QJsonObject initialBody;
    int initialStatus = 0;
    QElapsedTimer clock;
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
    m_cancelled = true;
    if (m_reply)
        m_reply->abort();
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
    return send("GET", QStringLiteral("/subscriptions"), {}, true);
}
ArmCall *ArmClient::listResourceGroups()
{
    return send("GET",
                QStringLiteral("/subscriptions/%1/resourcegroups").arg(m_endpoint.subscription), {},
                true);
}

QUrl ArmClient::urlFor(const QString &pathOrUrl) const
{
    QUrl url = pathOrUrl.startsWith(QLatin1String("http"))
                   ? QUrl(pathOrUrl)
                   : m_endpoint.baseUrl.resolved(QUrl(pathOrUrl));
    QUrlQuery q(url);
    if (!q.hasQueryItem(QStringLiteral("api-version"))) {
        q.addQueryItem(QStringLiteral("api-version"), m_endpoint.apiVersion);
        url.setQuery(q);
    }
    return url;
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
    // Start after the caller has connected to finished().
    QTimer::singleShot(0, this, [this, r] { start(r); });
    return call;
}

void ArmClient::start(std::shared_ptr<Request> r)
{
    if (!r->call)
        return;
    if (r->call->m_cancelled) {
        r->call->m_errorCode = QStringLiteral("Cancelled");
        r->call->m_errorMessage = QStringLiteral("the operation was cancelled");
        finish(r);
        return;
    }
    if (!m_endpoint.token) {
        issue(r, QByteArray());
        return;
    }
    m_endpoint.token([this, r](QByteArray token, QString error) {
        if (!error.isEmpty()) {
            if (r->call) {
                r->call->m_errorCode = QStringLiteral("AuthenticationFailed");
                r->call->m_errorMessage = error;
            }
            finish(r);
            return;
        }
        issue(r, token);
    });
}

void ArmClient::issue(std::shared_ptr<Request> r, const QByteArray &token)
{
    if (!r->call)
        return;
    const QUrl url = r->polling ? r->pollUrl : r->url;
    QNetworkRequest req(url);
    req.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    req.setRawHeader("Accept", "application/json");
    req.setRawHeader("User-Agent", "blueshift/" BLUESHIFT_VERSION);
    if (!token.isEmpty())
        req.setRawHeader("Authorization", "Bearer " + token);
    req.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                     QNetworkRequest::ManualRedirectPolicy);
    const QByteArray method = r->polling ? QByteArrayLiteral("GET") : r->method;
    QByteArray payload;
    if (!r->polling &&
        (method == "PUT" || method == "PATCH" || (method == "POST" && !r->body.isEmpty())))
        payload = QJsonDocument(r->body).toJson(QJsonDocument::Compact);
    QNetworkReply *reply = m_nam->sendCustomRequest(req, method, payload);
    r->call->m_reply = reply;
    connect(reply, &QNetworkReply::finished, this, [this, r, reply] { handleReply(r, reply); });
}

void ArmClient::handleReply(std::shared_ptr<Request> r, QNetworkReply *reply)
{
    reply->deleteLater();
    if (!r->call)
        return;
    ArmCall *call = r->call;
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QByteArray data = reply->readAll();
    QJsonObject json = QJsonDocument::fromJson(data).object();
    if (call->m_cancelled) {
        call->m_errorCode = QStringLiteral("Cancelled");
        call->m_errorMessage = QStringLiteral("the operation was cancelled");
        finish(r);
        return;
    }
    if (status == 0) {
        call->m_errorCode = QStringLiteral("ConnectionFailed");
        call->m_errorMessage = reply->errorString();
        // Connection-level failures are worth a retry as much as a 503.
        if (r->attempt < m_endpoint.maxRetries &&
            reply->error() != QNetworkReply::ConnectionRefusedError) {
            ++r->attempt;
            QTimer::singleShot(200 << r->attempt, this, [this, r] { start(r); });
            return;
        }
        finish(r);
        return;
    }
    // Throttled or failing: honour Retry-After, else exponential backoff with jitter.
    if ((status == 429 || status >= 500) && r->attempt < m_endpoint.maxRetries) {
        ++r->attempt;
        bool ok = false;
        int delayMs = reply->rawHeader("Retry-After").toInt(&ok) * 1000;
        if (!ok)
            delayMs =
                int((500 << r->attempt) * (0.5 + QRandomGenerator::global()->generateDouble() / 2));
        delayMs = qBound(0, delayMs, 60000);
        Q_EMIT call->progress(QStringLiteral("retrying after HTTP %1").arg(status));
        QTimer::singleShot(delayMs, this, [this, r] { start(r); });
        return;
    }
    r->attempt = 0;
    if (status >= 400) {
        call->m_status = status;
        const QJsonObject err = json.value(QStringLiteral("error")).toObject();
        call->m_errorCode = err.value(QStringLiteral("code")).toString();
        call->m_errorMessage = err.value(QStringLiteral("message")).toString();
        if (call->m_errorCode.isEmpty()) {
            call->m_errorCode = QStringLiteral("HTTP%1").arg(status);
            call->m_errorMessage = QString::fromUtf8(data.left(300));
        }
        finish(r);
        return;
    }
    if (r->polling) {
        const QString st = json.value(QStringLiteral("status")).toString();
        if (st.isEmpty() || st.compare(QLatin1String("Succeeded"), Qt::CaseInsensitive) == 0) {
            call->m_status = r->initialStatus;
            call->m_body = r->initialBody;
            finish(r);
            return;
        }
        if (st.compare(QLatin1String("Failed"), Qt::CaseInsensitive) == 0 ||
            st.compare(QLatin1String("Canceled"), Qt::CaseInsensitive) == 0) {
            call->m_status = r->initialStatus;
            const QJsonObject err = json.value(QStringLiteral("error")).toObject();
            call->m_errorCode =
                err.value(QStringLiteral("code")).toString(QStringLiteral("OperationFailed"));
            call->m_errorMessage =
                err.value(QStringLiteral("message"))
                    .toString(QStringLiteral("the operation ended with status %1").arg(st));
            finish(r);
            return;
        }
        Q_EMIT call->progress(st);
        if (r->clock.elapsed() > m_endpoint.operationTimeoutMs) {
            call->m_errorCode = QStringLiteral("OperationTimedOut");
            call->m_errorMessage = QStringLiteral("the operation was still %1 after %2 s")
                                       .arg(st)
                                       .arg(m_endpoint.operationTimeoutMs / 1000);
            finish(r);
            return;
        }
        bool ok = false;
        const int retry = reply->rawHeader("Retry-After").toInt(&ok);
        QTimer::singleShot(ok ? qBound(0, retry * 1000, 60000) : m_endpoint.pollIntervalMs, this,
                           [this, r] { start(r); });
        return;
    }
    // A long-running operation: poll Azure-AsyncOperation (or Location) until it ends.
    const QByteArray async = reply->rawHeader("Azure-AsyncOperation");
    const QByteArray location = reply->rawHeader("Location");
    if ((status == 201 || status == 202) && (!async.isEmpty() || !location.isEmpty()) &&
        r->method != "GET") {
        r->polling = true;
        r->pollUrl = QUrl(QString::fromUtf8(async.isEmpty() ? location : async));
        r->initialBody = json;
        r->initialStatus = status;
        Q_EMIT call->progress(QStringLiteral("InProgress"));
        bool ok = false;
        const int retry = reply->rawHeader("Retry-After").toInt(&ok);
        QTimer::singleShot(ok ? qBound(0, retry * 1000, 60000) : m_endpoint.pollIntervalMs, this,
                           [this, r] { start(r); });
        return;
    }
    call->m_status = status;
    if (r->list) {
        for (const QJsonValue &v : json.value(QStringLiteral("value")).toArray())
            call->m_items.append(v);
        const QString next = json.value(QStringLiteral("nextLink")).toString();
        if (!next.isEmpty()) {
            r->url = QUrl(next);
            start(r);
            return;
        }
    }
    call->m_body = json;
    finish(r);
}

void ArmClient::finish(std::shared_ptr<Request> r)
{
    if (!r->call)
        return;
    ArmCall *call = r->call;
    r->call.clear();
    Q_EMIT call->finished();
    call->deleteLater();
}

} // namespace blueshift::controlplane
