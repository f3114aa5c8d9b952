#include "doctoroptions.h"
#include "http/headerfile.h"
#include "runtime/boundedfile.h"

#include <QCommandLineParser>
#include <QFile>
#include <QUrl>

namespace blueshift::server {

namespace {
constexpr int kMaxSilentSeconds = 900;
constexpr double kMaxTimeoutSeconds = 300;

CommandLine fail(const QString &message)
{
    return {CommandLine::Error, message};
}

QString hostForUrl(const QString &host)
{
    return host.contains(QLatin1Char(':')) ? QLatin1Char('[') + host + QLatin1Char(']') : host;
}
} // namespace

CommandLine parseDoctorOptions(const QStringList &args, DoctorOptions *out)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Diagnoses why WebSocket sessions fail on an endpoint: probes the health path, the "
        "upgrade on the path (with the app's Origin, none and a foreign one), Chainlit's "
        "socket.io path, TLS, and optionally how long a silent session survives; then states "
        "the most likely cause with the evidence.\n"
        "Exit code: 0 the upgrade works and nothing is wrong, 1 a problem was diagnosed, 2 bad "
        "command line."));
    p.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption help({QStringLiteral("h"), QStringLiteral("help")},
                                  QStringLiteral("Show this help."));
    const QCommandLineOption healthPath(
        QStringLiteral("health-path"),
        QStringLiteral("Path of the plain GET health check (default /healthz)."),
        QStringLiteral("path"));
    const QCommandLineOption origin(
        QStringLiteral("origin"),
        QStringLiteral("The Origin a browser of the app sends (default: the URL's own, e.g. "
                       "https://host)."),
        QStringLiteral("origin"));
    const QCommandLineOption headerFile(
        QStringLiteral("header-file"),
        QStringLiteral("File of \"Name: value\" lines sent with every request (e.g. api-key); "
                       "values are never printed."),
        QStringLiteral("file"));
    const QCommandLineOption ca(QStringLiteral("ca"),
                                QStringLiteral("CA certificates (PEM) to verify the server "
                                               "against instead of the system's."),
                                QStringLiteral("file"));
    const QCommandLineOption acceptSelfSigned(
        QStringLiteral("accept-self-signed"),
        QStringLiteral("Accept a self-signed server certificate (test gateways); the host name "
                       "is still checked."));
    const QCommandLineOption timeout(QStringLiteral("timeout"),
                                     QStringLiteral("Seconds each probe may take (default 10)."),
                                     QStringLiteral("seconds"));
    const QCommandLineOption silent(
        QStringLiteral("silent-seconds"),
        QStringLiteral("Hold a session silent (no pings, no data) this long and report how it "
                       "ended; 0 skips it (default), at most %1.")
            .arg(kMaxSilentSeconds),
        QStringLiteral("n"));
    const QCommandLineOption json(QStringLiteral("json"),
                                  QStringLiteral("Print the result as one JSON object."));
    p.addOptions(
        {help, healthPath, origin, headerFile, ca, acceptSelfSigned, timeout, silent, json});
    p.addPositionalArgument(QStringLiteral("doctor"), QStringLiteral("The subcommand."));
    p.addPositionalArgument(
        QStringLiteral("url"),
        QStringLiteral("ws://, wss://, http:// or https:// URL of the WebSocket endpoint; the "
                       "path defaults to /ws."));

    if (!p.parse(args))
        return fail(p.errorText());
    if (p.isSet(help))
        return {CommandLine::ExitOk, p.helpText()};
    const QStringList positional = p.positionalArguments();
    if (positional.isEmpty())
        return fail(QStringLiteral("give the URL to diagnose, e.g. wss://app.example.com/ws"));
    if (positional.size() > 1)
        return fail(QStringLiteral("unexpected argument '%1'").arg(positional.at(1)));

    doctor::DoctorConfig c;
    const QUrl url(positional.constFirst(), QUrl::StrictMode);
    const QString scheme = url.scheme().toLower();
    if (!url.isValid() || url.host().isEmpty() ||
        (scheme != QLatin1String("ws") && scheme != QLatin1String("wss") &&
         scheme != QLatin1String("http") && scheme != QLatin1String("https")))
        return fail(QStringLiteral("the URL must be ws://, wss://, http:// or https:// with a "
                                   "host, e.g. wss://app.example.com/ws"));
    if (!url.userInfo().isEmpty())
        return fail(QStringLiteral("the URL must not carry credentials; put them in "
                                   "--header-file"));
    c.secure = scheme == QLatin1String("wss") || scheme == QLatin1String("https");
    const int defaultPort = c.secure ? 443 : 80;
    const int port = url.port(defaultPort);
    if (port < 1 || port > 65535)
        return fail(QStringLiteral("the URL's port must be from 1 to 65535"));
    c.port = quint16(port);
    c.host = url.host(QUrl::FullyEncoded);
    c.url = url.toDisplayString(QUrl::RemoveUserInfo | QUrl::RemoveFragment);
    const QByteArray path = url.path(QUrl::FullyEncoded).toLatin1();
    c.target = path.isEmpty() ? QByteArrayLiteral("/ws") : path;
    if (url.hasQuery())
        c.target += '?' + url.query(QUrl::FullyEncoded).toLatin1();

    if (p.isSet(healthPath)) {
        c.healthPath = p.value(healthPath).toUtf8();
        if (!c.healthPath.startsWith('/') || c.healthPath.contains(' ') ||
            c.healthPath.contains('\r') || c.healthPath.contains('\n'))
            return fail(QStringLiteral("--health-path must start with / and hold no spaces"));
    }
    if (p.isSet(origin)) {
        const QString o = p.value(origin);
        const QUrl u(o, QUrl::StrictMode);
        if (o != QLatin1String("null") &&
            (!u.isValid() || u.host().isEmpty() || u.scheme().isEmpty() || !u.path().isEmpty() ||
             u.hasQuery() || o.contains(QLatin1Char('\n')) || o.contains(QLatin1Char('\r'))))
            return fail(
                QStringLiteral("--origin '%1' is not an origin like https://app.example.com")
                    .arg(o));
        c.origin = o;
    } else {
        c.origin = (c.secure ? QStringLiteral("https://") : QStringLiteral("http://")) +
                   hostForUrl(c.host);
        if (port != defaultPort)
            c.origin += QLatin1Char(':') + QString::number(port);
    }
    if (p.isSet(headerFile)) {
        QString error;
        if (!http::readHeaderFile(p.value(headerFile), &c.headers, &error))
            return fail(error);
        for (const auto &h : std::as_const(c.headers)) {
            if (h.first.compare("origin", Qt::CaseInsensitive) == 0)
                return fail(QStringLiteral("header file %1: Origin is given with --origin")
                                .arg(p.value(headerFile)));
        }
    }
    if (p.isSet(ca)) {
        const QString file = p.value(ca);
        QByteArray pem;
        QString error;
        if (!runtime::readBoundedFile(file, QStringLiteral("--ca"), 4 * 1024 * 1024, &pem, &error))
            return fail(error);
        c.caCertificates = QSslCertificate::fromData(pem, QSsl::Pem);
        if (c.caCertificates.isEmpty())
            return fail(QStringLiteral("--ca %1 holds no PEM certificate").arg(file));
        c.customCa = true;
    }
    c.acceptSelfSigned = p.isSet(acceptSelfSigned);
    if (p.isSet(timeout)) {
        bool ok = false;
        const double v = p.value(timeout).toDouble(&ok);
        if (!ok || !(v >= 0.1) || v > kMaxTimeoutSeconds)
            return fail(QStringLiteral("--timeout must be a number of seconds from 0.1 to %1")
                            .arg(kMaxTimeoutSeconds));
        c.timeoutMs = qRound(v * 1000);
    }
    if (p.isSet(silent)) {
        bool ok = false;
        const int v = p.value(silent).toInt(&ok);
        if (!ok || v < 0 || v > kMaxSilentSeconds)
            return fail(QStringLiteral("--silent-seconds must be a whole number of seconds from "
                                       "0 to %1")
                            .arg(kMaxSilentSeconds));
        c.silentSeconds = v;
    }
    out->config = c;
    out->json = p.isSet(json);
    return {};
}

} // namespace blueshift::server
