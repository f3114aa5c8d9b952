#pragma once

#include "armclient.h"

#include <QDateTime>
#include <QProcessEnvironment>
#include <QString>
#include <QUrl>

#include <optional>

namespace blueshift::controlplane {

// Where on Azure Blueshift works and where its token comes from: what `--platform azure` and
// the console's Azure page fill in. azureEndpoint() turns it into an ArmClient endpoint.
struct AzureTarget
{
    enum class TokenSource {
        Auto,        // $BLUESHIFT_ARM_TOKEN when set, else the Azure CLI
        AzureCli,    // az account get-access-token, refreshed before it expires
        Environment, // $BLUESHIFT_ARM_TOKEN
        File,        // tokenFile, read before every request (something else renews it)
    };

    // Sovereign clouds: https://management.chinacloudapi.cn, https://management.usgovcloudapi.net
    QUrl managementUrl = QUrl(QStringLiteral("https://management.azure.com"));
    QString apiVersion = QStringLiteral("2025-01-01"); // Microsoft.App
    QString subscription;  // a subscription ID; empty while the user is still choosing
    QString resourceGroup; // empty while the user is still choosing
    TokenSource tokenSource = TokenSource::Auto;
    QString tokenFile;
    QString tenant; // az --tenant
    QString azProgram = QStringLiteral("az");
    int azTimeoutMs = 60000;
    int pollIntervalMs = 2000; // when Azure gives no Retry-After
    int operationTimeoutMs = 20 * 60 * 1000;
    int maxRetries = 4;
};

// The endpoint for a target, its token source included (an az-backed source is shared by every
// copy of the endpoint). Nothing, with the reason in *error, when a field is invalid or the
// token cannot be had: an empty or expired $BLUESHIFT_ARM_TOKEN, an unreadable token file.
std::optional<ArmEndpoint> azureEndpoint(const AzureTarget &target, const QProcessEnvironment &env,
                                         QString *error);

// Checks for option parsers and the console's fields: empty when the value is valid.
QString subscriptionIdError(const QString &id);
QString resourceGroupError(const QString &name);
QString managementUrlError(const QUrl &url);
QString apiVersionError(const QString &version);

// The token audience for a management URL: "https://management.azure.com/".
QString tokenResource(const QUrl &managementUrl);

// The end of a JWT's life from its exp claim (the payload is read, never verified); invalid
// when the token is not a JWT or has no exp.
QDateTime jwtExpiry(const QByteArray &token);

} // namespace blueshift::controlplane
