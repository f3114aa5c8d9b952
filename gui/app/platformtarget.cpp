#include "platformtarget.h"

#include "controlplane/azureclitoken.h"
#include "runtime/boundedfile.h"

#include <QDir>
#include <QFile>
#include <QHostAddress>
#include <QUrlQuery>

namespace blueshift::gui {

PlatformTarget PlatformTarget::localMachine(const QUrl &adminUrl, const QString &stateDir)
{
    PlatformTarget t;
    t.kind = PlatformKind::LocalMachine;
    t.adminUrl = adminUrl.isEmpty() ? defaultLocalAdminUrl() : adminUrl;
    t.stateDir = stateDir.isEmpty() ? defaultLocalStateDir() : stateDir;
    t.tokenFile = tokenFileIn(t.stateDir);
    return t;
}

PlatformTarget PlatformTarget::localRemote(const QUrl &adminUrl, const QString &tokenFile)
{
    PlatformTarget t;
    t.kind = PlatformKind::LocalRemote;
    t.adminUrl = adminUrl;
    t.tokenFile = tokenFile;
    t.startIfMissing = false;
    return t;
}

PlatformTarget PlatformTarget::azure()
{
    const controlplane::AzureTarget defaults;
    PlatformTarget t;
    t.kind = PlatformKind::Azure;
    t.adminUrl = defaults.managementUrl;
    t.apiVersion = defaults.apiVersion;
    t.tokenSource = TokenSource::AzureCli;
    t.startIfMissing = false;
    t.subscription.clear();
    t.resourceGroup.clear();
    return t;
}

QString PlatformTarget::displayName() const
{
    switch (kind) {
    case PlatformKind::LocalMachine:
        return QStringLiteral("Local (this machine)");
    case PlatformKind::LocalRemote:
        return QStringLiteral("Local platform at %1").arg(location());
    case PlatformKind::Azure:
        return QStringLiteral("Azure Container Apps");
    }
    return {};
}

QString PlatformTarget::location() const
{
    if (kind == PlatformKind::Azure) {
        if (resourceGroup.isEmpty())
            return adminUrl.host();
        QString where =
            QStringLiteral("%1 in %2")
                .arg(resourceGroup, subscriptionName.isEmpty() ? subscription : subscriptionName);
        // A sovereign cloud is worth naming; the public one goes without saying.
        if (adminUrl.host() != controlplane::AzureTarget().managementUrl.host())
            where += QStringLiteral(" (%1)").arg(adminUrl.host());
        return where;
    }
    return QStringLiteral("%1:%2").arg(adminUrl.host()).arg(adminUrl.port(80));
}

bool PlatformTarget::isAvailable(QString *why) const
{
    QString reason;
    if (kind == PlatformKind::Azure) {
        // The checks of `blueshift-server rollout --platform azure`, in the same words.
        reason = controlplane::managementUrlError(adminUrl);
        if (reason.isEmpty())
            reason = controlplane::apiVersionError(apiVersion);
        if (reason.isEmpty())
            reason = controlplane::subscriptionIdError(subscription);
        if (reason.isEmpty())
            reason = controlplane::resourceGroupError(resourceGroup);
        if (reason.isEmpty() && tokenSource == TokenSource::File && tokenFile.isEmpty())
            reason = QStringLiteral("no ARM token file given");
        if (!reason.isEmpty())
            reason = QStringLiteral("Azure Container Apps: ") + reason;
    } else if (!adminUrl.isValid() || adminUrl.host().isEmpty()) {
        reason = QStringLiteral("no admin URL");
    }
    if (why)
        *why = reason;
    return reason.isEmpty();
}

controlplane::AzureTarget PlatformTarget::azureTarget() const
{
    controlplane::AzureTarget t;
    t.managementUrl = adminUrl;
    if (!apiVersion.isEmpty())
        t.apiVersion = apiVersion;
    t.subscription = subscription;
    t.resourceGroup = resourceGroup;
    t.tokenSource = tokenSource;
    t.tokenFile = tokenFile;
    t.tenant = tenant;
    return t;
}

std::optional<controlplane::ArmEndpoint>
PlatformTarget::endpoint(QString *error, const QProcessEnvironment &env) const
{
    if (!isAvailable(error))
        return std::nullopt;
    if (kind == PlatformKind::Azure) {
        auto e = controlplane::azureEndpoint(azureTarget(), env, error);
        if (!e)
            *error = QStringLiteral("Azure Container Apps: ") + *error;
        return e;
    }
    controlplane::ArmEndpoint e;
    e.baseUrl = adminUrl;
    e.subscription = subscription;
    e.resourceGroup = resourceGroup;
    // The console polls every two seconds: a short wait before giving up on one poll, so that a
    // platform that went away shows as such quickly. Actions keep the client's LRO polling.
    e.maxRetries = 2;
    e.pollIntervalMs = 500;
    const QString file = tokenFile;
    e.token = [file](std::function<void(QByteArray, QString)> done) {
        QByteArray token;
        QString why;
        if (!readTokenFile(file, &token, &why)) {
            done({}, why);
            return;
        }
        done(token, QString());
    };
    return e;
}

bool PlatformTarget::hasLogStream(QString *why) const
{
    if (kind != PlatformKind::Azure)
        return true;
    if (why)
        *why = QStringLiteral("No live log stream from Azure Container Apps here: its console "
                              "and system logs go to Log Analytics (az containerapp logs show "
                              "--follow). Events shown are the console's and its test sessions'.");
    return false;
}

QString PlatformTarget::tokenSourceText() const
{
    switch (tokenSource) {
    case TokenSource::Auto:
        return QStringLiteral("$%1, else the Azure CLI")
            .arg(QLatin1String(controlplane::kArmTokenVariable));
    case TokenSource::AzureCli:
        return QStringLiteral("the Azure CLI (az account get-access-token)");
    case TokenSource::Environment:
        return QStringLiteral("$%1").arg(QLatin1String(controlplane::kArmTokenVariable));
    case TokenSource::File:
        return QStringLiteral("the token file %1").arg(tokenFile);
    }
    return {};
}

QUrl PlatformTarget::logStreamUrl(int tail) const
{
    if (!hasLogStream())
        return {};
    QUrl u = adminUrl;
    u.setScheme(adminUrl.scheme() == QLatin1String("https") ? QStringLiteral("wss")
                                                            : QStringLiteral("ws"));
    u.setPath(QStringLiteral("/logstream"));
    QUrlQuery q;
    q.addQueryItem(QStringLiteral("tail"), QString::number(tail));
    u.setQuery(q);
    return u;
}

QUrl defaultLocalAdminUrl()
{
    return QUrl(QStringLiteral("http://127.0.0.1:8081"));
}

QString defaultLocalStateDir()
{
    QString base = qEnvironmentVariable("XDG_STATE_HOME");
    if (base.isEmpty())
        base = QDir::homePath() + QStringLiteral("/.local/state");
    return base + QStringLiteral("/blueshift/local");
}

QString tokenFileIn(const QString &stateDir)
{
    return QDir(stateDir).filePath(QStringLiteral("admin-token"));
}

QUrl parseAdminUrl(const QString &text, QString *error)
{
    const QString t = text.trimmed();
    if (t.isEmpty()) {
        *error = QStringLiteral("the admin URL is empty");
        return {};
    }
    QUrl url(t.contains(QLatin1String("://")) ? t : QStringLiteral("http://") + t,
             QUrl::StrictMode);
    if (!url.isValid() || url.host().isEmpty()) {
        *error = QStringLiteral("'%1' is not a URL or host:port").arg(t);
        return {};
    }
    if (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")) {
        *error = QStringLiteral("the admin URL must start with http:// or https:// (not %1://)")
                     .arg(url.scheme());
        return {};
    }
    if (url.port() < 1) {
        *error = QStringLiteral("the admin URL needs a port, as in http://%1:8081").arg(url.host());
        return {};
    }
    if (!url.userInfo().isEmpty()) {
        *error = QStringLiteral("the admin URL must not carry a user or password: the token comes "
                                "from its file");
        return {};
    }
    url.setPath(QString());
    url.setQuery(QString());
    url.setFragment(QString());
    return url;
}

bool isLoopbackHost(const QString &host)
{
    if (host.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0)
        return true;
    const QHostAddress address(host);
    return !address.isNull() && address.isLoopback();
}

bool readTokenFile(const QString &path, QByteArray *token, QString *error)
{
    if (path.isEmpty()) {
        *error = QStringLiteral("no admin token file");
        return false;
    }
    return runtime::readTokenFile(path, QStringLiteral("the admin token file"), token, error);
}

} // namespace blueshift::gui
