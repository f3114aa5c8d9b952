// The runner's lifecycle: the event stream, session groups, the timeline and the verdicts.
// The preflight is in rolloutpreflight.cpp, what each kind of step does in rolloutsteps.cpp.
#include "rolloutrunner.h"

#include "platformeventstream.h"
#include "rolloutlog.h"

#include <QUrlQuery>

#include <algorithm>

namespace blueshift::rollout {

RolloutRunner::RolloutRunner(Plan plan, controlplane::ArmClient *client, RunnerOptions options,
                             QObject *parent)
    : QObject(parent)
    , m_plan(std::move(plan))
    , m_client(client)
    , m_options(std::move(options))
    , m_resolver(m_plan.target.app)
{
    m_timer.setSingleShot(true);
    // A hold of 5 s lasts 5 s: a coarse timer may end it 5% early.
    m_timer.setTimerType(Qt::PreciseTimer);
    connect(&m_timer, &QTimer::timeout, this, [this] {
        std::function<void()> then = std::move(m_onTimer);
        m_onTimer = nullptr;
        if (then)
            then();
    });
    for (const PlanStep &s : m_plan.steps) {
        StepWindow w;
        w.index = s.index;
        w.name = s.name;
        w.kind = s.kind;
        m_steps.append(w);
    }
}

RolloutRunner::~RolloutRunner()
{
    if (m_call)
        m_call->cancel();
}

QString RolloutRunner::outcomeName(Outcome outcome)
{
    switch (outcome) {
    case Outcome::NotRun:
        return QStringLiteral("not run");
    case Outcome::Running:
        return QStringLiteral("running");
    case Outcome::Passed:
        return QStringLiteral("passed");
    case Outcome::AssertionsFailed:
        return QStringLiteral("assertions failed");
    case Outcome::Failed:
        return QStringLiteral("failed");
    case Outcome::Rejected:
        return QStringLiteral("rejected");
    case Outcome::Aborted:
        return QStringLiteral("aborted");
    }
    return {};
}

double RolloutRunner::now() const
{
    if (m_phase == Phase::Idle)
        return 0;
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - m_epoch).count();
}

QList<AssertionResult> RolloutRunner::failures() const
{
    QList<AssertionResult> out;
    for (const AssertionResult &r : m_results) {
        if (!r.passed)
            out.append(r);
    }
    return out;
}

void RolloutRunner::addNote(const QString &text)
{
    m_notes.append(text);
    qCInfo(lcRollout) << text;
    Q_EMIT note(text);
}

void RolloutRunner::start()
{
    if (m_phase != Phase::Idle)
        return;
    m_epoch = std::chrono::steady_clock::now();
    m_startedAt = QDateTime::currentDateTimeUtc();
    m_phase = Phase::Preparing;
    m_outcome = Outcome::Running;
    if (!m_client) {
        fail(Outcome::Failed, QStringLiteral("no control-plane client"));
        return;
    }
    loadApp();
}

void RolloutRunner::openEventStream()
{
    if (!m_options.platformEvents) {
        startRun();
        return;
    }
    m_events = new PlatformEventStream(m_client->endpoint(), m_plan.target.app, this);
    connect(m_events, &PlatformEventStream::eventReceived, this, &RolloutRunner::onPlatformEvent);
    connect(m_events, &PlatformEventStream::connected, this, [this] {
        m_eventsConnected = true;
        if (m_phase == Phase::Preparing) {
            m_timer.stop();
            startRun();
        }
    });
    connect(m_events, &PlatformEventStream::failed, this, [this](const QString &why) {
        const bool wasConnected = m_eventsConnected;
        m_eventsConnected = false;
        if (m_phase == Phase::Done)
            return;
        addNote(wasConnected
                    ? QStringLiteral("platform events: the stream ended at %1 s (%2)")
                          .arg(now(), 0, 'f', 1)
                          .arg(why)
                    : QStringLiteral("platform events: unavailable (%1); the timeline holds the "
                                     "steps and the sessions only")
                          .arg(why));
        if (m_phase == Phase::Preparing) {
            m_timer.stop();
            startRun();
        }
    });
    after(int(m_options.eventStreamTimeoutSeconds * 1000), [this] {
        if (m_phase != Phase::Preparing)
            return;
        addNote(QStringLiteral("platform events: no stream after %1 s; going on without")
                    .arg(m_options.eventStreamTimeoutSeconds));
        m_events->close();
        startRun();
    });
    m_events->open();
}

