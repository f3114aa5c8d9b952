// blueshift-wsload: the WebSocket load generator of the benchmark suite (bench/run.sh).
// Prints one JSON object with the results on stdout; progress and errors go to stderr.
#include "loadrun.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QJsonDocument>
#include <QUrl>

#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <optional>

using blueshift::bench::LoadOptions;

namespace {

std::optional<LoadOptions> parseOptions(const QCoreApplication &app, QString *error)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "WebSocket load generator: round-trip latency, pipelined throughput, idle sessions and\n"
        "session setup rate against an echo service, directly or through a proxy."));
    p.addHelpOption();
    const QCommandLineOption url(QStringLiteral("url"),
                                 QStringLiteral("ws://IP:PORT/path to connect to (numeric host)."),
                                 QStringLiteral("url"));
    const QCommandLineOption mode(QStringLiteral("mode"),
                                  QStringLiteral("latency (default), throughput, idle or setup."),
                                  QStringLiteral("mode"), QStringLiteral("latency"));
    const QCommandLineOption connections(
        QStringLiteral("connections"),
        QStringLiteral("Connections in throughput mode, sessions at a time in setup mode "
                       "(default 1)."),
        QStringLiteral("n"), QStringLiteral("1"));
    const QCommandLineOption size(QStringLiteral("size"),
                                  QStringLiteral("Payload bytes per message (default 64)."),
                                  QStringLiteral("bytes"), QStringLiteral("64"));
    const QCommandLineOption binary(QStringLiteral("binary"),
                                    QStringLiteral("Binary messages (default: text, JSON-like)."));
    const QCommandLineOption window(
        QStringLiteral("window"),
        QStringLiteral("Messages in flight per connection in throughput mode (default 16)."),
        QStringLiteral("n"), QStringLiteral("16"));
    const QCommandLineOption warmup(
        QStringLiteral("warmup"),
        QStringLiteral("Seconds of traffic before measuring (default 1)."),
        QStringLiteral("seconds"), QStringLiteral("1"));
    const QCommandLineOption duration(QStringLiteral("duration"),
                                      QStringLiteral("Seconds measured (default 5)."),
                                      QStringLiteral("seconds"), QStringLiteral("5"));
    const QCommandLineOption idle(QStringLiteral("idle"),
                                  QStringLiteral("Idle sessions held in idle mode (default 5000)."),
                                  QStringLiteral("n"), QStringLiteral("5000"));
    const QCommandLineOption prime(
        QStringLiteral("prime-size"),
        QStringLiteral("Bytes of the one message each idle session exchanges (default 64)."),
        QStringLiteral("bytes"), QStringLiteral("64"));
    const QCommandLineOption concurrency(
        QStringLiteral("connect-concurrency"),
        QStringLiteral("Opening handshakes in progress at once (default 200)."),
        QStringLiteral("n"), QStringLiteral("200"));
    const QCommandLineOption settle(
        QStringLiteral("settle"),
        QStringLiteral("Seconds idle sessions are held before RSS is read (default 1)."),
        QStringLiteral("seconds"), QStringLiteral("1"));
    const QCommandLineOption proxyPid(
        QStringLiteral("proxy-pid"),
        QStringLiteral("Process whose CPU and RSS are reported as the proxy's; a comma-separated "
                       "list adds them up (an ingress and the relay behind it)."),
        QStringLiteral("pid[,pid...]"), QStringLiteral("0"));
    const QCommandLineOption source(
        QStringLiteral("source"),
        QStringLiteral("Numeric local addresses to connect from, in turn (comma-separated, "
                       "e.g. 127.0.0.2,127.0.0.3): spreads sessions over client addresses."),
        QStringLiteral("ip[,ip...]"));
    const QCommandLineOption upstreamPid(
        QStringLiteral("upstream-pid"),
        QStringLiteral("Process whose CPU and RSS are reported as the upstream's."),
        QStringLiteral("pid"), QStringLiteral("0"));
    const QCommandLineOption label(QStringLiteral("label"),
                                   QStringLiteral("Copied into the result (e.g. nginx)."),
                                   QStringLiteral("text"));
    p.addOptions({url, mode, connections, size, binary, window, warmup, duration, idle, prime,
                  concurrency, settle, proxyPid, source, upstreamPid, label});
    p.process(app);

    LoadOptions o;
    const QUrl u(p.value(url));
    const QString scheme = u.scheme();
    if (!u.isValid() || scheme != QLatin1String("ws") || u.host().isEmpty() || u.port() <= 0) {
        *error = QStringLiteral("--url must be ws://IP:PORT/path");
        return std::nullopt;
    }
    const auto address =
        blueshift::net::SocketAddress::fromNumeric(u.host().toLatin1(), std::uint16_t(u.port()));
    if (!address) {
        *error = QStringLiteral("--url needs a numeric host, not a name");
        return std::nullopt;
    }
    o.address = *address;
    o.hostHeader =
        (u.host().contains(QLatin1Char(':')) ? QLatin1Char('[') + u.host() + QLatin1Char(']')
                                             : u.host())
            .toLatin1() +
        ':' + QByteArray::number(u.port());
    o.target = u.path(QUrl::FullyEncoded).toLatin1();
    if (o.target.isEmpty())
        o.target = "/";
    if (u.hasQuery())
        o.target += '?' + u.query(QUrl::FullyEncoded).toLatin1();

    const QString m = p.value(mode);
    if (m == QLatin1String("latency"))
        o.mode = LoadOptions::Mode::Latency;
    else if (m == QLatin1String("throughput"))
        o.mode = LoadOptions::Mode::Throughput;
    else if (m == QLatin1String("idle"))
        o.mode = LoadOptions::Mode::Idle;
    else if (m == QLatin1String("setup"))
        o.mode = LoadOptions::Mode::Setup;
    else {
        *error = QStringLiteral("--mode must be latency, throughput, idle or setup");
        return std::nullopt;
    }

    bool ok = true;
    auto number = [&](const QCommandLineOption &opt, double min) {
        bool good = false;
        const double v = p.value(opt).toDouble(&good);
        if (!good || v < min) {
            *error =
                QStringLiteral("--%1 must be a number >= %2").arg(opt.names().first()).arg(min);
            ok = false;
        }
        return v;
    };
    o.connections = int(number(connections, 1));
    o.payloadSize = std::size_t(number(size, 0));
    o.binary = p.isSet(binary);
    o.window = int(number(window, 1));
    o.warmupSeconds = number(warmup, 0);
    o.durationSeconds = number(duration, 0.1);
    o.idleSessions = int(number(idle, 1));
    o.primeSize = std::size_t(number(prime, 0));
    o.connectConcurrency = int(number(concurrency, 1));
    o.settleSeconds = number(settle, 0);
    for (const QString &pid : p.value(proxyPid).split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        bool good = false;
        const int v = pid.toInt(&good);
        if (!good || v < 0) {
            *error = QStringLiteral("--proxy-pid must be process ids separated by commas");
            return std::nullopt;
        }
        if (v > 0)
            o.proxyPids.push_back(v);
    }
    for (const QString &ip : p.value(source).split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const auto a = blueshift::net::SocketAddress::fromNumeric(ip.trimmed().toLatin1(), 0);
        if (!a) {
            *error = QStringLiteral("--source needs numeric addresses, not '%1'").arg(ip);
            return std::nullopt;
        }
        o.sources.push_back(*a);
    }
    o.upstreamPid = int(number(upstreamPid, 0));
    o.label = p.value(label);
    if (!ok)
        return std::nullopt;
    return o;
}

// Idle mode holds thousands of sockets; the soft limit is often 1024 while the hard one allows
// far more.
void raiseFileLimit()
{
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

} // namespace

int main(int argc, char **argv)
{
    std::signal(SIGPIPE, SIG_IGN);
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("blueshift-wsload"));
    QCoreApplication::setApplicationVersion(QStringLiteral(BLUESHIFT_VERSION));
    QString error;
    const std::optional<LoadOptions> options = parseOptions(app, &error);
    if (!options) {
        std::fprintf(stderr, "blueshift-wsload: %s\n", qPrintable(error));
        return 2;
    }
    raiseFileLimit();
    blueshift::bench::LoadRun run(*options);
    QJsonObject result;
    if (!run.run(&result, &error)) {
        std::fprintf(stderr, "blueshift-wsload: %s\n", qPrintable(error));
        return 1;
    }
    const QByteArray json = QJsonDocument(result).toJson(QJsonDocument::Compact);
    std::fwrite(json.constData(), 1, std::size_t(json.size()), stdout);
    std::fputc('\n', stdout);
    return 0;
}
