#include "relayoptions.h"

#include "http/headerfile.h"
#include "runtime/boundedfile.h"
#include "websocket/websocketurl.h"

#include <QCommandLineParser>
#include <QFile>
#include <QHostAddress>
#include <QHostInfo>
#include <QRegularExpression>
#include <QUrlQuery>

namespace blueshift::server {

namespace {
CommandLine fail(const QString &message)
{
    return {CommandLine::Error, message};
}

// A Microsoft Entra access token for the upstream's Authorization header. The file holds the
// token alone (as `az account get-access-token --query accessToken -o tsv` prints it).
bool readBearerTokenFile(const QString &path, http::HeaderList *headers, QString *error)
{
    QByteArray token;
    if (!runtime::readTokenFile(path, QStringLiteral("bearer token file"), &token, error))
        return false;
    // RFC 6750's b64token; never quote the content, it is the secret.
    static const QRegularExpression b64token(QStringLiteral("^[A-Za-z0-9\\-._~+/]+=*$"));
    if (!b64token.match(QString::fromLatin1(token)).hasMatch()) {
        *error =
            QStringLiteral("bearer token file %1 must hold one token and nothing else").arg(path);
        return false;
    }
    if (http::hasHeader(*headers, "Authorization")) {
        *error = QStringLiteral("Authorization is given twice: by the header file and by the "
                                "bearer token file %1")
                     .arg(path);
        return false;
    }
    headers->append({QByteArrayLiteral("Authorization"), "Bearer " + token});
    return true;
}

bool parseSeconds(const QString &text, double *out)
{
    bool ok = false;
    const double v = text.toDouble(&ok);
    if (!ok || !(v >= 0) || v > 86400)
        return false;
    *out = v;
    return true;
}
} // namespace

bool parseByteSize(const QString &text, quint64 *out)
{
    static const QRegularExpression re(
        QStringLiteral("^\\s*(\\d+)\\s*(|k|kb|kib|m|mb|mib|g|gb|gib)\\s*$"),
        QRegularExpression::CaseInsensitiveOption);
    const auto m = re.match(text);
    if (!m.hasMatch())
        return false;
    bool ok = false;
    quint64 v = m.captured(1).toULongLong(&ok);
    if (!ok)
        return false;
    const QString unit = m.captured(2).toLower();
    quint64 mult = 1;
    if (unit.startsWith(QLatin1Char('k')))
        mult = 1024;
    else if (unit.startsWith(QLatin1Char('m')))
        mult = 1024 * 1024;
    else if (unit.startsWith(QLatin1Char('g')))
        mult = 1024ULL * 1024 * 1024;
    if (v > (quint64(1) << 40) / mult)
        return false;
    *out = v * mult;
    return true;
}

QUrl azureOpenAiRealtimeUrl(const AzureOpenAiUpstream &upstream, QString *error)
{
    static const QRegularExpression resourceName(
        QStringLiteral("^[A-Za-z0-9]([A-Za-z0-9-]{0,62}[A-Za-z0-9])?$"));
    static const QRegularExpression deploymentName(
        QStringLiteral("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"));
    static const QRegularExpression apiVersion(QStringLiteral("^\\d{4}-\\d{2}-\\d{2}(-preview)?$"));
    auto bad = [error](const QString &e) {
        *error = e;
        return QUrl();
    };
    if (upstream.resource.isEmpty() == upstream.endpoint.isEmpty())
        return bad(QStringLiteral("give the Azure OpenAI resource with one of "
                                  "--azure-openai-resource NAME or --azure-openai-endpoint URL"));
    QUrl url;
    if (!upstream.resource.isEmpty()) {
        if (!resourceName.match(upstream.resource).hasMatch())
            return bad(QStringLiteral("--azure-openai-resource '%1' is not a resource name (the "
                                      "NAME of NAME.openai.azure.com: letters, digits and '-')")
                           .arg(upstream.resource));
        url.setScheme(QStringLiteral("wss"));
        url.setHost(upstream.resource.toLower() + QStringLiteral(".openai.azure.com"));
    } else {
        url = QUrl(upstream.endpoint, QUrl::StrictMode);
        const QString scheme = url.scheme().toLower();
        const bool plain = scheme == QLatin1String("http") || scheme == QLatin1String("ws");
        if (!url.isValid() || url.host().isEmpty() ||
            (!plain && scheme != QLatin1String("https") && scheme != QLatin1String("wss")))
            return bad(QStringLiteral("--azure-openai-endpoint must be a URL such as "
                                      "https://NAME.openai.azure.com"));
        if (!url.userInfo().isEmpty() || url.hasQuery() || url.hasFragment() ||
            (!url.path().isEmpty() && url.path() != QLatin1String("/")))
            return bad(QStringLiteral("--azure-openai-endpoint must be the resource's endpoint "
                                      "alone, with no path, query or credentials"));
        // The key would cross the network in clear: only a stand-in on this machine may be
        // reached without TLS.
        const QHostAddress host(url.host());
        if (plain &&
            !(url.host() == QLatin1String("localhost") || (!host.isNull() && host.isLoopback())))
            return bad(QStringLiteral("--azure-openai-endpoint must use https (http and ws only "
                                      "for a stand-in on 127.0.0.1)"));
        url.setScheme(plain ? QStringLiteral("ws") : QStringLiteral("wss"));
    }
    if (upstream.deployment.isEmpty())
        return bad(QStringLiteral("--azure-openai-deployment is missing: the name of the realtime "
                                  "model's deployment in the resource"));
    if (!deploymentName.match(upstream.deployment).hasMatch())
        return bad(QStringLiteral("--azure-openai-deployment '%1' is not a deployment name "
                                  "(letters, digits, '.', '_' and '-', at most 64)")
                       .arg(upstream.deployment));
    if (!apiVersion.match(upstream.apiVersion).hasMatch())
        return bad(QStringLiteral("--azure-openai-api-version '%1' is not an api-version such as "
                                  "2025-04-01-preview")
                       .arg(upstream.apiVersion));
    url.setPath(QStringLiteral("/openai/realtime"));
    QUrlQuery q;
    q.addQueryItem(QStringLiteral("api-version"), upstream.apiVersion);
    q.addQueryItem(QStringLiteral("deployment"), upstream.deployment);
    url.setQuery(q);
    return url;
}

CommandLine parseRelayOptions(const QStringList &args, const QProcessEnvironment &env,
                              relay::RelayConfig *out)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Relays WebSocket sessions to an upstream WebSocket: one revision's workload.\n"
        "Serves /healthz, /readyz, /metrics and WebSocket upgrades on one port; drains on "
        "SIGTERM."));
    p.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption help({QStringLiteral("h"), QStringLiteral("help")},
                                  QStringLiteral("Show this help."));
    const QCommandLineOption version(QStringLiteral("version"),
                                     QStringLiteral("Show the version."));
    const QCommandLineOption listen(
        QStringLiteral("listen"),
        QStringLiteral("Address to serve on (default $HOST:$PORT; $HOST defaults to 0.0.0.0, "
                       "$PORT to 8080)."),
        QStringLiteral("host:port"));
    const QCommandLineOption revision(
        QStringLiteral("revision"),
        QStringLiteral("Revision name for logs and headers (default $CONTAINER_APP_REVISION)."),
        QStringLiteral("name"));
    const QCommandLineOption replica(
        QStringLiteral("replica"),
        QStringLiteral("Replica name (default $CONTAINER_APP_REPLICA_NAME, else the host name)."),
        QStringLiteral("name"));
    const QCommandLineOption upstream(
        QStringLiteral("upstream"),
        QStringLiteral("Upstream WebSocket URL, ws:// or wss:// (default $UPSTREAM_URL)."),
        QStringLiteral("url"));
    const QCommandLineOption headerFile(
        QStringLiteral("upstream-header-file"),
        QStringLiteral("File of \"Name: value\" lines sent to the upstream, e.g. api-key "
                       "(default $UPSTREAM_HEADER_FILE). $UPSTREAM_API_KEY adds an api-key "
                       "header."),
        QStringLiteral("file"));
    const QCommandLineOption bearerFile(
        QStringLiteral("upstream-bearer-token-file"),
        QStringLiteral("File holding a bearer token (e.g. Microsoft Entra) sent to the upstream "
                       "as Authorization: Bearer (default $UPSTREAM_BEARER_TOKEN_FILE)."),
        QStringLiteral("file"));
    const QCommandLineOption azureResource(
        QStringLiteral("azure-openai-resource"),
        QStringLiteral("Azure OpenAI resource NAME: the upstream is "
                       "wss://NAME.openai.azure.com/openai/realtime (instead of --upstream)."),
        QStringLiteral("name"));
    const QCommandLineOption azureEndpoint(
        QStringLiteral("azure-openai-endpoint"),
        QStringLiteral("Or the resource's endpoint, https://NAME.openai.azure.com (wss://127.0.0.1:"
                       "PORT for a local stand-in)."),
        QStringLiteral("url"));
    const QCommandLineOption azureDeployment(
        QStringLiteral("azure-openai-deployment"),
        QStringLiteral("The realtime model's deployment name in that resource."),
        QStringLiteral("name"));
    const QCommandLineOption azureApiVersion(
        QStringLiteral("azure-openai-api-version"),
        QStringLiteral("api-version of the realtime API (default 2025-04-01-preview)."),
        QStringLiteral("version"));
    const QCommandLineOption caFile(QStringLiteral("upstream-ca"),
                                    QStringLiteral("CA certificates (PEM) that wss upstreams are "
                                                   "verified against instead of the system's."),
                                    QStringLiteral("file"));
    const QCommandLineOption path(QStringLiteral("path"),
                                  QStringLiteral("WebSocket path (default /ws)."),
                                  QStringLiteral("path"));
    const QCommandLineOption grace(
        QStringLiteral("grace-seconds"),
        QStringLiteral("Termination grace period the platform allows after SIGTERM (default 30)."),
        QStringLiteral("seconds"));
    const QCommandLineOption drain(
        QStringLiteral("drain-seconds"),
        QStringLiteral(
            "How long open sessions keep flowing after SIGTERM (default grace minus 5)."),
        QStringLiteral("seconds"));
    const QCommandLineOption maxMessage(
        QStringLiteral("max-message-bytes"),
        QStringLiteral("Largest message accepted from either side (default 1MiB)."),
        QStringLiteral("bytes"));
    const QCommandLineOption allowOrigin(
        QStringLiteral("allow-origin"),
        QStringLiteral(
            "Browser Origin allowed besides the request's own host (repeatable; * for any)."),
        QStringLiteral("origin"));
    const QCommandLineOption logFormat(QStringLiteral("log-format"),
                                       QStringLiteral("json (default) or text."),
                                       QStringLiteral("format"));
    const QCommandLineOption threads(
        QStringLiteral("threads"),
        QStringLiteral("Event-loop threads (default: one per CPU this process may use)."),
        QStringLiteral("n"));
    const QCommandLineOption upstreamTimeout(
        QStringLiteral("upstream-timeout"),
        QStringLiteral("Seconds to open the upstream WebSocket before giving up (default 10)."),
        QStringLiteral("seconds"));
    p.addOptions(
        {help,       version,    listen,         revision,      replica,         upstream,
         headerFile, bearerFile, azureResource,  azureEndpoint, azureDeployment, azureApiVersion,
         caFile,     path,       grace,          drain,         maxMessage,      allowOrigin,
         logFormat,  threads,    upstreamTimeout});
    p.addPositionalArgument(QStringLiteral("relay"), QStringLiteral("The subcommand."));

    if (!p.parse(args))
        return fail(p.errorText());
    if (p.isSet(help))
        return {CommandLine::ExitOk, p.helpText()};
    if (p.isSet(version))
        return {CommandLine::ExitOk, QStringLiteral("blueshift-server " BLUESHIFT_VERSION)};
    if (!p.positionalArguments().isEmpty())
        return fail(
            QStringLiteral("unexpected argument '%1'").arg(p.positionalArguments().constFirst()));

    relay::RelayConfig c;
    QString error;
    if (p.isSet(listen)) {
        const auto hp = net::HostPort::parse(p.value(listen), &error);
        if (!hp)
            return fail(QStringLiteral("--listen: ") + error);
        c.listen = *hp;
    } else if (env.contains(QStringLiteral("PORT"))) {
        bool ok = false;
        const uint port = env.value(QStringLiteral("PORT")).toUInt(&ok);
        if (!ok || port > 65535)
            return fail(QStringLiteral("$PORT is not a port number: '%1'")
                            .arg(env.value(QStringLiteral("PORT"))));
        c.listen.port = quint16(port);
    }
    if (!p.isSet(listen) && env.contains(QStringLiteral("HOST"))) {
        // The local platform gives every replica HOST=127.0.0.1.
        const QString host = env.value(QStringLiteral("HOST"));
        if (QHostAddress(host).isNull())
            return fail(QStringLiteral("$HOST is not a numeric address: '%1'").arg(host));
        c.listen.host = host.toLatin1();
    }
    c.revision =
        p.isSet(revision) ? p.value(revision) : env.value(QStringLiteral("CONTAINER_APP_REVISION"));
    if (c.revision.isEmpty())
        c.revision = QStringLiteral("local");
    c.replica = p.isSet(replica) ? p.value(replica)
                                 : env.value(QStringLiteral("CONTAINER_APP_REPLICA_NAME"));
    if (c.replica.isEmpty())
        c.replica = QHostInfo::localHostName();

    const bool azure = p.isSet(azureResource) || p.isSet(azureEndpoint) ||
                       p.isSet(azureDeployment) || p.isSet(azureApiVersion);
    if (azure) {
        // The Azure options build the whole URL; a second one would leave which is used unclear.
        if (p.isSet(upstream))
            return fail(QStringLiteral("--upstream and the --azure-openai-* options exclude each "
                                       "other: the Azure options build the upstream URL"));
        AzureOpenAiUpstream a;
        a.resource = p.value(azureResource);
        a.endpoint = p.value(azureEndpoint);
        a.deployment = p.value(azureDeployment);
        if (p.isSet(azureApiVersion))
            a.apiVersion = p.value(azureApiVersion);
        c.upstream = azureOpenAiRealtimeUrl(a, &error);
        if (c.upstream.isEmpty())
            return fail(error);
    } else {
        const QString upstreamText =
            p.isSet(upstream) ? p.value(upstream) : env.value(QStringLiteral("UPSTREAM_URL"));
        if (upstreamText.isEmpty())
            return fail(QStringLiteral("no upstream: give --upstream ws://host:port/path (or "
                                       "--azure-openai-resource) or set UPSTREAM_URL"));
        QString urlError;
        c.upstream =
            websocket::parseWebSocketUrl(upstreamText, QStringLiteral("--upstream"), &urlError);
        if (!c.upstream.isValid())
            return fail(urlError);
    }

    // A file path from the environment suits systemd credentials and mounted secret volumes.
    const QString headerPath = p.isSet(headerFile)
                                   ? p.value(headerFile)
                                   : env.value(QStringLiteral("UPSTREAM_HEADER_FILE"));
    if (!headerPath.isEmpty() && !http::readHeaderFile(headerPath, &c.upstreamHeaders, &error))
        return fail(error);
    if (const QString key = env.value(QStringLiteral("UPSTREAM_API_KEY")); !key.isEmpty()) {
        if (key.contains(QLatin1Char('\n')) || key.contains(QLatin1Char('\r')))
            return fail(QStringLiteral("$UPSTREAM_API_KEY contains a line break"));
        c.upstreamHeaders.append({"api-key", key.trimmed().toUtf8()});
    }
    const QString bearerPath = p.isSet(bearerFile)
                                   ? p.value(bearerFile)
                                   : env.value(QStringLiteral("UPSTREAM_BEARER_TOKEN_FILE"));
    if (!bearerPath.isEmpty() && !readBearerTokenFile(bearerPath, &c.upstreamHeaders, &error))
        return fail(error);
    // Azure OpenAI answers 401 to every session without one: say so now, once.
    if (azure && !http::hasHeader(c.upstreamHeaders, "api-key") &&
        !http::hasHeader(c.upstreamHeaders, "Authorization"))
        return fail(QStringLiteral(
            "the Azure OpenAI upstream needs a key: an api-key line in --upstream-header-file "
            "(or $UPSTREAM_HEADER_FILE), $UPSTREAM_API_KEY, or --upstream-bearer-token-file "
            "with a Microsoft Entra token"));
    if (p.isSet(caFile)) {
        c.upstreamCaFile = p.value(caFile);
        QByteArray pem;
        QString error;
        if (!runtime::readBoundedFile(c.upstreamCaFile, QStringLiteral("--upstream-ca"),
                                      4 * 1024 * 1024, &pem, &error))
            return fail(error);
    }
    if (p.isSet(path)) {
        c.path = p.value(path).toUtf8();
        if (!c.path.startsWith('/') || c.path.contains('?') || c.path.contains(' '))
            return fail(QStringLiteral("--path must start with / and hold no query or spaces"));
    }
    if (p.isSet(grace)) {
        if (!parseSeconds(p.value(grace), &c.graceSeconds) || c.graceSeconds < 1)
            return fail(
                QStringLiteral("--grace-seconds must be a number of seconds from 1 to 86400"));
    }
    if (p.isSet(drain)) {
        double d = 0;
        if (!parseSeconds(p.value(drain), &d))
            return fail(QStringLiteral("--drain-seconds must be a number of seconds, 0 or more"));
        if (d > c.hardDeadlineSeconds())
            return fail(
                QStringLiteral("--drain-seconds (%1) must leave time to close sessions before the "
                               "grace period ends: at most %2")
                    .arg(d)
                    .arg(c.hardDeadlineSeconds()));
        c.drainSeconds = d;
    }
    if (p.isSet(maxMessage)) {
        if (!parseByteSize(p.value(maxMessage), &c.maxMessageBytes) || c.maxMessageBytes < 125 ||
            c.maxMessageBytes > 1024ULL * 1024 * 1024)
            return fail(QStringLiteral(
                "--max-message-bytes must be a size from 125 bytes to 1GiB, e.g. 1048576 or 1MiB"));
    }
    for (const QString &o : p.values(allowOrigin)) {
        if (o != QLatin1String("*")) {
            const QUrl u(o, QUrl::StrictMode);
            if (!u.isValid() || u.host().isEmpty() || u.scheme().isEmpty() || !u.path().isEmpty())
                return fail(
                    QStringLiteral("--allow-origin '%1' is not an origin like https://example.com")
                        .arg(o));
        }
        c.allowedOrigins.append(o);
    }
    if (p.isSet(logFormat)) {
        const QString f = p.value(logFormat).toLower();
        if (f == QLatin1String("json"))
            c.logFormat = telemetry::LogFormat::Json;
        else if (f == QLatin1String("text"))
            c.logFormat = telemetry::LogFormat::Text;
        else
            return fail(QStringLiteral("--log-format must be json or text"));
    }
    if (p.isSet(threads)) {
        bool ok = false;
        c.threads = p.value(threads).toInt(&ok);
        if (!ok || c.threads < 0 || c.threads > 256)
            return fail(QStringLiteral("--threads must be a number from 0 (automatic) to 256"));
    }
    if (p.isSet(upstreamTimeout)) {
        if (!parseSeconds(p.value(upstreamTimeout), &c.upstreamTimeoutSeconds) ||
            c.upstreamTimeoutSeconds <= 0)
            return fail(QStringLiteral("--upstream-timeout must be a positive number of seconds"));
    }
    *out = c;
    return {};
}

} // namespace blueshift::server
