#include "eventjournal.h"

#include <QDateTime>
#include <QJsonDocument>

namespace blueshift::controlplane {

EventJournal::EventJournal(const QString &path, QObject *parent)
    : QObject(parent)
    , m_file(path)
{}

bool EventJournal::open(QString *error)
{
    if (!m_file.open(QIODevice::WriteOnly | QIODevice::Append)) {
        *error = QStringLiteral("cannot open %1: %2").arg(m_file.fileName(), m_file.errorString());
        return false;
    }
    return true;
}

void EventJournal::platformEvent(const QString &event, QJsonObject fields)
{
    fields.insert(QStringLiteral("source"), QStringLiteral("platform"));
    fields.insert(QStringLiteral("event"), event);
    append(std::move(fields));
}

void EventJournal::replicaLine(const QString &app, const QString &revision, const QString &replica,
                               const QByteArray &line, bool stderrLine)
{
    QJsonObject entry;
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(line, &pe);
    if (pe.error == QJsonParseError::NoError && doc.isObject())
        entry = doc.object();
    else
        entry.insert(QStringLiteral("line"), QString::fromUtf8(line));
    // The replica's own ts (when it printed one) stays; the journal's goes in "received".
    entry.insert(QStringLiteral("source"),
                 stderrLine ? QStringLiteral("replica.stderr") : QStringLiteral("replica"));
    entry.insert(QStringLiteral("app"), app);
    entry.insert(QStringLiteral("revision"), revision);
    entry.insert(QStringLiteral("replica"), replica);
    append(std::move(entry));
}

void EventJournal::append(QJsonObject entry)
{
    const QString now = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
    if (!entry.contains(QStringLiteral("ts")))
        entry.insert(QStringLiteral("ts"), now);
    entry.insert(QStringLiteral("received"), now);
    entry.insert(QStringLiteral("seq"), double(++m_sequence));
    if (m_file.isOpen()) {
        if (m_file.size() > m_maxBytes) {
            // One generation of history is enough for a local platform.
            const QString name = m_file.fileName();
            m_file.close();
            QFile::remove(name + QStringLiteral(".1"));
            QFile::rename(name, name + QStringLiteral(".1"));
            m_file.setFileName(name);
            m_file.open(QIODevice::WriteOnly | QIODevice::Append);
        }
        m_file.write(QJsonDocument(entry).toJson(QJsonDocument::Compact) + '\n');
        m_file.flush();
    }
    m_recent.push_back(entry);
    while (m_recent.size() > std::size_t(memoryEntries))
        m_recent.pop_front();
    Q_EMIT appended(entry);
}

QList<QJsonObject> EventJournal::tail(int count, const QString &app) const
{
    QList<QJsonObject> out;
    for (auto it = m_recent.rbegin(); it != m_recent.rend() && out.size() < count; ++it) {
        if (app.isEmpty() || it->value(QStringLiteral("app")).toString() == app)
            out.prepend(*it);
    }
    return out;
}

} // namespace blueshift::controlplane
