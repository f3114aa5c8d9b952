#include "stats/kaplanmeier.h"
#include "stats/survivalsvg.h"
#include "stats/svgchart.h"

#include <QRandomGenerator>
#include <QTest>
#include <QXmlStreamReader>

using namespace blueshift::stats;

namespace {
struct Element
{
    QString name;
    QXmlStreamAttributes attributes;
    QString text;
    QString attr(const char *n) const { return attributes.value(QLatin1String(n)).toString(); }
};

// Parses the document, failing the test on any XML error, and returns every element in order.
QList<Element> parse(const QByteArray &svg, QString *error)
{
    QList<Element> out;
    QList<qsizetype> open;
    QXmlStreamReader r(svg);
    while (!r.atEnd()) {
        switch (r.readNext()) {
        case QXmlStreamReader::StartElement:
            if (out.isEmpty() && r.namespaceUri() != QLatin1String("http://www.w3.org/2000/svg"))
                *error = QStringLiteral("root is not in the SVG namespace");
            out.append({r.name().toString(), r.attributes(), QString()});
            open.append(out.size() - 1);
            break;
        case QXmlStreamReader::Characters:
            if (!open.isEmpty())
                out[open.constLast()].text += r.text();
            break;
        case QXmlStreamReader::EndElement:
            open.removeLast();
            break;
        default:
            break;
        }
    }
    if (r.hasError())
        *error = r.errorString() + QStringLiteral(" at line ") + QString::number(r.lineNumber());
    return out;
}

QList<Element> withClass(const QList<Element> &elements, const char *cssClass)
{
    QList<Element> out;
    for (const Element &e : elements) {
        if (e.attr("class") == QLatin1String(cssClass))
            out.append(e);
    }
    return out;
}

QStringList texts(const QList<Element> &elements)
{
    QStringList out;
    for (const Element &e : elements)
        out.append(e.text);
    return out;
}

SurvivalCurve curveOf(std::initializer_list<std::pair<double, bool>> observations)
{
    KaplanMeier km;
    for (const auto &[t, closed] : observations)
        km.add(t, closed);
    return km.curve();
}
} // namespace

