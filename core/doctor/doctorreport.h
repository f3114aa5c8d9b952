#pragma once

#include "doctordiagnosis.h"
#include "doctorevidence.h"

#include <QJsonObject>
#include <QString>

namespace blueshift::doctor {

// The doctor's human report: one section per probe with a ✓/✗ marker and what was seen on the
// wire, then the most likely cause with its evidence and what to change. Never contains a value
// of a user-supplied header: the evidence does not hold any.
QString renderReport(const DoctorEvidence &evidence, const Diagnosis &diagnosis);

// The same for machines: {"cause", "exit_code", "diagnosis", "evidence"}.
QJsonObject reportJson(const DoctorEvidence &evidence, const Diagnosis &diagnosis);

} // namespace blueshift::doctor
