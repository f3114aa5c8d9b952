#pragma once

#include "rolloutplan.h"

#include <QByteArray>
#include <QJsonObject>

namespace blueshift::rollout {

// Writes a plan in the file format PlanParser reads (version 1, resources/plans/README.md), so
// that a plan built in the console or loaded and changed there can be saved and run by
// `blueshift-server rollout`: parsing what toJson() writes gives the same plan back. Session
// groups are written in full and the assertions a step kind carries by default are left out
// (or switched off with false), so the file reads like one written by hand. Env values are
// written as given: a plan file is the user's, and holds what they typed.
class PlanWriter
{
public:
    static QJsonObject toJson(const Plan &plan);
    static QByteArray toBytes(const Plan &plan); // indented JSON
    // Writes toBytes() to `path` atomically (a crash leaves the old file); false with the reason.
    static bool save(const Plan &plan, const QString &path, QString *error);
};

} // namespace blueshift::rollout
