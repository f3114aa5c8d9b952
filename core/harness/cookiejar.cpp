#include "cookiejar.h"

#include <QDateTime>

namespace blueshift::harness {

std::optional<SetCookie> parseSetCookie(const QByteArray &header)
{
    const QList<QByteArray> parts = header.split(';');
    const QByteArray first = parts.value(0).trimmed();
    const qsizetype eq = first.indexOf('=');
    if (eq <= 0)
        return std::nullopt;
    SetCookie c;
    c.name = first.left(eq).trimmed();
    c.value = first.mid(eq + 1).trimmed();
    if (c.value.size() >= 2 && c.value.startsWith('"') && c.value.endsWith('"'))
        c.value = c.value.mid(1, c.value.size() - 2);
    if (c.name.isEmpty())
        return std::nullopt;
    bool maxAgeSeen = false;
    for (qsizetype i = 1; i < parts.size(); ++i) {
        const QByteArray attr = parts.at(i).trimmed();
        const qsizetype aeq = attr.indexOf('=');
        const QByteArray key = (aeq < 0 ? attr : attr.left(aeq)).trimmed().toLower();
        const QByteArray val = aeq < 0 ? QByteArray() : attr.mid(aeq + 1).trimmed();
        if (key == "max-age") {
            // Max-Age wins over Expires (RFC 6265 section 5.3).
            bool ok = false;
            const qlonglong age = val.toLongLong(&ok);
            if (ok) {
                maxAgeSeen = true;
                c.remove = age <= 0;
            }
        } else if (key == "expires" && !maxAgeSeen) {
            // "Thu, 01 Jan 1970 00:00:00 GMT" (or with dashes in the date): Qt's RFC 2822
            // parser wants a numeric zone.
            QByteArray date = val;
            date.replace('-', ' ');
            if (date.endsWith("GMT") || date.endsWith("UTC"))
                date = date.chopped(3) + "+0000";
            const QDateTime when =
                QDateTime::fromString(QString::fromLatin1(date), Qt::RFC2822Date);
            if (when.isValid())
                c.remove = when < QDateTime::currentDateTimeUtc();
        }
    }
    return c;
}

void CookieJar::set(const SetCookie &cookie)
{
    for (qsizetype i = 0; i < m_cookies.size(); ++i) {
        if (m_cookies.at(i).first == cookie.name) {
            if (cookie.remove)
                m_cookies.removeAt(i);
            else
                m_cookies[i].second = cookie.value;
            return;
        }
    }
    if (!cookie.remove)
        m_cookies.append({cookie.name, cookie.value});
}

void CookieJar::update(const http::HeaderList &headers)
{
    for (const auto &h : headers) {
        if (h.first.compare("Set-Cookie", Qt::CaseInsensitive) != 0)
            continue;
        if (const auto c = parseSetCookie(h.second))
            set(*c);
    }
}

QByteArray CookieJar::value(const QByteArray &name) const
{
    for (const auto &c : m_cookies) {
        if (c.first == name)
            return c.second;
    }
    return {};
}

QByteArray CookieJar::header() const
{
    QByteArray out;
    for (const auto &c : m_cookies) {
        if (!out.isEmpty())
            out += "; ";
        out += c.first + '=' + c.second;
    }
    return out;
}

} // namespace blueshift::harness
