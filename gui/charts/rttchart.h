#pragma once

#include "chartwidget.h"

QT_BEGIN_NAMESPACE
class QLineSeries;
QT_END_NAMESPACE

namespace blueshift::gui {

class TimelineMarkers;

// The fleet's ping round-trip time over run time: p50 and p99 of each time bucket, as core's
// percentile ring keeps them, with the timeline's markers so a spike lines up with its step.
class RttChart : public ChartWidget
{
    Q_OBJECT
public:
    explicit RttChart(QWidget *parent = nullptr);
    ~RttChart() override;

    QString csv() const override;
    int markerCount() const;

protected:
    void render(const ChartData &data) override;

private:
    QValueAxis *m_x = nullptr;
    QValueAxis *m_y = nullptr;
    QLineSeries *m_p50 = nullptr;
    QLineSeries *m_p99 = nullptr;
    TimelineMarkers *m_markers = nullptr;
    QList<stats::PercentileBucket> m_drawn;
};

} // namespace blueshift::gui
