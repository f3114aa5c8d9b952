// `blueshift-server rollout PLAN`: runs a rollout plan headless with live test sessions, prints
// each step and the assertion table, writes the report, and exits 0 when every assertion held.
#include "commands.h"
#include "rolloutoptions.h"

#include "controlplane/armclient.h"
#include "harness/summarytable.h"
#include "rollout/rolloutreport.h"
#include "rollout/rolloutrunner.h"
#include "runtime/outputdirectory.h"
#include "runtime/unixsignalwatcher.h"

#include <QCoreApplication>

#include <csignal>
#include <cstdio>

namespace blueshift::server {

namespace {
void out(const QString &line)
{
    std::fputs(qPrintable(line + QLatin1Char('\n')), stdout);
    std::fflush(stdout);
}

void err(const QString &line)
{
    std::fputs(qPrintable(line + QLatin1Char('\n')), stderr);
    std::fflush(stderr);
}

QString stamp(double t)
{
    return QStringLiteral("[%1 s]").arg(t, 7, 'f', 1);
}

QString pad(const QString &text, int width)
{
    return text.leftJustified(width, QLatin1Char(' '), false);
}

QString assertionTable(const QList<rollout::AssertionResult> &results)
{
    QStringList headers{QStringLiteral("step"),      QStringLiteral("name"),
                        QStringLiteral("assertion"), QStringLiteral("expected"),
                        QStringLiteral("observed"),  QStringLiteral("result")};
    QList<QStringList> rows;
    for (const rollout::AssertionResult &r : results)
        rows.append({QString::number(r.step + 1), r.stepName, rollout::assertionKindName(r.kind),
                     r.expected, r.observed,
                     r.passed ? QStringLiteral("holds") : QStringLiteral("FAILED")});
    QList<int> widths;
    for (const QString &h : headers)
        widths.append(int(h.size()));
    for (const QStringList &row : std::as_const(rows)) {
        for (int i = 0; i < row.size(); ++i)
            widths[i] = std::max(widths[i], int(std::min<qsizetype>(row.at(i).size(), 48)));
    }
    auto line = [&](const QStringList &cells) {
        QString s = QStringLiteral("  ");
        for (int i = 0; i < cells.size(); ++i)
            s += (i + 1 < cells.size() ? pad(cells.at(i), widths.at(i)) + QStringLiteral("  ")
                                       : cells.at(i));
        return s;
    };
    QString table = line(headers) + QLatin1Char('\n');
    for (const QStringList &row : std::as_const(rows))
        table += line(row) + QLatin1Char('\n');
    return table;
}
} // namespace

int runRollout(const QStringList &args)
{
    RolloutOptions options;
    const CommandLine cl = parseRolloutOptions(args, &options);
    if (cl.status == CommandLine::Error) {
        err(QStringLiteral("blueshift-server rollout: ") + cl.message);
        return 2;
    }
    if (cl.status == CommandLine::ExitOk) {
        out(cl.message);
        return 0;
    }
    // Found out now, not after the rollout has changed the platform.
    if (QString error;
        !options.dryRun && !options.reportDir.isEmpty() &&
        !runtime::prepareOutputDirectory(options.reportDir, QStringLiteral("--report"), &error)) {
        err(QStringLiteral("blueshift-server rollout: ") + error);
        return 2;
    }
    if (options.dryRun) {
        std::fputs(qPrintable(planOutline(options.plan)), stdout);
        out(QStringLiteral("plan is valid: %1 steps").arg(options.plan.steps.size()));
        return 0;
    }

    controlplane::ArmEndpoint endpoint;
    if (options.azure) {
        QString error;
        const auto azure = controlplane::azureEndpoint(
            options.azureTarget, QProcessEnvironment::systemEnvironment(), &error);
        if (!azure) {
            err(QStringLiteral("blueshift-server rollout: ") + error);
            return 2;
        }
        endpoint = *azure;
    } else {
        endpoint.baseUrl = options.admin;
        if (!options.plan.target.subscription.isEmpty())
            endpoint.subscription = options.plan.target.subscription;
        if (!options.plan.target.resourceGroup.isEmpty())
            endpoint.resourceGroup = options.plan.target.resourceGroup;
        if (!options.plan.target.apiVersion.isEmpty())
            endpoint.apiVersion = options.plan.target.apiVersion;
        endpoint.pollIntervalMs = 500;
        const QByteArray token = options.token;
        endpoint.token = [token](std::function<void(QByteArray, QString)> done) {
            done(token, QString());
        };
    }
    controlplane::ArmClient client(endpoint);

    rollout::RunnerOptions runnerOptions;
    // Azure has no log stream of platform events; its steps still mark the timeline.
    runnerOptions.platformEvents = !options.azure;
    runnerOptions.caFile = options.caFile;
    runnerOptions.acceptSelfSigned = options.acceptSelfSigned;
    rollout::RolloutRunner runner(options.plan, &client, runnerOptions);
    const int stepCount = int(options.plan.steps.size());

    QObject::connect(
        &runner, &rollout::RolloutRunner::note, &runner,
        [&runner](const QString &text) { out(stamp(runner.now()) + QStringLiteral(" ") + text); });
    QObject::connect(&runner, &rollout::RolloutRunner::stepStarted, &runner,
                     [&runner, stepCount](int index, const QString &description) {
                         out(QStringLiteral("%1 step %2/%3 %4")
                                 .arg(stamp(runner.now()))
                                 .arg(index + 1)
                                 .arg(stepCount)
                                 .arg(description));
                     });
    QObject::connect(
        &runner, &rollout::RolloutRunner::stepFinished, &runner,
        [&runner](int index, bool ok, const QString &detail) {
            const rollout::StepWindow &w = runner.steps().at(index);
            out(QStringLiteral("%1   %2 in %3 s%4")
                    .arg(stamp(runner.now()),
                         ok ? QStringLiteral("done") : QStringLiteral("FAILED"))
                    .arg(w.end - w.start, 0, 'f', 1)
                    .arg(detail.isEmpty() ? QString() : QStringLiteral(": ") + detail));
        });
    QObject::connect(
        &runner, &rollout::RolloutRunner::platformEvent, &runner,
        [](const QString &kind, double time, const QJsonObject &fields) {
            if (fields.value(QStringLiteral("source")).toString() != QLatin1String("platform"))
                return;
            const QString revision = fields.value(QStringLiteral("revision")).toString();
            out(QStringLiteral("%1     · %2%3")
                    .arg(stamp(time), kind,
                         revision.isEmpty() ? QString() : QLatin1Char(' ') + revision));
        });
    QObject::connect(&runner, &rollout::RolloutRunner::assertionEvaluated, &runner,
                     [&runner](const rollout::AssertionResult &r) {
                         if (r.final)
                             return;
                         out(QStringLiteral("%1     %2 %3: %4 (%5)")
                                 .arg(stamp(runner.now()),
                                      r.passed ? QStringLiteral("ok  ") : QStringLiteral("FAIL"),
                                      QStringLiteral("step %1").arg(r.step + 1),
                                      rollout::assertionKindName(r.kind), r.observed));
                     });
    QObject::connect(&runner, &rollout::RolloutRunner::finished, qApp, &QCoreApplication::quit,
                     Qt::QueuedConnection);

    runtime::UnixSignalWatcher signals_({SIGINT, SIGTERM});
    QObject::connect(&signals_, &runtime::UnixSignalWatcher::signalReceived, &runner,
                     [&runner](int signo) {
                         err(QStringLiteral("blueshift-server rollout: %1: stopping the sessions")
                                 .arg(runtime::UnixSignalWatcher::signalName(signo)));
                         runner.abort(QStringLiteral("interrupted by %1")
                                          .arg(runtime::UnixSignalWatcher::signalName(signo)));
                     });

    out(QStringLiteral("rollout %1: app %2 at %3, %4 steps")
            .arg(options.plan.name.isEmpty() ? options.planFile : options.plan.name,
                 options.plan.target.app, options.admin.toString())
            .arg(stepCount));
    runner.start();
    if (!runner.isFinished())
        QCoreApplication::exec();

    for (const auto &g : runner.groups()) {
        out(QStringLiteral("\nsessions %1:").arg(g->spec.name));
        std::fputs(qPrintable(harness::summaryTable(g->fleet->snapshot())), stdout);
    }
    if (!runner.results().isEmpty())
        out(QStringLiteral("\nassertions:\n") + assertionTable(runner.results()));
    int code = 0;
    switch (runner.outcome()) {
    case rollout::RolloutRunner::Outcome::Passed:
        break;
    case rollout::RolloutRunner::Outcome::Rejected:
        code = 2;
        break;
    default:
        code = 1;
        break;
    }
    if (!options.reportDir.isEmpty() &&
        runner.outcome() != rollout::RolloutRunner::Outcome::Rejected) {
        QString error;
        if (rollout::RolloutReport::write(runner, options.reportDir, &error)) {
            out(QStringLiteral("report: %1/report.html").arg(options.reportDir));
        } else {
            err(QStringLiteral("blueshift-server rollout: ") + error);
            code = std::max(code, 1);
        }
    }
    for (const rollout::AssertionResult &r : runner.failures())
        err(QStringLiteral("assertion failed: ") + r.message);
    if (!runner.error().isEmpty())
        err(QStringLiteral("blueshift-server rollout: ") + runner.error());
    out(QStringLiteral("rollout %1 after %2 s")
            .arg(rollout::RolloutRunner::outcomeName(runner.outcome()))
            .arg(runner.duration(), 0, 'f', 1));
    return code;
}

} // namespace blueshift::server
