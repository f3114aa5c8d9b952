#pragma once

// An HTTP/1.1 server on 127.0.0.1 (QTcpServer, in the test's process) that answers ARM requests
// with scripted responses, taken from the official Microsoft.App examples in tests/data/azure,
// and records every request it saw, headers and body included.

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QPair>
#include <QTcpServer>
#include <QUrlQuery>

namespace blueshift::itest {

struct StubResponse
{
    using Headers = QList<QPair<QByteArray, QByteArray>>;
    StubResponse(int status = 200, QByteArray body = {}, Headers headers = {})
        : status(status)
        , body(std::move(body))
        , headers(std::move(headers))
    {}
    int status;
    QByteArray body;
    Headers headers;
};

struct StubRequest
{
    QByteArray method;
    QByteArray target; // path and query as sent
    QString path;
    QUrlQuery query;
    QHash<QByteArray, QByteArray> headers; // names in lower case
    QByteArray body;
};

class ArmStubServer : public QObject
{
    Q_OBJECT
public:
    explicit ArmStubServer(QObject *parent = nullptr);

    bool listen();
    quint16 port() const { return m_server.serverPort(); }
    // "http://127.0.0.1:PORT"
    QString base() const;

    // The answers to `method path` (no query), one per request in turn; the last one repeats.
    // Anything else gets ARM's 404 body.
    void on(const QByteArray &method, const QString &path, const QList<StubResponse> &responses);
    QList<StubRequest> requests() const { return m_requests; }
    QList<StubRequest> requests(const QByteArray &method, const QString &path) const;

private:
    void accept();
    void serve(QTcpSocket *socket);
    StubResponse answer(const StubRequest &request);

    QTcpServer m_server;
    QHash<QString, QList<StubResponse>> m_routes;
    QList<StubRequest> m_requests;
};

// tests/data/azure/<file>: an example of azure-rest-api-specs, parameters and responses.
QJsonObject azureExample(const QString &file);
// responses.<status>.body of an example, as it stands.
QJsonObject azureExampleBody(const QString &file, const QString &status = QStringLiteral("200"));
QByteArray toJson(const QJsonObject &object);
// An ARM error body: {"error": {"code", "message"}}.
QByteArray armError(const QString &code, const QString &message);

} // namespace blueshift::itest
