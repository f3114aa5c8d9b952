#include "websocket/websocketurl.h"

#include <QRegularExpression>

namespace blueshift::websocket {

namespace {
QString schemeList(const QStringList &schemes)
{
    QStringList shown;
    for (const QString &s : schemes)
        shown.append(s + QStringLiteral("://"));
    if (shown.size() == 1)
        return shown.constFirst();
    const QString last = shown.takeLast();
    return shown.join(QStringLiteral(", ")) + QStringLiteral(" or ") + last;
}

// QUrl refuses a port past 65535 as a whole ("invalid URL"): find it in the text to say so.
bool hasPortOutOfRange(const QString &text)
{
    static const QRegularExpression authorityPort(QStringLiteral(
        "^[A-Za-z][A-Za-z0-9+.-]*://(?:[^/?#@]*@)?(?:\\[[^\\]]*\\]|[^/?#:]*):(\\d+)"));
    const QRegularExpressionMatch m = authorityPort.match(text.trimmed());
    if (!m.hasMatch())
        return false;
    bool ok = false;
    const qlonglong port = m.captured(1).left(12).toLongLong(&ok);
    return !ok || port < 1 || port > 65535;
}
} // namespace

QString webSocketUrlError(const QUrl &url, const QStringList &schemes)
{
    if (!url.isValid() || url.scheme().isEmpty() || url.host().isEmpty() ||
        !schemes.contains(url.scheme().toLower()))
        return QStringLiteral("the URL must be %1 with a host, e.g. %2://127.0.0.1:8080/ws")
            .arg(schemeList(schemes), schemes.constFirst());
    if (url.port() == 0)
        return QStringLiteral("the URL's port must be from 1 to 65535");
    if (!url.userInfo().isEmpty())
        return QStringLiteral("the URL must not carry credentials; put them in a header file");
    return {};
}

QUrl parseWebSocketUrl(const QString &text, const QString &what, QString *error,
                       const QStringList &schemes)
{
    const QUrl url(text.trimmed(), QUrl::StrictMode);
    QString why = hasPortOutOfRange(text) ? QStringLiteral("the URL's port must be from 1 to 65535")
                                          : webSocketUrlError(url, schemes);
    if (why.isEmpty())
        return url;
    *error = what.isEmpty() ? why : what + QStringLiteral(": ") + why;
    return {};
}

} // namespace blueshift::websocket
