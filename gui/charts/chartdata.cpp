#include "chartdata.h"

#include <QJsonDocument>

namespace blueshift::gui {

ChartData ChartData::fromStats(const harness::FleetStats &stats,
                               const QList<harness::TimelineEntry> &timeline, double now,
                               Parts parts)
{
    ChartData d;
    d.now = now;
    if (parts & LiveSessions)
        d.live = stats.liveSeries();
    if (parts & Timeline)
        d.timeline = timeline;
    if (parts & Survival)
        d.survival = stats.survivalByRevision(now);
    if (parts & Rtt)
        d.rtt = stats.rttSeries().buckets();
    if (parts & CloseCodes)
        d.closes = stats.closes();
    return d;
}

ChartData ChartData::fromFleet(const harness::Fleet &fleet, Parts parts)
{
    return fromStats(fleet.stats(), fleet.timeline(), fleet.now(), parts);
}

QString timelineLabel(const harness::TimelineEntry &entry)
{
    const QString name = entry.fields.value(QStringLiteral("name")).toString();
    if (entry.step >= 0 || entry.kind == QLatin1String("step"))
        return name.isEmpty() ? QStringLiteral("step %1").arg(entry.step + 1) : name;
    const QString revision = entry.fields.value(QStringLiteral("revision")).toString();
    if (!revision.isEmpty())
        return entry.kind % u' ' % revision;
    return name.isEmpty() ? entry.kind : entry.kind % u' ' % name;
}

QString timelineToolTip(const harness::TimelineEntry &entry)
{
    QString text = QStringLiteral("%1 s: %2").arg(entry.time, 0, 'f', 1).arg(entry.kind);
    if (!entry.fields.isEmpty())
        text +=
            u'\n' + QString::fromUtf8(QJsonDocument(entry.fields).toJson(QJsonDocument::Compact));
    return text;
}

} // namespace blueshift::gui
