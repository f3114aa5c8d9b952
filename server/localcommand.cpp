// `blueshift-server local`: the local platform (admin API, one ingress per app, a supervisor
// per revision) in one process, with its state in a directory.
#include "commands.h"
#include "relayoptions.h"

#include "controlplane/adminserver.h"
#include "controlplane/eventjournal.h"
#include "controlplane/localplatform.h"
#include "controlplane/statestore.h"
#include "net/selfsignedcert.h"
#include "net/tlscontext.h"
#include "runtime/childprocess.h"
#include "runtime/unixsignalwatcher.h"
#include "telemetry/eventlog.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QStandardPaths>
#include <QTimer>

#include <csignal>
#include <cstdio>
#include <unistd.h>

namespace blueshift::server {

namespace {
struct LocalOptions
{
    net::HostPort admin{QByteArrayLiteral("127.0.0.1"), 8081};
    QString stateDir;
    bool demo = false;
    QByteArray ingressHost = QByteArrayLiteral("127.0.0.1");
    QString tlsCert;
    QString tlsKey;
    int idleTimeoutSeconds = 240;
    int ingressThreads = 0;
    QString defaultUpstream;
    QStringList allowHosts;
    telemetry::LogFormat logFormat = telemetry::LogFormat::Json;
    bool logReplicas = false;
};

QString defaultStateDir()
{
    QString base = qEnvironmentVariable("XDG_STATE_HOME");
    if (base.isEmpty())
        base = QDir::homePath() + QStringLiteral("/.local/state");
    return base + QStringLiteral("/blueshift/local");
}

CommandLine parseLocalOptions(const QStringList &args, LocalOptions *out, QString *makeCertDir)
{
    QCommandLineParser p;
    p.setApplicationDescription(
        QStringLiteral("The local platform: an ARM-shaped control plane for Container Apps-style "
                       "apps, a weighted ingress per app, "
                       "and a supervisor that runs each revision's replicas as processes."));
    const QCommandLineOption help({QStringLiteral("h"), QStringLiteral("help")},
                                  QStringLiteral("Show this help."));
    const QCommandLineOption admin(QStringLiteral("admin"),
                                   QStringLiteral("Admin API address (default 127.0.0.1:8081)."),
                                   QStringLiteral("host:port"));
    const QCommandLineOption stateDir(
        QStringLiteral("state-dir"),
        QStringLiteral(
            "Where apps, revisions, the admin token and the cookie key live (default %1).")
            .arg(defaultStateDir()),
        QStringLiteral("dir"));
    const QCommandLineOption demo(
        QStringLiteral("demo"),
        QStringLiteral("Create app 'demo' (revision demo--blue: the relay in front of an "
                       "upstream-sim this process starts)."));
    const QCommandLineOption ingressHost(
        QStringLiteral("ingress-host"),
        QStringLiteral("Address the app ingresses listen on (default 127.0.0.1)."),
        QStringLiteral("address"));
    const QCommandLineOption cert(
        QStringLiteral("tls-cert"),
        QStringLiteral("Serve the ingresses over TLS (wss) with this certificate chain (PEM)."),
        QStringLiteral("file"));
    const QCommandLineOption key(QStringLiteral("tls-key"),
                                 QStringLiteral("Private key for --tls-cert (PEM)."),
                                 QStringLiteral("file"));
    const QCommandLineOption makeCert(
        QStringLiteral("make-cert"),
        QStringLiteral("Write a self-signed certificate for localhost into DIR and exit."),
        QStringLiteral("dir"));
    const QCommandLineOption idle(QStringLiteral("idle-timeout"),
                                  QStringLiteral("Seconds after which the ingress closes a silent "
                                                 "connection (default 240, as Container Apps)."),
                                  QStringLiteral("seconds"));
    const QCommandLineOption threads(
        QStringLiteral("ingress-threads"),
        QStringLiteral("Event-loop threads per ingress (default: one per CPU)."),
        QStringLiteral("n"));
    const QCommandLineOption upstream(
        QStringLiteral("default-upstream"),
        QStringLiteral("UPSTREAM_URL for relay revisions that set none."), QStringLiteral("url"));
    const QCommandLineOption allowHost(
        QStringLiteral("allow-host"),
        QStringLiteral("Another name the admin API may be reached by (repeatable)."),
        QStringLiteral("name"));
    const QCommandLineOption logFormat(QStringLiteral("log-format"),
                                       QStringLiteral("json (default) or text."),
                                       QStringLiteral("format"));
    const QCommandLineOption logReplicas(
        QStringLiteral("log-replicas"),
        QStringLiteral("Also print every line the replicas print."));
    p.addOptions({help, admin, stateDir, demo, ingressHost, cert, key, makeCert, idle, threads,
                  upstream, allowHost, logFormat, logReplicas});
    if (!p.parse(args))
        return {CommandLine::Error, p.errorText()};
    if (p.isSet(help))
        return {CommandLine::ExitOk, p.helpText()};
    if (!p.positionalArguments().isEmpty())
        return {
            CommandLine::Error,
            QStringLiteral("unexpected argument '%1'").arg(p.positionalArguments().constFirst())};
    if (p.isSet(makeCert)) {
        *makeCertDir = p.value(makeCert);
        return {};
    }
    LocalOptions o;
    QString error;
    if (p.isSet(admin)) {
        const auto hp = net::HostPort::parse(p.value(admin), &error);
        if (!hp)
            return {CommandLine::Error, QStringLiteral("--admin: ") + error};
        o.admin = *hp;
    }
    o.stateDir = p.isSet(stateDir) ? p.value(stateDir) : defaultStateDir();
    o.demo = p.isSet(demo);
    if (p.isSet(ingressHost))
        o.ingressHost = p.value(ingressHost).toLatin1();
    if (p.isSet(cert) != p.isSet(key))
        return {CommandLine::Error, QStringLiteral("--tls-cert and --tls-key go together")};
    o.tlsCert = p.value(cert);
    o.tlsKey = p.value(key);
    if (p.isSet(idle)) {
        bool ok = false;
        o.idleTimeoutSeconds = p.value(idle).toInt(&ok);
        if (!ok || o.idleTimeoutSeconds < 1 || o.idleTimeoutSeconds > 86400)
            return {CommandLine::Error,
                    QStringLiteral("--idle-timeout must be a number of seconds from 1 to 86400")};
    }
    if (p.isSet(threads)) {
        bool ok = false;
        o.ingressThreads = p.value(threads).toInt(&ok);
        if (!ok || o.ingressThreads < 0 || o.ingressThreads > 64)
            return {CommandLine::Error,
                    QStringLiteral("--ingress-threads must be from 0 (automatic) to 64")};
    }
    if (p.isSet(upstream)) {
        const QUrl u(p.value(upstream), QUrl::StrictMode);
        if (!u.isValid() ||
            (u.scheme() != QLatin1String("ws") && u.scheme() != QLatin1String("wss")) ||
            u.host().isEmpty())
            return {CommandLine::Error,
                    QStringLiteral("--default-upstream must be a ws:// or wss:// URL")};
        o.defaultUpstream = p.value(upstream);
    }
    o.allowHosts = p.values(allowHost);
    if (p.isSet(logFormat)) {
        const QString f = p.value(logFormat).toLower();
        if (f == QLatin1String("text"))
            o.logFormat = telemetry::LogFormat::Text;
        else if (f != QLatin1String("json"))
            return {CommandLine::Error, QStringLiteral("--log-format must be json or text")};
    }
    o.logReplicas = p.isSet(logReplicas);
    *out = o;
    return {};
}

QJsonObject demoApp()
{
    return QJsonDocument::fromJson(R"({
      "location": "local",
      "properties": {
        "configuration": {
          "activeRevisionsMode": "Multiple",
          "ingress": {
            "external": true, "targetPort": 8080, "transport": "auto",
            "traffic": [ { "revisionName": "demo--blue", "weight": 100, "label": "blue" } ],
            "stickySessions": { "affinity": "none" }
          }
        },
        "template": {
          "revisionSuffix": "blue",
          "terminationGracePeriodSeconds": 30,
          "containers": [ { "name": "relay", "image": "blueshift/relay:local" } ],
          "scale": { "minReplicas": 1, "maxReplicas": 3,
                     "rules": [ { "name": "connections", "tcp": { "metadata": { "concurrentConnections": "200" } } } ] }
        }
      }
    })")
        .object();
}
} // namespace

