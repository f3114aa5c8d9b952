#include "redactor.h"

#include <QRegularExpression>
#include <QUrlQuery>

namespace blueshift::telemetry {

namespace {
const QRegularExpression &credentialPattern()
{
    // key=value pairs in URLs and header-like text, and Authorization schemes. An OAuth `code`
    // is a credential only as a URL parameter: "code=1001" in a log line is a close code.
    static const QRegularExpression re(
        QStringLiteral("((?:api[-_]?key|access[-_]?token|token|sig|signature|secret|password|"
                       "client[-_]?secret|(?<=[?&])code)=)[^&\\s\"',;]+|"
                       "((?:Bearer|Basic)\\s+)[A-Za-z0-9\\-._~+/=]+"),
        QRegularExpression::CaseInsensitiveOption);
    return re;
}
} // namespace

void Redactor::addSecret(const QByteArray &secret)
{
    const QString s = QString::fromUtf8(secret).trimmed();
    if (s.isEmpty())
        return;
    std::lock_guard lock(m_mutex);
    if (!m_secrets.contains(s))
        m_secrets.append(s);
}

QString Redactor::redact(const QString &text) const
{
    QString out = text;
    {
        std::lock_guard lock(m_mutex);
        for (const QString &s : m_secrets)
            out.replace(s, mask);
    }
    if (out.contains(QLatin1Char('=')) || out.contains(QLatin1String("earer")) ||
        out.contains(QLatin1String("asic"))) {
        QString result;
        qsizetype last = 0;
        auto it = credentialPattern().globalMatch(out);
        while (it.hasNext()) {
            const auto m = it.next();
            result += QStringView(out).mid(last, m.capturedStart() - last);
            result += m.captured(1).isEmpty() ? m.captured(2) : m.captured(1);
            result += mask;
            last = m.capturedEnd();
        }
        if (last > 0) {
            result += QStringView(out).mid(last);
            out = result;
        }
    }
    return out;
}

bool Redactor::isSecretName(QStringView name)
{
    static const QStringList names = {
        QStringLiteral("api-key"),
        QStringLiteral("api_key"),
        QStringLiteral("apikey"),
        QStringLiteral("authorization"),
        QStringLiteral("proxy-authorization"),
        QStringLiteral("cookie"),
        QStringLiteral("set-cookie"),
        QStringLiteral("token"),
        QStringLiteral("access_token"),
        QStringLiteral("password"),
        QStringLiteral("secret"),
        QStringLiteral("ocp-apim-subscription-key"),
        QStringLiteral("x-api-key"),
    };
    for (const QString &n : names) {
        if (name.compare(n, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

QString Redactor::redactUrl(const QUrl &url)
{
    QUrl u = url;
    u.setUserInfo(QString());
    if (u.hasQuery()) {
        QUrlQuery q(u);
        auto items = q.queryItems(QUrl::FullyEncoded);
        for (auto &item : items) {
            if (isSecretName(item.first) ||
                item.first.compare(QLatin1String("sig"), Qt::CaseInsensitive) == 0 ||
                item.first.compare(QLatin1String("key"), Qt::CaseInsensitive) == 0)
                item.second = mask;
        }
        q.setQueryItems(items);
        u.setQuery(q);
    }
    return u.toString(QUrl::FullyEncoded);
}

} // namespace blueshift::telemetry