void RolloutRunner::onPlatformEvent(const QString &kind, const QDateTime &time,
                                    const QJsonObject &fields)
{
    if (m_phase == Phase::Done)
        return;
    // The platform's own time stamp, so an event sits where it happened among the closes; a
    // clock ahead of ours must not put it in the future.
    const double t = std::clamp(double(m_startedAt.msecsTo(time)) / 1000.0, 0.0, now());
    m_timeline.append({t, kind, fields, -1});
    for (const auto &g : m_groups) {
        if (g->fleet && g->fleet->isRunning() && t >= g->offset)
            g->fleet->addTimelineEvent(kind, fields, t - g->offset);
    }
    Q_EMIT platformEvent(kind, t, fields);
}

void RolloutRunner::startRun()
{
    if (m_phase != Phase::Preparing)
        return;
    m_phase = Phase::Steps;
    if (!m_plan.sessions.autoStart) {
        nextStep();
        return;
    }
    QString error;
    if (!startGroup(m_plan.sessions, &error)) {
        fail(Outcome::Failed, QStringLiteral("sessions %1: %2").arg(m_plan.sessions.name, error));
        return;
    }
    SessionGroupRun *g = m_groups.back().get();
    waitForGroupOpen(g, now() + g->spec.startTimeoutSeconds, [this](bool ok, const QString &why) {
        if (!ok) {
            fail(Outcome::Failed, QStringLiteral("sessions %1: %2").arg(m_plan.sessions.name, why));
            return;
        }
        nextStep();
    });
}

bool RolloutRunner::pinGroup(const SessionGroupSpec &spec, QUrl *url, QString *pinned,
                             QString *error) const
{
    if (spec.label.isEmpty() && spec.revision.isEmpty())
        return true;
    const QString app = m_plan.target.app;
    const bool local = m_client->endpoint().subscription == QLatin1String("local");
    // Container Apps' addresses: {app}.{domain}, {app}---{label}.{domain},
    // {app}--{suffix}.{domain}.
    const QString host = url->host();
    const QString domain =
        host.startsWith(app + QLatin1Char('.')) ? host.mid(app.size() + 1) : QString();
    const QString what = spec.label.isEmpty() ? QStringLiteral("revision '%1'").arg(spec.revision)
                                              : QStringLiteral("label '%1'").arg(spec.label);
    if (!spec.label.isEmpty()) {
        *pinned = m_resolver.resolve(RevisionRef{QStringLiteral("label:") + spec.label}, error);
        if (pinned->isEmpty())
            return false;
        if (local) {
            QUrlQuery query(*url);
            query.addQueryItem(QStringLiteral("blueshift-label"), spec.label);
            url->setQuery(query);
            return true;
        }
        if (domain.isEmpty()) {
            *error = QStringLiteral("group %1: the ingress %2 is not {app}.{domain}: cannot build "
                                    "the address of %3")
                         .arg(spec.name, host, what);
            return false;
        }
        url->setHost(app + QStringLiteral("---") + spec.label + QLatin1Char('.') + domain);
        return true;
    }
    *pinned = m_resolver.resolve(RevisionRef{spec.revision}, error);
    if (pinned->isEmpty())
        return false;
    if (local || domain.isEmpty()) {
        *error = QStringLiteral("group %1: %2 has no address of its own here; pin the group by "
                                "a label instead")
                     .arg(spec.name, what);
        return false;
    }
    const QString suffix = pinned->mid(app.size() + 2); // "{app}--{suffix}"
    url->setHost(app + QStringLiteral("--") + suffix + QLatin1Char('.') + domain);
    return true;
}

