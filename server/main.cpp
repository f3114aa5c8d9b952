// blueshift-server: the headless programs. Thin on purpose: each subcommand lives in its own
// file of the blueshift_server_lib object library, which the tests link too.
#include "commands.h"

#include <QCoreApplication>
#include <QLoggingCategory>

#include <csignal>
#include <cstdio>

namespace {
void printUsage(FILE *to)
{
    std::fputs(
        "usage: blueshift-server <command> [options]\n"
        "\n"
        "commands:\n"
        "  relay         relay WebSocket sessions to an upstream (one revision's workload)\n"
        "  upstream-sim  a realtime-style upstream (Azure OpenAI realtime stand-in) or echo\n"
        "  local         the local platform: admin API, an ingress per app, revision supervisor\n"
        "  sessions      hold N live test WebSocket sessions and report how they fared\n"
        "  rollout       run a rollout plan with live sessions and check its assertions\n"
        "  doctor        diagnose why WebSocket sessions fail on an endpoint\n"
        "\n"
        "blueshift-server <command> --help shows a command's options.\n",
        to);
}
} // namespace

int main(int argc, char **argv)
{
    // Peers that vanish must cost an error code, not the process.
    std::signal(SIGPIPE, SIG_IGN);
    QCoreApplication app(argc, argv);
    // The programs speak through their structured event logs; Qt category chatter is for
    // developers who ask for it with QT_LOGGING_RULES.
    if (qEnvironmentVariableIsEmpty("QT_LOGGING_RULES"))
        QLoggingCategory::setFilterRules(
            QStringLiteral("blueshift.*.debug=false\nblueshift.*.info=false"));
    QCoreApplication::setApplicationName(QStringLiteral("blueshift-server"));
    QCoreApplication::setApplicationVersion(QStringLiteral(BLUESHIFT_VERSION));
    QStringList args = QCoreApplication::arguments();
    args.removeFirst();
    if (args.isEmpty()) {
        printUsage(stderr);
        return 2;
    }
    const QString command = args.first();
    if (command == QLatin1String("--version") || command == QLatin1String("version")) {
        std::printf("blueshift-server %s\n", BLUESHIFT_VERSION);
        return 0;
    }
    if (command == QLatin1String("--help") || command == QLatin1String("-h") ||
        command == QLatin1String("help")) {
        printUsage(stdout);
        return 0;
    }
    if (command == QLatin1String("relay"))
        return blueshift::server::runRelay(args);
    if (command == QLatin1String("local"))
        return blueshift::server::runLocal(args);
    if (command == QLatin1String("upstream-sim"))
        return blueshift::server::runUpstreamSim(args);
    if (command == QLatin1String("sessions"))
        return blueshift::server::runSessions(args);
    if (command == QLatin1String("rollout"))
        return blueshift::server::runRollout(args);
    if (command == QLatin1String("doctor"))
        return blueshift::server::runDoctor(args);
    std::fprintf(stderr, "blueshift-server: unknown command '%s'\n", qPrintable(command));
    printUsage(stderr);
    return 2;
}
