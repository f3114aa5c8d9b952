#pragma once

#include <QByteArray>
#include <QList>
#include <QPointF>
#include <QString>

namespace blueshift::stats {

// A polyline for SvgChart; a point with a NaN y breaks the line (a gap in the data).
struct ChartLine
{
    QString label;
    QList<QPointF> points;
    bool stepped = false; // hold each y until the next x, as a survival curve does
};

// A vertical line at `x` with a label at its top: a rollout step.
struct ChartMarker
{
    double x = 0;
    QString label;
};

enum class AxisFormat { Number, Percent, Duration };

// A small static line chart written as a standalone <svg> element for an HTML report: axes with
// ticks and labels, one <path class="series"> per line, <line class="step-marker"> per marker
// and a legend. Needs nothing beyond Qt Core; all text goes through an XML writer, so labels may
// hold any characters.
class SvgChart
{
public:
    explicit SvgChart(int width = 720, int height = 360);

    void setTitle(const QString &title) { m_title = title; }
    void setXAxis(const QString &label, AxisFormat format);
    void setYAxis(const QString &label, AxisFormat format);
    // Fixes a range; otherwise it is taken from the data (and, for y, starts at 0).
    void setXRange(double min, double max);
    void setYRange(double min, double max);

    void addLine(const ChartLine &line) { m_lines.append(line); }
    void addMarker(const ChartMarker &marker) { m_markers.append(marker); }

    QByteArray toSvg() const;

    // Tick positions at a round step (1, 2 or 5 times a power of ten; for durations, steps a
    // clock uses) covering [min, max] with about `target` ticks.
    static double tickStep(double min, double max, int target, AxisFormat format);
    static QString formatTick(double value, double step, AxisFormat format);
    // The colour of the n-th line.
    static QString colour(int index);

private:
    struct Range
    {
        double min = 0;
        double max = 1;
        bool fixed = false;
    };
    struct Axis
    {
        QString label;
        AxisFormat format = AxisFormat::Number;
        Range range;
    };
    void resolveRanges(Range *x, Range *y) const;

    int m_width;
    int m_height;
    QString m_title;
    Axis m_x;
    Axis m_y;
    QList<ChartLine> m_lines;
    QList<ChartMarker> m_markers;
};

} // namespace blueshift::stats
