#pragma once

#include "containerapp.h"

#include <QHash>

namespace blueshift::model {

// The traffic rules of Container Apps: integer weights, summing to 100 over the entries, each
// entry naming an existing revision (or latestRevision), labels unique. Returns an error in
// words, or an empty string.
QString trafficError(const QList<TrafficWeight> &traffic, const QStringList &revisionNames,
                     const QStringList &activeRevisionNames);

// Weight per revision name, with latestRevision entries resolved to `latestRevision`.
QHash<QString, int> effectiveWeights(const QList<TrafficWeight> &traffic,
                                     const QString &latestRevision);

// Label -> revision name.
QHash<QString, QString> labelRoutes(const QList<TrafficWeight> &traffic,
                                    const QString &latestRevision);

} // namespace blueshift::model
