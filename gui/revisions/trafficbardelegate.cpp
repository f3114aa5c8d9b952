#include "trafficbardelegate.h"

#include "revisionsmodel.h"

#include <QPainter>

namespace blueshift::gui {

void TrafficBarDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                               const QModelIndex &index) const
{
    const int weight = qBound(0, index.data(RevisionsModel::WeightRole).toInt(), 100);
    const bool active = index.data(RevisionsModel::ActiveRole).toBool();
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    // Background and selection first, then the bar, then the text on top.
    const QString text = opt.text;
    opt.text.clear();
    QStyle *style = opt.widget ? opt.widget->style() : nullptr;
    if (style)
        style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, opt.widget);
    const QRect area = option.rect.adjusted(4, 4, -4, -4);
    if (weight > 0 && area.width() > 0) {
        QRect bar = area;
        bar.setWidth(area.width() * weight / 100);
        painter->save();
        painter->setRenderHint(QPainter::Antialiasing);
        painter->setPen(Qt::NoPen);
        painter->setBrush(active ? QColor(0x42, 0x85, 0xf4, 110) : QColor(0x9e, 0x9e, 0x9e, 90));
        painter->drawRoundedRect(bar, 3, 3);
        painter->restore();
    }
    painter->save();
    painter->setPen(opt.palette.color(
        option.state & QStyle::State_Selected ? QPalette::HighlightedText : QPalette::Text));
    painter->drawText(area.adjusted(0, 0, -2, 0), Qt::AlignRight | Qt::AlignVCenter, text);
    painter->restore();
}

} // namespace blueshift::gui
