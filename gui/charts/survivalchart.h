#pragma once

#include "chartwidget.h"
#include "revisionpalette.h"

QT_BEGIN_NAMESPACE
class QLineSeries;
QT_END_NAMESPACE

namespace blueshift::gui {

// Survival by session age, one Kaplan-Meier step function per revision, from 100% at age 0:
// the share of sessions that would still be open at each age, with sessions the harness closed
// itself (or that are still open) censored, as core's estimator counts them.
class SurvivalChart : public ChartWidget
{
    Q_OBJECT
public:
    explicit SurvivalChart(RevisionPalette *palette = nullptr, QWidget *parent = nullptr);
    ~SurvivalChart() override;

    QString csv() const override;
    // The revisions drawn, in legend order (series names carry n and the median as well).
    QStringList revisions() const;

protected:
    void render(const ChartData &data) override;

private:
    struct Curve
    {
        QString revision;
        QLineSeries *series = nullptr;
    };

    RevisionPalette m_ownPalette;
    RevisionPalette *m_palette;
    QValueAxis *m_x = nullptr;
    QValueAxis *m_y = nullptr;
    QList<Curve> m_curves;
    QList<stats::NamedSurvivalCurve> m_drawn;
};

} // namespace blueshift::gui
