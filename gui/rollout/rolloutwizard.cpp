#include "rolloutwizard.h"

#include "bluegreenform.h"
#include "rolloutplanpanel.h"
#include "rolloutstepsmodel.h"
#include "rolloutstepspanel.h"
#include "trafficrestore.h"
#include "wizardlog.h"

#include "app/appsession.h"
#include "rollout/rolloutreport.h"
#include "rollout/rolloutrunner.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QMap>
#include <QProgressBar>
#include <QPushButton>
#include <QTimer>
#include <QVBoxLayout>

namespace blueshift::gui {

using rollout::RolloutRunner;

RolloutWizard::RolloutWizard(AppSession *session, QWidget *parent)
    : QDialog(parent)
    , m_session(session)
    , m_steps(new RolloutStepsModel(this))
    , m_ticker(new QTimer(this))
{
    setObjectName(QStringLiteral("rolloutWizard"));
    setWindowTitle(tr("Blue/green rollout"));
    setSizeGripEnabled(true);
    buildUi();
    m_ticker->setInterval(500);
    connect(m_ticker, &QTimer::timeout, this, &RolloutWizard::tick);
    auto snapshot = [this] {
        if (m_session->hasSnapshot())
            m_plan->form()->setAppSnapshot(m_session->app(), m_session->revisions());
    };
    connect(m_session, &AppSession::snapshotChanged, this, snapshot);
    snapshot();
    connect(m_plan, &RolloutPlanPanel::planChanged, this, &RolloutWizard::refreshPlan);
    connect(m_plan, &RolloutPlanPanel::message, this,
            [this](const QString &text, bool error) { setBanner(text, error ? 2 : 0); });
    refreshPlan();
    setPhase(Phase::Idle);
    setBanner(tr("Check the plan, then Start: the test sessions open on the revision serving now, "
                 "and the rollout waits for you before each change."),
              0);
    resize(1180, 720);
}

RolloutWizard::~RolloutWizard() = default;

void RolloutWizard::buildUi()
{
    m_plan = new RolloutPlanPanel(this);
    m_panel = new RolloutStepsPanel(m_steps, this);

    auto *top = new QHBoxLayout;
    top->addWidget(m_plan);
    top->addWidget(m_panel, 1);

    m_banner = new QLabel(this);
    m_banner->setObjectName(QStringLiteral("rolloutBanner"));
    m_banner->setWordWrap(true);
    m_banner->setTextFormat(Qt::PlainText);
    m_banner->setMinimumHeight(m_banner->fontMetrics().lineSpacing() * 2 + 16);
    m_sessionsLabel = new QLabel(this);
    m_sessionsLabel->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 0);
    m_progress->setMaximumWidth(160);
    m_progress->setTextVisible(false);
    m_progress->setVisible(false);
    auto *status = new QHBoxLayout;
    status->addWidget(m_banner, 1);
    status->addWidget(m_sessionsLabel);
    status->addWidget(m_progress);

    m_start = new QPushButton(tr("Start"), this);
    m_start->setObjectName(QStringLiteral("startButton"));
    m_start->setToolTip(tr("Check the plan against the app, open the test sessions, then wait "
                           "before the first change"));
    m_promote = new QPushButton(tr("Promote"), this);
    m_promote->setObjectName(QStringLiteral("promoteButton"));
    m_promote->setDefault(true);
    QFont bold = m_promote->font();
    bold.setBold(true);
    m_promote->setFont(bold);
    m_retry = new QPushButton(tr("Retry"), this);
    m_retry->setObjectName(QStringLiteral("retryButton"));
    m_retry->setToolTip(tr("Run the step that failed once more"));
    m_abort = new QPushButton(tr("Abort"), this);
    m_abort->setObjectName(QStringLiteral("abortButton"));
    m_abort->setToolTip(tr("Stop the rollout and put the traffic back as it was before it"));
    m_report = new QPushButton(tr("Save report…"), this);
    m_report->setToolTip(tr("rollout.json, report.html and the sessions' files, as "
                            "`blueshift-server rollout --report` writes them"));
    auto *close = new QPushButton(tr("Close"), this);
    close->setAutoDefault(false);
    connect(m_start, &QPushButton::clicked, this, &RolloutWizard::start);
    connect(m_promote, &QPushButton::clicked, this, &RolloutWizard::promote);
    connect(m_retry, &QPushButton::clicked, this, &RolloutWizard::promote);
    connect(m_abort, &QPushButton::clicked, this, &RolloutWizard::abort);
    connect(m_report, &QPushButton::clicked, this, &RolloutWizard::chooseReportDir);
    connect(close, &QPushButton::clicked, this, &QDialog::hide);
    auto *buttons = new QHBoxLayout;
    for (QPushButton *b : {m_start, m_promote, m_retry, m_abort})
        buttons->addWidget(b);
    buttons->addStretch(1);
    buttons->addWidget(m_report);
    buttons->addWidget(close);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top, 1);
    layout->addLayout(status);
    layout->addLayout(buttons);
}

