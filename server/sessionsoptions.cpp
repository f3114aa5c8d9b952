#include "sessionsoptions.h"
#include "http/headerfile.h"
#include "runtime/boundedfile.h"
#include "websocket/websocketurl.h"

#include <QCommandLineParser>
#include <QFile>
#include <QJsonDocument>
#include <QRegularExpression>

#include <cmath>

namespace blueshift::server {

namespace {
CommandLine fail(const QString &message)
{
    return {CommandLine::Error, message};
}

// A number of seconds in [min, max]; `min` itself allowed only when `allowMin`.
bool parseSeconds(const QString &text, double min, double max, bool allowMin, double *out)
{
    bool ok = false;
    const double v = text.trimmed().toDouble(&ok);
    if (!ok || !std::isfinite(v) || v < min || (v == min && !allowMin) || v > max)
        return false;
    *out = v;
    return true;
}

bool parseInt(const QString &text, int min, int max, int *out)
{
    bool ok = false;
    const int v = text.trimmed().toInt(&ok);
    if (!ok || v < min || v > max)
        return false;
    *out = v;
    return true;
}

QCommandLineOption option(const char *name, const char *description, const char *valueName = "")
{
    const QString value = QString::fromLatin1(valueName);
    return value.isEmpty()
               ? QCommandLineOption(QString::fromLatin1(name), QString::fromLatin1(description))
               : QCommandLineOption(QString::fromLatin1(name), QString::fromLatin1(description),
                                    value);
}

constexpr double kMaxSeconds = 1000000; // about 11.5 days; 0 runs until Ctrl-C

// The protocol a session speaks and how it is attributed to a revision.
struct ProtocolOptions
{
    QCommandLineOption protocol = option(
        "protocol",
        "What the sessions speak: websocket (default), socketio (Socket.IO v5 / Engine.IO v4, "
        "e.g. Chainlit: pongs every ping, connects a namespace; /socket.io/ is added when the URL "
        "has no path) or realtime (an OpenAI realtime conversation, with its session cap).",
        "name");
    QCommandLineOption nsp = option("socketio-namespace",
                                    "socketio: the namespace to connect (default /).", "namespace");
    QCommandLineOption authFile =
        option("socketio-auth-file",
               "socketio: a file with the JSON object sent as the CONNECT's auth. A secret: never "
               "printed or written to the report.",
               "file");
    QCommandLineOption revisionHeader = option(
        "revision-header",
        "Attribute sessions by this header of the 101 when it has no X-Blueshift-Revision (an "
        "app that sets it from CONTAINER_APP_REVISION).",
        "name");
    QCommandLineOption revisionFromMessage =
        option("revision-from-message",
               "Attribute sessions by a JSON pointer into their first message (socketio: into the "
               "first event's array, e.g. /1/revision).",
               "pointer");

    QList<QCommandLineOption> all() const
    {
        return {protocol, nsp, authFile, revisionHeader, revisionFromMessage};
    }