bool RolloutRunner::startGroup(const SessionGroupSpec &spec, QString *error)
{
    QUrl url;
    if (spec.url == QLatin1String("ingress")) {
        if (m_ingressFqdn.isEmpty()) {
            *error = QStringLiteral("app '%1' has no ingress fqdn; give sessions.url")
                         .arg(m_plan.target.app);
            return false;
        }
        QString scheme = spec.scheme.isEmpty() ? m_options.ingressScheme : spec.scheme;
        if (scheme.isEmpty())
            scheme = m_client->endpoint().baseUrl.scheme() == QLatin1String("https")
                         ? QStringLiteral("wss")
                         : QStringLiteral("ws");
        url = QUrl(scheme + QStringLiteral("://") + m_ingressFqdn + spec.path);
    } else {
        url = QUrl(spec.url);
    }
    QString pinned;
    if (!pinGroup(spec, &url, &pinned, error))
        return false;
    harness::FleetConfig config = spec.fleet;
    config.url = url;
    config.pinnedRevision = pinned;
    config.caFile = m_options.caFile;
    config.acceptSelfSigned = m_options.acceptSelfSigned;
    // Every connection of every session must stay in the evidence.
    config.maxKeptEvents = std::max(config.maxKeptEvents, config.sessions * 40);
    auto run = std::make_unique<SessionGroupRun>();
    run->spec = spec;
    run->url = url;
    run->fleet = std::make_unique<harness::Fleet>();
    connect(run->fleet.get(), &harness::Fleet::finished, this, [this] {
        if (m_phase != Phase::Stopping)
            return;
        for (const auto &g : m_groups) {
            if (g->fleet && !g->fleet->isFinished())
                return;
        }
        finalize();
    });
    run->offset = now();
    if (!run->fleet->start(config, error))
        return false;
    // A group that starts during a step belongs to it from its first second.
    for (int i = std::min(m_current, int(m_steps.size()) - 1); i >= 0; --i) {
        const PlanStep &s = m_plan.steps.at(i);
        if (m_steps.at(i).start < 0 || !attributesCloses(s.kind))
            continue;
        run->fleet->beginStep(s.name,
                              {{QStringLiteral("plan_step"), s.index + 1},
                               {QStringLiteral("kind"), stepKindName(s.kind)},
                               {QStringLiteral("name"), s.name}},
                              0);
        break;
    }
    addNote(QStringLiteral("sessions %1: %2 connections to %3")
                .arg(spec.name)
                .arg(config.sessions)
                .arg(url.adjusted(QUrl::RemoveQuery | QUrl::RemoveUserInfo).toString()));
    m_groups.push_back(std::move(run));
    Q_EMIT sessionGroupStarted(spec.name, m_groups.back()->fleet.get());
    return true;
}

SessionGroupRun *RolloutRunner::group(const QString &name) const
{
    // The newest run of that name: a group may be started again after it was stopped.
    for (auto it = m_groups.rbegin(); it != m_groups.rend(); ++it) {
        if ((*it)->spec.name == name)
            return it->get();
    }
    return nullptr;
}

void RolloutRunner::waitForGroupOpen(SessionGroupRun *g, double deadline,
                                     std::function<void(bool, QString)> done)
{
    harness::Fleet *fleet = g->fleet.get();
    auto settled = [fleet] {
        for (const harness::SessionRecord &r : fleet->sessions()) {
            if (r.firstOpenTime < 0 && r.state != harness::SessionState::Closed)
                return false;
        }
        return true;
    };
    pollUntil(settled, deadline, [fleet, done = std::move(done)](bool ok) {
        const harness::FleetSnapshot s = fleet->snapshot();
        if (ok)
            done(true, QStringLiteral("%1 of %2 open").arg(s.open).arg(s.sessions));
        else
            done(false, QStringLiteral("only %1 of %2 sessions opened in time (%3 connect "
                                       "failures); is the ingress reachable?")
                            .arg(s.open)
                            .arg(s.sessions)
                            .arg(s.connectFailures));
    });
}

int RolloutRunner::openOn(const QString &revision) const
{
    int n = 0;
    for (const auto &g : m_groups) {
        for (const harness::SessionRecord &r : g->fleet->sessions())
            n += r.state == harness::SessionState::Open && r.revision == revision;
    }
    return n;
}

void RolloutRunner::nextStep()
{
    if (m_phase != Phase::Steps || m_outcome != Outcome::Running)
        return;
    ++m_current;
    if (m_current >= m_plan.steps.size()) {
        finishSteps();
        return;
    }
    if (m_pauseBeforeSteps && changesPlatform(m_plan.steps.at(m_current).kind)) {
        m_paused = true;
        judgeSoFar();
        Q_EMIT pausedBefore(m_current);
        return;
    }
    runCurrentStep();
}

void RolloutRunner::proceed()
{
    if (!m_paused || m_phase != Phase::Steps || m_outcome != Outcome::Running)
        return;
    m_paused = false;
    runCurrentStep();
}

