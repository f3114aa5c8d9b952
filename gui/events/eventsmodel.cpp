#include "eventsmodel.h"

#include <QColor>

namespace blueshift::gui {

EventsModel::EventsModel(int capacity, QObject *parent)
    : QAbstractTableModel(parent)
    , m_capacity(qMax(1, capacity))
{
    m_flushTimer.setSingleShot(true);
    m_flushTimer.setInterval(150);
    connect(&m_flushTimer, &QTimer::timeout, this, &EventsModel::flush);
}

int EventsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_entries.size());
}

int EventsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant EventsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Time:
        return tr("Time");
    case Source:
        return tr("Source");
    case Level:
        return tr("Level");
    case Event:
        return tr("Event");
    case Revision:
        return tr("Revision");
    case Text:
        return tr("Details");
    default:
        return {};
    }
}

QVariant EventsModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= int(m_entries.size()))
        return {};
    const EventEntry &e = m_entries.at(std::size_t(index.row()));
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case Time:
            return e.time.toLocalTime().toString(QStringLiteral("HH:mm:ss.zzz"));
        case Source:
            return e.source;
        case Level:
            return e.level;
        case Event:
            return e.event;
        case Revision:
            return e.revision;
        case Text:
            return e.text;
        default:
            return {};
        }
    case Qt::ToolTipRole:
        if (index.column() == Time)
            return e.time.toUTC().toString(Qt::ISODateWithMs);
        if (index.column() == Text && e.text.size() > 80)
            return e.text;
        return {};
    case Qt::ForegroundRole: {
        const int rank = EventEntry::levelRank(e.level);
        if (rank >= 3)
            return QColor(0xc6, 0x28, 0x28);
        if (rank == 2)
            return QColor(0xb2, 0x6a, 0x00);
        if (rank == 0)
            return QColor(0x80, 0x80, 0x80);
        return {};
    }
    case LevelRankRole:
        return EventEntry::levelRank(e.level);
    case TimeRole:
        return e.time;
    default:
        return {};
    }
}

void EventsModel::append(const EventEntry &entry)
{
    m_pending.append(entry);
    if (!m_flushTimer.isActive())
        m_flushTimer.start();
}

void EventsModel::append(const QList<EventEntry> &entries)
{
    if (entries.isEmpty())
        return;
    m_pending.append(entries);
    if (!m_flushTimer.isActive())
        m_flushTimer.start();
}

void EventsModel::flush()
{
    m_flushTimer.stop();
    if (m_pending.isEmpty())
        return;
    QList<EventEntry> batch;
    batch.swap(m_pending);
    // A batch larger than the ring: only its newest lines can ever be seen.
    if (batch.size() > m_capacity) {
        m_dropped += batch.size() - m_capacity;
        batch.remove(0, batch.size() - m_capacity);
    }
    const qsizetype overflow = qsizetype(m_entries.size()) + batch.size() - m_capacity;
    if (overflow > 0) {
        beginRemoveRows(QModelIndex(), 0, int(overflow) - 1);
        m_entries.erase(m_entries.begin(), m_entries.begin() + overflow);
        endRemoveRows();
        m_dropped += overflow;
    }
    bool newNames = false;
    const int first = int(m_entries.size());
    beginInsertRows(QModelIndex(), first, first + int(batch.size()) - 1);
    for (EventEntry &e : batch) {
        if (!e.event.isEmpty() && !m_eventNames.contains(e.event)) {
            m_eventNames.insert(e.event);
            newNames = true;
        }
        if (!e.revision.isEmpty() && !m_revisionNames.contains(e.revision)) {
            m_revisionNames.insert(e.revision);
            newNames = true;
        }
        m_entries.push_back(std::move(e));
    }
    endInsertRows();
    if (newNames)
        Q_EMIT vocabularyChanged();
}

void EventsModel::clear()
{
    m_pending.clear();
    if (m_entries.empty())
        return;
    beginRemoveRows(QModelIndex(), 0, int(m_entries.size()) - 1);
    m_entries.clear();
    endRemoveRows();
}

QStringList EventsModel::eventNames() const
{
    QStringList names(m_eventNames.cbegin(), m_eventNames.cend());
    names.sort();
    return names;
}

QStringList EventsModel::revisionNames() const
{
    QStringList names(m_revisionNames.cbegin(), m_revisionNames.cend());
    names.sort();
    return names;
}

} // namespace blueshift::gui