int runLocal(const QStringList &args)
{
    LocalOptions options;
    QString makeCertDir;
    const CommandLine cl = parseLocalOptions(args, &options, &makeCertDir);
    if (cl.status == CommandLine::Error) {
        std::fprintf(stderr, "blueshift-server local: %s\n", qPrintable(cl.message));
        return 2;
    }
    if (cl.status == CommandLine::ExitOk) {
        std::fprintf(stdout, "%s\n", qPrintable(cl.message));
        return 0;
    }
    QString error;
    if (!makeCertDir.isEmpty()) {
        QString certPath, keyPath;
        if (!net::writeSelfSignedCertificate(makeCertDir, &certPath, &keyPath, &error)) {
            std::fprintf(stderr, "blueshift-server local: %s\n", qPrintable(error));
            return 1;
        }
        std::printf("certificate: %s\nprivate key: %s\nuse: blueshift-server local --tls-cert %s "
                    "--tls-key %s\n",
                    qPrintable(certPath), qPrintable(keyPath), qPrintable(certPath),
                    qPrintable(keyPath));
        return 0;
    }

    telemetry::EventLog log(STDOUT_FILENO, options.logFormat, QStringLiteral("local"), QString());
    controlplane::StateStore store(options.stateDir);
    if (!store.open(&error)) {
        std::fprintf(stderr, "blueshift-server local: %s\n", qPrintable(error));
        return 2;
    }
    log.redactor().addSecret(store.adminToken());
    controlplane::EventJournal journal(
        QDir(options.stateDir).filePath(QStringLiteral("events.jsonl")));
    if (!journal.open(&error)) {
        std::fprintf(stderr, "blueshift-server local: %s\n", qPrintable(error));
        return 1;
    }
    QObject::connect(
        &journal, &controlplane::EventJournal::appended, &journal, [&](QJsonObject entry) {
            const QString source = entry.value(QStringLiteral("source")).toString();
            if (source != QLatin1String("platform") && !options.logReplicas)
                return;
            const QString event = entry.value(QStringLiteral("event")).toString();
            for (const char *k : {"event", "source", "ts", "received", "seq"})
                entry.remove(QLatin1String(k));
            log.info(event.isEmpty() ? QStringLiteral("replica.output") : event, QString(), entry);
        });

    controlplane::LocalPlatformOptions platformOptions;
    platformOptions.serverProgram = QCoreApplication::applicationFilePath();
    platformOptions.defaultUpstream = options.defaultUpstream;
    platformOptions.ingressHost = options.ingressHost;
    platformOptions.idleTimeout = std::chrono::seconds(options.idleTimeoutSeconds);
    platformOptions.ingressThreads = options.ingressThreads;
    platformOptions.cookieKey = store.cookieKey();
    if (!options.tlsCert.isEmpty()) {
        platformOptions.ingressTls =
            net::TlsContext::forServer(options.tlsCert, options.tlsKey, &error);
        if (!platformOptions.ingressTls) {
            std::fprintf(stderr, "blueshift-server local: %s\n", qPrintable(error));
            return 2;
        }
    }

    // --demo: an upstream-sim of our own, the default upstream of relay revisions.
    QProcess upstreamSim;
    if (options.demo && platformOptions.defaultUpstream.isEmpty()) {
        upstreamSim.setProgram(QCoreApplication::applicationFilePath());
        upstreamSim.setArguments({QStringLiteral("upstream-sim"), QStringLiteral("--listen"),
                                  QStringLiteral("127.0.0.1:0")});
        upstreamSim.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        // Like a replica: a platform that dies (SIGKILL included) takes its upstream with it.
        upstreamSim.setChildProcessModifier(runtime::dieWithParent(SIGTERM, false));
        upstreamSim.start();
        // Start-up only: the platform has nothing to serve before its default upstream exists.
        if (!upstreamSim.waitForStarted(5000) || !upstreamSim.waitForReadyRead(5000)) {
            std::fprintf(stderr, "blueshift-server local: cannot start upstream-sim for --demo\n");
            return 1;
        }
        const QJsonObject started = QJsonDocument::fromJson(upstreamSim.readLine()).object();
        const int port = started.value(QStringLiteral("port")).toInt();
        if (port <= 0) {
            std::fprintf(stderr, "blueshift-server local: upstream-sim did not report its port\n");
            return 1;
        }
        platformOptions.defaultUpstream =
            QStringLiteral("ws://127.0.0.1:%1/openai/realtime").arg(port);
        QObject::connect(&upstreamSim, &QProcess::readyReadStandardOutput, &upstreamSim,
                         [&] { upstreamSim.readAllStandardOutput(); });
    }

    controlplane::LocalPlatform platform(store, journal, platformOptions);
    if (!platform.start(&error)) {
        std::fprintf(stderr, "blueshift-server local: %s\n", qPrintable(error));
        return 1;
    }
    controlplane::AdminServer adminServer(platform, journal, store.adminToken());
    for (const QString &h : options.allowHosts)
        adminServer.addAllowedHost(h);
    if (!adminServer.listen(options.admin, &error)) {
        std::fprintf(stderr, "blueshift-server local: %s\n", qPrintable(error));
        return 1;
    }
    if (options.demo && !platform.hasApp(QStringLiteral("demo"))) {
        const controlplane::ApiResult r =
            platform.putApp(QStringLiteral("demo"), demoApp(), adminServer.baseUrl());
        if (r.isError()) {
            std::fprintf(stderr, "blueshift-server local: cannot create the demo app: %s\n",
                         qPrintable(r.errorMessage()));
            return 1;
        }
    }
    const QJsonObject apps = platform.listApps().body;
    QJsonArray ingresses;
    for (const QJsonValue &a : apps.value(QStringLiteral("value")).toArray()) {
        const QJsonObject o = a.toObject();
        ingresses.append(
            QJsonObject{{QStringLiteral("app"), o.value(QStringLiteral("name"))},
                        {QStringLiteral("fqdn"), o.value(QStringLiteral("properties"))
                                                     .toObject()
                                                     .value(QStringLiteral("configuration"))
                                                     .toObject()
                                                     .value(QStringLiteral("ingress"))
                                                     .toObject()
                                                     .value(QStringLiteral("fqdn"))}});
    }
    log.info(QStringLiteral("server.started"), QString(),
             {{QStringLiteral("port"), adminServer.port()},
              {QStringLiteral("admin"), adminServer.baseUrl()},
              {QStringLiteral("state_dir"), options.stateDir},
              {QStringLiteral("token_file"), store.tokenPath()},
              {QStringLiteral("apps"), ingresses},
              {QStringLiteral("version"), QStringLiteral(BLUESHIFT_VERSION)}});

    runtime::UnixSignalWatcher signalWatcher({SIGTERM, SIGINT});
    int signalCount = 0;
    QObject::connect(
        &signalWatcher, &runtime::UnixSignalWatcher::signalReceived, &platform, [&](int signo) {
            log.info(QStringLiteral("signal.received"), QString(),
                     {{QStringLiteral("signal"), runtime::UnixSignalWatcher::signalName(signo)}});
            if (++signalCount == 1)
                platform.shutdown();
            else
                QCoreApplication::exit(1); // a second signal: do not wait for the grace periods
        });
    QObject::connect(
        &platform, &controlplane::LocalPlatform::stopped, qApp,
        [&] {
            if (upstreamSim.state() != QProcess::NotRunning) {
                upstreamSim.terminate();
                upstreamSim.waitForFinished(3000);
            }
            log.info(QStringLiteral("server.stopped"));
            QCoreApplication::exit(0);
        },
        Qt::QueuedConnection);
    return QCoreApplication::exec();
}

} // namespace blueshift::server
