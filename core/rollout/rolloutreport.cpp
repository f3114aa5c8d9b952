#include "rolloutreport.h"

#include "rollouthtml.h"
#include "rolloutrunner.h"

#include "harness/fleetreport.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>

#include <algorithm>
#include <tuple>

namespace blueshift::rollout {

namespace {
bool writeFile(const QString &path, const QByteArray &data, QString *error)
{
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(data) != data.size() || !f.commit()) {
        *error = QStringLiteral("cannot write %1: %2").arg(path, f.errorString());
        return false;
    }
    return true;
}

QJsonObject weightsJson(const QHash<QString, int> &weights)
{
    QJsonObject o;
    for (auto it = weights.begin(); it != weights.end(); ++it)
        o.insert(it.key(), it.value());
    return o;
}

QJsonValue seconds(double s)
{
    return s < 0 ? QJsonValue() : QJsonValue(s);
}
} // namespace

RolloutReport RolloutReport::fromRunner(const RolloutRunner &runner)
{
    RolloutReport r;
    const Plan &plan = runner.plan();
    r.plan = plan.redactedJson;
    r.planName = plan.name;
    r.app = plan.target.app;
    r.startedAt = runner.startedAt();
    r.duration = runner.duration();
    r.outcome = RolloutRunner::outcomeName(runner.outcome());
    r.passed = runner.outcome() == RolloutRunner::Outcome::Passed;
    r.error = runner.error();
    r.platformEvents = runner.platformEventsConnected();
    r.notes = runner.notes();
    QHash<QString, int> seen;
    for (const auto &g : runner.groups()) {
        Group group;
        group.name = g->spec.name;
        group.url = g->url.adjusted(QUrl::RemoveQuery | QUrl::RemoveUserInfo).toString();
        group.sessions = g->spec.fleet.sessions;
        group.offset = g->offset;
        const int n = ++seen[group.name];
        group.reportDir = r.groups.isEmpty() ? QStringLiteral(".")
                          : n == 1           ? QStringLiteral("groups/") + group.name
                                   : QStringLiteral("groups/%1-%2").arg(group.name).arg(n);
        r.groups.append(group);
    }
    for (qsizetype i = 0; i < plan.steps.size(); ++i)
        r.steps.append({runner.steps().at(i), stepKindName(plan.steps.at(i).kind),
                        describe(plan.steps.at(i))});
    r.results = runner.results();
    r.timeline = runner.timeline();
    std::stable_sort(r.timeline.begin(), r.timeline.end(),
                     [](const harness::TimelineEntry &a, const harness::TimelineEntry &b) {
                         return a.time < b.time;
                     });
    r.evidence = runner.evidence();
    return r;
}

int RolloutReport::stepAt(double time) const
{
    int found = -1;
    for (const Step &s : steps) {
        if (s.window.start >= 0 && s.window.start <= time && attributesCloses(s.window.kind))
            found = s.window.index;
    }
    return found;
}

QJsonArray RolloutReport::closesByStep() const
{
    QMap<std::tuple<int, QString, int, int>, int> counts;
    for (const Connection &c : evidence.connections()) {
        if (c.isClosed())
            ++counts[{stepAt(c.close), c.revision, c.code, int(c.side)}];
    }
    QJsonArray out;
    for (auto it = counts.begin(); it != counts.end(); ++it) {
        const auto &[step, revision, code, side] = it.key();
        out.append(
            QJsonObject{{QStringLiteral("step"), step + 1},
                        {QStringLiteral("step_name"),
                         step < 0 ? QStringLiteral("before rollout") : steps.at(step).window.name},
                        {QStringLiteral("revision"), revision},
                        {QStringLiteral("code"), code},
                        {QStringLiteral("closed_by"), stats::closeSideName(stats::CloseSide(side))},
                        {QStringLiteral("count"), it.value()}});
    }
    return out;
}

