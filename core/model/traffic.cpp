#include "traffic.h"

#include "names.h"

#include <QSet>

namespace blueshift::model {

QString trafficError(const QList<TrafficWeight> &traffic, const QStringList &revisionNames,
                     const QStringList &activeRevisionNames)
{
    if (traffic.isEmpty())
        return {};
    int sum = 0;
    QSet<QString> labels;
    for (qsizetype i = 0; i < traffic.size(); ++i) {
        const TrafficWeight &t = traffic.at(i);
        if (t.weight < 0 || t.weight > 100)
            return QStringLiteral("traffic[%1].weight must be between 0 and 100 (it is %2)")
                .arg(i)
                .arg(t.weight);
        sum += t.weight;
        if (!t.latestRevision) {
            if (!revisionNames.contains(t.revisionName))
                return QStringLiteral("traffic[%1] names revision '%2', which does not exist")
                    .arg(i)
                    .arg(t.revisionName);
            if (t.weight > 0 && !activeRevisionNames.contains(t.revisionName))
                return QStringLiteral("traffic[%1] gives weight %2 to revision '%3', which is not "
                                      "active; activate it first")
                    .arg(i)
                    .arg(t.weight)
                    .arg(t.revisionName);
        }
        if (!t.label.isEmpty()) {
            if (QString e = labelError(t.label); !e.isEmpty())
                return QStringLiteral("traffic[%1]: %2").arg(i).arg(e);
            if (labels.contains(t.label))
                return QStringLiteral("traffic label '%1' is used twice").arg(t.label);
            labels.insert(t.label);
        }
    }
    if (sum != 100)
        return QStringLiteral("traffic weights must add up to 100 (they add up to %1)").arg(sum);
    return {};
}

QHash<QString, int> effectiveWeights(const QList<TrafficWeight> &traffic,
                                     const QString &latestRevision)
{
    QHash<QString, int> out;
    for (const TrafficWeight &t : traffic) {
        const QString name = t.latestRevision ? latestRevision : t.revisionName;
        if (!name.isEmpty())
            out[name] += t.weight;
    }
    return out;
}

QHash<QString, QString> labelRoutes(const QList<TrafficWeight> &traffic,
                                    const QString &latestRevision)
{
    QHash<QString, QString> out;
    for (const TrafficWeight &t : traffic) {
        if (!t.label.isEmpty())
            out.insert(t.label, t.latestRevision ? latestRevision : t.revisionName);
    }
    return out;
}

} // namespace blueshift::model
