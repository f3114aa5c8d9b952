#pragma once

#include "harness/sessionrecord.h"

#include <QSortFilterProxyModel>

#include <optional>

namespace blueshift::gui {

class SessionsModel;

// Sorts and filters a SessionsModel by revision and state. Filtering and sorting read the
// records directly, not through QVariants: with 10,000 rows every batch and every age tick
// passes each changed row through filterAcceptsRow, and a sort compares them n log n times.
class SessionsFilterProxy : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    explicit SessionsFilterProxy(QObject *parent = nullptr);

    // A SessionsModel; any other model is shown unfiltered and sorted by SortRole.
    void setSourceModel(QAbstractItemModel *model) override;
    SessionsModel *sessionsModel() const { return m_model; }

    // nullopt: every revision. "" matches sessions that have no revision yet.
    void setRevisionFilter(const std::optional<QString> &revision);
    std::optional<QString> revisionFilter() const { return m_revision; }
    void setStateFilter(std::optional<harness::SessionState> state);
    std::optional<harness::SessionState> stateFilter() const { return m_state; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;
    bool lessThan(const QModelIndex &left, const QModelIndex &right) const override;

private:
    SessionsModel *m_model = nullptr;
    std::optional<QString> m_revision;
    std::optional<harness::SessionState> m_state;
};

} // namespace blueshift::gui
