#include "svgchart.h"

#include <QXmlStreamWriter>

#include <algorithm>
#include <cmath>
#include <limits>

namespace blueshift::stats {

namespace {

constexpr double marginLeft = 64;
constexpr double marginRight = 24;
constexpr double marginTop = 64; // title, legend and marker labels
constexpr double marginBottom = 48;
constexpr double charWidth = 6.5; // at font-size 11, for laying labels out without a font engine

QString num(double v)
{
    // Fixed notation with one decimal: SVG wants '.' whatever the locale, and QString::number
    // is locale-independent.
    return QString::number(v, 'f', 1);
}

// XML 1.0 forbids most control characters even as references; replace them rather than write
// a document no parser accepts.
QString sanitized(const QString &text)
{
    QString out = text;
    for (qsizetype i = 0; i < out.size(); ++i) {
        const QChar c = out.at(i);
        const char16_t u = c.unicode();
        const bool control = u < 0x20 && u != '\t' && u != '\n' && u != '\r';
        const bool nonChar = u == 0xfffe || u == 0xffff;
        bool loneSurrogate = false;
        if (c.isHighSurrogate())
            loneSurrogate = i + 1 >= out.size() || !out.at(i + 1).isLowSurrogate();
        else if (c.isLowSurrogate())
            loneSurrogate = i == 0 || !out.at(i - 1).isHighSurrogate();
        if (control || nonChar || loneSurrogate)
            out[i] = QChar::ReplacementCharacter;
    }
    return out;
}

// Multiples of `step` in [min, max], computed from an integer count so that error does not add up.
QList<double> ticks(double min, double max, double step)
{
    QList<double> out;
    const double first = std::ceil(min / step - 1e-9);
    const double last = std::floor(max / step + 1e-9);
    for (double k = first; k <= last && out.size() < 100; ++k)
        out.append(k * step);
    return out;
}

struct Mapper
{
    double x0, x1, y0, y1;           // data range
    double left, right, top, bottom; // pixels
    double x(double v) const { return left + (v - x0) / (x1 - x0) * (right - left); }
    double y(double v) const { return bottom - (v - y0) / (y1 - y0) * (bottom - top); }
};

QString pathData(const ChartLine &line, const Mapper &m)
{
    QString d;
    bool penDown = false;
    double curX = 0;
    double curY = 0;
    double pendingY = 0; // a stepped line's level, drawn when it leaves the column
    const auto flushDrop = [&] {
        if (line.stepped && penDown && std::abs(pendingY - curY) >= 0.05) {
            d += QLatin1Char('V') + num(pendingY);
            curY = pendingY;
        }
    };
    for (const QPointF &p : line.points) {
        if (std::isnan(p.y()) || std::isnan(p.x())) {
            flushDrop();
            penDown = false;
            continue;
        }
        const double px = m.x(std::clamp(p.x(), m.x0, m.x1));
        const double py = m.y(std::clamp(p.y(), m.y0, m.y1));
        if (!penDown) {
            d += QLatin1Char('M') + num(px) + QLatin1Char(' ') + num(py);
            curX = px;
            curY = pendingY = py;
            penDown = true;
            continue;
        }
        if (line.stepped) {
            // Steps closer than half a pixel share a column and only the column's last level is
            // drawn, which keeps a 10,000-row survival curve to two commands per half pixel.
            if (px - curX >= 0.5) {
                flushDrop();
                d += QLatin1Char('H') + num(px);
                curX = px;
            }
            pendingY = py;
        } else if (std::abs(px - curX) >= 0.5 || std::abs(py - curY) >= 0.5) {
            d += QLatin1Char('L') + num(px) + QLatin1Char(' ') + num(py);
            curX = px;
            curY = py;
        }
    }
    flushDrop();
    return d;
}

void text(QXmlStreamWriter &w, double x, double y, const QString &content, const QString &anchor,
          const QString &cssClass)
{
    w.writeStartElement(QStringLiteral("text"));
    w.writeAttribute(QStringLiteral("class"), cssClass);
    w.writeAttribute(QStringLiteral("x"), num(x));
    w.writeAttribute(QStringLiteral("y"), num(y));
    if (!anchor.isEmpty())
        w.writeAttribute(QStringLiteral("text-anchor"), anchor);
    w.writeCharacters(sanitized(content));
    w.writeEndElement();
}

void line(QXmlStreamWriter &w, double x1, double y1, double x2, double y2, const QString &stroke,
          const QString &cssClass)
{
    w.writeStartElement(QStringLiteral("line"));
    if (!cssClass.isEmpty())
        w.writeAttribute(QStringLiteral("class"), cssClass);
    w.writeAttribute(QStringLiteral("x1"), num(x1));
    w.writeAttribute(QStringLiteral("y1"), num(y1));
    w.writeAttribute(QStringLiteral("x2"), num(x2));
    w.writeAttribute(QStringLiteral("y2"), num(y2));
    w.writeAttribute(QStringLiteral("stroke"), stroke);
    w.writeEndElement();
}

} // namespace

SvgChart::SvgChart(int width, int height)
    : m_width(std::max(width, 200))
    , m_height(std::max(height, 150))
{}

void SvgChart::setXAxis(const QString &label, AxisFormat format)
{
    m_x.label = label;
    m_x.format = format;
}

void SvgChart::setYAxis(const QString &label, AxisFormat format)
{
    m_y.label = label;
    m_y.format = format;
}

void SvgChart::setXRange(double min, double max)
{
    m_x.range = {min, max, true};
}

void SvgChart::setYRange(double min, double max)
{
    m_y.range = {min, max, true};
}

QString SvgChart::colour(int index)
{
    static const char *const palette[] = {"#1f77b4", "#2ca02c", "#d62728", "#ff7f0e",
                                          "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"};
    constexpr int n = int(sizeof(palette) / sizeof(palette[0]));
    return QLatin1String(palette[((index % n) + n) % n]);
}

double SvgChart::tickStep(double min, double max, int target, AxisFormat format)
{
    const double range = max - min;
    if (!(range > 0) || !std::isfinite(range))
        return 1;
    const double raw = range / std::max(target, 1);
    if (format == AxisFormat::Duration) {
        static const double clock[] = {1,   2,   5,    10,   15,   30,    60,    120,   300,
                                       600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400};
        for (double s : clock) {
            if (s >= raw)
                return s;
        }
    }
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    const double norm = raw / magnitude;
    // Heckbert's thresholds: the closest round step, so the count stays near the target.
    const double nice = norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10;
    return nice * magnitude;
}

QString SvgChart::formatTick(double value, double step, AxisFormat format)
{
    auto decimals = [](double s) {
        return s >= 1 ? 0 : std::min(6, int(std::ceil(-std::log10(s) - 1e-9)));
    };
    if (std::abs(value) < step * 1e-9)
        value = 0;
    switch (format) {
    case AxisFormat::Percent:
        return QString::number(value * 100, 'f', decimals(step * 100)) + QLatin1Char('%');
    case AxisFormat::Duration:
        if (value == 0)
            return QStringLiteral("0");
        if (step >= 1800)
            return QString::number(value / 3600, 'f', decimals(step / 3600)) + QStringLiteral(" h");
        if (step >= 60)
            return QString::number(value / 60, 'f', decimals(step / 60)) + QStringLiteral(" min");
        return QString::number(value, 'f', decimals(step)) + QStringLiteral(" s");
    case AxisFormat::Number:
        break;
    }
    return QString::number(value, 'f', decimals(step));
}

void SvgChart::resolveRanges(Range *x, Range *y) const
{
    double xMin = std::numeric_limits<double>::infinity();
    double xMax = -xMin;
    double yMax = 0;
    for (const ChartLine &l : m_lines) {
        for (const QPointF &p : l.points) {
            if (std::isnan(p.y()) || !std::isfinite(p.x()))
                continue;
            xMin = std::min(xMin, p.x());
            xMax = std::max(xMax, p.x());
            if (std::isfinite(p.y()))
                yMax = std::max(yMax, p.y());
        }
    }
    for (const ChartMarker &mk : m_markers) {
        if (std::isfinite(mk.x)) {
            xMin = std::min(xMin, mk.x);
            xMax = std::max(xMax, mk.x);
        }
    }
    *x = m_x.range;
    if (!x->fixed)
        *x = std::isfinite(xMin) ? Range{xMin, xMax, false} : Range{0, 1, false};
    if (!(x->max > x->min))
        x->max = x->min + 1;
    *y = m_y.range;
    if (!y->fixed) {
        // Round the top up to a tick so the highest line does not touch the frame.
        const double top = yMax > 0 ? yMax * 1.05 : 1;
        const double step = tickStep(0, top, 5, m_y.format);
        *y = {0, std::ceil(top / step) * step, false};
    }
    if (!(y->max > y->min))
        y->max = y->min + 1;
}

QByteArray SvgChart::toSvg() const
{
    Range xr, yr;
    resolveRanges(&xr, &yr);
    const Mapper m{xr.min,     xr.max,
                   yr.min,     yr.max,
                   marginLeft, m_width - marginRight,
                   marginTop,  m_height - marginBottom};

    QByteArray out;
    QXmlStreamWriter w(&out);
    w.setAutoFormatting(true);
    w.setAutoFormattingIndent(1);
    // No XML declaration: the element is meant to be pasted inside an HTML report.
    w.writeStartElement(QStringLiteral("svg"));
    w.writeDefaultNamespace(QStringLiteral("http://www.w3.org/2000/svg"));
    w.writeAttribute(QStringLiteral("width"), QString::number(m_width));
    w.writeAttribute(QStringLiteral("height"), QString::number(m_height));
    w.writeAttribute(QStringLiteral("viewBox"),
                     QStringLiteral("0 0 %1 %2").arg(m_width).arg(m_height));
    w.writeAttribute(QStringLiteral("role"), QStringLiteral("img"));
    w.writeAttribute(QStringLiteral("font-family"), QStringLiteral("sans-serif"));
    w.writeAttribute(QStringLiteral("font-size"), QStringLiteral("11"));
    w.writeTextElement(QStringLiteral("title"), sanitized(m_title));

    w.writeStartElement(QStringLiteral("rect"));
    w.writeAttribute(QStringLiteral("width"), QString::number(m_width));
    w.writeAttribute(QStringLiteral("height"), QString::number(m_height));
    w.writeAttribute(QStringLiteral("fill"), QStringLiteral("#ffffff"));
    w.writeEndElement();
    if (!m_title.isEmpty())
        text(w, marginLeft, 18, m_title, QString(), QStringLiteral("chart-title"));

    // Axes, grid and ticks.
    w.writeStartElement(QStringLiteral("g"));
    w.writeAttribute(QStringLiteral("class"), QStringLiteral("axes"));
    const QString grid = QStringLiteral("#e0e0e0");
    const QString ink = QStringLiteral("#333333");
    const double xStep = tickStep(xr.min, xr.max, 8, m_x.format);
    for (const double v : ticks(xr.min, xr.max, xStep)) {
        line(w, m.x(v), m.top, m.x(v), m.bottom, grid, QStringLiteral("grid"));
        line(w, m.x(v), m.bottom, m.x(v), m.bottom + 4, ink, QStringLiteral("tick"));
        text(w, m.x(v), m.bottom + 16, formatTick(v, xStep, m_x.format), QStringLiteral("middle"),
             QStringLiteral("tick-label"));
    }
    const double yStep = tickStep(yr.min, yr.max, 5, m_y.format);
    for (const double v : ticks(yr.min, yr.max, yStep)) {
        line(w, m.left, m.y(v), m.right, m.y(v), grid, QStringLiteral("grid"));
        line(w, m.left - 4, m.y(v), m.left, m.y(v), ink, QStringLiteral("tick"));
        text(w, m.left - 7, m.y(v) + 4, formatTick(v, yStep, m_y.format), QStringLiteral("end"),
             QStringLiteral("tick-label"));
    }
    line(w, m.left, m.bottom, m.right, m.bottom, ink, QStringLiteral("axis"));
    line(w, m.left, m.top, m.left, m.bottom, ink, QStringLiteral("axis"));
    text(w, (m.left + m.right) / 2, m_height - 10, m_x.label, QStringLiteral("middle"),
         QStringLiteral("axis-label"));
    w.writeStartElement(QStringLiteral("text"));
    w.writeAttribute(QStringLiteral("class"), QStringLiteral("axis-label"));
    w.writeAttribute(QStringLiteral("text-anchor"), QStringLiteral("middle"));
    w.writeAttribute(
        QStringLiteral("transform"),
        QStringLiteral("translate(14 %1) rotate(-90)").arg(num((m.top + m.bottom) / 2)));
    w.writeCharacters(sanitized(m_y.label));
    w.writeEndElement();
    w.writeEndElement(); // g.axes

    // Step markers, labels staggered down when they would overlap the previous one.
    w.writeStartElement(QStringLiteral("g"));
    w.writeAttribute(QStringLiteral("class"), QStringLiteral("markers"));
    double lastLabelEnd = -std::numeric_limits<double>::infinity();
    int row = 0;
    for (const ChartMarker &mk : m_markers) {
        if (!std::isfinite(mk.x) || mk.x < xr.min || mk.x > xr.max)
            continue;
        const double px = m.x(mk.x);
        w.writeStartElement(QStringLiteral("line"));
        w.writeAttribute(QStringLiteral("class"), QStringLiteral("step-marker"));
        w.writeAttribute(QStringLiteral("x1"), num(px));
        w.writeAttribute(QStringLiteral("y1"), num(m.top));
        w.writeAttribute(QStringLiteral("x2"), num(px));
        w.writeAttribute(QStringLiteral("y2"), num(m.bottom));
        w.writeAttribute(QStringLiteral("stroke"), QStringLiteral("#555555"));
        w.writeAttribute(QStringLiteral("stroke-dasharray"), QStringLiteral("4 3"));
        w.writeEndElement();
        row = px < lastLabelEnd ? (row + 1) % 3 : 0;
        text(w, px + 3, m.top + 11 + 12 * row, mk.label, QString(), QStringLiteral("step-label"));
        lastLabelEnd = std::max(lastLabelEnd, px + 3 + charWidth * double(mk.label.size()));
    }
    w.writeEndElement();

    w.writeStartElement(QStringLiteral("g"));
    w.writeAttribute(QStringLiteral("class"), QStringLiteral("lines"));
    w.writeAttribute(QStringLiteral("fill"), QStringLiteral("none"));
    w.writeAttribute(QStringLiteral("stroke-width"), QStringLiteral("1.5"));
    for (qsizetype i = 0; i < m_lines.size(); ++i) {
        const QString d = pathData(m_lines.at(i), m);
        if (d.isEmpty())
            continue;
        w.writeStartElement(QStringLiteral("path"));
        w.writeAttribute(QStringLiteral("class"), QStringLiteral("series"));
        w.writeAttribute(QStringLiteral("data-label"), sanitized(m_lines.at(i).label));
        w.writeAttribute(QStringLiteral("stroke"), colour(int(i)));
        w.writeAttribute(QStringLiteral("d"), d);
        w.writeEndElement();
    }
    w.writeEndElement();

    // Legend in one row under the title.
    w.writeStartElement(QStringLiteral("g"));
    w.writeAttribute(QStringLiteral("class"), QStringLiteral("legend"));
    double lx = marginLeft;
    for (qsizetype i = 0; i < m_lines.size(); ++i) {
        w.writeStartElement(QStringLiteral("rect"));
        w.writeAttribute(QStringLiteral("x"), num(lx));
        w.writeAttribute(QStringLiteral("y"), num(28));
        w.writeAttribute(QStringLiteral("width"), QStringLiteral("12"));
        w.writeAttribute(QStringLiteral("height"), QStringLiteral("8"));
        w.writeAttribute(QStringLiteral("fill"), colour(int(i)));
        w.writeEndElement();
        text(w, lx + 16, 36, m_lines.at(i).label, QString(), QStringLiteral("legend-label"));
        lx += 16 + charWidth * double(m_lines.at(i).label.size()) + 16;
    }
    w.writeEndElement();

    w.writeEndElement(); // svg
    // Auto-formatting starts the document with a line break.
    return out.trimmed();
}

} // namespace blueshift::stats
