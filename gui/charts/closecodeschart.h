#pragma once

#include "chartwidget.h"

QT_BEGIN_NAMESPACE
class QBarCategoryAxis;
class QStackedBarSeries;
QT_END_NAMESPACE

namespace blueshift::gui {

// Why sessions closed, by rollout step: one stacked bar per step (every step on the timeline,
// so a step that closed nothing shows as an empty bar), one segment colour per close code.
class CloseCodesChart : public ChartWidget
{
    Q_OBJECT
public:
    explicit CloseCodesChart(QWidget *parent = nullptr);
    ~CloseCodesChart() override;

    QString csv() const override;

    // What is drawn: the bar categories (step names with their totals), the close codes (one
    // bar set each) and each code's count per category.
    QStringList categories() const;
    QList<int> codes() const;
    QList<quint64> counts(int code) const;

protected:
    void render(const ChartData &data) override;

private:
    struct Column
    {
        int step = -1;
        QString name;
        QMap<int, quint64> codes;
    };

    QStackedBarSeries *m_series = nullptr;
    QBarCategoryAxis *m_x = nullptr;
    QValueAxis *m_y = nullptr;
    QList<Column> m_columns;
    QList<int> m_codes;
};

// "1001 going away", for legends and tables.
QString closeCodeLabel(int code);

} // namespace blueshift::gui
