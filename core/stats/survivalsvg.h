#pragma once

#include "ringseries.h"
#include "steptimeline.h"
#include "survivalcurve.h"

#include <QByteArray>

namespace blueshift::stats {

struct NamedSurvivalCurve
{
    QString label; // a revision
    SurvivalCurve curve;
};

struct NamedSeries
{
    QString label; // a revision
    QList<SeriesPoint> points;
};

// The two charts of the rollout report, as inline SVG (see SvgChart).

// Survival by session age, one step path per revision, from S = 100% at age 0.
QByteArray survivalSvg(const QList<NamedSurvivalCurve> &curves, const QString &title,
                       int width = 720, int height = 360);

// Live sessions per revision over run time (bucket means, broken where no sample was taken),
// with a dashed marker and a label where each rollout step began.
QByteArray liveSessionsSvg(const QList<NamedSeries> &series, const StepTimeline &steps,
                           const QString &title, int width = 720, int height = 360);

} // namespace blueshift::stats