QString RolloutWizard::statusText() const
{
    return m_banner->text();
}

BlueGreenForm *RolloutWizard::form() const
{
    return m_plan->form();
}

bool RolloutWizard::loadPlanFile(const QString &path, QString *error)
{
    return m_plan->loadPlanFile(path, error);
}

bool RolloutWizard::savePlanFile(const QString &path, QString *error) const
{
    return m_plan->savePlanFile(path, error);
}

void RolloutWizard::useForm()
{
    m_plan->useForm();
}

void RolloutWizard::refreshPlan()
{
    // Before the first run the steps preview the plan; after one they show how it went until
    // the next Start.
    rollout::Plan plan;
    QString error;
    const bool ok = m_plan->currentPlan(&plan, &error);
    if (ok && m_phase == Phase::Idle)
        showSteps(plan);
    m_start->setEnabled(ok && (m_phase == Phase::Idle || m_phase == Phase::Finished));
}

void RolloutWizard::showSteps(const rollout::Plan &plan)
{
    QString focus; // the revision being rolled out: the last one deployed
    for (const rollout::PlanStep &s : plan.steps) {
        if (s.kind == rollout::StepKind::Deploy)
            focus = plan.target.app + QStringLiteral("--") + s.revisionSuffix;
    }
    m_steps->setPlan(plan, focus);
}

void RolloutWizard::setPhase(Phase phase)
{
    m_phase = phase;
    const bool idle = phase == Phase::Idle || phase == Phase::Finished;
    const bool active = !idle && phase != Phase::Aborting;
    rollout::Plan plan;
    QString error;
    m_start->setEnabled(idle && m_plan->currentPlan(&plan, &error));
    m_start->setText(phase == Phase::Finished ? tr("Start again") : tr("Start"));
    m_promote->setEnabled(phase == Phase::Paused);
    m_retry->setEnabled(phase == Phase::Failed);
    m_abort->setEnabled(active);
    m_plan->setEditable(idle);
    m_report->setEnabled(m_runner && m_runner->isFinished());
    m_progress->setVisible(phase == Phase::Reading || phase == Phase::Preparing ||
                           phase == Phase::Running || phase == Phase::Aborting);
    if (phase != Phase::Paused)
        m_promote->setText(tr("Promote"));
    if (active || phase == Phase::Aborting)
        m_ticker->start();
    else
        m_ticker->stop();
}

void RolloutWizard::setBanner(const QString &text, int tone)
{
    static const char *const colours[] = {"#eef1f5", "#e3f4e8", "#fbe4e4", "#e8effa"};
    static const char *const borders[] = {"#9aa5b1", "#1f7a3a", "#b01c1c", "#2f6fbd"};
    m_banner->setText(text);
    m_banner->setStyleSheet(QStringLiteral("QLabel { background: %1; border-left: 4px solid %2; "
                                           "padding: 6px 10px; color: #1b1f24; }")
                                .arg(QLatin1String(colours[tone]), QLatin1String(borders[tone])));
}

void RolloutWizard::start()
{
    if (m_phase != Phase::Idle && m_phase != Phase::Finished)
        return;
    rollout::Plan plan;
    QString error;
    if (!m_plan->currentPlan(&plan, &error)) {
        setBanner(tr("The plan is not complete: %1").arg(error), 2);
        return;
    }
    controlplane::ArmClient *client = m_session->client();
    if (!client) {
        setBanner(tr("Not connected to a platform: connect first (File menu)."), 2);
        return;
    }
    m_app = plan.target.app;
    setWindowTitle(tr("Blue/green rollout — %1").arg(m_app));
    m_panel->clearLog();
    showSteps(plan);
    setPhase(Phase::Reading);
    setBanner(tr("Reading app %1 (its traffic now is what Abort goes back to)…").arg(m_app), 3);
    // A connection closed under a run (reconnect, another platform) ends it: the runner must
    // not call a client that is gone.
    disconnect(m_clientGone);
    m_clientGone = connect(client, &QObject::destroyed, this, [this] {
        if (m_phase == Phase::Reading) {
            setPhase(Phase::Idle);
            setBanner(tr("The connection to the platform was closed: nothing was changed."), 2);
        } else if (m_runner && !m_runner->isFinished()) {
            m_runner->abort(tr("the connection to the platform was closed"));
        }
    });
    // The traffic as it is before the run: what Abort puts back.
    m_reading = client->getApp(m_app);
    connect(m_reading, &controlplane::ArmCall::finished, this, [this, plan, call = m_reading] {
        if (m_phase != Phase::Reading)
            return; // aborted meanwhile
        model::ContainerApp app;
        QString error;
        if (!call->ok() || !model::fromJson(call->body(), &app, &error)) {
            setPhase(Phase::Idle);
            setBanner(
                tr("Cannot read app %1: %2").arg(m_app, call->ok() ? error : call->errorText()), 2);
            return;
        }
        m_originalTraffic = app.configuration.ingress ? app.configuration.ingress->traffic
                                                      : QList<model::TrafficWeight>();
        launch(plan);
    });
}

