#include "eventsfilterproxy.h"

#include "eventsmodel.h"

namespace blueshift::gui {

EventsFilterProxy::EventsFilterProxy(QObject *parent)
    : QSortFilterProxyModel(parent)
{}

void EventsFilterProxy::setMinimumLevel(int rank)
{
    if (rank == m_minimumLevel)
        return;
    m_minimumLevel = rank;
    invalidateRowsFilter();
}

void EventsFilterProxy::setEventFilter(const QString &event)
{
    if (event == m_event)
        return;
    m_event = event;
    invalidateRowsFilter();
}

void EventsFilterProxy::setRevisionFilter(const QString &revision)
{
    if (revision == m_revision)
        return;
    m_revision = revision;
    invalidateRowsFilter();
}

void EventsFilterProxy::setSearchText(const QString &text)
{
    if (text == m_search)
        return;
    m_search = text;
    invalidateRowsFilter();
}

bool EventsFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    if (sourceParent.isValid())
        return false;
    const auto *events = qobject_cast<const EventsModel *>(sourceModel());
    if (!events)
        return true;
    // Straight to the entry: filtering 50,000 lines through QVariant data() would be slow.
    const EventEntry &e = events->entryAt(sourceRow);
    if (m_minimumLevel > 0 && EventEntry::levelRank(e.level) < m_minimumLevel)
        return false;
    if (!m_event.isEmpty() && e.event != m_event)
        return false;
    if (!m_revision.isEmpty() && e.revision != m_revision)
        return false;
    if (!m_search.isEmpty()) {
        return e.text.contains(m_search, Qt::CaseInsensitive) ||
               e.event.contains(m_search, Qt::CaseInsensitive) ||
               e.revision.contains(m_search, Qt::CaseInsensitive) ||
               e.source.contains(m_search, Qt::CaseInsensitive);
    }
    return true;
}

} // namespace blueshift::gui
