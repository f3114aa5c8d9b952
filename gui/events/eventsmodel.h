#pragma once

#include "evententry.h"

#include <QAbstractTableModel>
#include <QSet>
#include <QTimer>

#include <deque>

namespace blueshift::gui {

// The events view's lines in a bounded ring (the newest `capacity` lines). Appends are queued and
// flushed a few times a second as one rowsInserted (and one rowsRemoved at the front when the
// ring is full), so a busy log stream costs the view a handful of updates per second.
class EventsModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { Time, Source, Level, Event, Revision, Text, ColumnCount };
    Q_ENUM(Column)
    enum Role { LevelRankRole = Qt::UserRole + 1, TimeRole };

    explicit EventsModel(int capacity = 50000, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    void append(const EventEntry &entry);
    void append(const QList<EventEntry> &entries);
    // Applies what is queued now (the timer does this by itself).
    void flush();
    void clear();

    int capacity() const { return m_capacity; }
    void setFlushInterval(int ms) { m_flushTimer.setInterval(ms); }
    const EventEntry &entryAt(int row) const { return m_entries.at(std::size_t(row)); }
    // Lines dropped from the front since the start (the ring was full).
    qint64 droppedCount() const { return m_dropped; }
    // Every event name and revision seen so far, for the filter lists.
    QStringList eventNames() const;
    QStringList revisionNames() const;

Q_SIGNALS:
    // New names for the filter lists.
    void vocabularyChanged();

private:
    int m_capacity;
    std::deque<EventEntry> m_entries;
    QList<EventEntry> m_pending;
    QTimer m_flushTimer;
    qint64 m_dropped = 0;
    QSet<QString> m_eventNames;
    QSet<QString> m_revisionNames;
};

} // namespace blueshift::gui
