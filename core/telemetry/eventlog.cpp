#include "eventlog.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>

#include <unistd.h>

#include <cerrno>

namespace blueshift::telemetry {

QString levelName(Level level)
{
    switch (level) {
    case Level::Debug:
        return QStringLiteral("debug");
    case Level::Info:
        return QStringLiteral("info");
    case Level::Warning:
        return QStringLiteral("warning");
    case Level::Error:
        return QStringLiteral("error");
    }
    return QStringLiteral("info");
}

EventLog::EventLog(int fd, LogFormat format, QString revision, QString replica)
    : m_fd(fd)
    , m_format(format)
    , m_revision(std::move(revision))
    , m_replica(std::move(replica))
{}

QJsonObject EventLog::redacted(const QJsonObject &fields) const
{
    QJsonObject out;
    for (auto it = fields.begin(); it != fields.end(); ++it) {
        QJsonValue v = it.value();
        if (Redactor::isSecretName(it.key()))
            v = QString(Redactor::mask);
        else if (v.isString())
            v = m_redactor.redact(v.toString());
        else if (v.isObject())
            v = redacted(v.toObject());
        else if (v.isArray()) {
            QJsonArray arr;
            for (const QJsonValue &e : v.toArray())
                arr.append(e.isString() ? QJsonValue(m_redactor.redact(e.toString())) : e);
            v = arr;
        }
        out.insert(it.key(), v);
    }
    return out;
}

QByteArray EventLog::formatLine(Level level, const QString &event, const QString &session,
                                const QJsonObject &fields) const
{
    const QString ts = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
    const QJsonObject safe = redacted(fields);
    if (m_format == LogFormat::Json) {
        // The fixed fields first, in a fixed order, for people who read the raw stream.
        auto str = [](const QString &v) {
            return QJsonDocument(QJsonArray{v}).toJson(QJsonDocument::Compact).mid(1).chopped(1);
        };
        QByteArray out = "{\"ts\":" + str(ts) + ",\"level\":" + str(levelName(level)) +
                         ",\"event\":" + str(event) + ",\"revision\":" + str(m_revision) +
                         ",\"replica\":" + str(m_replica) +
                         ",\"session\":" + (session.isEmpty() ? QByteArray("null") : str(session));
        QJsonObject rest = safe;
        for (const char *fixed : {"ts", "level", "event", "revision", "replica", "session"})
            rest.remove(QLatin1String(fixed));
        if (!rest.isEmpty()) {
            const QByteArray body = QJsonDocument(rest).toJson(QJsonDocument::Compact);
            out += ',' + body.mid(1, body.size() - 2);
        }
        out += '}';
        return out;
    }
    QString line = ts + QLatin1Char(' ') + levelName(level).toUpper().leftJustified(7) +
                   QLatin1Char(' ') + event;
    if (!session.isEmpty())
        line += QStringLiteral(" session=") + session;
    for (auto it = safe.begin(); it != safe.end(); ++it) {
        QString value;
        const QJsonValue v = it.value();
        if (v.isString())
            value = v.toString();
        else if (v.isDouble())
            value = QString::number(v.toDouble(), 'g', 12);
        else if (v.isBool())
            value = v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
        else if (v.isNull())
            value = QStringLiteral("-");
        else
            value = QString::fromUtf8(QJsonDocument(v.isObject() ? QJsonDocument(v.toObject())
                                                                 : QJsonDocument(v.toArray()))
                                          .toJson(QJsonDocument::Compact));
        if (value.contains(QLatin1Char(' ')))
            value = QLatin1Char('"') + value + QLatin1Char('"');
        line += QLatin1Char(' ') + it.key() + QLatin1Char('=') + value;
    }
    return line.toUtf8();
}

void EventLog::write(Level level, const QString &event, const QString &session,
                     const QJsonObject &fields)
{
    if (m_fd < 0)
        return;
    QByteArray line = formatLine(level, event, session, fields);
    line += '\n';
    std::lock_guard lock(m_mutex);
    const char *p = line.constData();
    qsizetype left = line.size();
    while (left > 0) {
        const ssize_t n = ::write(m_fd, p, std::size_t(left));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return; // a closed stdout must not take the relay down
        }
        p += n;
        left -= n;
    }
}

} // namespace blueshift::telemetry
