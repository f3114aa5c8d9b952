#pragma once

#include "rolloutplan.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>

namespace blueshift::rollout {

// Reads a rollout plan (format version 1, resources/plans/README.md) strictly: an unknown key,
// a wrong type, weights that do not add up to 100, a step without the revision it needs or a
// session group stopped before it started is an error naming the step and the field
// ("step 3 (traffic): weights must add up to 100 (they add up to 90)"); text that is not JSON
// is one naming its line and column. Defaults the plan leaves out are filled in, including the
// assertions a step kind carries by default.
class PlanParser
{
public:
    static bool parse(const QByteArray &json, Plan *out, QString *error);
    static bool parse(const QJsonObject &json, Plan *out, QString *error);
    // The session defaults of a plan that sets none.
    static SessionGroupSpec defaultSessions();
};

} // namespace blueshift::rollout