    QString apply(const QCommandLineParser &p, harness::FleetConfig *f) const
    {
        if (p.isSet(protocol) &&
            !harness::sessionProtocolFromName(p.value(protocol).toLower(), &f->protocol))
            return QStringLiteral("--protocol must be websocket, socketio or realtime");
        const bool socketIo = f->protocol == harness::SessionProtocol::SocketIo;
        if ((p.isSet(nsp) || p.isSet(authFile)) && !socketIo)
            return QStringLiteral("--socketio-namespace and --socketio-auth-file need --protocol "
                                  "socketio");
        if (p.isSet(nsp))
            f->socketIoNamespace = p.value(nsp).toUtf8();
        if (p.isSet(authFile)) {
            QString error;
            if (!runtime::readBoundedFile(p.value(authFile), QStringLiteral("--socketio-auth-file"),
                                          64 * 1024, &f->socketIoAuth, &error))
                return error;
            f->socketIoAuth = f->socketIoAuth.trimmed();
            // Never quote the content: it is the secret.
            if (!QJsonDocument::fromJson(f->socketIoAuth).isObject())
                return QStringLiteral("--socketio-auth-file %1 must hold one JSON object")
                    .arg(p.value(authFile));
            f->socketIoAuth =
                QJsonDocument::fromJson(f->socketIoAuth).toJson(QJsonDocument::Compact);
        }
        if (p.isSet(revisionHeader)) {
            f->revisionHeader = p.value(revisionHeader).toLatin1();
            static const QRegularExpression token(QStringLiteral("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"));
            if (!token.match(p.value(revisionHeader)).hasMatch())
                return QStringLiteral("--revision-header must be a header name");
        }
        if (p.isSet(revisionFromMessage))
            f->revisionPointer = p.value(revisionFromMessage);
        return {};
    }
};
} // namespace

SessionsOptions defaultSessionsOptions()
{
    SessionsOptions o;
    o.fleet.sessions = 5;
    o.fleet.pingIntervalSeconds = 30;
    return o;
}

CommandLine parseSessionsOptions(const QStringList &args, SessionsOptions *out)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Holds N live test WebSocket sessions against URL (ws:// or wss://) for a duration, "
        "pinging "
        "each, and reports how they fared: which revision served them, why they closed, RTTs.\n"
        "Progress: one updating line on a terminal, otherwise a line every --status-interval "
        "seconds. Ctrl-C (or SIGTERM) closes every session with 1000 and still prints the summary "
        "and writes the report; a second Ctrl-C stops waiting for the close handshakes.\n"
        "The run ends when --duration elapses, on Ctrl-C, or when every session has closed for "
        "good (no reconnect left).\n"
        "Exit status: 0 the run completed and at least one session opened; 1 no session ever "
        "opened (the first connection error is shown) or the report could not be written; 2 bad "
        "options or an unreadable file."));
    p.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption help({QStringLiteral("h"), QStringLiteral("help")},
                                  QStringLiteral("Show this help."));
    const QCommandLineOption version = option("version", "Show the version.");
    const QCommandLineOption connections =
        option("connections", "Sessions to hold (default 5).", "n");
    const QCommandLineOption duration = option(
        "duration", "Seconds to run before closing every session (default 300; 0: until Ctrl-C).",
        "seconds");
    const QCommandLineOption ping = option(
        "ping-interval", "Seconds between pings per session (default 30; 0: no pings).", "seconds");
    const QCommandLineOption openRate = option(
        "open-rate", "New sessions per second while ramping up (default 50; 0: all at once).",
        "per-second");
    const QCommandLineOption hold =
        option("hold",
               "Each session closes itself (1000) this long after it first opened (default: held "
               "until the run ends).",
               "seconds");
    const QCommandLineOption traffic =
        option("traffic",
               "Application traffic: none (default), echo (a message of --echo-bytes every "
               "--traffic-interval, echoed by the peer) or realtime (response.create every "
               "--traffic-interval, a realtime conversation).",
               "mode");
    const QCommandLineOption echoBytes =
        option("echo-bytes", "Size of each echo message (default 64; e.g. 4096 or 4KiB).", "bytes");
    const QCommandLineOption trafficInterval =
        option("traffic-interval", "Seconds between application messages (default 5).", "seconds");
    const QCommandLineOption reconnect =
        option("reconnect",
               "After a close the session did not ask for: none (default), immediate, or backoff "
               "(exponential with jitter and a cap).",
               "policy");
    const QCommandLineOption reconnectInitial = option(
        "reconnect-initial", "Backoff: the first delay in seconds (default 0.5).", "seconds");
    const QCommandLineOption reconnectMax = option(
        "reconnect-max", "Backoff: the cap in seconds, jitter included (default 30).", "seconds");
    const QCommandLineOption reconnectMultiplier =
        option("reconnect-multiplier",
               "Backoff: each failed attempt multiplies the delay (default 2).", "factor");
    const QCommandLineOption reconnectJitter =
        option("reconnect-jitter",
               "Backoff: delays are drawn from d*(1-j) to d*(1+j) (default 0.2).", "j");
    const QCommandLineOption reconnectAttempts = option(
        "reconnect-attempts", "Attempts per outage before giving up (default 0: no limit).", "n");
    const QCommandLineOption headerFile = option(
        "header-file",
        "File of \"Name: value\" lines sent with every upgrade (api-key, Authorization ...). "
        "Values are secrets: they are never printed or written to the report.",
        "file");
    const QCommandLineOption origin =
        option("origin", "Origin header, e.g. https://app.example.com (not secret).", "origin");
    const QCommandLineOption ca =
        option("ca",
               "CA certificates (PEM) that wss servers are verified against instead of the "
               "system's.",
               "file");
    const QCommandLineOption selfSigned =
        option("accept-self-signed",
               "Accept a self-signed (unverifiable) wss server certificate. Explicit opt-in.");
    const QCommandLineOption connectTimeout =
        option("connect-timeout", "Seconds for TCP, TLS and the upgrade (default 10).", "seconds");
    const QCommandLineOption stopTimeout =
        option("stop-timeout", "Seconds to wait for close handshakes when stopping (default 5).",
               "seconds");
    const QCommandLineOption threads =
        option("threads", "Event-loop threads the sessions are spread over (default 2).", "n");
    const QCommandLineOption report = option(
        "report", "Write report.json, sessions.csv and events.jsonl into this directory.", "dir");
    const QCommandLineOption quiet =
        option("quiet", "No progress lines; the summary table is still printed.");
    const QCommandLineOption statusInterval = option(
        "status-interval",
        "Seconds between progress lines when stdout is not a terminal (default 5).", "seconds");
    const ProtocolOptions protocolOptions;
    p.addOptions(protocolOptions.all());
    p.addOptions({help,
                  version,
                  connections,
                  duration,
                  ping,
                  openRate,
                  hold,
                  traffic,
                  echoBytes,
                  trafficInterval,
                  reconnect,
                  reconnectInitial,
                  reconnectMax,
                  reconnectMultiplier,
                  reconnectJitter,
                  reconnectAttempts,
                  headerFile,
                  origin,
                  ca,
                  selfSigned,
                  connectTimeout,
                  stopTimeout,
                  threads,
                  report,
                  quiet,
                  statusInterval});
    p.addPositionalArgument(QStringLiteral("sessions"), QStringLiteral("The subcommand."));
    p.addPositionalArgument(QStringLiteral("url"),
                            QStringLiteral("ws:// or wss:// URL of the service or its gateway."));

    if (!p.parse(args))
        return fail(p.errorText());
    if (p.isSet(help))
        return {CommandLine::ExitOk, p.helpText()};
    if (p.isSet(version))
        return {CommandLine::ExitOk, QStringLiteral("blueshift-server " BLUESHIFT_VERSION)};

    // parse() skips args[0], the subcommand's own name, as the program name.
    const QStringList positional = p.positionalArguments();
    if (positional.isEmpty())
        return fail(QStringLiteral("no URL: blueshift-server sessions ws://host:port/path"));
    if (positional.size() > 1)
        return fail(QStringLiteral("unexpected argument '%1'").arg(positional.at(1)));

    SessionsOptions o = defaultSessionsOptions();
    harness::FleetConfig &f = o.fleet;
    QString urlError;
    f.url = websocket::parseWebSocketUrl(positional.constFirst(), QString(), &urlError);
    if (!f.url.isValid())
        return fail(urlError);

    if (const QString why = protocolOptions.apply(p, &f); !why.isEmpty())
        return fail(why);
    if (p.isSet(connections) && !parseInt(p.value(connections), 1, 1000000, &f.sessions))
        return fail(QStringLiteral("--connections must be a number from 1 to 1000000"));
    if (p.isSet(duration) &&
        !parseSeconds(p.value(duration), 0, kMaxSeconds, true, &o.durationSeconds))
        return fail(QStringLiteral(
            "--duration must be a number of seconds up to 1000000 (0: until Ctrl-C)"));
    if (p.isSet(ping) && !parseSeconds(p.value(ping), 0, 86400, true, &f.pingIntervalSeconds))
        return fail(QStringLiteral(
            "--ping-interval must be a number of seconds up to 86400 (0: no pings)"));
    if (p.isSet(openRate) && !parseSeconds(p.value(openRate), 0, 1000000, true, &f.openRate))
        return fail(QStringLiteral(
            "--open-rate must be a number of sessions per second, 0 (all at once) or more"));
    if (p.isSet(hold) && !parseSeconds(p.value(hold), 0, kMaxSeconds, false, &f.holdSeconds))
        return fail(QStringLiteral("--hold must be a positive number of seconds"));

    if (p.isSet(traffic)) {
        const QString mode = p.value(traffic).toLower();
        if (mode == QLatin1String("none"))
            f.traffic = harness::TrafficMode::None;
        else if (mode == QLatin1String("echo"))
            f.traffic = harness::TrafficMode::Echo;
        else if (mode == QLatin1String("realtime"))
            f.traffic = harness::TrafficMode::Realtime;
        else
            return fail(QStringLiteral("--traffic must be none, echo or realtime"));
    }
    if (p.isSet(echoBytes)) {
        quint64 bytes = 0;
        if (!parseByteSize(p.value(echoBytes), &bytes) || bytes < 1 ||
            bytes > quint64(f.maxMessageBytes))
            return fail(QStringLiteral("--echo-bytes must be a size from 1 byte to 16MiB"));
        f.echoBytes = int(bytes);
    }
    if (p.isSet(trafficInterval) &&
        !parseSeconds(p.value(trafficInterval), 0, 86400, false, &f.trafficIntervalSeconds))
        return fail(QStringLiteral("--traffic-interval must be a positive number of seconds"));

    harness::ReconnectPolicy &r = f.reconnect;
    if (p.isSet(reconnect)) {
        const QString mode = p.value(reconnect).toLower();
        if (mode == QLatin1String("none"))
            r.mode = harness::ReconnectMode::None;
        else if (mode == QLatin1String("immediate"))
            r.mode = harness::ReconnectMode::Immediate;
        else if (mode == QLatin1String("backoff"))
            r.mode = harness::ReconnectMode::Backoff;
        else
            return fail(QStringLiteral("--reconnect must be none, immediate or backoff"));
    }
    if (p.isSet(reconnectInitial) &&
        !parseSeconds(p.value(reconnectInitial), 0, 86400, false, &r.initialSeconds))
        return fail(QStringLiteral("--reconnect-initial must be a positive number of seconds"));
    if (p.isSet(reconnectMax) &&
        !parseSeconds(p.value(reconnectMax), 0, 86400, false, &r.maxSeconds))
        return fail(QStringLiteral("--reconnect-max must be a positive number of seconds"));
    if (p.isSet(reconnectMultiplier) &&
        !parseSeconds(p.value(reconnectMultiplier), 1, 100, true, &r.multiplier))
        return fail(QStringLiteral("--reconnect-multiplier must be a number from 1 to 100"));
    if (p.isSet(reconnectJitter) &&
        (!parseSeconds(p.value(reconnectJitter), 0, 1, true, &r.jitter) || r.jitter >= 1))
        return fail(QStringLiteral("--reconnect-jitter must be a number from 0 to below 1"));
    if (p.isSet(reconnectAttempts) &&
        !parseInt(p.value(reconnectAttempts), 0, 1000000000, &r.maxAttempts))
        return fail(QStringLiteral("--reconnect-attempts must be a number, 0 (no limit) or more"));
    if ((p.isSet(reconnectInitial) || p.isSet(reconnectMax) || p.isSet(reconnectMultiplier) ||
         p.isSet(reconnectJitter)) &&
        r.mode != harness::ReconnectMode::Backoff)
        return fail(QStringLiteral("--reconnect-initial/-max/-multiplier/-jitter need "
                                   "--reconnect backoff"));

    QString error;
    if (p.isSet(headerFile) && !http::readHeaderFile(p.value(headerFile), &f.headers, &error))
        return fail(error);
    if (p.isSet(origin)) {
        const QString text = p.value(origin);
        const QUrl u(text, QUrl::StrictMode);
        if (!u.isValid() || u.scheme().isEmpty() || u.host().isEmpty() || !u.path().isEmpty() ||
            u.hasQuery() || u.hasFragment() || !u.userInfo().isEmpty())
            return fail(QStringLiteral("--origin '%1' is not an origin like https://example.com")
                            .arg(text));
        for (const auto &h : std::as_const(f.headers)) {
            if (h.first.compare("origin", Qt::CaseInsensitive) == 0)
                return fail(QStringLiteral("Origin is set both by --origin and in --header-file"));
        }
        f.headers.append({QByteArrayLiteral("Origin"), text.toUtf8()});
    }
    if (p.isSet(ca)) {
        f.caFile = p.value(ca);
        QByteArray pem;
        QString error;
        if (!runtime::readBoundedFile(f.caFile, QStringLiteral("--ca"), 4 * 1024 * 1024, &pem,
                                      &error))
            return fail(error);
    }
    f.acceptSelfSigned = p.isSet(selfSigned);
    if (p.isSet(connectTimeout) &&
        !parseSeconds(p.value(connectTimeout), 0, 3600, false, &f.connectTimeoutSeconds))
        return fail(QStringLiteral("--connect-timeout must be a positive number of seconds"));
    if (p.isSet(stopTimeout) &&
        !parseSeconds(p.value(stopTimeout), 0, 3600, false, &f.stopTimeoutSeconds))
        return fail(QStringLiteral("--stop-timeout must be a positive number of seconds"));
    if (p.isSet(threads) && !parseInt(p.value(threads), 1, 256, &f.threads))
        return fail(QStringLiteral("--threads must be a number from 1 to 256"));

    if (p.isSet(report)) {
        o.reportDir = p.value(report);
        if (o.reportDir.isEmpty())
            return fail(QStringLiteral("--report needs a directory"));
    }
    o.quiet = p.isSet(quiet);
    if (p.isSet(statusInterval) &&
        !parseSeconds(p.value(statusInterval), 0.1, 86400, true, &o.statusIntervalSeconds))
        return fail(QStringLiteral("--status-interval must be a number of seconds, 0.1 or more"));

    // What is left to check (scheme, host, combinations) is the fleet's own rule.
    if (const QString why = f.validate(); !why.isEmpty())
        return fail(why);
    *out = o;
    return {};
}

} // namespace blueshift::server
