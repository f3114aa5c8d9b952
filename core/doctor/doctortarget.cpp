#include "doctortarget.h"

#include "runtime/boundedfile.h"
#include "websocket/websocketurl.h"

#include <QFile>
#include <QUrl>

namespace blueshift::doctor {

bool setTargetUrl(DoctorConfig *c, const QString &text, QString *error)
{
    const QUrl url =
        websocket::parseWebSocketUrl(text, QString(), error,
                                     {QStringLiteral("ws"), QStringLiteral("wss"),
                                      QStringLiteral("http"), QStringLiteral("https")});
    if (!url.isValid())
        return false;
    const QString scheme = url.scheme().toLower();
    const bool secure = scheme == QLatin1String("wss") || scheme == QLatin1String("https");
    const int defaultPort = secure ? 443 : 80;
    const int port = url.port(defaultPort);
    if (port < 1 || port > 65535) {
        *error = QStringLiteral("the URL's port must be from 1 to 65535");
        return false;
    }
    c->secure = secure;
    c->port = quint16(port);
    c->host = url.host(QUrl::FullyEncoded);
    c->url = url.toDisplayString(QUrl::RemoveUserInfo | QUrl::RemoveFragment);
    const QByteArray path = url.path(QUrl::FullyEncoded).toLatin1();
    c->target = path.isEmpty() ? QByteArrayLiteral("/ws") : path;
    if (url.hasQuery())
        c->target += '?' + url.query(QUrl::FullyEncoded).toLatin1();
    const QString host = c->host.contains(QLatin1Char(':'))
                             ? QLatin1Char('[') + c->host + QLatin1Char(']')
                             : c->host;
    c->origin = (secure ? QStringLiteral("https://") : QStringLiteral("http://")) + host;
    if (port != defaultPort)
        c->origin += QLatin1Char(':') + QString::number(port);
    return true;
}

QString originError(const QString &o)
{
    if (o == QLatin1String("null"))
        return {};
    const QUrl u(o, QUrl::StrictMode);
    if (!u.isValid() || u.host().isEmpty() || u.scheme().isEmpty() || !u.path().isEmpty() ||
        u.hasQuery() || o.contains(QLatin1Char('\n')) || o.contains(QLatin1Char('\r')))
        return QStringLiteral("'%1' is not an origin like https://app.example.com").arg(o);
    return {};
}

bool loadCaFile(DoctorConfig *c, const QString &file, QString *error)
{
    QByteArray pem;
    if (!runtime::readBoundedFile(file, QStringLiteral("CA file"), 4 * 1024 * 1024, &pem, error))
        return false;
    const QList<QSslCertificate> certificates = QSslCertificate::fromData(pem, QSsl::Pem);
    if (certificates.isEmpty()) {
        *error = QStringLiteral("CA file %1 holds no PEM certificate").arg(file);
        return false;
    }
    c->caCertificates = certificates;
    c->customCa = true;
    return true;
}

} // namespace blueshift::doctor
