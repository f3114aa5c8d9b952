#pragma once

#include "harness/fleetconfig.h"

#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>

#include <optional>

namespace blueshift::rollout {

// A rollout plan: what to change on which app, in which order, with which live test sessions,
// and what must hold at each step. Read from the versioned JSON format documented in
// resources/plans/README.md (see PlanParser); a GUI may build one directly.

enum class StepKind : quint8 {
    Deploy,        // PATCH the template: a new revision, then wait until it is ready
    Traffic,       // set the weights (sum 100)
    Wait,          // a number of seconds, or until a condition holds
    Hold,          // a number of seconds with everything as it is
    Label,         // add or remove a traffic label on a revision
    Deactivate,    // POST .../deactivate
    Activate,      // POST .../activate
    StartSessions, // start a named group of test sessions
    StopSessions,  // close a group's sessions (1000)
};
QString stepKindName(StepKind kind);
std::optional<StepKind> stepKindFromName(const QString &name);
// Steps that change what the platform routes; they end the evaluation window of the steps
// before them (waits, holds and session groups extend the window of the step they follow).
bool changesPlatform(StepKind kind);
// Steps that session closes are put down to: every kind but waits and holds, which only let
// time pass (a close during "wait until blue drained" belongs to "deactivate blue").
bool attributesCloses(StepKind kind);

enum class WaitCondition : quint8 {
    None,         // seconds
    Ready,        // the revision is provisioned and running
    Drained,      // no test session is still open on the revision
    SessionsOpen, // every session of every running group has opened (or given up)
};
QString waitConditionName(WaitCondition condition);

enum class AssertionKind : quint8 {
    LostDuringShift,         // sessions closed by the server or the network in the window
    CloseCodesOnDeactivated, // codes the deactivated revision closed its sessions with
    RoutedToDeactivated,     // sessions opened on the revision after its deactivation
    RttP99Ms,                // the worst one-second RTT p99 in the window
    ShareByWeight,           // each revision's share of the new sessions against its weight
};
QString assertionKindName(AssertionKind kind);
std::optional<AssertionKind> assertionKindFromName(const QString &name);

struct AssertionSpec
{
    AssertionKind kind = AssertionKind::LostDuringShift;
    double max = 0;                 // LostDuringShift, RoutedToDeactivated, RttP99Ms (ms)
    QList<int> allowedCodes;        // CloseCodesOnDeactivated
    double tolerance = 10;          // ShareByWeight, in percentage points
    int minSessions = 20;           // ShareByWeight: fewer new sessions cannot show a share
    bool includeReconnects = false; // ShareByWeight: count reconnects as new sessions too
    bool byDefault = false;         // added because of the step's kind, not written in the plan
};

// A group of test sessions: FleetConfig plus where to point it.
struct SessionGroupSpec
{
    QString name;
    // "ingress": the app's ingress (its fqdn) with `path`; otherwise a ws:// or wss:// URL.
    QString url = QStringLiteral("ingress");
    QString path = QStringLiteral("/ws");
    QString scheme; // for "ingress": ws or wss; empty: ws for an http admin URL, else wss
    // Pinned through the ingress to a traffic label or a revision, and so attributed by
    // construction: on Azure the label's address {app}---{label}.{domain} or the revision's
    // {app}--{suffix}.{domain}; on the local platform ?blueshift-label= (a label only).
    QString label;
    QString revision;
    harness::FleetConfig fleet;      // its url is filled in when the group starts
    bool autoStart = true;           // the plan's own group: started before the first step
    double startTimeoutSeconds = 60; // for every session to open (or give up) once started
};

// A revision as a step names it, resolved when the step runs: a suffix ("green"), a full name
// ("demo--green"), "latest", "previous" or "label:NAME".
struct RevisionRef
{
    QString text;
    bool isEmpty() const { return text.isEmpty(); }
};

struct EnvSetting
{
    QString name;
    QString value;
    QString secretRef;
    bool remove = false; // null in the plan: the variable is removed
};

struct PlanStep
{
    int index = 0; // 0-based; people read "step index + 1"
    StepKind kind = StepKind::Wait;
    QString name; // as written, or made from the step (see describe())

    // Deploy
    QString revisionSuffix;
    QString container; // which container to change; empty: the first
    QString image;
    std::optional<QStringList> command;
    std::optional<QStringList> args;
    QList<EnvSetting> env;
    std::optional<int> terminationGracePeriodSeconds;

    // Traffic: reference -> weight, in the plan's order.
    QList<QPair<RevisionRef, int>> weights;

    // Wait / Hold
    double seconds = 0;
    WaitCondition until = WaitCondition::None;
    double timeoutSeconds = 0; // Deploy, Wait with a condition, StartSessions, StopSessions

    // Wait (Ready, Drained), Label, Deactivate, Activate
    RevisionRef revision;

    // Label
    QString label;
    bool removeLabel = false;

    // StartSessions / StopSessions
    QString group;
    SessionGroupSpec sessions; // StartSessions: the group (plan defaults plus the step's fields)

    QList<AssertionSpec> assertions;
};

struct PlanTarget
{
    QString app;
    QString subscription;  // empty: the endpoint's (local)
    QString resourceGroup; // empty: the endpoint's (local)
    QString apiVersion;    // empty: the client's default
};

struct Plan
{
    int version = 1;
    QString name;
    QString description;
    PlanTarget target;
    SessionGroupSpec sessions; // the group named "main"
    QList<PlanStep> steps;
    // The plan as read, with env values replaced by "(set)": what a report may show.
    QJsonObject redactedJson;
};

// "deploy green (image blueshift/relay:2, env COLOR)", "traffic blue=50 green=50",
// "wait until blue drained (timeout 60 s)": one line, no secret (env names only).
QString describe(const PlanStep &step);
QString defaultStepName(const PlanStep &step);
// "step 3 'traffic 50/50'": how messages name a step.
QString stepLabel(const PlanStep &step);
// "max 0", "allowed 1001", "±10 points": the expectation in words.
QString describeExpectation(const AssertionSpec &spec);

} // namespace blueshift::rollout
