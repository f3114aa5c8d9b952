#pragma once

#include "assertionevaluator.h"
#include "revisionresolver.h"
#include "rolloutevidence.h"
#include "rolloutplan.h"

#include "controlplane/armclient.h"
#include "harness/fleet.h"

#include <QDateTime>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QTimer>

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

namespace blueshift::rollout {

class PlatformEventStream;

struct RunnerOptions
{
    QString ingressScheme;         // for "ingress" sessions without a scheme; empty: ws when
                                   // the admin URL is http, else wss
    QString caFile;                // sessions: trust only these CAs for wss
    bool acceptSelfSigned = false; // sessions: accept a self-signed certificate
    bool platformEvents = true;    // read the platform's event stream onto the timeline
    int pollIntervalMs = 500;      // readiness polling of the control plane
    double eventStreamTimeoutSeconds = 5;
};

// A group of test sessions as it ran.
struct SessionGroupRun
{
    SessionGroupSpec spec;
    QUrl url;
    std::unique_ptr<harness::Fleet> fleet;
    double offset = 0; // run time at which the fleet started: fleet time + offset = run time
    bool stopped = false;
};

// Runs a rollout plan against a control plane, asynchronously on the caller's thread (no
// blocking wait, so the GUI can drive it as the CLI does): preflight (the app and every
// revision the steps name), the platform's event stream, the session groups, then each step
// through the ArmClient. Each step begins a step on every fleet, so closes are put down to it;
// platform events go onto the same timeline. When a step's window ends (the next step that
// changes the platform begins) its assertions are judged on what is known; at the end (after
// every deactivated revision had its grace period to drain) all of them are judged again on
// the whole run, and that verdict is the result.
class RolloutRunner : public QObject
{
    Q_OBJECT
public:
    enum class Outcome : quint8 {
        NotRun,
        Running,
        Passed,           // every step ran and every assertion held
        AssertionsFailed, // every step ran; an assertion did not hold
        Failed,           // a step or the control plane failed
        Rejected,         // the plan does not fit the app (preflight); nothing was changed
        Aborted,          // abort() was called
    };

    RolloutRunner(Plan plan, controlplane::ArmClient *client, RunnerOptions options = {},
                  QObject *parent = nullptr);
    ~RolloutRunner() override;

    void start();
    // Step by step, as the console's wizard drives a rollout: before each step that changes the
    // platform (deploy, traffic, label, activate, deactivate) the runner stops, judges the
    // windows still open on what is known so far, and emits pausedBefore(); proceed() runs the
    // step. A step that fails does not end such a run: the runner pauses before it again, and
    // proceed() tries it once more (a deploy whose PATCH was accepted only waits for its revision
    // again). Set before start(); abort() ends the run either way.
    void setPauseBeforeSteps(bool pause) { m_pauseBeforeSteps = pause; }
    bool pausesBeforeSteps() const { return m_pauseBeforeSteps; }
    void proceed();
    bool isPaused() const { return m_paused; }
    // The step the run is paused before, or running; -1 before the first.
    int currentStep() const { return m_current; }
    // Stops where it is: the current call is cancelled, the sessions are stopped, the
    // assertions of the steps that ran are judged; finished() follows.
    void abort(const QString &why);

    const Plan &plan() const { return m_plan; }
    Outcome outcome() const { return m_outcome; }
    static QString outcomeName(Outcome outcome);
    QString error() const { return m_error; }
    bool isFinished() const { return m_phase == Phase::Done; }

