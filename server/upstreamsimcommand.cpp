#include "commands.h"
#include "relayoptions.h"
#include "upstreamsim.h"

#include "net/tlscontext.h"
#include "runtime/boundedfile.h"
#include "runtime/unixsignalwatcher.h"
#include "websocket/closecode.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>

#include <csignal>
#include <cstdio>
#include <unistd.h>

namespace blueshift::server {

namespace {
CommandLine parseUpstreamSimOptions(const QStringList &args, UpstreamSimConfig *out)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral("A realtime-style WebSocket upstream (an Azure "
                                               "OpenAI realtime stand-in) or an echo server."));
    const QCommandLineOption help({QStringLiteral("h"), QStringLiteral("help")},
                                  QStringLiteral("Show this help."));
    const QCommandLineOption listen(
        QStringLiteral("listen"),
        QStringLiteral("Address (default 127.0.0.1:9000; port 0 picks one)."),
        QStringLiteral("host:port"));
    const QCommandLineOption mode(QStringLiteral("mode"),
                                  QStringLiteral("realtime (default) or echo."),
                                  QStringLiteral("mode"));
    const QCommandLineOption path(
        QStringLiteral("path"), QStringLiteral("Only accept upgrades on this path (default: any)."),
        QStringLiteral("path"));
    const QCommandLineOption keyFile(
        QStringLiteral("require-key-file"),
        QStringLiteral(
            "Answer 401 unless the api-key header or the Authorization: Bearer token equals this "
            "file's content."),
        QStringLiteral("file"));
    const QCommandLineOption azureDeployment(
        QStringLiteral("azure-deployment"),
        QStringLiteral("Take Azure OpenAI's URL shape, /openai/realtime?api-version=V&deployment="
                       "NAME, for this deployment (repeatable); answer 400/404 as Azure does."),
        QStringLiteral("name"));
    const QCommandLineOption azureApiVersion(
        QStringLiteral("azure-api-version"),
        QStringLiteral("With --azure-deployment: accept only this api-version (repeatable; "
                       "default any YYYY-MM-DD[-preview])."),
        QStringLiteral("version"));
    const QCommandLineOption deltas(
        QStringLiteral("audio-deltas"),
        QStringLiteral("response.audio.delta events per response (default 5)."),
        QStringLiteral("n"));
    const QCommandLineOption deltaBytes(
        QStringLiteral("audio-delta-bytes"),
        QStringLiteral("Audio bytes per delta before base64 (default 4800)."),
        QStringLiteral("bytes"));
    const QCommandLineOption deltaInterval(QStringLiteral("audio-delta-interval-ms"),
                                           QStringLiteral("Time between deltas (default 20)."),
                                           QStringLiteral("ms"));
    const QCommandLineOption delay(QStringLiteral("response-delay-ms"),
                                   QStringLiteral("Fault: delay every answer (default 0)."),
                                   QStringLiteral("ms"));
    const QCommandLineOption closeAfter(
        QStringLiteral("close-after"),
        QStringLiteral("Fault: close each session after this many seconds."),
        QStringLiteral("seconds"));
    const QCommandLineOption sessionMax(
        QStringLiteral("session-max-seconds"),
        QStringLiteral("End each session after this long as the realtime service does: an error "
                       "event with code session_expired, then close 1000 (the service's cap is "
                       "60 minutes)."),
        QStringLiteral("seconds"));
    const QCommandLineOption closeCode(
        QStringLiteral("close-code"),
        QStringLiteral("Close code for --close-after (default 1000)."), QStringLiteral("code"));
    const QCommandLineOption refuse(
        QStringLiteral("refuse-upgrades"),
        QStringLiteral("Fault: answer every upgrade with this HTTP status, e.g. 503."),
        QStringLiteral("status"));
    const QCommandLineOption maxMessage(QStringLiteral("max-message-bytes"),
                                        QStringLiteral("Largest message accepted (default 16MiB)."),
                                        QStringLiteral("bytes"));
    const QCommandLineOption cert(QStringLiteral("tls-cert"),
                                  QStringLiteral("Serve wss with this certificate chain (PEM)."),
                                  QStringLiteral("file"));
    const QCommandLineOption key(QStringLiteral("tls-key"),
                                 QStringLiteral("Private key for --tls-cert (PEM)."),
                                 QStringLiteral("file"));
    const QCommandLineOption threads(QStringLiteral("threads"),
                                     QStringLiteral("Event-loop threads (default 1)."),
                                     QStringLiteral("n"));
    const QCommandLineOption logFormat(QStringLiteral("log-format"),
                                       QStringLiteral("json (default) or text."),
                                       QStringLiteral("format"));
    p.addOptions(
        {help,   listen,     mode,          path,  keyFile,    azureDeployment, azureApiVersion,
         deltas, deltaBytes, deltaInterval, delay, closeAfter, sessionMax,      closeCode,
         refuse, maxMessage, cert,          key,   threads,    logFormat});
    p.addPositionalArgument(QStringLiteral("upstream-sim"), QStringLiteral("The subcommand."));
    if (!p.parse(args))
        return {CommandLine::Error, p.errorText()};
    if (p.isSet(help))
        return {CommandLine::ExitOk, p.helpText()};
    if (!p.positionalArguments().isEmpty())
        return {
            CommandLine::Error,
            QStringLiteral("unexpected argument '%1'").arg(p.positionalArguments().constFirst())};

