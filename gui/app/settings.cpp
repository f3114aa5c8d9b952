#include "settings.h"

#include <utility>

namespace blueshift::gui {

namespace {
// Keys in one place: a rename here is a rename everywhere.
const QString kKind = QStringLiteral("platform/kind");
const QString kAdminUrl = QStringLiteral("platform/adminUrl");
const QString kStateDir = QStringLiteral("platform/stateDir");
const QString kStart = QStringLiteral("platform/startIfMissing");
const QString kRemoteUrl = QStringLiteral("platform/remoteAdminUrl");
const QString kRemoteTokenFile = QStringLiteral("platform/remoteTokenFile");
const QString kApp = QStringLiteral("platform/app");
// Azure: where and how, never the token (az keeps its own; a token file stays a path).
const QString kAzureUrl = QStringLiteral("azure/managementUrl");
const QString kAzureApiVersion = QStringLiteral("azure/apiVersion");
const QString kAzureTokenSource = QStringLiteral("azure/tokenSource");
const QString kAzureTokenFile = QStringLiteral("azure/tokenFile");
const QString kAzureTenant = QStringLiteral("azure/tenant");
const QString kAzureSubscription = QStringLiteral("azure/subscription");
const QString kAzureSubscriptionName = QStringLiteral("azure/subscriptionName");
const QString kAzureResourceGroup = QStringLiteral("azure/resourceGroup");
const QString kPoll = QStringLiteral("platform/pollIntervalMs");
const QString kGeometry = QStringLiteral("window/geometry");
const QString kState = QStringLiteral("window/state");
const QString kSplitter = QStringLiteral("window/centralSplitter");
const QString kRevisionsHeader = QStringLiteral("revisions/header");
const QString kEventsHeader = QStringLiteral("events/header");
const QString kEventsLevel = QStringLiteral("events/minimumLevel");
const QString kEventsFollow = QStringLiteral("events/follow");

QString kindName(PlatformKind kind)
{
    switch (kind) {
    case PlatformKind::LocalMachine:
        return QStringLiteral("local");
    case PlatformKind::LocalRemote:
        return QStringLiteral("remote");
    case PlatformKind::Azure:
        return QStringLiteral("azure");
    }
    return QStringLiteral("local");
}

using TokenSource = PlatformTarget::TokenSource;
const std::pair<TokenSource, const char *> kTokenSources[] = {{TokenSource::AzureCli, "az"},
                                                              {TokenSource::Environment, "env"},
                                                              {TokenSource::File, "file"},
                                                              {TokenSource::Auto, "auto"}};
} // namespace

Settings::Settings()
    : m_settings(
          std::make_unique<QSettings>(QStringLiteral("Blueshift"), QStringLiteral("Blueshift")))
{}

Settings::Settings(const QString &iniFile)
    : m_settings(std::make_unique<QSettings>(iniFile, QSettings::IniFormat))
{}

PlatformTarget Settings::platformTarget() const
{
    const QString kind = m_settings->value(kKind).toString();
    if (kind == QLatin1String("remote")) {
        const PlatformTarget remote = remoteTarget();
        if (remote.adminUrl.isValid())
            return remote;
    }
    if (kind == QLatin1String("azure"))
        return azureTarget();
    QString ignored;
    QUrl url = parseAdminUrl(m_settings->value(kAdminUrl).toString(), &ignored);
    PlatformTarget t = PlatformTarget::localMachine(url, m_settings->value(kStateDir).toString());
    t.startIfMissing = m_settings->value(kStart, true).toBool();
    return t;
}

void Settings::setPlatformTarget(const PlatformTarget &target)
{
    m_settings->setValue(kKind, kindName(target.kind));
    switch (target.kind) {
    case PlatformKind::LocalMachine:
        m_settings->setValue(kAdminUrl, target.adminUrl.toString());
        m_settings->setValue(kStateDir, target.stateDir);
        m_settings->setValue(kStart, target.startIfMissing);
        break;
    case PlatformKind::LocalRemote:
        m_settings->setValue(kRemoteUrl, target.adminUrl.toString());
        m_settings->setValue(kRemoteTokenFile, target.tokenFile);
        break;
    case PlatformKind::Azure: {
        m_settings->setValue(kAzureUrl, target.adminUrl.toString());
        m_settings->setValue(kAzureApiVersion, target.apiVersion);
        QString source;
        for (const auto &[value, name] : kTokenSources) {
            if (value == target.tokenSource)
                source = QLatin1String(name);
        }
        m_settings->setValue(kAzureTokenSource, source);
        m_settings->setValue(kAzureTokenFile, target.tokenFile);
        m_settings->setValue(kAzureTenant, target.tenant);
        m_settings->setValue(kAzureSubscription, target.subscription);
        m_settings->setValue(kAzureSubscriptionName, target.subscriptionName);
        m_settings->setValue(kAzureResourceGroup, target.resourceGroup);
        break;
    }
    }
}

PlatformTarget Settings::azureTarget() const
{
    PlatformTarget t = PlatformTarget::azure();
    // A value that no longer passes the checks falls back to the default, so that a hand-edited
    // file cannot leave the dialog with nothing to start from.
    const QUrl url(m_settings->value(kAzureUrl).toString());
    if (controlplane::managementUrlError(url).isEmpty())
        t.adminUrl = url;
    const QString api = m_settings->value(kAzureApiVersion).toString();
    if (controlplane::apiVersionError(api).isEmpty())
        t.apiVersion = api;
    const QString source = m_settings->value(kAzureTokenSource).toString();
    for (const auto &[value, name] : kTokenSources) {
        if (source == QLatin1String(name))
            t.tokenSource = value;
    }
    t.tokenFile = m_settings->value(kAzureTokenFile).toString();
    t.tenant = m_settings->value(kAzureTenant).toString();
    t.subscription = m_settings->value(kAzureSubscription).toString();
    t.subscriptionName = m_settings->value(kAzureSubscriptionName).toString();
    t.resourceGroup = m_settings->value(kAzureResourceGroup).toString();
    return t;
}

PlatformTarget Settings::remoteTarget() const
{
    QString ignored;
    const QUrl url = parseAdminUrl(m_settings->value(kRemoteUrl).toString(), &ignored);
    return PlatformTarget::localRemote(url, m_settings->value(kRemoteTokenFile).toString());
}

QString Settings::appName() const
{
    return m_settings->value(kApp, QStringLiteral("demo")).toString();
}
void Settings::setAppName(const QString &name)
{
    m_settings->setValue(kApp, name);
}

int Settings::pollIntervalMs() const
{
    return qBound(500, m_settings->value(kPoll, 2000).toInt(), 60000);
}
void Settings::setPollIntervalMs(int ms)
{
    m_settings->setValue(kPoll, ms);
}

QByteArray Settings::windowGeometry() const
{
    return m_settings->value(kGeometry).toByteArray();
}
void Settings::setWindowGeometry(const QByteArray &geometry)
{
    m_settings->setValue(kGeometry, geometry);
}
QByteArray Settings::windowState() const
{
    return m_settings->value(kState).toByteArray();
}
void Settings::setWindowState(const QByteArray &state)
{
    m_settings->setValue(kState, state);
}

QByteArray Settings::revisionsHeaderState() const
{
    return m_settings->value(kRevisionsHeader).toByteArray();
}
void Settings::setRevisionsHeaderState(const QByteArray &state)
{
    m_settings->setValue(kRevisionsHeader, state);
}
QByteArray Settings::eventsHeaderState() const
{
    return m_settings->value(kEventsHeader).toByteArray();
}
void Settings::setEventsHeaderState(const QByteArray &state)
{
    m_settings->setValue(kEventsHeader, state);
}
QByteArray Settings::centralSplitterState() const
{
    return m_settings->value(kSplitter).toByteArray();
}
void Settings::setCentralSplitterState(const QByteArray &state)
{
    m_settings->setValue(kSplitter, state);
}

QString Settings::eventsMinimumLevel() const
{
    return m_settings->value(kEventsLevel, QStringLiteral("debug")).toString();
}
void Settings::setEventsMinimumLevel(const QString &level)
{
    m_settings->setValue(kEventsLevel, level);
}
bool Settings::eventsFollow() const
{
    return m_settings->value(kEventsFollow, true).toBool();
}
void Settings::setEventsFollow(bool follow)
{
    m_settings->setValue(kEventsFollow, follow);
}

void Settings::sync()
{
    m_settings->sync();
}

QString Settings::fileName() const
{
    return m_settings->fileName();
}

} // namespace blueshift::gui
