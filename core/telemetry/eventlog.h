#pragma once

#include "redactor.h"

#include <QJsonObject>
#include <QString>

#include <cstdio>
#include <mutex>

namespace blueshift::telemetry {

enum class LogFormat { Json, Text };
enum class Level { Debug, Info, Warning, Error };

QString levelName(Level level);

// Structured lifecycle events, one per line: JSON for machines (ts, level, event, revision,
// replica, session, then the event's own fields) or text for people. Thread-safe; every string
// passes through the Redactor on its way out.
class EventLog
{
public:
    EventLog(int fd, LogFormat format, QString revision, QString replica);

    Redactor &redactor() { return m_redactor; }
    LogFormat format() const { return m_format; }

    void write(Level level, const QString &event, const QString &session = QString(),
               const QJsonObject &fields = QJsonObject());
    void info(const QString &event, const QString &session = QString(),
              const QJsonObject &fields = QJsonObject())
    {
        write(Level::Info, event, session, fields);
    }

    // The line `write` would print, without its newline.
    QByteArray formatLine(Level level, const QString &event, const QString &session,
                          const QJsonObject &fields) const;

    // Where lines go; -1 silences the log.
    void setFd(int fd) { m_fd = fd; }

private:
    QJsonObject redacted(const QJsonObject &fields) const;

    int m_fd;
    LogFormat m_format;
    QString m_revision;
    QString m_replica;
    Redactor m_redactor;
    std::mutex m_mutex;
};

} // namespace blueshift::telemetry
