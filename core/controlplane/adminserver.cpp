#include "adminserver.h"

#include "eventjournal.h"
#include "localplatform.h"

#include <QHostInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTcpSocket>
#include <QTimer>
#include <QUrlQuery>
#include <QWebSocket>
#include <QWebSocketServer>

#include <openssl/crypto.h>

namespace blueshift::controlplane {

namespace {
constexpr qsizetype kMaxHead = 32 * 1024;
constexpr qsizetype kMaxBody = 4 * 1024 * 1024;
constexpr int kMaxConnections = 128;
constexpr int kMaxLogStreams = 64;
constexpr std::chrono::seconds kHeadTimeout{10}; // as the relay's and the ingress's
constexpr std::chrono::seconds kIdleTimeout{60};

bool same(const QByteArray &a, const char *b)
{
    return a.compare(b, Qt::CaseInsensitive) == 0;
}
} // namespace

struct AdminServer::Connection
{
    QTcpSocket *socket = nullptr;
    QByteArray buffer;
    QTimer *timer = nullptr; // head timeout, then the idle timeout between requests
};

AdminServer::AdminServer(LocalPlatform &platform, EventJournal &journal, QByteArray token,
                         QObject *parent)
    : QObject(parent)
    , m_platform(platform)
    , m_journal(journal)
    , m_token(std::move(token))
    , m_logServer(new QWebSocketServer(QStringLiteral("blueshift-local"),
                                       QWebSocketServer::NonSecureMode, this))
{
    connect(&m_server, &QTcpServer::newConnection, this, &AdminServer::onNewConnection);
    connect(&m_server, &QTcpServer::acceptError, this, &AdminServer::onAcceptError);
    connect(m_logServer, &QWebSocketServer::newConnection, this,
            &AdminServer::onLogStreamConnected);
}

AdminServer::~AdminServer() = default;

bool AdminServer::listen(const net::HostPort &where, QString *error)
{
    QHostAddress address;
    if (where.host == "localhost")
        address = QHostAddress::LocalHost;
    else if (!address.setAddress(QString::fromLatin1(where.host))) {
        *error = QStringLiteral("--admin needs a numeric address, not '%1'")
                     .arg(QString::fromLatin1(where.host));
        return false;
    }
    if (!m_server.listen(address, where.port)) {
        *error =
            QStringLiteral("cannot listen on %1: %2").arg(where.toString(), m_server.errorString());
        return false;
    }
    m_bound = where;
    m_bound.port = m_server.serverPort();
    return true;
}

QString AdminServer::baseUrl() const
{
    return QStringLiteral("http://") + m_bound.toString();
}

bool AdminServer::hostAllowed(const QByteArray &hostHeader) const
{
    const QString host = QString::fromLatin1(hostHeader).toLower();
    const QString port = QString::number(m_server.serverPort());
    QSet<QString> allowed{m_bound.toString().toLower()};
    const QHostAddress bound(QString::fromLatin1(m_bound.host));
    if (bound.isLoopback() || m_bound.host == "localhost") {
        for (const char *name : {"localhost", "127.0.0.1", "[::1]"})
            allowed.insert(QLatin1String(name) + QLatin1Char(':') + port);
    } else {
        allowed.insert(QHostInfo::localHostName().toLower() + QLatin1Char(':') + port);
    }
    for (const QString &extra : m_extraHosts)
        allowed.insert(extra.contains(QLatin1Char(':')) ? extra : extra + QLatin1Char(':') + port);
    return allowed.contains(host);
}

std::optional<ApiResult> AdminServer::checkRequest(const http::Request &request) const
{
    if (!hostAllowed(request.header("Host")))
        return ApiResult::error(
            421, QStringLiteral("MisdirectedRequest"),
            QStringLiteral("this admin API answers only to its own address (Host: %1)")
                .arg(m_bound.toString()));
    const QByteArray origin = request.header("Origin");
    if (!origin.isEmpty()) {
        const QUrl o(QString::fromLatin1(origin));
        const QString authority = o.host().contains(QLatin1Char(':'))
                                      ? QLatin1Char('[') + o.host() + QLatin1Char(']')
                                      : o.host();
        if (!hostAllowed((authority + QLatin1Char(':') +
                          QString::number(o.port(o.scheme() == QLatin1String("https") ? 443 : 80)))
                             .toLatin1()))
            return ApiResult::error(403, QStringLiteral("Forbidden"),
                                    QStringLiteral("cross-origin requests are not allowed"));
    }
    if (request.path == "/healthz")
        return std::nullopt;
    const QByteArray auth = request.header("Authorization");
    const QByteArray given = auth.startsWith("Bearer ") ? auth.mid(7).trimmed() : QByteArray();
    // Constant time: the comparison must not tell how much of a guess was right.
    if (given.size() != m_token.size() ||
        CRYPTO_memcmp(given.constData(), m_token.constData(), std::size_t(given.size())) != 0) {
        ApiResult r = ApiResult::error(401, QStringLiteral("AuthenticationFailed"),
                                       QStringLiteral("a valid bearer token is required (see the "
                                                      "admin-token file in the state directory)"));
        r.headers.append(qMakePair(QByteArray("WWW-Authenticate"),
                                   QByteArray("Bearer realm=\"blueshift-local\"")));
        return r;
    }
    return std::nullopt;
}

void AdminServer::onNewConnection()
{
    while (QTcpSocket *socket = m_server.nextPendingConnection()) {
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        if (m_connections >= kMaxConnections) {
            socket->write(http::buildResponse(503, QByteArrayLiteral("text/plain; charset=utf-8"),
                                              "too many connections to the admin API\n", false));
            socket->disconnectFromHost();
            continue;
        }
        ++m_connections;
        auto *c = new Connection{socket, {}, new QTimer(socket)};
        c->timer->setSingleShot(true);
        c->timer->start(kHeadTimeout);
        connect(c->timer, &QTimer::timeout, this, [this, c] { onTimeout(c); });
        connect(socket, &QTcpSocket::readyRead, this, [this, c] { onReadyRead(c); });
        connect(socket, &QObject::destroyed, this, [this, c] {
            if (c->timer) // still a plain HTTP connection, not a log stream
                --m_connections;
            delete c;
        });
    }
}

void AdminServer::onTimeout(Connection *c)
{
    // A head begun and not finished gets 408; an idle keep-alive connection just closes.
    if (c->socket->bytesAvailable() > 0 || !c->buffer.isEmpty())
        c->socket->write(http::buildResponse(408, QByteArrayLiteral("text/plain; charset=utf-8"),
                                             "request head not received in time\n", false));
    c->socket->disconnectFromHost();
}

void AdminServer::onAcceptError()
{
    // QTcpServer stops accepting after EMFILE and does not start again by itself: try again
    // in a second rather than never (or in a busy loop).
    QTimer::singleShot(std::chrono::seconds(1), this, [this] { m_server.resumeAccepting(); });
}

void AdminServer::onReadyRead(Connection *c)
{
    for (;;) {
        // Peek first: a log stream upgrade is handed to QWebSocketServer unread.
        const QByteArray peeked = c->buffer.isEmpty() ? c->socket->peek(kMaxHead + 1)
                                                      : c->buffer + c->socket->peek(kMaxHead);
        http::Request request;
        std::size_t headLength = 0;
        const auto parsed = http::parseRequestHead(peeked.constData(), std::size_t(peeked.size()),
                                                   kMaxHead, &request, &headLength);
        if (parsed == http::ParseResult::NeedMore)
            return;
        if (parsed != http::ParseResult::Complete) {
            reply(c, request,
                  parsed == http::ParseResult::TooLarge
                      ? ApiResult::error(431, QStringLiteral("RequestHeaderFieldsTooLarge"),
                                         QStringLiteral("request head too large"))
                      : ApiResult::error(400, QStringLiteral("BadRequest"),
                                         QStringLiteral("malformed request")));
            c->socket->disconnectFromHost();
            return;
        }
        if (http::headerHasToken(request.headers, "Upgrade", "websocket")) {
            if (auto denied = checkRequest(request)) {
                c->socket->readAll();
                reply(c, request, *denied);
                c->socket->disconnectFromHost();
                return;
            }
            startLogStream(c, request);
            return;
        }
        if (request.transferEncoding) {
            c->socket->readAll();
            reply(c, request,
                  ApiResult::error(411, QStringLiteral("LengthRequired"),
                                   QStringLiteral("send the body with Content-Length")));
            c->socket->disconnectFromHost();
            return;
        }
        const qint64 length = std::max<qint64>(request.contentLength, 0);
        if (length > kMaxBody) {
            c->socket->readAll();
            reply(c, request,
                  ApiResult::error(413, QStringLiteral("RequestEntityTooLarge"),
                                   QStringLiteral("request body over 4 MiB")));
            c->socket->disconnectFromHost();
            return;
        }
        if (c->socket->bytesAvailable() < qint64(headLength) + length)
            return;
        c->socket->read(qint64(headLength));
        const QByteArray body = c->socket->read(length);
        if (auto denied = checkRequest(request)) {
            reply(c, request, *denied);
        } else {
            reply(c, request, route(request, body));
        }
        if (!request.keepAlive()) {
            c->socket->disconnectFromHost();
            return;
        }
        // The next request's head starts its own clock once it begins; until then, idle.
        c->timer->start(c->socket->bytesAvailable() > 0 ? kHeadTimeout : kIdleTimeout);
        if (c->socket->bytesAvailable() == 0)
            return;
    }
}

ApiResult AdminServer::route(const http::Request &request, const QByteArray &body)
{
    const QByteArray &m = request.method;
    QList<QByteArray> seg = request.path.split('/');
    seg.removeAll(QByteArray());
    auto methodNotAllowed = [](const char *allow) {
        ApiResult r =
            ApiResult::error(405, QStringLiteral("MethodNotAllowed"),
                             QStringLiteral("this resource accepts %1").arg(QLatin1String(allow)));
        r.headers.append(qMakePair(QByteArray("Allow"), QByteArray(allow)));
        return r;
    };
    if (request.path == "/healthz")
        return ApiResult::ok({{QStringLiteral("status"), QStringLiteral("ok")}});
    if (seg.size() == 1 && same(seg[0], "subscriptions")) {
        if (m != "GET")
            return methodNotAllowed("GET");
        return ApiResult::ok(
            {{QStringLiteral("value"),
              QJsonArray{
                  QJsonObject{{QStringLiteral("id"), QStringLiteral("/subscriptions/local")},
                              {QStringLiteral("subscriptionId"), QStringLiteral("local")},
                              {QStringLiteral("displayName"), QStringLiteral("Local platform")},
                              {QStringLiteral("state"), QStringLiteral("Enabled")}}}}});
    }
    if (seg.size() < 2 || !same(seg[0], "subscriptions") || seg[1] != "local")
        return ApiResult::notFound(
            QStringLiteral("Resource '%1'").arg(QString::fromUtf8(request.path)));
    // /subscriptions/local/resourcegroups
    if (seg.size() == 3 && same(seg[2], "resourceGroups")) {
        if (m != "GET")
            return methodNotAllowed("GET");
        return ApiResult::ok(
            {{QStringLiteral("value"),
              QJsonArray{QJsonObject{{QStringLiteral("id"),
                                      QStringLiteral("/subscriptions/local/resourceGroups/local")},
                                     {QStringLiteral("name"), QStringLiteral("local")},
                                     {QStringLiteral("location"), QStringLiteral("local")}}}}});
    }
    // /subscriptions/local/providers/Microsoft.App/locations/local/containerappOperationStatuses/{id}
    if (seg.size() == 8 && same(seg[2], "providers") && same(seg[3], "Microsoft.App") &&
        same(seg[4], "locations") &&
        (same(seg[6], "containerappOperationStatuses") ||
         same(seg[6], "containerappOperationResults"))) {
        if (m != "GET")
            return methodNotAllowed("GET");
        return m_platform.operationStatus(QString::fromUtf8(seg[7]));
    }
    // /subscriptions/local/providers/Microsoft.App/containerApps (list by subscription)
    if (seg.size() == 5 && same(seg[2], "providers") && same(seg[3], "Microsoft.App") &&
        same(seg[4], "containerApps")) {
        if (m != "GET")
            return methodNotAllowed("GET");
        return m_platform.listApps();
    }
    // /subscriptions/local/resourceGroups/local/providers/Microsoft.App/containerApps/...
    if (seg.size() < 7 || !same(seg[2], "resourceGroups") || seg[3] != "local" ||
        !same(seg[4], "providers") || !same(seg[5], "Microsoft.App") ||
        !same(seg[6], "containerApps"))
        return ApiResult::notFound(
            QStringLiteral("Resource '%1'").arg(QString::fromUtf8(request.path)));
    const QString base = baseUrl();
    auto jsonBody = [&](QJsonObject *out) -> std::optional<ApiResult> {
        QJsonParseError pe;
        const QJsonDocument doc = QJsonDocument::fromJson(body, &pe);
        if (pe.error != QJsonParseError::NoError || !doc.isObject())
            return ApiResult::error(
                400, QStringLiteral("InvalidRequestContent"),
                QStringLiteral("the request body must be a JSON object: %1").arg(pe.errorString()));
        *out = doc.object();
        return std::nullopt;
    };
    if (seg.size() == 7) {
        if (m != "GET")
            return methodNotAllowed("GET");
        return m_platform.listApps();
    }
    const QString app = QString::fromUtf8(seg[7]);
    if (seg.size() == 8) {
        QJsonObject json;
        if (m == "GET")
            return m_platform.getApp(app);
        if (m == "PUT") {
            if (auto e = jsonBody(&json))
                return *e;
            return m_platform.putApp(app, json, base);
        }
        if (m == "PATCH") {
            if (auto e = jsonBody(&json))
                return *e;
            return m_platform.patchApp(app, json, base);
        }
        if (m == "DELETE")
            return m_platform.deleteApp(app);
        return methodNotAllowed("GET, PUT, PATCH, DELETE");
    }
    if (!same(seg[8], "revisions"))
        return ApiResult::notFound(
            QStringLiteral("Resource '%1'").arg(QString::fromUtf8(request.path)));
    if (seg.size() == 9) {
        if (m != "GET")
            return methodNotAllowed("GET");
        return m_platform.listRevisions(app);
    }
    const QString revision = QString::fromUtf8(seg[9]);
    if (seg.size() == 10) {
        if (m != "GET")
            return methodNotAllowed("GET");
        return m_platform.getRevision(app, revision);
    }
    const QByteArray action = seg[10].toLower();
    if (seg.size() == 11 &&
        (action == "activate" || action == "deactivate" || action == "restart")) {
        if (m != "POST")
            return methodNotAllowed("POST");
        return m_platform.revisionAction(app, revision, QString::fromLatin1(action));
    }
    if (action == "replicas" && seg.size() <= 12) {
        if (m != "GET")
            return methodNotAllowed("GET");
        return seg.size() == 11 ? m_platform.listReplicas(app, revision)
                                : m_platform.getReplica(app, revision, QString::fromUtf8(seg[11]));
    }
    return ApiResult::notFound(
        QStringLiteral("Resource '%1'").arg(QString::fromUtf8(request.path)));
}

void AdminServer::reply(Connection *c, const http::Request &request, const ApiResult &result)
{
    QByteArray body;
    if (result.status != 204 && !(result.body.isEmpty() && result.status < 300))
        body = QJsonDocument(result.body).toJson(QJsonDocument::Compact);
    http::HeaderList headers = result.headers;
    headers.append(qMakePair(QByteArray("x-ms-request-id"),
                             QByteArray::number(quint64(QDateTime::currentMSecsSinceEpoch()))));
    c->socket->write(http::buildResponse(
        result.status,
        body.isEmpty() ? QByteArray() : QByteArrayLiteral("application/json; charset=utf-8"), body,
        request.keepAlive() && result.status < 400, headers, request.method == "HEAD"));
}

void AdminServer::startLogStream(Connection *c, const http::Request &request)
{
    if (request.path != "/logstream") {
        c->socket->readAll();
        reply(c, request,
              ApiResult::notFound(
                  QStringLiteral("Log stream '%1'").arg(QString::fromUtf8(request.path))));
        c->socket->disconnectFromHost();
        return;
    }
    QTcpSocket *socket = c->socket;
    if (m_logStreams >= kMaxLogStreams) {
        c->socket->readAll();
        reply(c, request,
              ApiResult::error(503, QStringLiteral("ServiceUnavailable"),
                               QStringLiteral("too many log streams open")));
        c->socket->disconnectFromHost();
        return;
    }
    // From here on a log stream, counted as one, with no head timeout; the socket's handlers
    // here (and with them its Connection) go.
    socket->disconnect(this);
    delete c->timer;
    delete c;
    --m_connections;
    ++m_logStreams;
    connect(socket, &QObject::destroyed, this, [this] { --m_logStreams; });
    // QWebSocketServer reads the handshake itself; nothing of it has been consumed.
    m_logServer->handleConnection(socket);
}

void AdminServer::onLogStreamConnected()
{
    while (QWebSocket *ws = m_logServer->nextPendingConnection()) {
        const QUrlQuery query(ws->requestUrl());
        const QString app = query.queryItemValue(QStringLiteral("app"));
        const int tail = query.hasQueryItem(QStringLiteral("tail"))
                             ? query.queryItemValue(QStringLiteral("tail")).toInt()
                             : 100;
        for (const QJsonObject &e :
             m_journal.tail(qBound(0, tail, EventJournal::memoryEntries), app))
            ws->sendTextMessage(QString::fromUtf8(QJsonDocument(e).toJson(QJsonDocument::Compact)));
        connect(&m_journal, &EventJournal::appended, ws, [ws, app](const QJsonObject &e) {
            if (!app.isEmpty() && e.value(QStringLiteral("app")).toString() != app)
                return;
            // A reader that cannot keep up is cut off rather than buffered without bound.
            if (ws->bytesToWrite() > 8 * 1024 * 1024) {
                ws->close(QWebSocketProtocol::CloseCodePolicyViolated,
                          QStringLiteral("log stream reader too slow"));
                return;
            }
            ws->sendTextMessage(QString::fromUtf8(QJsonDocument(e).toJson(QJsonDocument::Compact)));
        });
        connect(ws, &QWebSocket::disconnected, ws, &QObject::deleteLater);
    }
}

} // namespace blueshift::controlplane