    // Seconds since start(): the clock of steps, events and every session group.
    double now() const;
    QDateTime startedAt() const { return m_startedAt; }
    double duration() const { return m_endTime; }
    const QList<StepWindow> &steps() const { return m_steps; }
    // The final verdicts (after finished()).
    const QList<AssertionResult> &results() const { return m_results; }
    QList<AssertionResult> failures() const;
    // Steps and platform events on the run's clock.
    const QList<harness::TimelineEntry> &timeline() const { return m_timeline; }
    const std::vector<std::unique_ptr<SessionGroupRun>> &groups() const { return m_groups; }
    QStringList notes() const { return m_notes; }
    bool platformEventsConnected() const { return m_eventsConnected; }
    RolloutEvidence evidence() const;

Q_SIGNALS:
    void stepStarted(int index, const QString &description);
    void stepFinished(int index, bool ok, const QString &detail);
    // Judged when a step's window ends (final false) and again at the end (final true).
    void assertionEvaluated(const blueshift::rollout::AssertionResult &result);
    // A line worth showing: where the sessions go, a platform without an event stream ...
    void note(const QString &text);
    // Waiting for proceed() before step `index` (pauseBeforeSteps), first or after it failed.
    void pausedBefore(int index);
    // A session group's fleet started (the plan's own group before the first step, others at
    // their startSessions step); it lives as long as the runner.
    void sessionGroupStarted(const QString &group, blueshift::harness::Fleet *fleet);
    void platformEvent(const QString &kind, double time, const QJsonObject &fields);
    void finished();

private:
    enum class Phase : quint8 { Idle, Preparing, Steps, Draining, Stopping, Done };

    // rolloutpreflight.cpp: the app, its revisions, the dry pass over the plan
    void loadApp();
    void loadRevisions();
    bool preflight(QString *error) const;

    // rolloutrunner.cpp: lifecycle, session groups, timeline, verdicts
    void openEventStream();
    void onPlatformEvent(const QString &kind, const QDateTime &time, const QJsonObject &fields);
    void startRun();
    bool startGroup(const SessionGroupSpec &spec, QString *error);
    // A group pinned to a label or a revision: its URL and the revision it is on by construction.
    bool pinGroup(const SessionGroupSpec &spec, QUrl *url, QString *pinned, QString *error) const;
    SessionGroupRun *group(const QString &name) const;
    void waitForGroupOpen(SessionGroupRun *group, double deadline,
                          std::function<void(bool, QString)> done);
    int openOn(const QString &revision) const;
    void nextStep();
    void runCurrentStep();
    void judgeSoFar();
    void stepDone(bool ok, const QString &detail);
    void closeWindows(double time);
    void judge(int stepIndex, bool final);
    void finishSteps();
    void drainDeactivated();
    void stopSessions();
    void finalize();
    void fail(Outcome outcome, const QString &error);
    void addNote(const QString &text);

    // rolloutsteps.cpp: what each kind of step does
    void runDeploy(const PlanStep &step);
    void runTraffic(const PlanStep &step);
    void runLabel(const PlanStep &step);
    void runRevisionAction(const PlanStep &step, bool activate);
    void runWait(const PlanStep &step);
    void runStartSessions(const PlanStep &step);
    void runStopSessions(const PlanStep &step);
    void patchTraffic(const QList<model::TrafficWeight> &traffic, const QString &what);
    void pollReady(const QString &revision, double deadline, std::function<void(QString)> done);
    void pollUntil(std::function<bool()> condition, double deadline,
                   std::function<void(bool)> done);
    void call(controlplane::ArmCall *c, std::function<void(controlplane::ArmCall *)> done);
    void after(int ms, std::function<void()> then);

    Plan m_plan;
    QPointer<controlplane::ArmClient> m_client;
    RunnerOptions m_options;
    Phase m_phase = Phase::Idle;
    Outcome m_outcome = Outcome::NotRun;
    QString m_error;
    std::chrono::steady_clock::time_point m_epoch;
    QDateTime m_startedAt;
    double m_endTime = 0;

    QJsonObject m_app;
    QString m_ingressFqdn;
    RevisionResolver m_resolver;
    int m_current = -1;
    QList<StepWindow> m_steps;
    QList<AssertionResult> m_results;
    QList<harness::TimelineEntry> m_timeline;
    std::vector<std::unique_ptr<SessionGroupRun>> m_groups;
    QHash<QString, QPair<double, int>> m_deactivated; // by this run: revision -> (time, grace s)
    QSet<QString> m_inactiveAtStart;
    QStringList m_notes;

    PlatformEventStream *m_events = nullptr;
    bool m_eventsConnected = false;
    QPointer<controlplane::ArmCall> m_call;
    QTimer m_timer;
    std::function<void()> m_onTimer;
    int m_stopping = 0;
    bool m_pauseBeforeSteps = false;
    bool m_paused = false;
};

} // namespace blueshift::rollout
