#pragma once

#include "controlplane/armclient.h"
#include "controlplane/azuretarget.h"

#include <QProcessEnvironment>
#include <QString>
#include <QUrl>

#include <optional>

namespace blueshift::gui {

// Which kind of control plane the console drives. Every kind speaks the same ARM shape through
// controlplane::ArmClient; they differ in where it is and where the bearer token comes from.
enum class PlatformKind {
    LocalMachine, // blueshift-server local on this machine; started as a child when none answers
    LocalRemote,  // a local platform elsewhere: admin URL and token file given by the user
    Azure,        // Azure Container Apps through management.azure.com (or a sovereign cloud's)
};

// One target the console can connect to. Holds where the token is read from, never the token.
struct PlatformTarget
{
    using TokenSource = controlplane::AzureTarget::TokenSource;

    PlatformKind kind = PlatformKind::LocalMachine;
    // Local kinds: the admin API base, http://127.0.0.1:8081 by default. Azure: the management
    // endpoint, https://management.azure.com by default.
    QUrl adminUrl;
    QString stateDir; // LocalMachine: the platform's state directory (token, apps)
    // Local kinds: the file holding the admin token. Azure with TokenSource::File: the file
    // holding the ARM bearer token (renewed by something else).
    QString tokenFile;
    bool startIfMissing = true; // LocalMachine: start `blueshift-server local --demo` if needed
    // ARM scope. The local platform answers to "local"/"local"; Azure needs real ones.
    QString subscription = QStringLiteral("local");
    QString resourceGroup = QStringLiteral("local");
    // Azure only: the Microsoft.App api-version, where the bearer token comes from, the tenant
    // for az (empty: az's default), and the subscription's name for the status bar.
    QString apiVersion;
    TokenSource tokenSource = TokenSource::AzureCli;
    QString tenant;
    QString subscriptionName;

    static PlatformTarget localMachine(const QUrl &adminUrl = QUrl(),
                                       const QString &stateDir = QString());
    static PlatformTarget localRemote(const QUrl &adminUrl, const QString &tokenFile);
    // Azure Container Apps on management.azure.com with a token from the Azure CLI; the
    // subscription and resource group are still to be chosen.
    static PlatformTarget azure();

    // "Local (this machine)", "Local platform at http://host:port", "Azure Container Apps".
    QString displayName() const;
    // Where it is, for the status bar ("127.0.0.1:8081", "rg in My subscription").
    QString location() const;
    // False with the reason in words when the target cannot be connected to as it stands (no
    // admin URL; for Azure an invalid field or no subscription or resource group yet).
    bool isAvailable(QString *why = nullptr) const;
    // The client's endpoint. Local kinds read the token from tokenFile before every request;
    // Azure's comes from controlplane::azureEndpoint() (az, $BLUESHIFT_ARM_TOKEN or a file, as
    // `env` has them). Nothing, with the reason, when it cannot be made.
    std::optional<controlplane::ArmEndpoint>
    endpoint(QString *error,
             const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment()) const;
    // What controlplane::azureEndpoint() is given for an Azure target.
    controlplane::AzureTarget azureTarget() const;
    // Whether the platform streams its log (the local platform's /logstream); false with the
    // reason in words when it does not (Azure).
    bool hasLogStream(QString *why = nullptr) const;
    // ws:// (or wss://) URL of the platform's log stream; empty when it has none.
    QUrl logStreamUrl(int tail) const;
    // The token source in words, for messages ("the Azure CLI (az)").
    QString tokenSourceText() const;

    bool operator==(const PlatformTarget &) const = default;
};

// The defaults of `blueshift-server local` (server/localcommand.cpp), so that the console finds a
// platform its user started with no options.
QUrl defaultLocalAdminUrl();
QString defaultLocalStateDir();
QString tokenFileIn(const QString &stateDir);

// "127.0.0.1:8081", "http://host:port" or "https://host:port" as an admin base URL, or an empty
// URL and the reason.
QUrl parseAdminUrl(const QString &text, QString *error);
// Is this host a loopback address (where the console may start a platform of its own)?
bool isLoopbackHost(const QString &host);
// Reads the admin token (trimmed) from a file; false with the reason when it cannot.
bool readTokenFile(const QString &path, QByteArray *token, QString *error);

} // namespace blueshift::gui
