// `blueshift-server sessions URL`: N live test WebSocket sessions held for a duration, with a
// summary table and an optional report (the successor of websocket_client.py).
#include "commands.h"
#include "sessionsoptions.h"
#include "sessionsrunner.h"

#include "runtime/outputdirectory.h"
#include "runtime/unixsignalwatcher.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

#include <csignal>
#include <cstdio>
#include <sys/resource.h>

namespace blueshift::server {

namespace {
// Every session is a descriptor: a soft limit of 1024 would refuse most of 10,000 sessions while
// the hard limit allows them. Returns a warning when even the hard limit is too low.
QString raiseDescriptorLimit(int sessions)
{
    rlimit lim{};
    if (::getrlimit(RLIMIT_NOFILE, &lim) != 0)
        return {};
    // Threads' event loops, the signal watcher, stdio and the resolver need a few more.
    const rlim_t needed = rlim_t(sessions) + 64;
    if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur < needed) {
        rlimit raised = lim;
        raised.rlim_cur = lim.rlim_max == RLIM_INFINITY ? needed : std::min(needed, lim.rlim_max);
        if (::setrlimit(RLIMIT_NOFILE, &raised) == 0)
            lim = raised;
    }
    if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur < needed)
        return QStringLiteral("the open-file limit (%1) is below --connections + 64: some "
                              "sessions will fail to connect")
            .arg(quint64(lim.rlim_cur));
    return {};
}
} // namespace

int runSessions(const QStringList &args)
{
    SessionsOptions options;
    const CommandLine cl = parseSessionsOptions(args, &options);
    if (cl.status == CommandLine::Error) {
        std::fprintf(stderr, "blueshift-server sessions: %s\n", qPrintable(cl.message));
        return 2;
    }
    if (cl.status == CommandLine::ExitOk) {
        std::fprintf(stdout, "%s\n", qPrintable(cl.message));
        return 0;
    }
    // Found out now, not after a 300 s run whose results would then be lost.
    if (QString error;
        !options.reportDir.isEmpty() &&
        !runtime::prepareOutputDirectory(options.reportDir, QStringLiteral("--report"), &error)) {
        std::fprintf(stderr, "blueshift-server sessions: %s\n", qPrintable(error));
        return 2;
    }
    if (const QString warning = raiseDescriptorLimit(options.fleet.sessions); !warning.isEmpty())
        std::fprintf(stderr, "blueshift-server sessions: warning: %s\n", qPrintable(warning));

    runtime::UnixSignalWatcher signalWatcher({SIGINT, SIGTERM});
    SessionsRunner runner(options);
    QObject::connect(&signalWatcher, &runtime::UnixSignalWatcher::signalReceived, &runner,
                     &SessionsRunner::handleSignal);
    QObject::connect(&runner, &SessionsRunner::done, qApp, &QCoreApplication::exit,
                     Qt::QueuedConnection);
    QString error;
    if (!runner.start(&error)) {
        // The options were checked already: what is left is a file's content (a CA bundle).
        std::fprintf(stderr, "blueshift-server sessions: %s\n", qPrintable(error));
        return 2;
    }
    return QCoreApplication::exec();
}

} // namespace blueshift::server
