#include "rolloutoptions.h"

#include "rollout/planparser.h"
#include "runtime/boundedfile.h"

#include <QCommandLineParser>
#include <QFile>
#include <QHostAddress>

namespace blueshift::server {

namespace {
CommandLine fail(const QString &message)
{
    return {CommandLine::Error, message};
}

bool isLoopback(const QString &host)
{
    if (host == QLatin1String("localhost"))
        return true;
    const QHostAddress address(host);
    return !address.isNull() && address.isLoopback();
}
} // namespace

namespace {

// --platform azure: where on Azure (options over the plan's target) and where the token comes
// from; the endpoint itself is built when the run starts, so --dry-run needs no token.
CommandLine parseAzure(const QCommandLineParser &p, const QCommandLineOption &admin,
                       const QCommandLineOption &tokenFile, const QCommandLineOption &subscription,
                       const QCommandLineOption &resourceGroup, RolloutOptions *o,
                       RolloutOptions *out)
{
    controlplane::AzureTarget &t = o->azureTarget;
    if (p.isSet(admin)) {
        t.managementUrl = QUrl(p.value(admin), QUrl::StrictMode);
        if (const QString e = controlplane::managementUrlError(t.managementUrl); !e.isEmpty())
            return fail(QStringLiteral("--admin: ") + e);
    }
    t.subscription = p.isSet(subscription) ? p.value(subscription) : o->plan.target.subscription;
    t.resourceGroup =
        p.isSet(resourceGroup) ? p.value(resourceGroup) : o->plan.target.resourceGroup;
    if (!o->plan.target.apiVersion.isEmpty())
        t.apiVersion = o->plan.target.apiVersion;
    if (t.subscription.isEmpty())
        return fail(QStringLiteral(
            "--platform azure needs a subscription: --subscription ID or target.subscription"));
    if (t.resourceGroup.isEmpty())
        return fail(QStringLiteral("--platform azure needs a resource group: --resource-group "
                                   "NAME or target.resourceGroup"));
    if (const QString e = controlplane::subscriptionIdError(t.subscription); !e.isEmpty())
        return fail(QStringLiteral("subscription: ") + e);
    if (const QString e = controlplane::resourceGroupError(t.resourceGroup); !e.isEmpty())
        return fail(QStringLiteral("resource group: ") + e);
    if (const QString e = controlplane::apiVersionError(t.apiVersion); !e.isEmpty())
        return fail(QStringLiteral("api-version: ") + e);
    if (p.isSet(tokenFile)) {
        t.tokenSource = controlplane::AzureTarget::TokenSource::File;
        t.tokenFile = p.value(tokenFile);
        // Read now to refuse a bad file up front; it is read again (renewed) when used.
        QByteArray token;
        QString error;
        if (!runtime::readTokenFile(t.tokenFile, QStringLiteral("token file"), &token, &error))
            return fail(error);
    }
    o->admin = t.managementUrl;
    *out = *o;
    return {};
}

} // namespace

CommandLine parseRolloutOptions(const QStringList &args, RolloutOptions *out)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Runs a rollout plan (resources/plans/README.md) against a control plane while live test "
        "WebSocket sessions run through the app's ingress, and checks the plan's assertions. "
        "Exit code 0: every assertion held; 1: an assertion failed (named on stderr) or the run "
        "failed; 2: a bad plan or option."));
    const QCommandLineOption help({QStringLiteral("h"), QStringLiteral("help")},
                                  QStringLiteral("Show this help."));
    const QCommandLineOption admin(
        QStringLiteral("admin"),
        QStringLiteral("The control plane's base URL: the local platform's admin API "
                       "(http://127.0.0.1:8081) or https://management.azure.com."),
        QStringLiteral("url"));
    const QCommandLineOption tokenFile(
        QStringLiteral("token-file"),
        QStringLiteral("File holding the bearer token (the local platform's STATE_DIR/admin-token; "
                       "for Azure, the output of az account get-access-token --query "
                       "accessToken -o tsv)."),
        QStringLiteral("file"));
    const QCommandLineOption report(
        QStringLiteral("report"),
        QStringLiteral(
            "Write report.json, sessions.csv, events.jsonl, rollout.json and report.html "
            "into this directory."),
        QStringLiteral("dir"));
    const QCommandLineOption ca(QStringLiteral("ca"),
                                QStringLiteral("Sessions over wss: trust only these CAs (PEM)."),
                                QStringLiteral("file"));
    const QCommandLineOption selfSigned(
        QStringLiteral("accept-self-signed"),
        QStringLiteral("Sessions over wss: accept a self-signed certificate."));
    const QCommandLineOption dryRun(
        QStringLiteral("dry-run"),
        QStringLiteral("Validate the plan and print its steps and assertions; change nothing."));
    const QCommandLineOption platform(
        QStringLiteral("platform"),
        QStringLiteral("local (default: the local platform's admin API) or azure (Azure "
                       "Container Apps through https://management.azure.com; the token from "
                       "--token-file, else $BLUESHIFT_ARM_TOKEN, else az account "
                       "get-access-token)."),
        QStringLiteral("name"));
    const QCommandLineOption subscription(
        QStringLiteral("subscription"),
        QStringLiteral("Azure: the subscription ID (default: the plan's target.subscription)."),
        QStringLiteral("id"));
    const QCommandLineOption resourceGroup(
        QStringLiteral("resource-group"),
        QStringLiteral("Azure: the resource group (default: the plan's target.resourceGroup)."),
        QStringLiteral("name"));
    p.addOptions({help, platform, admin, tokenFile, subscription, resourceGroup, report, ca,
                  selfSigned, dryRun});
    p.addPositionalArgument(QStringLiteral("plan"), QStringLiteral("The rollout plan (JSON)."));
    if (!p.parse(args))
        return fail(p.errorText());
    if (p.isSet(help))
        return {CommandLine::ExitOk, p.helpText()};
    const QStringList positional = p.positionalArguments();
    if (positional.isEmpty())
        return fail(QStringLiteral("give the plan file (blueshift-server rollout PLAN --admin URL "
                                   "--token-file FILE --report DIR)"));
    if (positional.size() > 1)
        return fail(QStringLiteral("unexpected argument '%1'").arg(positional.at(1)));

    RolloutOptions o;
    o.planFile = positional.constFirst();
    o.dryRun = p.isSet(dryRun);
    QString error;
    QByteArray planText;
    if (!runtime::readBoundedFile(o.planFile, QStringLiteral("plan"), 4 * 1024 * 1024, &planText,
                                  &error))
        return fail(error);
    if (!rollout::PlanParser::parse(planText, &o.plan, &error))
        return fail(QStringLiteral("plan %1: %2").arg(o.planFile, error));

    o.reportDir = p.value(report);
    o.caFile = p.value(ca);
    o.acceptSelfSigned = p.isSet(selfSigned);
    if (!o.caFile.isEmpty() && !QFile::exists(o.caFile))
        return fail(QStringLiteral("--ca: %1 does not exist").arg(o.caFile));
    const QString platformName = p.isSet(platform) ? p.value(platform) : QStringLiteral("local");
    if (platformName != QLatin1String("local") && platformName != QLatin1String("azure"))
        return fail(QStringLiteral("--platform must be local or azure"));
    o.azure = platformName == QLatin1String("azure");
    if (!o.azure && (p.isSet(subscription) || p.isSet(resourceGroup)))
        return fail(QStringLiteral("--subscription and --resource-group go with --platform azure"));
    if (o.azure)
        return parseAzure(p, admin, tokenFile, subscription, resourceGroup, &o, out);
    if (o.dryRun) {
        *out = o;
        return {};
    }
    if (!p.isSet(admin))
        return fail(QStringLiteral("--admin is required (e.g. http://127.0.0.1:8081)"));
    o.admin = QUrl(p.value(admin), QUrl::StrictMode);
    const QString scheme = o.admin.scheme();
    if (!o.admin.isValid() || o.admin.host().isEmpty() ||
        (scheme != QLatin1String("http") && scheme != QLatin1String("https")) ||
        !o.admin.userInfo().isEmpty() || o.admin.hasQuery())
        return fail(QStringLiteral("--admin must be an http:// or https:// base URL such as "
                                   "http://127.0.0.1:8081"));
    // The token must not cross a network in clear.
    if (scheme == QLatin1String("http") && !isLoopback(o.admin.host()))
        return fail(QStringLiteral("--admin over http only to a loopback address; use https for "
                                   "%1")
                        .arg(o.admin.host()));
    if (!p.isSet(tokenFile))
        return fail(QStringLiteral("--token-file is required (the local platform writes "
                                   "STATE_DIR/admin-token)"));
    if (!runtime::readTokenFile(p.value(tokenFile), QStringLiteral("token file"), &o.token, &error))
        return fail(error);
    *out = o;
    return {};
}