#define PARSE(var, svg)                                                                            \
    QString var##Error;                                                                            \
    const QList<Element> var = parse(svg, &var##Error);                                            \
    QVERIFY2(var##Error.isEmpty(), qPrintable(var##Error))

class tst_SvgChart : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void tickSteps_data();
    void tickSteps();
    void survivalChart();
    void survivalPathGeometry();
    void largeCurveStaysSmall();
    void liveSessionsChart();
    void textIsEscaped();
    void emptyChart();
};

void tst_SvgChart::tickSteps_data()
{
    QTest::addColumn<double>("max");
    QTest::addColumn<int>("target");
    QTest::addColumn<AxisFormat>("format");
    QTest::addColumn<double>("step");
    QTest::addColumn<double>("sample");
    QTest::addColumn<QString>("label");
    QTest::addRow("90 s") << 90.0 << 8 << AxisFormat::Duration << 15.0 << 60.0
                          << QStringLiteral("60 s");
    QTest::addRow("an hour") << 3600.0 << 8 << AxisFormat::Duration << 600.0 << 1200.0
                             << QStringLiteral("20 min");
    QTest::addRow("six hours") << 21600.0 << 8 << AxisFormat::Duration << 3600.0 << 7200.0
                               << QStringLiteral("2 h");
    QTest::addRow("ten hours") << 36000.0 << 8 << AxisFormat::Duration << 7200.0 << 0.0
                               << QStringLiteral("0");
    QTest::addRow("percent") << 1.0 << 5 << AxisFormat::Percent << 0.2 << 0.6
                             << QStringLiteral("60%");
    QTest::addRow("small percent")
        << 0.05 << 5 << AxisFormat::Percent << 0.01 << 0.03 << QStringLiteral("3%");
    QTest::addRow("sessions") << 1234.0 << 5 << AxisFormat::Number << 200.0 << 1000.0
                              << QStringLiteral("1000");
    QTest::addRow("fractions") << 0.9 << 5 << AxisFormat::Number << 0.2 << 0.4
                               << QStringLiteral("0.4");
}

void tst_SvgChart::tickSteps()
{
    QFETCH(double, max);
    QFETCH(int, target);
    QFETCH(AxisFormat, format);
    QFETCH(double, step);
    QFETCH(double, sample);
    QFETCH(QString, label);
    const double s = SvgChart::tickStep(0, max, target, format);
    QVERIFY(qFuzzyCompare(s, step));
    QCOMPARE(SvgChart::formatTick(sample, s, format), label);
}

void tst_SvgChart::survivalChart()
{
    const QList<NamedSurvivalCurve> curves{
        {QStringLiteral("app--blue"), curveOf({{10, true}, {20, false}, {30, true}})},
        {QStringLiteral("app--green"), curveOf({{5, false}, {40, false}})}};
    const QByteArray svg = survivalSvg(curves, QStringLiteral("Survival by session age"));
    QVERIFY(svg.startsWith("<svg")); // no XML declaration inside an HTML page
    PARSE(elements, svg);
    QCOMPARE(elements.constFirst().name, QStringLiteral("svg"));
    QCOMPARE(elements.constFirst().attr("viewBox"), QStringLiteral("0 0 720 360"));
    QCOMPARE(elements.at(1).name, QStringLiteral("title"));
    QCOMPARE(elements.at(1).text, QStringLiteral("Survival by session age"));

    const QList<Element> paths = withClass(elements, "series");
    QCOMPARE(paths.size(), 2);
    QCOMPARE(paths[0].attr("data-label"), QStringLiteral("app--blue"));
    QCOMPARE(paths[1].attr("data-label"), QStringLiteral("app--green"));
    QVERIFY(paths[0].attr("stroke") != paths[1].attr("stroke"));
    QCOMPARE(texts(withClass(elements, "legend-label")),
             (QStringList{QStringLiteral("app--blue"), QStringLiteral("app--green")}));
    const QStringList ticks = texts(withClass(elements, "tick-label"));
    for (const char *t : {"0%", "20%", "100%", "0", "10 s", "40 s"})
        QVERIFY2(ticks.contains(QLatin1String(t)), t);
    QCOMPARE(texts(withClass(elements, "axis-label")),
             (QStringList{QStringLiteral("session age"), QStringLiteral("sessions surviving")}));
    QVERIFY(withClass(elements, "step-marker").isEmpty());
}

void tst_SvgChart::survivalPathGeometry()
{
    // One event at 10 of two sessions, the other censored at 20. Plot area: x 64..696 for ages
    // 0..20, y 312 (0%) .. 64 (100%). So: start at (64, 64), run to x(10) = 380, drop to
    // y(0.5) = 188, run to x(20) = 696.
    const QByteArray svg = survivalSvg({{QStringLiteral("r"), curveOf({{10, true}, {20, false}})}},
                                       QStringLiteral("t"));
    PARSE(elements, svg);
    const QList<Element> paths = withClass(elements, "series");
    QCOMPARE(paths.size(), 1);
    QCOMPARE(paths[0].attr("d"), QStringLiteral("M64.0 64.0H380.0V188.0H696.0"));
}

void tst_SvgChart::largeCurveStaysSmall()
{
    KaplanMeier km;
    QRandomGenerator rng(11);
    for (int i = 0; i < 10000; ++i)
        km.add(rng.bounded(3600.0), rng.bounded(2) == 0);
    QCOMPARE(km.curve().points().size(), 10000);
    const QByteArray svg = survivalSvg({{QStringLiteral("r"), km.curve()}}, QStringLiteral("t"));
    PARSE(elements, svg);
    // Steps within half a pixel share a column: at most two commands per half pixel of width.
    const QString d = withClass(elements, "series").constFirst().attr("d");
    QVERIFY2(d.size() < 2 * 2 * 632 * 7, QByteArray::number(d.size()));
    QVERIFY(svg.size() < 32 * 1024);
}

void tst_SvgChart::liveSessionsChart()
{
    StepTimeline steps({{0, QStringLiteral("baseline")},
                        {60, QStringLiteral("50/50")},
                        {62, QStringLiteral("0/100")},
                        {120, QStringLiteral("deactivate blue")}});
    RingSeries blue, green;
    for (int t = 0; t < 180; ++t) {
        blue.append(t, t < 120 ? 100 : 0);
        if (t < 50 || t >= 70) // green's sampler missed 20 seconds
            green.append(t, t < 60 ? 0 : 100);
    }
    const QByteArray svg = liveSessionsSvg({{QStringLiteral("app--blue"), blue.points()},
                                            {QStringLiteral("app--green"), green.points()}},
                                           steps, QStringLiteral("Live sessions"));
    PARSE(elements, svg);
    const QList<Element> paths = withClass(elements, "series");
    QCOMPARE(paths.size(), 2);
    QCOMPARE(paths[0].attr("d").count(QLatin1Char('M')), 1);
    QCOMPARE(paths[1].attr("d").count(QLatin1Char('M')), 2); // broken at the gap
    // A plain line is moves and line-tos only; no stray drop at its end.
    QVERIFY(!paths[0].attr("d").contains(QLatin1Char('V')));
    QVERIFY(!paths[1].attr("d").contains(QLatin1Char('V')));
    const QList<Element> markers = withClass(elements, "step-marker");
    QCOMPARE(markers.size(), 4);
    // x range 0..179 over 632 pixels from 64.
    QCOMPARE(markers[1].attr("x1"), QString::number(64 + 60.0 / 179 * 632, 'f', 1));
    QCOMPARE(markers[1].attr("y1"), QStringLiteral("64.0"));
    QCOMPARE(markers[1].attr("y2"), QStringLiteral("312.0"));
    const QList<Element> labels = withClass(elements, "step-label");
    QCOMPARE(texts(labels),
             (QStringList{QStringLiteral("baseline"), QStringLiteral("50/50"),
                          QStringLiteral("0/100"), QStringLiteral("deactivate blue")}));
    // "0/100" two seconds after "50/50" would overlap it: it moves down a row.
    QVERIFY(labels[2].attr("y").toDouble() > labels[1].attr("y").toDouble());
    QCOMPARE(labels[3].attr("y"), labels[0].attr("y"));
    // 100 live sessions: the y axis goes to a round 120, with a tick at 100.
    const QStringList ticks = texts(withClass(elements, "tick-label"));
    QVERIFY(ticks.contains(QStringLiteral("100")));
    QVERIFY(ticks.contains(QStringLiteral("120")));
    QVERIFY(!ticks.contains(QStringLiteral("140")));
}

void tst_SvgChart::textIsEscaped()
{
    const QString nasty = QStringLiteral("<b>&amp; \"blue\" 'x' ]]>") + QChar(0x01) +
                          QChar(0xd800) + QStringLiteral(" é ✓");
    SvgChart chart;
    chart.setTitle(nasty);
    chart.setXAxis(nasty, AxisFormat::Number);
    chart.addLine({nasty, {QPointF(0, 1), QPointF(1, 2)}, false});
    chart.addMarker({0.5, nasty});
    const QByteArray svg = chart.toSvg();
    QVERIFY(!svg.contains("<b>"));
    PARSE(elements, svg);
    const QString expected = QStringLiteral("<b>&amp; \"blue\" 'x' ]]>") +
                             QChar(QChar::ReplacementCharacter) +
                             QChar(QChar::ReplacementCharacter) + QStringLiteral(" é ✓");
    QCOMPARE(elements.at(1).text, expected);
    QCOMPARE(withClass(elements, "series").constFirst().attr("data-label"), expected);
    QCOMPARE(texts(withClass(elements, "step-label")), QStringList{expected});
    QCOMPARE(texts(withClass(elements, "legend-label")), QStringList{expected});
}

void tst_SvgChart::emptyChart()
{
    const QByteArray svg = survivalSvg({}, QString());
    PARSE(elements, svg);
    QVERIFY(withClass(elements, "series").isEmpty());
    QVERIFY(!withClass(elements, "axis").isEmpty());
    const QByteArray live = liveSessionsSvg({{QStringLiteral("r"), {}}}, StepTimeline(), QString());
    PARSE(liveElements, live);
    QVERIFY(withClass(liveElements, "series").isEmpty());
}

QTEST_GUILESS_MAIN(tst_SvgChart)
#include "tst_svgchart.moc"