void RolloutWizard::launch(const rollout::Plan &plan)
{
    if (m_runner)
        m_runner->deleteLater();
    auto *runner = new RolloutRunner(plan, m_session->client(), {}, this);
    m_runner = runner;
    runner->setPauseBeforeSteps(true);
    connect(runner, &RolloutRunner::stepStarted, this, &RolloutWizard::onStepStarted);
    connect(runner, &RolloutRunner::stepFinished, this, &RolloutWizard::onStepFinished);
    connect(runner, &RolloutRunner::assertionEvaluated, this, &RolloutWizard::onAssertion);
    connect(runner, &RolloutRunner::pausedBefore, this, &RolloutWizard::onPaused);
    connect(runner, &RolloutRunner::finished, this, &RolloutWizard::onFinished);
    connect(
        runner, &RolloutRunner::sessionGroupStarted, this,
        [this](const QString &group, harness::Fleet *fleet) { Q_EMIT fleetStarted(fleet, group); });
    connect(runner, &RolloutRunner::note, this, [this](const QString &text) {
        log(text);
        emitEvent(QStringLiteral("info"), QStringLiteral("rollout.note"), QString(), text);
    });
    connect(runner, &RolloutRunner::platformEvent, this,
            [this](const QString &kind, double, const QJsonObject &fields) {
                const QString revision = fields.value(QStringLiteral("revision")).toString();
                log(revision.isEmpty() ? tr("platform: %1").arg(kind)
                                       : tr("platform: %1 %2").arg(kind, revision));
            });
    setPhase(Phase::Preparing);
    setBanner(tr("Checking the plan against %1 and opening %n test session(s) on the revision "
                 "serving now…",
                 nullptr, plan.sessions.autoStart ? plan.sessions.fleet.sessions : 0)
                  .arg(m_app),
              3);
    qCInfo(lcWizard) << "rollout" << plan.name << "on" << m_app << "started";
    emitEvent(QStringLiteral("info"), QStringLiteral("rollout.started"), QString(),
              tr("rollout '%1' on %2: %n step(s)", nullptr, int(plan.steps.size()))
                  .arg(plan.name, m_app));
    runner->start();
    Q_EMIT runStarted(runner);
}

void RolloutWizard::promote()
{
    if (!m_runner || (m_phase != Phase::Paused && m_phase != Phase::Failed))
        return;
    m_runner->proceed();
}

