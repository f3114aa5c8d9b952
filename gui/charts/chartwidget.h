#pragma once

#include "chartdata.h"

#include <QImage>
#include <QPointF>
#include <QTimer>
#include <QWidget>

#include <functional>

QT_BEGIN_NAMESPACE
class QChart;
class QChartView;
class QValueAxis;
QT_END_NAMESPACE

namespace blueshift::gui {

// The base of every chart: a Qt Charts view behind Blueshift's own API (Qt Charts is deprecated
// from Qt 6.10 in favour of Qt Graphs, so nothing outside gui/charts names a Qt Charts type).
// Redraws follow Wireshark's IO graph: new data only marks the chart dirty, and a timer a few
// times a second redraws it if it is dirty and visible. The timer stops while the chart is
// hidden, and each series is refilled with one replace() per redraw.
class ChartWidget : public QWidget
{
    Q_OBJECT
public:
    // Called at each redraw for the parts this chart shows.
    using Source = std::function<ChartData(ChartData::Parts parts)>;

    ~ChartWidget() override;

    QString title() const { return m_title; }
    // A file name without extension: "live-sessions".
    QString fileStem() const { return m_fileStem; }
    ChartData::Parts parts() const { return m_parts; }

    void setSource(Source source);
    // A fixed copy of the data (tests, a finished run loaded from a report).
    void setData(const ChartData &data);
    void markDirty();
    bool isDirty() const { return m_dirty; }

    void setRedrawInterval(int milliseconds);
    int redrawInterval() const { return m_timer.interval(); }
    bool isRedrawTimerActive() const { return m_timer.isActive(); }
    // Pulls from the source and draws now, dirty or not.
    void redrawNow();
    int redrawCount() const { return m_redraws; }

    // What is on screen, for exports and tests: XY series (an area's upper edge) in legend order.
    int seriesCount() const;
    QString seriesName(int index) const;
    QList<QPointF> seriesPoints(int index) const;
    QColor seriesColor(int index) const;
    QString axisTitle(Qt::Orientation orientation) const;
    QPointF axisRange(Qt::Orientation orientation) const; // min, max of the value axis

    // The drawn data as CSV (header line first), exactly the figures on screen.
    virtual QString csv() const = 0;
    bool exportCsv(const QString &path, QString *error = nullptr);
    // The chart as it is drawn, at the widget's size (or 960x540 if it was never laid out).
    QImage image();
    // Applies the layout Qt Charts has queued (before an image is taken of the chart).
    static void flushLayout();
    bool exportPng(const QString &path, QString *error = nullptr);

Q_SIGNALS:
    // After each redraw, with how long it took (fetch from the source plus layout).
    void redrawn(qint64 nanoseconds);

protected:
    ChartWidget(const QString &title, const QString &fileStem, ChartData::Parts parts,
                QWidget *parent);

    QChart *chart() const { return m_chart; }
    QValueAxis *addValueAxis(Qt::Alignment alignment, const QString &title);
    // Draws `data` (only the parts this chart asked for are filled in).
    virtual void render(const ChartData &data) = 0;

    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

    // Seconds up to 15 minutes, then minutes, then hours, so that tick labels stay short.
    struct TimeScale
    {
        double secondsPerUnit = 1;
        QString unit = QStringLiteral("s");
    };
    static TimeScale timeScaleFor(double maxSeconds);

    // 0 .. a round number >= max, with round ticks (steps of 1, 2 or 5 times a power of ten).
    static void setNiceRange(QValueAxis *axis, double max, int maxTicks = 7);

    static QString csvField(const QString &text);
    static QString csvNumber(double value, int decimals = 3);

private:
    void tick();

    QString m_title;
    QString m_fileStem;
    ChartData::Parts m_parts;
    QChart *m_chart = nullptr;
    QChartView *m_view = nullptr;
    QTimer m_timer;
    Source m_source;
    bool m_dirty = false;
    int m_redraws = 0;
};

} // namespace blueshift::gui
