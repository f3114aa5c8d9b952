#pragma once

#include "chartwidget.h"
#include "revisionpalette.h"

QT_BEGIN_NAMESPACE
class QAreaSeries;
class QLineSeries;
QT_END_NAMESPACE

namespace blueshift::gui {

class TimelineMarkers;

// Live sessions per revision over run time, as stacked areas (one colour per revision), with a
// marker and a short label for every rollout step and platform event on the fleet's timeline.
// The revisions' ring series are laid on one time grid (a revision that did not exist yet
// counts 0), so the top edge is the fleet's total.
class LiveSessionsChart : public ChartWidget
{
    Q_OBJECT
public:
    // `palette` is shared with the other charts (not owned); null: the chart keeps its own.
    explicit LiveSessionsChart(RevisionPalette *palette = nullptr, QWidget *parent = nullptr);
    ~LiveSessionsChart() override;

    QString csv() const override;

    int markerCount() const;
    QStringList markerLabels() const;
    QList<double> markerTimes() const; // seconds, as on the timeline
    int visibleMarkerCount() const;

protected:
    void render(const ChartData &data) override;

private:
    struct Layer
    {
        QString revision;
        QAreaSeries *area = nullptr;
        QLineSeries *upper = nullptr;
        QLineSeries *lower = nullptr;
    };
    void syncLayers(const QStringList &revisions);

    RevisionPalette m_ownPalette;
    RevisionPalette *m_palette;
    QValueAxis *m_x = nullptr;
    QValueAxis *m_y = nullptr;
    TimelineMarkers *m_markers = nullptr;
    QList<Layer> m_layers;
    // What was drawn, for csv(): the shared time grid and each revision's values on it.
    QList<qint64> m_times;
    QList<QList<double>> m_values;
    QList<double> m_markerSeconds;
};

} // namespace blueshift::gui