void RolloutWizard::abort()
{
    if (m_phase == Phase::Reading) {
        if (m_reading)
            m_reading->cancel();
        setPhase(Phase::Idle);
        setBanner(tr("Not started: nothing was changed."), 0);
        return;
    }
    if (!m_runner || m_runner->isFinished() || m_phase == Phase::Aborting)
        return;
    // Revisions that served before and that this run deactivated get their traffic back too.
    QStringList activate;
    for (const model::TrafficWeight &t : std::as_const(m_originalTraffic)) {
        for (const rollout::StepWindow &w : m_runner->steps()) {
            if (t.weight > 0 && w.kind == rollout::StepKind::Deactivate && w.actionDone >= 0 &&
                w.revision == t.revisionName && !activate.contains(w.revision))
                activate.append(w.revision);
        }
    }
    setPhase(Phase::Aborting);
    const QString back = TrafficRestore::describe(m_originalTraffic);
    setBanner(
        tr("Aborting: stopping the test sessions and putting the traffic back to %1…").arg(back),
        3);
    emitEvent(QStringLiteral("warning"), QStringLiteral("rollout.aborted"), QString(),
              tr("aborted from the console; traffic back to %1").arg(back));
    m_restoring = true;
    m_runner->abort(tr("aborted from the console"));
    m_restore = new TrafficRestore(m_session->client(), m_app, m_originalTraffic, activate, this);
    connect(m_restore, &TrafficRestore::finished, this, [this](bool ok, const QString &message) {
        m_restoring = false;
        m_restore->deleteLater();
        m_session->refresh();
        if (ok)
            setBanner(tr("Aborted. The traffic is back as it was before the rollout: %1. The "
                         "test sessions were stopped; revisions this run made stay, with no "
                         "traffic (deactivate them in the Revisions view).")
                          .arg(message),
                      0);
        else
            setBanner(tr("Aborted, but the traffic could not be put back: %1. Set it with App ▸ "
                         "Edit traffic.")
                          .arg(message),
                      2);
        emitEvent(ok ? QStringLiteral("info") : QStringLiteral("error"),
                  ok ? QStringLiteral("rollout.traffic_restored")
                     : QStringLiteral("rollout.traffic_restore_failed"),
                  QString(), message);
        if (m_runner && m_runner->isFinished())
            setPhase(Phase::Finished);
    });
    m_restore->start();
}

void RolloutWizard::onStepStarted(int index, const QString &description)
{
    m_steps->setRunning(index);
    m_panel->setCurrentStep(index);
    setPhase(Phase::Running);
    const rollout::PlanStep &step = m_steps->plan().steps.at(index);
    setBanner(tr("Running step %1 '%2': %3…").arg(index + 1).arg(step.name, plannedText(step)), 3);
    log(tr("step %1 started: %2").arg(index + 1).arg(description));
    emitEvent(QStringLiteral("info"), QStringLiteral("step.started"), QString(),
              tr("step %1: %2").arg(index + 1).arg(description));
}

void RolloutWizard::onStepFinished(int index, bool ok, const QString &detail)
{
    const rollout::StepWindow &w = m_runner->steps().at(index);
    m_steps->setFinished(index, ok, detail, w.end >= 0 ? w.end - w.start : -1, w.revision);
    if (ok) // a failure is the runner's note, with what happens next
        log(tr("step %1 done: %2").arg(index + 1).arg(m_steps->outcome(index)));
    emitEvent(ok ? QStringLiteral("info") : QStringLiteral("error"),
              ok ? QStringLiteral("step.finished") : QStringLiteral("step.failed"), w.revision,
              tr("step %1 '%2': %3").arg(index + 1).arg(w.name, m_steps->outcome(index)));
    if (rollout::changesPlatform(w.kind))
        m_session->refresh();
}

void RolloutWizard::onAssertion(const rollout::AssertionResult &result)
{
    m_steps->addResult(result);
    if (!result.final)
        return; // judged so far: the steps table shows it; the events get the verdict
    emitEvent(result.passed ? QStringLiteral("info") : QStringLiteral("warning"),
              result.passed ? QStringLiteral("assertion.passed")
                            : QStringLiteral("assertion.failed"),
              QString(), result.message);
}

void RolloutWizard::onPaused(int index)
{
    if (m_phase == Phase::Aborting)
        return;
    m_steps->setNext(index);
    m_panel->setCurrentStep(index);
    const rollout::PlanStep &step = m_steps->plan().steps.at(index);
    const bool failed = m_steps->record(index).state == StepRecord::State::Failed;
    setPhase(failed ? Phase::Failed : Phase::Paused);
    if (failed) {
        setBanner(tr("Step %1 '%2' failed: %3\nFix the cause and Retry, or Abort to put the "
                     "traffic back to %4.")
                      .arg(index + 1)
                      .arg(step.name, m_steps->record(index).detail,
                           TrafficRestore::describe(m_originalTraffic)),
                  2);
        return;
    }
    m_promote->setText(tr("Promote: %1").arg(step.name));
    // What the user decides on: the outcome of the last change, then what comes next.
    QString last;
    bool lastFailed = false;
    for (int i = index - 1; i >= 0; --i) {
        if (m_steps->record(i).state == StepRecord::State::Done &&
            rollout::changesPlatform(m_steps->plan().steps.at(i).kind)) {
            last = tr("%1: %2\n").arg(m_steps->plan().steps.at(i).name, m_steps->outcome(i));
            lastFailed = m_steps->record(i).anyFailed();
            break;
        }
    }
    setBanner(last + tr("Paused before step %1 '%2'. Promote runs it: %3. %4")
                         .arg(index + 1)
                         .arg(step.name, plannedText(step), stepHint(step.kind)),
              lastFailed ? 2 : 1);
    emitEvent(QStringLiteral("info"), QStringLiteral("rollout.paused"), QString(),
              tr("waiting before step %1 '%2'").arg(index + 1).arg(step.name));
}

