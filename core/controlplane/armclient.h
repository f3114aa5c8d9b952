#pragma once

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <QUrl>

#include <functional>
#include <optional>

class QNetworkAccessManager;
class QNetworkReply;

namespace blueshift::controlplane {

// Where a control plane is and how to authenticate to it. The same client drives the local
// platform (base http://127.0.0.1:8081, subscription and resource group "local", the token from
// the state directory) and Azure (https://management.azure.com, a bearer token from the az CLI).
struct ArmEndpoint
{
    QUrl baseUrl;
    QString subscription = QStringLiteral("local");
    QString resourceGroup = QStringLiteral("local");
    QString apiVersion = QStringLiteral("2025-01-01"); // Microsoft.App
    // Subscriptions and resource groups belong to Microsoft.Resources, whose api-versions are
    // not Microsoft.App's: ARM answers 400 InvalidApiVersionParameter to a Microsoft.App one.
    QString subscriptionsApiVersion = QStringLiteral("2022-12-01");
    QString resourceGroupsApiVersion = QStringLiteral("2021-04-01");
    // Called before every request; answers the bearer token (never logged) or an error.
    std::function<void(std::function<void(QByteArray token, QString error)>)> token;
    // Called when the service answered 401 to a token: the source drops what it cached, and
    // the request is tried once more with a new token.
    std::function<void()> tokenRejected;
    int maxRetries = 4;        // for 429 and 5xx
    int pollIntervalMs = 1000; // when a long-running operation gives no Retry-After
    int operationTimeoutMs = 10 * 60 * 1000;
};

// One call to the control plane, including its retries, its long-running-operation polling
// and its pages. Deletes itself after finished() unless told otherwise by the caller's parent.
class ArmCall : public QObject
{
    Q_OBJECT
public:
    bool ok() const { return m_status >= 200 && m_status < 300 && m_errorCode.isEmpty(); }
    int status() const { return m_status; }
    QJsonObject body() const { return m_body; }
    // The items of a list call, every page joined.
    QJsonArray items() const { return m_items; }
    QString errorCode() const { return m_errorCode; }
    QString errorMessage() const { return m_errorMessage; }
    // "Code: message", as a user should read it.
    QString errorText() const;
    // Stops waiting at once (a request in flight is aborted, a pending poll or retry dropped)
    // and finishes with errorCode "Cancelled". ARM has no cancel for a long-running operation:
    // what the service already started goes on.
    void cancel();

Q_SIGNALS:
    // A long-running operation is still going (status text such as "InProgress").
    void progress(const QString &status);
    void finished();

private:
    friend class ArmClient;
    explicit ArmCall(QObject *parent)
        : QObject(parent)
    {}
    int m_status = 0;
    QJsonObject m_body;
    QJsonArray m_items;
    QString m_errorCode;
    QString m_errorMessage;
    bool m_cancelled = false;
    QPointer<QNetworkReply> m_reply;
    std::function<void()> m_cancelHook;
};

class ArmClient : public QObject
{
    Q_OBJECT
public:
    explicit ArmClient(ArmEndpoint endpoint, QObject *parent = nullptr);

    const ArmEndpoint &endpoint() const { return m_endpoint; }
    QString appsPath() const;
    QString appPath(const QString &app) const;

    ArmCall *listApps();
    ArmCall *getApp(const QString &app);
    // PUT and PATCH wait for the long-running operation when the service starts one.
    ArmCall *putApp(const QString &app, const QJsonObject &body);
    ArmCall *patchApp(const QString &app, const QJsonObject &body);
    ArmCall *deleteApp(const QString &app);
    ArmCall *listRevisions(const QString &app);
    ArmCall *getRevision(const QString &app, const QString &revision);
    // action: activate, deactivate or restart
    ArmCall *revisionAction(const QString &app, const QString &revision, const QString &action);
    ArmCall *listReplicas(const QString &app, const QString &revision);
    ArmCall *listSubscriptions();
    ArmCall *listResourceGroups();

    // Any call: path relative to the base URL (with or without api-version).
    ArmCall *send(const QByteArray &method, const QString &path, const QJsonObject &body = {},
                  bool list = false);

    // Retry-After as delta-seconds or an HTTP date, in milliseconds from `now`; nothing when
    // the value is neither.
    static std::optional<qint64> retryAfterMs(const QByteArray &value, const QDateTime &now);

private:
    struct Request;
    void start(std::shared_ptr<Request> r);
    void issue(std::shared_ptr<Request> r, const QByteArray &token);
    void handleReply(std::shared_ptr<Request> r, QNetworkReply *reply);
    void handlePoll(std::shared_ptr<Request> r, QNetworkReply *reply, int status,
                    const QJsonObject &json);
    void schedule(std::shared_ptr<Request> r, QNetworkReply *reply);
    void finalGet(std::shared_ptr<Request> r, const QUrl &url);
    void fail(std::shared_ptr<Request> r, const QString &code, const QString &message);
    void finish(std::shared_ptr<Request> r);
    QUrl urlFor(const QString &pathOrUrl) const;
    // A URL the service handed out (nextLink, Azure-AsyncOperation, Location).
    QUrl followUrl(const QByteArray &value) const;
    bool sameOrigin(const QUrl &url) const;

    ArmEndpoint m_endpoint;
    QNetworkAccessManager *m_nam;
};

} // namespace blueshift::controlplane
