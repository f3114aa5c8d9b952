#include "commands.h"
#include "relayoptions.h"

#include "relay/relayserver.h"
#include "runtime/unixsignalwatcher.h"

#include <QCoreApplication>

#include <csignal>
#include <cstdio>
#include <unistd.h>

namespace blueshift::server {

int runRelay(const QStringList &args)
{
    relay::RelayConfig config;
    const CommandLine cl =
        parseRelayOptions(args, QProcessEnvironment::systemEnvironment(), &config);
    if (cl.status == CommandLine::Error) {
        std::fprintf(stderr, "blueshift-server relay: %s\n", qPrintable(cl.message));
        return 2;
    }
    if (cl.status == CommandLine::ExitOk) {
        std::fprintf(stdout, "%s\n", qPrintable(cl.message));
        return 0;
    }

    telemetry::EventLog log(STDOUT_FILENO, config.logFormat, config.revision, config.replica);
    relay::RelayServer server(config, log);
    runtime::UnixSignalWatcher signalWatcher({SIGTERM, SIGINT});
    QObject::connect(&signalWatcher, &runtime::UnixSignalWatcher::signalReceived, &server,
                     &relay::RelayServer::handleSignal);
    QObject::connect(&server, &relay::RelayServer::finished, qApp, &QCoreApplication::exit,
                     Qt::QueuedConnection);
    QString error;
    if (!server.start(&error)) {
        std::fprintf(stderr, "blueshift-server relay: %s\n", qPrintable(error));
        return 1;
    }
    return QCoreApplication::exec();
}

} // namespace blueshift::server
