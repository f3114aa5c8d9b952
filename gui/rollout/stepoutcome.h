#pragma once

#include "rollout/assertionevaluator.h"
#include "rollout/rolloutplan.h"

#include <QList>
#include <QString>

namespace blueshift::gui {

// One step of a rollout as the wizard follows it: what the runner said about it and the latest
// verdict on each of its assertions (a verdict judged on the whole run replaces one judged so
// far).
struct StepRecord
{
    enum class State : quint8 {
        Pending, // not reached yet
        Next,    // the run is paused before it: Promote runs it
        Running,
        Done,
        Failed,  // the step itself failed (the run is paused before it again: Retry)
        NotRun,  // the run ended before it
        Stopped, // the run was aborted while it ran
    };
    State state = State::Pending;
    QString detail;      // the runner's words when the step finished ("revision demo--green ready")
    double seconds = -1; // how long it ran (done or failed), or has been running
    QString revision;    // the revision it acted on, once known
    QList<rollout::AssertionResult> results;

    // Keeps the latest verdict per assertion kind; false when `r` is older than what is kept.
    bool addResult(const rollout::AssertionResult &r);
    bool anyFailed() const;
};

QString stepStateText(StepRecord::State state);

// The outcome of a step in one line, from the runner's words and its assertions' evidence (no
// statistic is computed here): "0 sessions lost, 49% of new sessions on green" for a traffic
// step, "60 sessions of blue closed with 1001, none routed to it after" for a deactivation,
// what is planned for a step not run yet. `focusRevision` is the revision whose share of new
// sessions the traffic steps name first (the one being rolled out).
QString stepOutcome(const rollout::PlanStep &step, const StepRecord &record,
                    const QString &focusRevision);

// Every verdict of a step, one per line, with ✓ or ✗: the outcome's tooltip and detail pane.
QStringList verdictLines(const StepRecord &record);

// What the step will do, without its name: "traffic blue=50 green=50", "hold 30 s".
QString plannedText(const rollout::PlanStep &step);

// What the step will do, without its name: "traffic blue=50 green=50", "hold 30 s".
QString plannedText(const rollout::PlanStep &step);

// What a step that changes the platform does to sessions, in one sentence (empty for others).
QString stepHint(rollout::StepKind kind);

// "demo--green" -> "green": revisions as people name them in a wizard about one app.
QString shortRevision(const QString &revision);

} // namespace blueshift::gui
