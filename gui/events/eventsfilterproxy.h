#pragma once

#include <QSortFilterProxyModel>

namespace blueshift::gui {

// What the events view shows of EventsModel: a minimum level, one event name, one revision and a
// search text (case-insensitive, over event, revision, source and details). Each criterion is
// off when empty (level: 0, debug and up).
class EventsFilterProxy : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    explicit EventsFilterProxy(QObject *parent = nullptr);

    void setMinimumLevel(int rank);
    int minimumLevel() const { return m_minimumLevel; }
    void setEventFilter(const QString &event);
    QString eventFilter() const { return m_event; }
    void setRevisionFilter(const QString &revision);
    QString revisionFilter() const { return m_revision; }
    void setSearchText(const QString &text);
    QString searchText() const { return m_search; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    int m_minimumLevel = 0;
    QString m_event;
    QString m_revision;
    QString m_search;
};

} // namespace blueshift::gui
