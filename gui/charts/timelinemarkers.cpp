#include "timelinemarkers.h"

#include "chartdata.h"

#include <QBrush>
#include <QChart>
#include <QFontMetricsF>
#include <QGraphicsLineItem>
#include <QGraphicsRectItem>
#include <QGraphicsSimpleTextItem>
#include <QPen>
#include <QValueAxis>

namespace blueshift::gui {

namespace {
constexpr qreal kZ = 20; // above the series and the grid
constexpr int kRows = 4;
const QColor kStepColor(0x33, 0x33, 0x33);
const QColor kEventColor(0x80, 0x80, 0x80);
} // namespace

TimelineMarkers::TimelineMarkers(QChart *chart, QValueAxis *timeAxis)
    : QObject(chart)
    , m_chart(chart)
    , m_axis(timeAxis)
{
    connect(chart, &QChart::plotAreaChanged, this, &TimelineMarkers::relayout);
    connect(timeAxis, &QValueAxis::rangeChanged, this, &TimelineMarkers::relayout);
}

TimelineMarkers::~TimelineMarkers() = default; // the items are the chart's children

TimelineMarkers::Marker TimelineMarkers::makeMarker()
{
    Marker m;
    m.line = new QGraphicsLineItem(m_chart);
    m.line->setZValue(kZ);
    m.box = new QGraphicsRectItem(m_chart);
    m.box->setZValue(kZ + 1);
    m.box->setPen(Qt::NoPen);
    m.box->setBrush(QColor(255, 255, 255, 215));
    m.text = new QGraphicsSimpleTextItem(m.box);
    QFont font = m.text->font();
    font.setPointSizeF(std::max(7.0, font.pointSizeF() * 0.85));
    m.text->setFont(font);
    return m;
}

void TimelineMarkers::setEntries(const QList<harness::TimelineEntry> &entries)
{
    while (m_markers.size() < entries.size())
        m_markers.append(makeMarker());
    while (m_markers.size() > entries.size()) {
        Marker m = m_markers.takeLast();
        delete m.box;
        delete m.line;
    }
    for (qsizetype i = 0; i < entries.size(); ++i) {
        const harness::TimelineEntry &e = entries.at(i);
        Marker &m = m_markers[i];
        m.time = e.time;
        m.step = e.step >= 0 || e.kind == QLatin1String("step");
        QPen pen(m.step ? kStepColor : kEventColor);
        pen.setWidthF(m.step ? 1.4 : 1.0);
        pen.setStyle(m.step ? Qt::DashLine : Qt::DotLine);
        m.line->setPen(pen);
        m.text->setText(timelineLabel(e));
        m.text->setBrush(m.step ? kStepColor : kEventColor.darker(130));
        QFont font = m.text->font();
        font.setBold(m.step);
        m.text->setFont(font);
        m.box->setToolTip(timelineToolTip(e));
        m.line->setToolTip(timelineToolTip(e));
    }
    relayout();
}

QStringList TimelineMarkers::labels() const
{
    QStringList out;
    for (const Marker &m : m_markers)
        out.append(m.text->text());
    return out;
}

QList<double> TimelineMarkers::times() const
{
    QList<double> out;
    for (const Marker &m : m_markers)
        out.append(m.time);
    return out;
}

int TimelineMarkers::visibleCount() const
{
    return int(std::count_if(m_markers.cbegin(), m_markers.cend(),
                             [](const Marker &m) { return m.line->isVisible(); }));
}

void TimelineMarkers::relayout()
{
    const QRectF plot = m_chart->plotArea();
    const double min = m_axis->min();
    const double span = m_axis->max() - min;
    qreal rowRight[kRows];
    std::fill(std::begin(rowRight), std::end(rowRight), -1e9);
    for (Marker &m : m_markers) {
        const bool inside = span > 0 && plot.width() > 0 && m.time >= min && m.time <= min + span;
        m.line->setVisible(inside);
        m.box->setVisible(inside);
        if (!inside)
            continue;
        const qreal x = plot.left() + (m.time - min) / span * plot.width();
        m.line->setLine(x, plot.top(), x, plot.bottom());
        const QRectF textRect = m.text->boundingRect();
        const qreal w = textRect.width() + 6;
        const qreal h = textRect.height() + 2;
        // A label near the right edge is put on the left of its line.
        const qreal left = x + 2 + w > plot.right() ? x - 2 - w : x + 2;
        // The first row whose last label ends before this one starts; else the row that ends
        // first.
        int row = 0;
        for (int r = 0; r < kRows; ++r) {
            if (rowRight[r] < left) {
                row = r;
                break;
            }
            if (rowRight[r] < rowRight[row])
                row = r;
        }
        m.box->setRect(0, 0, w, h);
        m.box->setPos(left, plot.top() + 2 + row * (h + 1));
        m.text->setPos(3, 1);
        rowRight[row] = left + w + 2;
    }
}

} // namespace blueshift::gui