void RolloutRunner::judgeSoFar()
{
    // What the user decides on: the windows still open, judged up to now (the next step that
    // changes the platform closes them for good and judges them again).
    const RolloutEvidence e = evidence();
    for (int j = 0; j < m_current; ++j) {
        StepWindow w = m_steps.at(j);
        if (w.start < 0 || w.windowEnd >= 0)
            continue;
        w.windowEnd = now();
        for (const AssertionSpec &spec : m_plan.steps.at(j).assertions) {
            if (spec.kind == AssertionKind::CloseCodesOnDeactivated ||
                spec.kind == AssertionKind::RoutedToDeactivated)
                continue;
            AssertionResult r = AssertionEvaluator::evaluate(spec, w, e);
            r.final = false;
            Q_EMIT assertionEvaluated(r);
        }
    }
}

void RolloutRunner::runCurrentStep()
{
    const PlanStep &s = m_plan.steps.at(m_current);
    StepWindow &w = m_steps[m_current];
    w.start = now();
    w.actionDone = -1;
    w.end = -1;
    w.ok = false;
    w.error.clear();
    if (changesPlatform(s.kind))
        closeWindows(w.start);
    w.weights = m_resolver.effectiveWeights();
    const QJsonObject fields{{QStringLiteral("plan_step"), s.index + 1},
                             {QStringLiteral("kind"), stepKindName(s.kind)},
                             {QStringLiteral("name"), s.name}};
    m_timeline.append({w.start, QStringLiteral("step"), fields, s.index});
    for (const auto &g : m_groups) {
        if (!g->fleet->isRunning())
            continue;
        const double t = std::max(0.0, w.start - g->offset);
        if (attributesCloses(s.kind))
            g->fleet->beginStep(s.name, fields, t);
        else
            g->fleet->addTimelineEvent(QStringLiteral("step.wait"), fields, t);
    }
    Q_EMIT stepStarted(m_current, describe(s));
    switch (s.kind) {
    case StepKind::Deploy:
        runDeploy(s);
        break;
    case StepKind::Traffic:
        runTraffic(s);
        break;
    case StepKind::Label:
        runLabel(s);
        break;
    case StepKind::Deactivate:
        runRevisionAction(s, false);
        break;
    case StepKind::Activate:
        runRevisionAction(s, true);
        break;
    case StepKind::Wait:
    case StepKind::Hold:
        runWait(s);
        break;
    case StepKind::StartSessions:
        runStartSessions(s);
        break;
    case StepKind::StopSessions:
        runStopSessions(s);
        break;
    }
}

void RolloutRunner::stepDone(bool ok, const QString &detail)
{
    if (m_current < 0 || m_current >= m_steps.size() || m_outcome != Outcome::Running)
        return;
    StepWindow &w = m_steps[m_current];
    w.end = now();
    if (w.actionDone < 0)
        w.actionDone = w.start;
    w.ok = ok;
    if (!ok)
        w.error = detail;
    Q_EMIT stepFinished(m_current, ok, detail);
    if (!ok && m_pauseBeforeSteps) {
        addNote(stepLabel(m_plan.steps.at(m_current)) + QStringLiteral(" failed: ") + detail +
                QStringLiteral("; waiting to retry it or to abort"));
        m_paused = true;
        Q_EMIT pausedBefore(m_current);
        return;
    }
    if (!ok) {
        fail(Outcome::Failed,
             stepLabel(m_plan.steps.at(m_current)) + QStringLiteral(": ") + detail);
        return;
    }
    // Not from inside the handler that finished the step: its caller may still be on the stack.
    QTimer::singleShot(0, this, &RolloutRunner::nextStep);
}

void RolloutRunner::closeWindows(double time)
{
    for (int j = 0; j < m_current; ++j) {
        StepWindow &w = m_steps[j];
        if (w.start >= 0 && w.windowEnd < 0) {
            w.windowEnd = time;
            judge(j, false);
        }
    }
}

void RolloutRunner::judge(int stepIndex, bool final)
{
    const PlanStep &s = m_plan.steps.at(stepIndex);
    if (s.assertions.isEmpty() || m_steps.at(stepIndex).start < 0)
        return;
    const RolloutEvidence e = evidence();
    for (const AssertionSpec &spec : s.assertions) {
        // These look at the whole rest of the run: judged at the end only.
        if (!final && (spec.kind == AssertionKind::CloseCodesOnDeactivated ||
                       spec.kind == AssertionKind::RoutedToDeactivated))
            continue;
        AssertionResult r = AssertionEvaluator::evaluate(spec, m_steps.at(stepIndex), e);
        r.final = final;
        if (final)
            m_results.append(r);
        Q_EMIT assertionEvaluated(r);
    }
}