    UpstreamSimConfig c;
    QString error;
    auto intOption = [&](const QCommandLineOption &o, int lo, int hi, int *dst) {
        if (!p.isSet(o))
            return true;
        bool ok = false;
        const int v = p.value(o).toInt(&ok);
        if (!ok || v < lo || v > hi) {
            error = QStringLiteral("--%1 must be a number from %2 to %3")
                        .arg(o.names().constFirst())
                        .arg(lo)
                        .arg(hi);
            return false;
        }
        *dst = v;
        return true;
    };
    if (p.isSet(listen)) {
        const auto hp = net::HostPort::parse(p.value(listen), &error);
        if (!hp)
            return {CommandLine::Error, QStringLiteral("--listen: ") + error};
        c.listen = *hp;
    }
    if (p.isSet(mode)) {
        const QString m = p.value(mode).toLower();
        if (m == QLatin1String("echo"))
            c.mode = UpstreamSimConfig::Mode::Echo;
        else if (m != QLatin1String("realtime"))
            return {CommandLine::Error, QStringLiteral("--mode must be realtime or echo")};
    }
    if (p.isSet(path))
        c.path = p.value(path).toUtf8();
    c.azureDeployments = p.values(azureDeployment);
    c.azureApiVersions = p.values(azureApiVersion);
    if (!c.azureApiVersions.isEmpty() && c.azureDeployments.isEmpty())
        return {CommandLine::Error,
                QStringLiteral("--azure-api-version goes with --azure-deployment")};
    if (!c.azureDeployments.isEmpty() && !c.path.isEmpty() && c.path != "/openai/realtime")
        return {CommandLine::Error,
                QStringLiteral("--azure-deployment serves /openai/realtime; leave --path out")};
    if (p.isSet(keyFile)) {
        QString error;
        if (!runtime::readTokenFile(p.value(keyFile), QStringLiteral("--require-key-file"),
                                    &c.requiredKey, &error))
            return {CommandLine::Error, error};
    }
    if (!intOption(deltas, 0, 100000, &c.audioDeltas) ||
        !intOption(deltaBytes, 0, 8 * 1024 * 1024, &c.audioDeltaBytes) ||
        !intOption(deltaInterval, 0, 60000, &c.audioDeltaIntervalMs) ||
        !intOption(delay, 0, 600000, &c.responseDelayMs) ||
        !intOption(closeCode, 1000, 4999, &c.closeCode) ||
        !intOption(refuse, 400, 599, &c.refuseUpgradesStatus) ||
        !intOption(threads, 1, 64, &c.threads))
        return {CommandLine::Error, error};
    if (p.isSet(closeCode) && !websocket::isValidWireCloseCode(c.closeCode))
        return {CommandLine::Error,
                QStringLiteral("--close-code %1 may not be sent on the wire").arg(c.closeCode)};
    if (p.isSet(closeAfter)) {
        bool ok = false;
        c.closeAfterSeconds = p.value(closeAfter).toDouble(&ok);
        if (!ok || c.closeAfterSeconds <= 0)
            return {CommandLine::Error,
                    QStringLiteral("--close-after must be a positive number of seconds")};
    }
    if (p.isSet(sessionMax)) {
        bool ok = false;
        c.sessionMaxSeconds = p.value(sessionMax).toDouble(&ok);
        if (!ok || !(c.sessionMaxSeconds > 0) || c.sessionMaxSeconds > 86400)
            return {
                CommandLine::Error,
                QStringLiteral("--session-max-seconds must be a number of seconds up to 86400")};
    }
    if (p.isSet(maxMessage) && !parseByteSize(p.value(maxMessage), &c.maxMessageBytes))
        return {CommandLine::Error,
                QStringLiteral("--max-message-bytes must be a size such as 1048576 or 16MiB")};
    if (p.isSet(cert) != p.isSet(key))
        return {CommandLine::Error, QStringLiteral("--tls-cert and --tls-key go together")};
    c.tlsCert = p.value(cert);
    c.tlsKey = p.value(key);
    if (p.isSet(logFormat)) {
        const QString f = p.value(logFormat).toLower();
        if (f == QLatin1String("text"))
            c.logFormat = telemetry::LogFormat::Text;
        else if (f != QLatin1String("json"))
            return {CommandLine::Error, QStringLiteral("--log-format must be json or text")};
    }
    *out = c;
    return {};
}
} // namespace

