#include "chartwidget.h"

#include "chartslog.h"

#include <QAreaSeries>
#include <QChart>
#include <QChartView>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QLineSeries>
#include <QPainter>
#include <QSaveFile>
#include <QVBoxLayout>
#include <QValueAxis>
#include <QXYSeries>

#include <cmath>

namespace blueshift::gui {

namespace {
constexpr int kDefaultRedrawMs = 250;

// The XY series a reader sees: an area series by its upper edge.
QXYSeries *xySeries(QAbstractSeries *series)
{
    if (auto *area = qobject_cast<QAreaSeries *>(series))
        return area->upperSeries();
    return qobject_cast<QXYSeries *>(series);
}
} // namespace

ChartWidget::ChartWidget(const QString &title, const QString &fileStem, ChartData::Parts parts,
                         QWidget *parent)
    : QWidget(parent)
    , m_title(title)
    , m_fileStem(fileStem)
    , m_parts(parts)
{
    m_chart = new QChart;
    m_chart->setTitle(title);
    QFont titleFont = m_chart->titleFont();
    titleFont.setBold(true);
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.15);
    m_chart->setTitleFont(titleFont);
    m_chart->setAnimationOptions(QChart::NoAnimation);
    m_chart->setBackgroundRoundness(0);
    m_chart->setMargins(QMargins(6, 6, 6, 6));
    m_chart->legend()->setAlignment(Qt::AlignBottom);
    m_view = new QChartView(m_chart, this); // takes ownership of the chart
    m_view->setRenderHint(QPainter::Antialiasing);
    m_view->setFrameShape(QFrame::NoFrame);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_view);

    m_timer.setInterval(kDefaultRedrawMs);
    connect(&m_timer, &QTimer::timeout, this, &ChartWidget::tick);
}

ChartWidget::~ChartWidget() = default;

void ChartWidget::setSource(Source source)
{
    m_source = std::move(source);
    markDirty();
}

void ChartWidget::setData(const ChartData &data)
{
    auto shared = std::make_shared<const ChartData>(data);
    setSource([shared](ChartData::Parts) { return *shared; });
}

void ChartWidget::markDirty()
{
    m_dirty = true;
}

void ChartWidget::setRedrawInterval(int milliseconds)
{
    m_timer.setInterval(std::max(16, milliseconds));
}

void ChartWidget::tick()
{
    if (m_dirty && isVisible())
        redrawNow();
}

void ChartWidget::redrawNow()
{
    QElapsedTimer timer;
    timer.start();
    const ChartData data = m_source ? m_source(m_parts) : ChartData();
    render(data);
    m_dirty = false;
    ++m_redraws;
    Q_EMIT redrawn(timer.nsecsElapsed());
}

void ChartWidget::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    m_timer.start();
    // Data that arrived while hidden is drawn at once, not a timer period later.
    if (m_dirty)
        QMetaObject::invokeMethod(this, &ChartWidget::tick, Qt::QueuedConnection);
}

void ChartWidget::hideEvent(QHideEvent *event)
{
    QWidget::hideEvent(event);
    m_timer.stop();
}

QValueAxis *ChartWidget::addValueAxis(Qt::Alignment alignment, const QString &title)
{
    auto *axis = new QValueAxis(m_chart);
    axis->setTitleText(title);
    QFont font = axis->titleFont();
    font.setBold(false);
    axis->setTitleFont(font);
    axis->setLabelFormat(QStringLiteral("%g"));
    m_chart->addAxis(axis, alignment);
    return axis;
}

int ChartWidget::seriesCount() const
{
    int n = 0;
    const QList<QAbstractSeries *> all = m_chart->series();
    for (QAbstractSeries *s : all)
        n += xySeries(s) != nullptr;
    return n;
}

QString ChartWidget::seriesName(int index) const
{
    int n = 0;
    const QList<QAbstractSeries *> all = m_chart->series();
    for (QAbstractSeries *s : all) {
        if (xySeries(s) && n++ == index)
            return s->name();
    }
    return {};
}

QList<QPointF> ChartWidget::seriesPoints(int index) const
{
    int n = 0;
    const QList<QAbstractSeries *> all = m_chart->series();
    for (QAbstractSeries *s : all) {
        if (QXYSeries *xy = xySeries(s); xy && n++ == index)
            return xy->points();
    }
    return {};
}

