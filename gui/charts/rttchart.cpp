#include "rttchart.h"

#include "timelinemarkers.h"

#include <QChart>
#include <QLineSeries>
#include <QValueAxis>

namespace blueshift::gui {

RttChart::RttChart(QWidget *parent)
    : ChartWidget(QStringLiteral("Round-trip time (WebSocket ping/pong)"), QStringLiteral("rtt"),
                  ChartData::Rtt | ChartData::Timeline, parent)
{
    m_x = addValueAxis(Qt::AlignBottom, QStringLiteral("Run time (s)"));
    m_y = addValueAxis(Qt::AlignLeft, QStringLiteral("RTT (ms)"));
    m_x->setRange(0, 60);
    m_y->setRange(0, 1);
    m_p50 = new QLineSeries(this);
    m_p50->setName(QStringLiteral("p50"));
    QPen p50Pen(QColor(0x3b78c3));
    p50Pen.setWidthF(2);
    m_p50->setPen(p50Pen);
    m_p99 = new QLineSeries(this);
    m_p99->setName(QStringLiteral("p99"));
    QPen p99Pen(QColor(0xd0453b));
    p99Pen.setWidthF(1.6);
    m_p99->setPen(p99Pen);
    for (QLineSeries *s : {m_p50, m_p99}) {
        chart()->addSeries(s);
        s->attachAxis(m_x);
        s->attachAxis(m_y);
    }
    m_markers = new TimelineMarkers(chart(), m_x);
}

RttChart::~RttChart() = default;

void RttChart::render(const ChartData &data)
{
    m_drawn = data.rtt;
    double maxTime = 0;
    for (const stats::PercentileBucket &b : std::as_const(m_drawn))
        maxTime = std::max(maxTime, b.start + b.width);
    for (const harness::TimelineEntry &e : data.timeline)
        maxTime = std::max(maxTime, e.time);
    const TimeScale scale = timeScaleFor(maxTime);

    QList<QPointF> p50;
    QList<QPointF> p99;
    p50.reserve(m_drawn.size());
    p99.reserve(m_drawn.size());
    double top = 0;
    for (const stats::PercentileBucket &b : std::as_const(m_drawn)) {
        const double x = b.start / scale.secondsPerUnit;
        p50.append(QPointF(x, double(b.summary.p50) / 1000.0));
        p99.append(QPointF(x, double(b.summary.p99) / 1000.0));
        top = std::max(top, double(b.summary.p99) / 1000.0);
    }
    m_p50->replace(p50);
    m_p99->replace(p99);

    setNiceRange(m_y, std::max(1.0, top * 1.05));
    m_x->setTitleText(QStringLiteral("Run time (%1)").arg(scale.unit));
    setNiceRange(m_x, std::max(10.0, maxTime) / scale.secondsPerUnit, 9);

    QList<harness::TimelineEntry> scaled = data.timeline;
    for (harness::TimelineEntry &e : scaled)
        e.time /= scale.secondsPerUnit;
    m_markers->setEntries(scaled);
}

int RttChart::markerCount() const
{
    return m_markers->count();
}

QString RttChart::csv() const
{
    QString out = QStringLiteral("time_s,width_s,samples,p50_ms,p90_ms,p99_ms,max_ms\n");
    for (const stats::PercentileBucket &b : m_drawn) {
        out += csvNumber(b.start) % u',' % csvNumber(b.width) % u',' %
               QString::number(b.summary.count) % u',' % csvNumber(double(b.summary.p50) / 1000) %
               u',' % csvNumber(double(b.summary.p90) / 1000) % u',' %
               csvNumber(double(b.summary.p99) / 1000) % u',' %
               csvNumber(double(b.summary.max) / 1000) % u'\n';
    }
    return out;
}

} // namespace blueshift::gui