QString planOutline(const rollout::Plan &plan)
{
    QString out;
    out += QStringLiteral("plan %1 (version %2): app %3")
               .arg(plan.name.isEmpty() ? QStringLiteral("(unnamed)") : plan.name)
               .arg(plan.version)
               .arg(plan.target.app);
    if (!plan.target.resourceGroup.isEmpty())
        out += QStringLiteral(", resource group ") + plan.target.resourceGroup;
    if (!plan.target.subscription.isEmpty())
        out += QStringLiteral(", subscription ") + plan.target.subscription;
    out += QLatin1Char('\n');
    const rollout::SessionGroupSpec &s = plan.sessions;
    out +=
        QStringLiteral("sessions %1: %2 connections to %3, %4 per second, ping every %5 s, "
                       "reconnect %6%7\n")
            .arg(s.name)
            .arg(s.fleet.sessions)
            .arg(s.url == QLatin1String("ingress") ? QStringLiteral("the ingress") + s.path : s.url)
            .arg(s.fleet.openRate)
            .arg(s.fleet.pingIntervalSeconds)
            .arg(harness::reconnectModeName(s.fleet.reconnect.mode),
                 s.autoStart ? QString() : QStringLiteral(" (started by a step)"));
    for (const rollout::PlanStep &step : plan.steps) {
        out += QStringLiteral("%1. %2\n").arg(step.index + 1, 2).arg(rollout::describe(step));
        for (const rollout::AssertionSpec &a : step.assertions)
            out += QStringLiteral("      assert %1: %2%3\n")
                       .arg(rollout::assertionKindName(a.kind), rollout::describeExpectation(a),
                            a.byDefault ? QStringLiteral(" (default)") : QString());
    }
    return out;
}

} // namespace blueshift::server
