#include "livesessionschart.h"

#include "timelinemarkers.h"

#include <QAreaSeries>
#include <QChart>
#include <QLegend>
#include <QLineSeries>
#include <QValueAxis>

#include <algorithm>

namespace blueshift::gui {

namespace {
QString displayName(const QString &revision)
{
    return revision.isEmpty() ? QStringLiteral("(unattributed)") : revision;
}
} // namespace

LiveSessionsChart::LiveSessionsChart(RevisionPalette *palette, QWidget *parent)
    : ChartWidget(QStringLiteral("Live sessions per revision"), QStringLiteral("live-sessions"),
                  ChartData::LiveSessions | ChartData::Timeline, parent)
    , m_palette(palette ? palette : &m_ownPalette)
{
    m_x = addValueAxis(Qt::AlignBottom, QStringLiteral("Run time (s)"));
    m_y = addValueAxis(Qt::AlignLeft, QStringLiteral("Live sessions"));
    m_y->setLabelFormat(QStringLiteral("%.0f"));
    m_x->setRange(0, 60);
    m_y->setRange(0, 10);
    m_markers = new TimelineMarkers(chart(), m_x);
}

LiveSessionsChart::~LiveSessionsChart() = default;

void LiveSessionsChart::syncLayers(const QStringList &revisions)
{
    // Revisions only ever get added during a run; anything else is a new run: start over.
    bool prefix = m_layers.size() <= revisions.size();
    for (qsizetype i = 0; prefix && i < m_layers.size(); ++i)
        prefix = m_layers.at(i).revision == revisions.at(i);
    if (!prefix) {
        for (const Layer &l : std::as_const(m_layers)) {
            chart()->removeSeries(l.area);
            delete l.area;
        }
        m_layers.clear();
    }
    for (qsizetype i = m_layers.size(); i < revisions.size(); ++i) {
        Layer l;
        l.revision = revisions.at(i);
        l.upper = new QLineSeries(this);
        l.lower = new QLineSeries(this);
        l.area = new QAreaSeries(l.upper, l.lower);
        l.area->setName(displayName(l.revision));
        const QColor c = m_palette->color(l.revision);
        QColor fill = c;
        fill.setAlpha(200);
        l.area->setBrush(fill);
        QPen pen(c.darker(125));
        pen.setWidthF(1.5);
        l.area->setPen(pen);
        chart()->addSeries(l.area);
        l.area->attachAxis(m_x);
        l.area->attachAxis(m_y);
        // The upper and lower series are parented to the area now; it deletes them.
        l.upper->setParent(l.area);
        l.lower->setParent(l.area);
        m_layers.append(l);
    }
}

void LiveSessionsChart::render(const ChartData &data)
{
    QStringList revisions;
    for (const stats::NamedSeries &s : data.live)
        revisions.append(s.label);
    syncLayers(revisions);

    // One time grid for every revision: the union of their bucket starts.
    m_times.clear();
    for (const stats::NamedSeries &s : data.live) {
        for (const stats::SeriesPoint &p : s.points)
            m_times.append(p.time);
    }
    std::sort(m_times.begin(), m_times.end());
    m_times.erase(std::unique(m_times.begin(), m_times.end()), m_times.end());

    m_values.clear();
    for (const stats::NamedSeries &s : data.live) {
        QList<double> values(m_times.size(), 0.0);
        qsizetype j = 0;
        for (qsizetype i = 0; i < m_times.size(); ++i) {
            const qint64 t = m_times.at(i);
            while (j < s.points.size() &&
                   s.points.at(j).time + std::max<qint64>(s.points.at(j).width, 1) <= t)
                ++j;
            if (j < s.points.size() && s.points.at(j).time <= t)
                values[i] = s.points.at(j).mean;
        }
        m_values.append(values);
    }

    double maxTime = m_times.isEmpty() ? 0 : double(m_times.last());
    for (const harness::TimelineEntry &e : data.timeline)
        maxTime = std::max(maxTime, e.time);
    const TimeScale scale = timeScaleFor(maxTime);

    QList<double> stacked(m_times.size(), 0.0);
    QList<QPointF> lower;
    QList<QPointF> upper;
    for (qsizetype r = 0; r < m_layers.size(); ++r) {
        // A layer starts where its revision's first sample is: a revision that did not exist
        // yet draws nothing (not a zero-height band whose outline would lie on the one below).
        const QList<stats::SeriesPoint> &own = data.live.at(r).points;
        const qsizetype first =
            own.isEmpty() ? m_times.size()
                          : std::lower_bound(m_times.cbegin(), m_times.cend(), own.first().time) -
                                m_times.cbegin();
        lower.resize(m_times.size() - first);
        upper.resize(m_times.size() - first);
        for (qsizetype i = first; i < m_times.size(); ++i) {
            const double x = double(m_times.at(i)) / scale.secondsPerUnit;
            lower[i - first] = QPointF(x, stacked.at(i));
            stacked[i] += m_values.at(r).at(i);
            upper[i - first] = QPointF(x, stacked.at(i));
        }
        m_layers.at(r).lower->replace(lower);
        m_layers.at(r).upper->replace(upper);
    }

    const double top = stacked.isEmpty() ? 0 : *std::max_element(stacked.cbegin(), stacked.cend());
    setNiceRange(m_y, std::max(10.0, top * 1.05));
    m_x->setTitleText(QStringLiteral("Run time (%1)").arg(scale.unit));
    setNiceRange(m_x, std::max(10.0, maxTime) / scale.secondsPerUnit, 9);

    m_markerSeconds.clear();
    QList<harness::TimelineEntry> scaled = data.timeline;
    for (harness::TimelineEntry &e : scaled) {
        m_markerSeconds.append(e.time);
        e.time /= scale.secondsPerUnit;
    }
    m_markers->setEntries(scaled);
}

int LiveSessionsChart::markerCount() const
{
    return m_markers->count();
}

QStringList LiveSessionsChart::markerLabels() const
{
    return m_markers->labels();
}

QList<double> LiveSessionsChart::markerTimes() const
{
    return m_markerSeconds;
}

int LiveSessionsChart::visibleMarkerCount() const
{
    return m_markers->visibleCount();
}

QString LiveSessionsChart::csv() const
{
    QString out = QStringLiteral("time_s");
    for (const Layer &l : m_layers)
        out += u',' + csvField(l.revision);
    out += QLatin1String(",total\n");
    for (qsizetype i = 0; i < m_times.size(); ++i) {
        out += QString::number(m_times.at(i));
        double total = 0;
        for (const QList<double> &v : m_values) {
            out += u',' + csvNumber(v.at(i));
            total += v.at(i);
        }
        out += u',' + csvNumber(total) + u'\n';
    }
    return out;
}

} // namespace blueshift::gui
