#pragma once

#include <QFile>
#include <QJsonObject>
#include <QList>
#include <QObject>

#include <deque>

namespace blueshift::controlplane {

// The local platform's timeline: its own events (revision.created, traffic.updated,
// revision.deactivated, replica.signalled ...) and every line its replicas print, in one
// ordered stream. Kept in DIR/events.jsonl (rotated at a size limit), the newest entries in
// memory for late subscribers, and published as they happen.
class EventJournal : public QObject
{
    Q_OBJECT
public:
    explicit EventJournal(const QString &path, QObject *parent = nullptr);

    bool open(QString *error);

    // A platform event: `fields` gets ts, source "platform" and event added.
    void platformEvent(const QString &event, QJsonObject fields);
    // One line a replica printed; JSON lines are kept as objects, others as text.
    void replicaLine(const QString &app, const QString &revision, const QString &replica,
                     const QByteArray &line, bool stderrLine);

    // The newest entries (at most `count`), oldest first; `app` filters when not empty.
    QList<QJsonObject> tail(int count, const QString &app = QString()) const;
    static constexpr int memoryEntries = 5000;

Q_SIGNALS:
    void appended(const QJsonObject &entry);

private:
    void append(QJsonObject entry);

    QFile m_file;
    qint64 m_maxBytes = 64 * 1024 * 1024;
    std::deque<QJsonObject> m_recent;
    quint64 m_sequence = 0;
};

} // namespace blueshift::controlplane