void RolloutWizard::onFinished()
{
    RolloutRunner *runner = m_runner;
    const int current = runner->currentStep();
    m_steps->setRunEnded(current >= 0 && current < runner->steps().size()
                             ? runner->duration() - runner->steps().at(current).start
                             : 0);
    tick(); // the sessions label: the fleets have stopped
    for (const rollout::AssertionResult &r : runner->results())
        m_steps->addResult(r);
    const QString outcome = RolloutRunner::outcomeName(runner->outcome());
    const QList<rollout::AssertionResult> failures = runner->failures();
    QString text;
    int tone = 1;
    switch (runner->outcome()) {
    case RolloutRunner::Outcome::Passed:
        text = tr("Rollout passed: every step ran and every assertion held (%1 s).")
                   .arg(runner->duration(), 0, 'f', 0);
        break;
    case RolloutRunner::Outcome::AssertionsFailed:
        text = tr("Every step ran, but %n assertion(s) failed: %1", nullptr, int(failures.size()))
                   .arg(failures.value(0).message);
        tone = 2;
        break;
    case RolloutRunner::Outcome::Aborted:
        text = tr("Aborted: %1. The traffic was left as it was; check it in the Revisions view.")
                   .arg(runner->error());
        tone = 2;
        break;
    default:
        text = tr("The rollout %1: %2").arg(outcome, runner->error());
        tone = 2;
        break;
    }
    log(tr("rollout %1").arg(outcome));
    // What serves now and which suffix is free have changed: the refresh below fills them in.
    m_plan->form()->forgetSnapshot();
    emitEvent(tone == 2 ? QStringLiteral("error") : QStringLiteral("info"),
              QStringLiteral("rollout.finished"), QString(), text);
    m_session->refresh();
    if (m_phase == Phase::Aborting) {
        // The banner is the traffic restore's; the phase ends with the later of the two.
        if (!m_restoring)
            setPhase(Phase::Finished);
        else
            m_report->setEnabled(true);
    } else {
        setPhase(Phase::Finished);
        setBanner(text, tone);
    }
    Q_EMIT runFinished(runner);
}

void RolloutWizard::tick()
{
    if (!m_runner)
        return;
    const int current = m_runner->currentStep();
    if (m_phase == Phase::Running && current >= 0 && current < m_runner->steps().size())
        m_steps->setRunningSeconds(current, m_runner->now() - m_runner->steps().at(current).start);
    QMap<QString, int> alive;
    int open = 0;
    for (const auto &g : m_runner->groups()) {
        const harness::FleetSnapshot s = g->fleet->snapshot();
        open += s.open;
        for (const harness::RevisionSummary &r : s.revisions) {
            if (r.alive > 0)
                alive[shortRevision(r.revision)] += r.alive;
        }
    }
    QStringList parts;
    for (auto it = alive.begin(); it != alive.end(); ++it)
        parts.append(QStringLiteral("%1 %2").arg(it.key()).arg(it.value()));
    m_sessionsLabel->setText(
        open == 0
            ? QString()
            : tr("Test sessions open: %1\n%2").arg(open).arg(parts.join(QStringLiteral(" · "))));
}

void RolloutWizard::log(const QString &text)
{
    m_panel->log(m_runner ? m_runner->now() : 0, text);
}

void RolloutWizard::emitEvent(const QString &level, const QString &event, const QString &revision,
                              const QString &text)
{
    Q_EMIT harnessEvents({EventEntry{QDateTime::currentDateTimeUtc(), QStringLiteral("rollout"),
                                     level, event, revision, text}});
}

void RolloutWizard::chooseReportDir()
{
    if (!m_runner || !m_runner->isFinished())
        return;
    auto *dialog = new QFileDialog(this, tr("Directory for the rollout report"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setFileMode(QFileDialog::Directory);
    dialog->setOption(QFileDialog::ShowDirsOnly);
    connect(dialog, &QFileDialog::fileSelected, this, [this](const QString &dir) {
        QString error;
        if (m_runner && rollout::RolloutReport::write(*m_runner, dir, &error))
            setBanner(tr("Report written to %1 (open report.html).").arg(dir), 0);
        else
            setBanner(tr("Cannot write the report: %1").arg(error), 2);
    });
    dialog->open();
}

} // namespace blueshift::gui
