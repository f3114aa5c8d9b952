#include "survivalsvg.h"

#include "svgchart.h"

#include <limits>

namespace blueshift::stats {

QByteArray survivalSvg(const QList<NamedSurvivalCurve> &curves, const QString &title, int width,
                       int height)
{
    SvgChart chart(width, height);
    chart.setTitle(title);
    chart.setXAxis(QStringLiteral("session age"), AxisFormat::Duration);
    chart.setYAxis(QStringLiteral("sessions surviving"), AxisFormat::Percent);
    chart.setYRange(0, 1);
    for (const NamedSurvivalCurve &c : curves) {
        ChartLine line;
        line.label = c.label;
        line.stepped = true;
        line.points.reserve(c.curve.points().size() + 1);
        line.points.append(QPointF(0, 1));
        for (const SurvivalPoint &p : c.curve.points())
            line.points.append(QPointF(p.time, p.survival));
        chart.addLine(line);
    }
    return chart.toSvg();
}

QByteArray liveSessionsSvg(const QList<NamedSeries> &series, const StepTimeline &steps,
                           const QString &title, int width, int height)
{
    constexpr double gap = std::numeric_limits<double>::quiet_NaN();
    SvgChart chart(width, height);
    chart.setTitle(title);
    chart.setXAxis(QStringLiteral("run time"), AxisFormat::Duration);
    chart.setYAxis(QStringLiteral("live sessions"), AxisFormat::Number);
    for (const NamedSeries &s : series) {
        ChartLine line;
        line.label = s.label;
        line.points.reserve(s.points.size());
        for (qsizetype i = 0; i < s.points.size(); ++i) {
            const SeriesPoint &p = s.points.at(i);
            if (i > 0) {
                const SeriesPoint &prev = s.points.at(i - 1);
                if (p.time > prev.time + prev.width)
                    line.points.append(QPointF(double(prev.time + prev.width), gap));
            }
            line.points.append(QPointF(double(p.time), p.mean));
        }
        chart.addLine(line);
    }
    for (int i = 0; i < steps.size(); ++i)
        chart.addMarker({steps.step(i).start, steps.stepName(i)});
    return chart.toSvg();
}

} // namespace blueshift::stats