QJsonObject RolloutReport::toJson() const
{
    QJsonArray groupsJson;
    for (const Group &g : groups)
        groupsJson.append(QJsonObject{{QStringLiteral("name"), g.name},
                                      {QStringLiteral("url"), g.url},
                                      {QStringLiteral("sessions"), g.sessions},
                                      {QStringLiteral("offset_s"), g.offset},
                                      {QStringLiteral("report_dir"), g.reportDir}});
    QJsonArray stepsJson;
    for (const Step &s : steps) {
        const StepWindow &w = s.window;
        QJsonObject o{{QStringLiteral("step"), w.index + 1},
                      {QStringLiteral("kind"), s.kind},
                      {QStringLiteral("name"), w.name},
                      {QStringLiteral("description"), s.description},
                      {QStringLiteral("ran"), w.start >= 0},
                      {QStringLiteral("ok"), w.ok},
                      {QStringLiteral("start_s"), seconds(w.start)},
                      {QStringLiteral("action_done_s"), seconds(w.actionDone)},
                      {QStringLiteral("end_s"), seconds(w.end)},
                      {QStringLiteral("window_end_s"), seconds(w.windowEnd)},
                      {QStringLiteral("weights"), weightsJson(w.weights)}};
        if (!w.revision.isEmpty())
            o.insert(QStringLiteral("revision"), w.revision);
        if (w.kind == StepKind::Deactivate && w.start >= 0)
            o.insert(QStringLiteral("grace_seconds"), w.graceSeconds);
        if (!w.error.isEmpty())
            o.insert(QStringLiteral("error"), w.error);
        stepsJson.append(o);
    }
    QJsonArray resultsJson;
    for (const AssertionResult &r : results)
        resultsJson.append(rollout::toJson(r));
    QJsonArray timelineJson;
    for (const harness::TimelineEntry &e : timeline)
        timelineJson.append(harness::timelineJson(e));
    QJsonObject o{{QStringLiteral("plan"), plan},
                  {QStringLiteral("plan_name"), planName},
                  {QStringLiteral("app"), app},
                  {QStringLiteral("started_at"), startedAt.toString(Qt::ISODateWithMs)},
                  {QStringLiteral("duration_s"), duration},
                  {QStringLiteral("outcome"), outcome},
                  {QStringLiteral("passed"), passed},
                  {QStringLiteral("platform_events"), platformEvents},
                  {QStringLiteral("notes"), QJsonArray::fromStringList(notes)},
                  {QStringLiteral("groups"), groupsJson},
                  {QStringLiteral("steps"), stepsJson},
                  {QStringLiteral("assertions"), resultsJson},
                  {QStringLiteral("closes_by_step"), closesByStep()},
                  {QStringLiteral("timeline"), timelineJson},
                  {QStringLiteral("connections"), int(evidence.connections().size())},
                  {QStringLiteral("dropped_events"), double(evidence.droppedEvents())}};
    if (!error.isEmpty())
        o.insert(QStringLiteral("error"), error);
    return o;
}

bool RolloutReport::write(const RolloutRunner &runner, const QString &directory, QString *error)
{
    if (!QDir().mkpath(directory)) {
        *error = QStringLiteral("cannot create %1").arg(directory);
        return false;
    }
    const QDir dir(directory);
    const RolloutReport report = fromRunner(runner);
    for (std::size_t i = 0; i < runner.groups().size(); ++i) {
        const harness::Fleet &fleet = *runner.groups().at(i)->fleet;
        if (fleet.state() == harness::Fleet::State::Idle)
            continue;
        if (!fleet.exportReport(dir.filePath(report.groups.at(qsizetype(i)).reportDir), error))
            return false;
    }
    return writeFile(dir.filePath(QStringLiteral("rollout.json")),
                     QJsonDocument(report.toJson()).toJson(QJsonDocument::Indented), error) &&
           writeFile(dir.filePath(QStringLiteral("report.html")), rolloutHtml(report), error);
}

} // namespace blueshift::rollout
