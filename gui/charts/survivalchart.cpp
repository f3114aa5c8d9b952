#include "survivalchart.h"

#include <QChart>
#include <QLineSeries>
#include <QValueAxis>

namespace blueshift::gui {

namespace {
QString legendName(const stats::NamedSurvivalCurve &c)
{
    const QString name = c.label.isEmpty() ? QStringLiteral("(no revision header)") : c.label;
    QString details = QStringLiteral("n=%1").arg(c.curve.subjects());
    if (const std::optional<double> median = c.curve.median())
        details += QStringLiteral(", median %1 s").arg(*median, 0, 'f', 0);
    return name % QLatin1String(" (") % details % u')';
}
} // namespace

SurvivalChart::SurvivalChart(RevisionPalette *palette, QWidget *parent)
    : ChartWidget(QStringLiteral("Session survival by age (Kaplan-Meier)"),
                  QStringLiteral("survival"), ChartData::Survival, parent)
    , m_palette(palette ? palette : &m_ownPalette)
{
    m_x = addValueAxis(Qt::AlignBottom, QStringLiteral("Session age (s)"));
    m_y = addValueAxis(Qt::AlignLeft, QStringLiteral("Sessions still open (%)"));
    // A little headroom, so that a curve that never drops is not lost in the frame; ticks
    // every 20% from 0.
    m_y->setRange(0, 104);
    m_y->setTickType(QValueAxis::TicksDynamic);
    m_y->setTickAnchor(0);
    m_y->setTickInterval(20);
    m_y->setLabelFormat(QStringLiteral("%.0f"));
    m_x->setRange(0, 60);
}

SurvivalChart::~SurvivalChart() = default;

void SurvivalChart::render(const ChartData &data)
{
    m_drawn = data.survival;
    bool same = m_curves.size() == m_drawn.size();
    for (qsizetype i = 0; same && i < m_curves.size(); ++i)
        same = m_curves.at(i).revision == m_drawn.at(i).label;
    if (!same) {
        for (const Curve &c : std::as_const(m_curves)) {
            chart()->removeSeries(c.series);
            delete c.series;
        }
        m_curves.clear();
        for (const stats::NamedSurvivalCurve &n : std::as_const(m_drawn)) {
            Curve c;
            c.revision = n.label;
            c.series = new QLineSeries(this);
            QPen pen(m_palette->color(n.label));
            pen.setWidthF(2.2);
            c.series->setPen(pen);
            chart()->addSeries(c.series);
            c.series->attachAxis(m_x);
            c.series->attachAxis(m_y);
            m_curves.append(c);
        }
    }

    double maxAge = 0;
    for (const stats::NamedSurvivalCurve &n : std::as_const(m_drawn)) {
        if (!n.curve.isEmpty())
            maxAge = std::max(maxAge, n.curve.points().last().time);
    }
    const TimeScale scale = timeScaleFor(maxAge);
    for (qsizetype i = 0; i < m_drawn.size(); ++i) {
        const stats::NamedSurvivalCurve &n = m_drawn.at(i);
        // A step function: flat until each time, then down to the new value.
        QList<QPointF> points;
        points.reserve(n.curve.points().size() * 2 + 1);
        double s = 100;
        points.append(QPointF(0, s));
        for (const stats::SurvivalPoint &p : n.curve.points()) {
            const double x = p.time / scale.secondsPerUnit;
            points.append(QPointF(x, s));
            s = p.survival * 100;
            points.append(QPointF(x, s));
        }
        m_curves.at(i).series->setName(legendName(n));
        m_curves.at(i).series->replace(points);
    }
    m_x->setTitleText(QStringLiteral("Session age (%1)").arg(scale.unit));
    setNiceRange(m_x, std::max(10.0, maxAge * 1.02) / scale.secondsPerUnit, 9);
}

QStringList SurvivalChart::revisions() const
{
    QStringList out;
    for (const Curve &c : m_curves)
        out.append(c.revision);
    return out;
}

QString SurvivalChart::csv() const
{
    QString out =
        QStringLiteral("revision,age_s,survival,standard_error,at_risk,events,censored\n");
    for (const stats::NamedSurvivalCurve &n : m_drawn) {
        const QString rev = csvField(n.label);
        for (const stats::SurvivalPoint &p : n.curve.points()) {
            out += rev % u',' % csvNumber(p.time) % u',' % csvNumber(p.survival, 6) % u',' %
                   csvNumber(p.standardError, 6) % u',' % QString::number(p.atRisk) % u',' %
                   QString::number(p.events) % u',' % QString::number(p.censored) % u'\n';
        }
    }
    return out;
}

} // namespace blueshift::gui