int runUpstreamSim(const QStringList &args)
{
    UpstreamSimConfig config;
    const CommandLine cl = parseUpstreamSimOptions(args, &config);
    if (cl.status == CommandLine::Error) {
        std::fprintf(stderr, "blueshift-server upstream-sim: %s\n", qPrintable(cl.message));
        return 2;
    }
    if (cl.status == CommandLine::ExitOk) {
        std::fprintf(stdout, "%s\n", qPrintable(cl.message));
        return 0;
    }
    telemetry::EventLog log(STDOUT_FILENO, config.logFormat, QStringLiteral("upstream-sim"),
                            QString());
    UpstreamSimService service(config, log);
    http::HttpServerOptions options;
    options.threads = config.threads;
    QString error;
    if (!config.tlsCert.isEmpty()) {
        options.tls = net::TlsContext::forServer(config.tlsCert, config.tlsKey, &error);
        if (!options.tls) {
            std::fprintf(stderr, "blueshift-server upstream-sim: %s\n", qPrintable(error));
            return 2;
        }
    }
    http::HttpServer server(service, options);
    if (!server.listen(config.listen, &error)) {
        std::fprintf(stderr, "blueshift-server upstream-sim: %s\n", qPrintable(error));
        return 1;
    }
    server.start();
    net::HostPort bound = config.listen;
    bound.port = server.port();
    log.info(QStringLiteral("server.started"), QString(),
             {{QStringLiteral("listen"), bound.toString()},
              {QStringLiteral("port"), server.port()},
              {QStringLiteral("mode"), config.mode == UpstreamSimConfig::Mode::Echo
                                           ? QStringLiteral("echo")
                                           : QStringLiteral("realtime")},
              {QStringLiteral("tls"), !config.tlsCert.isEmpty()}});
    runtime::UnixSignalWatcher signalWatcher({SIGTERM, SIGINT});
    QObject::connect(
        &signalWatcher, &runtime::UnixSignalWatcher::signalReceived, qApp, [&](int signo) {
            log.info(QStringLiteral("signal.received"), QString(),
                     {{QStringLiteral("signal"), runtime::UnixSignalWatcher::signalName(signo)}});
            QCoreApplication::exit(0);
        });
    const int rc = QCoreApplication::exec();
    server.stop();
    log.info(QStringLiteral("server.stopped"));
    return rc;
}

} // namespace blueshift::server
