#pragma once

#include "harness/fleet.h"

#include <QList>
#include <QObject>
#include <QStringList>

QT_BEGIN_NAMESPACE
class QChart;
class QGraphicsLineItem;
class QGraphicsRectItem;
class QGraphicsSimpleTextItem;
class QValueAxis;
QT_END_NAMESPACE

namespace blueshift::gui {

// Vertical markers with a short label over a time chart, one per timeline entry (rollout steps
// solid and dark, platform events dotted and grey). Graphics items on the chart rather than
// series, so they stay out of the legend and out of the axis ranges; they follow the plot area
// and the x axis. Labels that would overlap drop to the next row.
class TimelineMarkers : public QObject
{
    Q_OBJECT
public:
    TimelineMarkers(QChart *chart, QValueAxis *timeAxis);
    ~TimelineMarkers() override;

    void setEntries(const QList<harness::TimelineEntry> &entries);
    int count() const { return int(m_markers.size()); }
    QStringList labels() const;
    QList<double> times() const;
    // Markers inside the axis range, drawn.
    int visibleCount() const;

    void relayout();

private:
    struct Marker
    {
        double time = 0;
        bool step = false;
        QGraphicsLineItem *line = nullptr;
        QGraphicsRectItem *box = nullptr; // the label's background, parent of its text
        QGraphicsSimpleTextItem *text = nullptr;
    };
    Marker makeMarker();

    QChart *m_chart;
    QValueAxis *m_axis;
    QList<Marker> m_markers;
};

} // namespace blueshift::gui
