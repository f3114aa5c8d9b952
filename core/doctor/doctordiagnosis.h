#pragma once

// From the doctor's evidence to the most likely reason WebSocket sessions fail, in plain words:
// a pure function, so each cause is tested with hand-built evidence.

#include "doctorevidence.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>

namespace blueshift::doctor {

enum class Cause {
    Healthy,             // the upgrade on the path works and nothing else is wrong
    Unreachable,         // refused, DNS, timeout, or nothing answers HTTP
    Tls,                 // untrusted, expired, wrong host, self-signed without the opt-in
    Transport,           // every upgrade 502 while plain requests pass: ingress transport http2
    WrongPath,           // the path does not upgrade, another one does (or none does)
    Origin,              // the upgrade is refused for the Origin a browser sends
    IdleTimeout,         // a silent session was cut before the time asked for
    UpgradeNotSupported, // answered, but not with 101 (200, 426, 400): no WebSocket there
    Other,               // the upgrade fails for a reason none of the above explains
};

struct Diagnosis
{
    Cause cause = Cause::Healthy;
    QString title;            // one line, e.g. "ingress transport cannot carry WebSocket upgrades"
    QString explanation;      // plain words: what happens and why
    QStringList evidence;     // the facts that point there, one per line
    QString fix;              // what to change
    QByteArray suggestedPath; // WrongPath: a path that did upgrade, if any
    double idleSeconds = -1;  // IdleTimeout: after how long the silent session was cut
    QStringList notes;        // secondary observations that are not the cause

    bool problem() const { return cause != Cause::Healthy; }
    // 0 healthy, 1 a problem was diagnosed (the command's exit code).
    int exitCode() const { return problem() ? 1 : 0; }
};

Diagnosis diagnose(const DoctorEvidence &evidence);

// "healthy", "unreachable", "tls", "transport", "wrong_path", "origin", "idle_timeout",
// "upgrade_not_supported", "other".
QString causeName(Cause cause);

// One line about a probe for evidence lists and reports, e.g.
// "upgrade GET /ws (Origin https://app.example) -> 403 Forbidden: origin not allowed".
QString describeProbe(const ProbeResult &probe);

QJsonObject toJson(const Diagnosis &diagnosis);

} // namespace blueshift::doctor
