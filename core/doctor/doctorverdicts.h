#pragma once

// The verdict for each cause, with its words, evidence lines and fix: the pieces diagnose()
// picks from once it has decided which cause the evidence points to.

#include "doctordiagnosis.h"

#include <QList>

namespace blueshift::doctor::verdicts {

QString text(const QByteArray &bytes);
QString statusText(const ProbeResult &probe); // "502 Bad Gateway"
QString seconds(double s);                    // "2.0 s", "240 s"
QString displayPath(const QByteArray &target);

// Every upgrade attempt that ran, the target's first.
QList<const ProbeResult *> upgradeAttempts(const DoctorEvidence &e);
// Another path that took the upgrade: the alternatives in the order tried, then socket.io.
const ProbeResult *otherPathThatUpgrades(const DoctorEvidence &e);

// `probe` is the first that failed: refused, DNS, timeout, or connected without an HTTP answer.
Diagnosis unreachable(const DoctorEvidence &e, const ProbeResult &probe);
Diagnosis tlsProblem(const DoctorEvidence &e);
Diagnosis transport(const DoctorEvidence &e);
Diagnosis idleTimeout(const DoctorEvidence &e);
Diagnosis originProblem(const DoctorEvidence &e);
// `works` is a path that did upgrade, or nullptr when none did.
Diagnosis wrongPath(const DoctorEvidence &e, const ProbeResult *works);
Diagnosis notSupported(const DoctorEvidence &e);
Diagnosis otherFailure(const DoctorEvidence &e);
// The upgrade on the target works: healthy, unless the silent session says otherwise.
Diagnosis upgradeWorks(const DoctorEvidence &e);

} // namespace blueshift::doctor::verdicts
