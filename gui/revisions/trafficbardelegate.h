#pragma once

#include <QStyledItemDelegate>

namespace blueshift::gui {

// Paints a revision's traffic weight as a bar behind its percentage, so that a 50/50 split reads
// at a glance. The weight comes from RevisionsModel::WeightRole.
class TrafficBarDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
};

} // namespace blueshift::gui
