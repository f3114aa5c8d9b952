#pragma once

#include "controlplane/armclient.h"
#include "events/evententry.h"
#include "model/containerapp.h"
#include "rollout/rolloutplan.h"
#include "rollout/rolloutrunner.h"

#include <QDialog>
#include <QPointer>

class QLabel;
class QProgressBar;
class QPushButton;
class QTimer;

namespace blueshift::gui {

class AppSession;
class BlueGreenForm;
class RolloutPlanPanel;
class RolloutStepsModel;
class RolloutStepsPanel;
class TrafficRestore;

// The blue/green rollout as guided steps: a plan from the form (or a plan file), run by the same
// RolloutRunner as `blueshift-server rollout`, paused before every step that changes the
// platform. Each step shows its outcome as it completes, from the runner's verdicts; Promote
// runs the next step, Retry a step that failed, Abort stops the run and puts the traffic back
// as it was before it (100% on the revision that served). Nothing waits on the UI thread: the
// runner, the control-plane calls and the file dialogs all answer by signal.
class RolloutWizard : public QDialog
{
    Q_OBJECT
public:
    enum class Phase {
        Idle,      // nothing run yet: fill in the plan, Start
        Reading,   // reading the app (its traffic, for Abort) before the runner starts
        Preparing, // the runner checks the plan and opens the test sessions
        Paused,    // before a step that changes the platform: Promote
        Running,   // a step runs
        Failed,    // a step failed; the run waits: Retry or Abort
        Aborting,  // the runner stops; the traffic goes back
        Finished,
    };
    Q_ENUM(Phase)

    // `session` gives the client, the app and its revisions; it outlives the wizard.
    explicit RolloutWizard(AppSession *session, QWidget *parent = nullptr);
    ~RolloutWizard() override;

    Phase phase() const { return m_phase; }
    // The current (or last) run; owned by the wizard until the next run starts.
    rollout::RolloutRunner *runner() const { return m_runner; }
    BlueGreenForm *form() const;
    RolloutStepsModel *stepsModel() const { return m_steps; }
    RolloutStepsPanel *stepsPanel() const { return m_panel; }
    QPushButton *startButton() const { return m_start; }
    QPushButton *promoteButton() const { return m_promote; }
    QPushButton *retryButton() const { return m_retry; }
    QPushButton *abortButton() const { return m_abort; }
    // The banner above the buttons, as plain text: what happens now and what to do next.
    QString statusText() const;

    // A plan file replaces the form's plan (the form shows it when it has the form's shape);
    // false with the reason, naming the step and field, when it is not a valid plan.
    bool loadPlanFile(const QString &path, QString *error);
    bool savePlanFile(const QString &path, QString *error) const;
    // Back to the plan the form makes.
    void useForm();

Q_SIGNALS:
    // A run began: the main window points the sessions table and the charts at its fleets.
    void runStarted(blueshift::rollout::RolloutRunner *runner);
    // A fleet of the run started: "main" (the plan's sessions) before the first pause, others
    // at their step. It lives as long as the run's runner.
    void fleetStarted(blueshift::harness::Fleet *fleet, const QString &group);
    void runFinished(blueshift::rollout::RolloutRunner *runner);
    // Steps, verdicts and notes, for the events view (MainWindow::appendHarnessEvents).
    void harnessEvents(const QList<blueshift::gui::EventEntry> &events);

private:
    void buildUi();
    void refreshPlan();
    void showSteps(const rollout::Plan &plan);
    void setPhase(Phase phase);
    void setBanner(const QString &text, int tone); // 0 neutral, 1 good, 2 bad, 3 busy
    void start();
    void launch(const rollout::Plan &plan);
    void promote();
    void abort();
    void onStepStarted(int index, const QString &description);
    void onStepFinished(int index, bool ok, const QString &detail);
    void onAssertion(const rollout::AssertionResult &result);
    void onPaused(int index);
    void onFinished();
    void tick();
    void log(const QString &text);
    void emitEvent(const QString &level, const QString &event, const QString &revision,
                   const QString &text);
    void chooseReportDir();

    AppSession *m_session;
    RolloutPlanPanel *m_plan = nullptr;
    RolloutStepsModel *m_steps;
    RolloutStepsPanel *m_panel = nullptr;
    QLabel *m_banner = nullptr;
    QLabel *m_sessionsLabel = nullptr;
    QProgressBar *m_progress = nullptr;
    QPushButton *m_start = nullptr;
    QPushButton *m_promote = nullptr;
    QPushButton *m_retry = nullptr;
    QPushButton *m_abort = nullptr;
    QPushButton *m_report = nullptr;
    QTimer *m_ticker;

    Phase m_phase = Phase::Idle;
    QPointer<rollout::RolloutRunner> m_runner;
    QPointer<controlplane::ArmCall> m_reading;
    QMetaObject::Connection m_clientGone;
    QPointer<TrafficRestore> m_restore;
    QList<model::TrafficWeight> m_originalTraffic;
    QString m_app;
    bool m_restoring = false;
};

} // namespace blueshift::gui
