#pragma once

#include "assertionevaluator.h"
#include "rolloutevidence.h"

#include "harness/fleet.h"

#include <QByteArray>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QStringList>

namespace blueshift::rollout {

class RolloutRunner;

// What a rollout run leaves behind, as data: the plan (env values redacted), each step as it
// ran, the verdicts, the timeline of steps and platform events, and the sessions' evidence.
// Written as rollout.json and report.html beside the fleets' own report.json, sessions.csv and
// events.jsonl. Holds no secret: no token, no header value, no env value.
struct RolloutReport
{
    struct Group
    {
        QString name;
        QString url; // without query or user info
        int sessions = 0;
        double offset = 0;
        QString reportDir; // relative to the report directory; "." for the first group
    };
    struct Step
    {
        StepWindow window;
        QString kind;
        QString description;
    };

    QJsonObject plan;
    QString planName;
    QString app;
    QString admin;
    QDateTime startedAt;
    double duration = 0;
    QString outcome;
    bool passed = false;
    QString error;
    bool platformEvents = false;
    QStringList notes;
    QList<Group> groups;
    QList<Step> steps;
    QList<AssertionResult> results;
    QList<harness::TimelineEntry> timeline;
    RolloutEvidence evidence;

    static RolloutReport fromRunner(const RolloutRunner &runner);

    QJsonObject toJson() const;
    // Close counts by (step, revision, code, side), each close put down to the step active then.
    QJsonArray closesByStep() const;
    // The step a close at `time` (run clock) is put down to: the last one begun by then that is
    // not a wait or hold; -1 before the first.
    int stepAt(double time) const;

    // Writes every group's fleet report (the first into `directory`, the others under
    // groups/<name>/), rollout.json and report.html.
    static bool write(const RolloutRunner &runner, const QString &directory, QString *error);
};

} // namespace blueshift::rollout
