#include "armstubserver.h"

#include <QFile>
#include <QJsonDocument>
#include <QTcpSocket>
#include <QUrl>

namespace blueshift::itest {

ArmStubServer::ArmStubServer(QObject *parent)
    : QObject(parent)
{
    connect(&m_server, &QTcpServer::newConnection, this, &ArmStubServer::accept);
}

bool ArmStubServer::listen()
{
    return m_server.listen(QHostAddress::LocalHost, 0);
}

QString ArmStubServer::base() const
{
    return QStringLiteral("http://127.0.0.1:%1").arg(port());
}

void ArmStubServer::on(const QByteArray &method, const QString &path,
                       const QList<StubResponse> &responses)
{
    m_routes.insert(QString::fromLatin1(method) + QLatin1Char(' ') + path, responses);
}

QList<StubRequest> ArmStubServer::requests(const QByteArray &method, const QString &path) const
{
    QList<StubRequest> out;
    for (const StubRequest &r : m_requests) {
        if (r.method == method && r.path == path)
            out.append(r);
    }
    return out;
}

void ArmStubServer::accept()
{
    while (QTcpSocket *socket = m_server.nextPendingConnection()) {
        socket->setParent(this);
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] { serve(socket); });
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    }
}

void ArmStubServer::serve(QTcpSocket *socket)
{
    // The whole request is in once the head and Content-Length bytes of body have arrived.
    QByteArray buffered = socket->property("buffered").toByteArray() + socket->readAll();
    socket->setProperty("buffered", buffered);
    const qsizetype headEnd = buffered.indexOf("\r\n\r\n");
    if (headEnd < 0)
        return;
    StubRequest request;
    const QList<QByteArray> lines = buffered.left(headEnd).split('\n');
    const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
    request.method = requestLine.value(0);
    request.target = requestLine.value(1);
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const qsizetype colon = lines.at(i).indexOf(':');
        if (colon > 0)
            request.headers.insert(lines.at(i).left(colon).trimmed().toLower(),
                                   lines.at(i).mid(colon + 1).trimmed());
    }
    const qsizetype length = request.headers.value("content-length").toLongLong();
    if (buffered.size() < headEnd + 4 + length)
        return;
    request.body = buffered.mid(headEnd + 4, length);
    const QUrl url(QString::fromLatin1(request.target));
    request.path = url.path();
    request.query = QUrlQuery(url);
    m_requests.append(request);

    const StubResponse response = answer(request);
    QByteArray out = "HTTP/1.1 " + QByteArray::number(response.status) + " Stub\r\n";
    if (!response.body.isEmpty())
        out += "Content-Type: application/json; charset=utf-8\r\n";
    out += "Content-Length: " + QByteArray::number(response.body.size()) + "\r\n";
    for (const auto &h : response.headers)
        out += h.first + ": " + h.second + "\r\n";
    out += "Connection: close\r\n\r\n" + response.body;
    socket->write(out);
    socket->disconnectFromHost();
}

StubResponse ArmStubServer::answer(const StubRequest &request)
{
    const QString key = QString::fromLatin1(request.method) + QLatin1Char(' ') + request.path;
    auto it = m_routes.find(key);
    if (it == m_routes.end() || it->isEmpty())
        return {404,
                armError(QStringLiteral("ResourceNotFound"),
                         QStringLiteral("The Resource '%1' was not found.").arg(request.path)),
                {}};
    return it->size() > 1 ? it->takeFirst() : it->constFirst();
}

QJsonObject azureExample(const QString &file)
{
    QFile f(QStringLiteral(BLUESHIFT_SOURCE_DIR "/tests/data/azure/") + file);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(f.readAll()).object();
}

QJsonObject azureExampleBody(const QString &file, const QString &status)
{
    return azureExample(file)
        .value(QStringLiteral("responses"))
        .toObject()
        .value(status)
        .toObject()
        .value(QStringLiteral("body"))
        .toObject();
}

QByteArray toJson(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

QByteArray armError(const QString &code, const QString &message)
{
    return toJson({{QStringLiteral("error"), QJsonObject{{QStringLiteral("code"), code},
                                                         {QStringLiteral("message"), message}}}});
}

} // namespace blueshift::itest