QColor ChartWidget::seriesColor(int index) const
{
    int n = 0;
    const QList<QAbstractSeries *> all = m_chart->series();
    for (QAbstractSeries *s : all) {
        if (!xySeries(s) || n++ != index)
            continue;
        if (auto *area = qobject_cast<QAreaSeries *>(s))
            return area->brush().color();
        return static_cast<QXYSeries *>(s)->color();
    }
    return {};
}

QString ChartWidget::axisTitle(Qt::Orientation orientation) const
{
    const QList<QAbstractAxis *> axes = m_chart->axes(orientation);
    return axes.isEmpty() ? QString() : axes.first()->titleText();
}

QPointF ChartWidget::axisRange(Qt::Orientation orientation) const
{
    const QList<QAbstractAxis *> axes = m_chart->axes(orientation);
    for (QAbstractAxis *a : axes) {
        if (auto *value = qobject_cast<QValueAxis *>(a))
            return {value->min(), value->max()};
    }
    return {};
}

bool ChartWidget::exportCsv(const QString &path, QString *error)
{
    if (m_dirty)
        redrawNow();
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Text) || file.write(csv().toUtf8()) < 0 ||
        !file.commit()) {
        if (error)
            *error = QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
        qCWarning(lcCharts) << "CSV export failed:" << path << file.errorString();
        return false;
    }
    return true;
}

QImage ChartWidget::image()
{
    if (m_dirty)
        redrawNow();
    // A chart that was never laid out (exported before it was shown) gets a sensible size.
    if (!isVisible() && !parentWidget() && !testAttribute(Qt::WA_Resized))
        resize(960, 540);
    flushLayout();
    return grab().toImage();
}

void ChartWidget::flushLayout()
{
    // Qt Charts lays the chart out (legend, axes, plot area) on a posted LayoutRequest; an image
    // taken right after a redraw would show the previous layout. Those requests may post
    // further ones for nested layouts, hence a few passes.
    for (int pass = 0; pass < 3; ++pass)
        QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
}

bool ChartWidget::exportPng(const QString &path, QString *error)
{
    const QImage img = image();
    QSaveFile file(path);
    if (img.isNull() || !file.open(QIODevice::WriteOnly) || !img.save(&file, "PNG") ||
        !file.commit()) {
        if (error)
            *error =
                QStringLiteral("cannot write %1: %2")
                    .arg(path, img.isNull() ? QStringLiteral("empty image") : file.errorString());
        qCWarning(lcCharts) << "PNG export failed:" << path;
        return false;
    }
    return true;
}

ChartWidget::TimeScale ChartWidget::timeScaleFor(double maxSeconds)
{
    if (maxSeconds > 3 * 3600)
        return {3600, QStringLiteral("h")};
    if (maxSeconds > 900)
        return {60, QStringLiteral("min")};
    return {};
}

void ChartWidget::setNiceRange(QValueAxis *axis, double max, int maxTicks)
{
    if (!(max > 0))
        max = 1;
    const double raw = max / double(std::max(1, maxTicks - 1));
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    double step = magnitude * 10;
    for (double m : {1.0, 2.0, 5.0}) {
        if (m * magnitude >= raw) {
            step = m * magnitude;
            break;
        }
    }
    const double steps = std::ceil(max / step - 1e-9);
    axis->setTickType(QValueAxis::TicksFixed);
    axis->setRange(0, steps * step);
    axis->setTickCount(int(steps) + 1);
}

QString ChartWidget::csvField(const QString &text)
{
    if (!text.contains(u',') && !text.contains(u'"') && !text.contains(u'\n') &&
        !text.contains(u'\r'))
        return text;
    QString quoted = text;
    quoted.replace(u'"', QLatin1String("\"\""));
    return u'"' + quoted + u'"';
}

QString ChartWidget::csvNumber(double value, int decimals)
{
    QString s = QString::number(value, 'f', decimals);
    // 12.500 -> 12.5, 3.000 -> 3: shorter files, same figures.
    if (s.contains(u'.')) {
        while (s.endsWith(u'0'))
            s.chop(1);
        if (s.endsWith(u'.'))
            s.chop(1);
    }
    return s;
}

} // namespace blueshift::gui
