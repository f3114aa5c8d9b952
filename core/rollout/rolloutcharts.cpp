#include "rolloutcharts.h"

#include "stats/kaplanmeier.h"
#include "stats/survivalsvg.h"
#include "stats/svgchart.h"

#include <QMap>

#include <algorithm>

namespace blueshift::rollout {

namespace {
// Revisions in order of their first connection, so colours follow the rollout (blue, then green).
QStringList revisionsInOrder(const QList<Connection> &connections)
{
    QList<const Connection *> sorted;
    for (const Connection &c : connections)
        sorted.append(&c);
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const Connection *a, const Connection *b) { return a->open < b->open; });
    QStringList out;
    for (const Connection *c : std::as_const(sorted)) {
        if (!out.contains(c->revision))
            out.append(c->revision);
    }
    return out;
}

QString label(const QString &revision)
{
    return revision.isEmpty() ? QStringLiteral("(unattributed)") : revision;
}

// A marker where each step that changes something began (waits and holds change nothing; the
// step table lists them). Steps that begin within a moment of each other share one marker,
// labelled with their numbers, so that labels do not pile up.
void addMarkers(stats::SvgChart *chart, const QList<StepWindow> &steps, double end)
{
    const double close = std::max(end, 1.0) * 0.015;
    QList<const StepWindow *> group;
    auto flush = [&] {
        if (group.isEmpty())
            return;
        QString label;
        if (group.size() == 1) {
            label = QStringLiteral("%1 %2").arg(group.first()->index + 1).arg(group.first()->name);
        } else {
            QStringList numbers;
            for (const StepWindow *s : std::as_const(group))
                numbers.append(QString::number(s->index + 1));
            label = QStringLiteral("steps ") + numbers.join(QLatin1Char(','));
        }
        chart->addMarker({group.first()->start, label});
        group.clear();
    };
    for (const StepWindow &s : steps) {
        if (s.start < 0 || s.kind == StepKind::Wait || s.kind == StepKind::Hold)
            continue;
        if (!group.isEmpty() && s.start - group.first()->start > close)
            flush();
        group.append(&s);
    }
    flush();
}

bool closedByPlatform(const Connection &c)
{
    return c.isClosed() && c.side != stats::CloseSide::Client;
}
} // namespace

double RolloutCharts::cohortTime(const RolloutEvidence &evidence, const QList<StepWindow> &steps)
{
    for (const StepWindow &s : steps) {
        if (s.start < 0)
            continue;
        for (const Connection &c : evidence.connections()) {
            if (c.isOpenAt(s.start))
                return s.start;
        }
    }
    return -1;
}

QByteArray RolloutCharts::survivalOverRunTime(const RolloutEvidence &evidence,
                                              const QList<StepWindow> &steps)
{
    const double t0 = cohortTime(evidence, steps);
    if (t0 < 0)
        return {};
    const double end = std::max(evidence.end(), t0);
    stats::SvgChart chart;
    chart.setTitle(
        QStringLiteral("Sessions open at %1 s surviving, by revision").arg(t0, 0, 'f', 1));
    chart.setXAxis(QStringLiteral("run time"), stats::AxisFormat::Duration);
    chart.setYAxis(QStringLiteral("sessions surviving"), stats::AxisFormat::Percent);
    chart.setXRange(0, std::max(end, 1.0));
    chart.setYRange(0, 1);
    for (const QString &rev : revisionsInOrder(evidence.connections())) {
        stats::KaplanMeier km;
        int n = 0;
        for (const Connection &c : evidence.connections()) {
            if (c.revision != rev || !c.isOpenAt(t0))
                continue;
            ++n;
            const double until = c.isClosed() ? c.close : end;
            km.add(until - t0, closedByPlatform(c));
        }
        if (n == 0)
            continue;
        stats::ChartLine line;
        line.label = QStringLiteral("%1 (%2)").arg(label(rev)).arg(n);
        line.stepped = true;
        line.points.append(QPointF(t0, 1));
        for (const stats::SurvivalPoint &p : km.curve().points())
            line.points.append(QPointF(t0 + p.time, p.survival));
        // Carried to the end of the run, so a flat tail reads as "still alive", not "no data".
        line.points.append(QPointF(end, km.curve().survivalAt(end - t0)));
        chart.addLine(line);
    }
    addMarkers(&chart, steps, end);
    return chart.toSvg();
}

QByteArray RolloutCharts::liveSessions(const RolloutEvidence &evidence,
                                       const QList<StepWindow> &steps)
{
    const double end = std::max(evidence.end(), 1.0);
    // About 400 samples whatever the length of the run, never finer than 0.1 s.
    const double dt = std::max(0.1, end / 400.0);
    stats::SvgChart chart;
    chart.setTitle(QStringLiteral("Live sessions per revision"));
    chart.setXAxis(QStringLiteral("run time"), stats::AxisFormat::Duration);
    chart.setYAxis(QStringLiteral("live sessions"), stats::AxisFormat::Number);
    chart.setXRange(0, end);
    for (const QString &rev : revisionsInOrder(evidence.connections())) {
        // +1 at each open, -1 at each close, swept in time order.
        QMap<double, int> deltas;
        for (const Connection &c : evidence.connections()) {
            if (c.revision != rev)
                continue;
            deltas[c.open] += 1;
            if (c.isClosed())
                deltas[c.close] -= 1;
        }
        stats::ChartLine line;
        line.label = label(rev);
        line.stepped = true;
        int live = 0;
        auto it = deltas.begin();
        for (double t = 0; t <= end + dt / 2; t += dt) {
            while (it != deltas.end() && it.key() <= t) {
                live += it.value();
                ++it;
            }
            line.points.append(QPointF(std::min(t, end), live));
        }
        chart.addLine(line);
    }
    addMarkers(&chart, steps, end);
    return chart.toSvg();
}

QByteArray RolloutCharts::survivalByAge(const RolloutEvidence &evidence)
{
    QList<stats::NamedSurvivalCurve> curves;
    for (const QString &rev : revisionsInOrder(evidence.connections())) {
        stats::KaplanMeier km;
        for (const Connection &c : evidence.connections()) {
            if (c.revision != rev)
                continue;
            const double until = c.isClosed() ? c.close : evidence.end();
            km.add(std::max(0.0, until - c.open), closedByPlatform(c));
        }
        curves.append({label(rev), km.curve()});
    }
    return stats::survivalSvg(curves, QStringLiteral("Survival by session age, every connection"));
}

} // namespace blueshift::rollout
