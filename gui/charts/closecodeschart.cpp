#include "closecodeschart.h"

#include "websocket/closecode.h"

#include <QBarCategoryAxis>
#include <QBarSet>
#include <QChart>
#include <QStackedBarSeries>
#include <QValueAxis>

#include <set>

namespace blueshift::gui {

namespace {
// The codes a rollout produces get fixed colours: normal closes (the harness's own) muted,
// going-away amber, abnormal drops red, so the bad news stands out.
QColor codeColor(int code, int ordinal)
{
    switch (code) {
    case 1000:
        return QColor(0x9a, 0xb0, 0xc8);
    case 1001:
        return QColor(0xf2, 0x8e, 0x2b);
    case 1006:
        return QColor(0xd0, 0x45, 0x3b);
    case 1011:
        return QColor(0x8b, 0x1e, 0x1e);
    case 1012:
        return QColor(0xb0, 0x7a, 0xa1);
    case 1013:
        return QColor(0xed, 0xc9, 0x48);
    case 1014:
        return QColor(0x9c, 0x75, 0x5f);
    default:
        break;
    }
    static const QRgb cycle[] = {0x4e79a7, 0x59a14f, 0x76b7b2, 0xff9da7, 0xbab0ac};
    return QColor::fromRgb(cycle[ordinal % 5]);
}
} // namespace

QString closeCodeLabel(int code)
{
    QString name = websocket::closeCodeName(code);
    name.replace(u'_', u' ');
    return name.isEmpty() ? QString::number(code) : QString::number(code) % u' ' % name;
}

CloseCodesChart::CloseCodesChart(QWidget *parent)
    : ChartWidget(QStringLiteral("Close codes by rollout step"), QStringLiteral("close-codes"),
                  ChartData::CloseCodes, parent)
{
    m_series = new QStackedBarSeries(this);
    m_series->setBarWidth(0.6);
    chart()->addSeries(m_series);
    m_x = new QBarCategoryAxis(chart());
    m_x->setTitleText(QStringLiteral("Rollout step (closes)"));
    QFont font = m_x->titleFont();
    font.setBold(false);
    m_x->setTitleFont(font);
    chart()->addAxis(m_x, Qt::AlignBottom);
    m_y = addValueAxis(Qt::AlignLeft, QStringLiteral("Sessions closed"));
    m_y->setLabelFormat(QStringLiteral("%.0f"));
    m_y->setRange(0, 10);
    m_series->attachAxis(m_x);
    m_series->attachAxis(m_y);
}

CloseCodesChart::~CloseCodesChart() = default;

void CloseCodesChart::render(const ChartData &data)
{
    const stats::StepTimeline &steps = data.closes.timeline();
    m_columns.clear();
    const QMap<int, quint64> before = data.closes.codesForStep(-1);
    if (!before.isEmpty() || steps.isEmpty())
        m_columns.append({-1, steps.stepName(-1), before});
    for (int s = 0; s < steps.size(); ++s)
        m_columns.append({s, steps.stepName(s), data.closes.codesForStep(s)});

    std::set<int> codeSet;
    for (const Column &c : std::as_const(m_columns)) {
        for (auto it = c.codes.cbegin(); it != c.codes.cend(); ++it)
            codeSet.insert(it.key());
    }
    const QList<int> codes(codeSet.cbegin(), codeSet.cend());

    QStringList categories;
    double top = 0;
    for (const Column &c : std::as_const(m_columns)) {
        quint64 total = 0;
        for (quint64 n : c.codes)
            total += n;
        top = std::max(top, double(total));
        QString label = QStringLiteral("%1 (%2)").arg(c.name).arg(total);
        // The axis refuses duplicate categories (two steps named "hold" with equal totals).
        for (int n = 2; categories.contains(label); ++n)
            label = QStringLiteral("%1 #%2 (%3)").arg(c.name).arg(n).arg(total);
        categories.append(label);
    }

    // Sets are rebuilt only when the codes change; otherwise their values are replaced.
    if (codes != m_codes || m_series->count() != codes.size()) {
        // Detached while its sets change: the legend makes its markers when a series is added
        // to the chart and misses sets appended later.
        chart()->removeSeries(m_series);
        m_series->clear();
        for (qsizetype i = 0; i < codes.size(); ++i) {
            auto *set = new QBarSet(closeCodeLabel(codes.at(i)));
            set->setColor(codeColor(codes.at(i), int(i)));
            set->setBorderColor(codeColor(codes.at(i), int(i)).darker(130));
            m_series->append(set);
        }
        m_codes = codes;
        chart()->addSeries(m_series);
        m_series->attachAxis(m_x);
        m_series->attachAxis(m_y);
    }
    const QList<QBarSet *> sets = m_series->barSets();
    for (qsizetype i = 0; i < codes.size(); ++i) {
        QBarSet *set = sets.at(i);
        const int code = codes.at(i);
        for (qsizetype col = 0; col < m_columns.size(); ++col) {
            const double v = double(m_columns.at(col).codes.value(code));
            if (col < set->count()) {
                if (set->at(col) != v)
                    set->replace(col, v);
            } else {
                set->append(v);
            }
        }
        if (set->count() > m_columns.size())
            set->remove(int(m_columns.size()), int(set->count() - m_columns.size()));
    }
    if (m_x->categories() != categories) {
        m_x->clear();
        m_x->append(categories);
    }
    setNiceRange(m_y, std::max(5.0, top * 1.05));
}

QStringList CloseCodesChart::categories() const
{
    return m_x->categories();
}

QList<int> CloseCodesChart::codes() const
{
    return m_codes;
}

QList<quint64> CloseCodesChart::counts(int code) const
{
    QList<quint64> out;
    const qsizetype i = m_codes.indexOf(code);
    if (i < 0)
        return out;
    const QBarSet *set = m_series->barSets().at(i);
    for (int col = 0; col < set->count(); ++col)
        out.append(quint64(set->at(col)));
    return out;
}

QString CloseCodesChart::csv() const
{
    QString out = QStringLiteral("step,step_name,code,code_name,count\n");
    for (const Column &c : m_columns) {
        for (auto it = c.codes.cbegin(); it != c.codes.cend(); ++it) {
            out += QString::number(c.step) % u',' % csvField(c.name) % u',' %
                   QString::number(it.key()) % u',' % csvField(websocket::closeCodeName(it.key())) %
                   u',' % QString::number(it.value()) % u'\n';
        }
    }
    return out;
}

} // namespace blueshift::gui