void RolloutRunner::finishSteps()
{
    m_phase = Phase::Draining;
    drainDeactivated();
}

void RolloutRunner::drainDeactivated()
{
    // Closes that come after a deactivation's grace period belong in the verdict: wait for
    // every deactivated revision's sessions to close, at most until its grace period is over.
    double deadline = now();
    QStringList waiting;
    for (auto it = m_deactivated.begin(); it != m_deactivated.end(); ++it) {
        const int open = openOn(it.key());
        if (open == 0)
            continue;
        deadline = std::max(deadline, it.value().first + it.value().second +
                                          AssertionEvaluator::graceMarginSeconds);
        waiting.append(QStringLiteral("%1 on %2").arg(open).arg(it.key()));
    }
    if (waiting.isEmpty() || deadline <= now()) {
        stopSessions();
        return;
    }
    addNote(QStringLiteral("waiting up to %1 s for deactivated revisions to close their sessions "
                           "(%2)")
                .arg(deadline - now(), 0, 'f', 0)
                .arg(waiting.join(QStringLiteral(", "))));
    const QStringList revisions = m_deactivated.keys();
    pollUntil(
        [this, revisions] {
            for (const QString &r : revisions) {
                if (openOn(r) > 0)
                    return false;
            }
            return true;
        },
        deadline, [this](bool) { stopSessions(); });
}

void RolloutRunner::stopSessions()
{
    if (m_phase == Phase::Stopping || m_phase == Phase::Done)
        return;
    m_phase = Phase::Stopping;
    bool waiting = false;
    for (const auto &g : m_groups) {
        if (g->fleet->isFinished())
            continue;
        waiting = true;
        g->fleet->stop();
    }
    if (!waiting)
        finalize();
}

void RolloutRunner::finalize()
{
    if (m_phase == Phase::Done)
        return;
    m_endTime = now();
    m_timer.stop();
    if (m_events)
        m_events->close();
    m_phase = Phase::Done;
    m_results.clear();
    for (int i = 0; i < m_steps.size(); ++i)
        judge(i, true);
    if (m_outcome == Outcome::Running)
        m_outcome = failures().isEmpty() ? Outcome::Passed : Outcome::AssertionsFailed;
    qCInfo(lcRollout) << "rollout" << m_plan.name << outcomeName(m_outcome) << "after" << m_endTime
                      << "s";
    Q_EMIT finished();
}

void RolloutRunner::fail(Outcome outcome, const QString &error)
{
    if (m_phase == Phase::Done || m_outcome != Outcome::Running)
        return;
    m_outcome = outcome;
    m_error = error;
    m_paused = false;
    m_timer.stop();
    m_onTimer = nullptr;
    if (m_call)
        m_call->cancel();
    qCInfo(lcRollout) << "rollout" << m_plan.name << outcomeName(outcome) << ":" << error;
    if (m_phase == Phase::Idle)
        m_phase = Phase::Preparing;
    stopSessions();
}

void RolloutRunner::abort(const QString &why)
{
    if (m_phase == Phase::Idle) {
        m_epoch = std::chrono::steady_clock::now();
        m_startedAt = QDateTime::currentDateTimeUtc();
        m_phase = Phase::Preparing;
        m_outcome = Outcome::Running;
    }
    fail(Outcome::Aborted, why);
}

RolloutEvidence RolloutRunner::evidence() const
{
    RolloutEvidence e;
    quint64 dropped = 0;
    for (const auto &g : m_groups) {
        e.addEvents(g->spec.name, g->fleet->events(), g->offset);
        e.addRtt(g->fleet->stats().rttSeries().buckets(), g->fleet->stats().rttHistory().buckets(),
                 g->offset);
        dropped += g->fleet->droppedEvents();
    }
    for (auto it = m_deactivated.begin(); it != m_deactivated.end(); ++it)
        e.setDeactivated(it.key(), it.value().first);
    e.setEnd(m_phase == Phase::Done ? m_endTime : now());
    e.setDroppedEvents(dropped);
    return e;
}

} // namespace blueshift::rollout
