#include "sessionsfilterproxy.h"

#include "sessionsmodel.h"

namespace blueshift::gui {

SessionsFilterProxy::SessionsFilterProxy(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(SessionsModel::SortRole);
    setDynamicSortFilter(true);
}

void SessionsFilterProxy::setSourceModel(QAbstractItemModel *model)
{
    m_model = qobject_cast<SessionsModel *>(model);
    QSortFilterProxyModel::setSourceModel(model);
}

void SessionsFilterProxy::setRevisionFilter(const std::optional<QString> &revision)
{
    if (revision == m_revision)
        return;
    m_revision = revision;
    invalidateFilter();
}

void SessionsFilterProxy::setStateFilter(std::optional<harness::SessionState> state)
{
    if (state == m_state)
        return;
    m_state = state;
    invalidateFilter();
}

bool SessionsFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    if (!m_model)
        return QSortFilterProxyModel::filterAcceptsRow(sourceRow, sourceParent);
    if (sourceParent.isValid() || sourceRow >= m_model->rowCount())
        return false;
    const harness::SessionRecord &r = m_model->record(sourceRow);
    if (m_state && r.state != *m_state)
        return false;
    if (m_revision && r.revision != *m_revision)
        return false;
    return true;
}

bool SessionsFilterProxy::lessThan(const QModelIndex &left, const QModelIndex &right) const
{
    if (!m_model)
        return QSortFilterProxyModel::lessThan(left, right);
    return m_model->lessThan(left.row(), right.row(), left.column());
}

} // namespace blueshift::gui
