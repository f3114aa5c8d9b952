#include "azuretarget.h"

#include "azureclitoken.h"

#include "runtime/boundedfile.h"

#include <QFile>
#include <QHostAddress>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

#include <memory>

namespace blueshift::controlplane {

namespace {
using TokenCallback = std::function<void(QByteArray, QString)>;

bool isLoopback(const QString &host)
{
    const QHostAddress a(host);
    return host.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0 ||
           (!a.isNull() && a.isLoopback());
}

// An expired token is refused here, with words, rather than sent for a 401.
QString expiredError(const QByteArray &token, const QString &where, const QString &renew)
{
    const QDateTime exp = jwtExpiry(token);
    if (exp.isValid() && exp <= QDateTime::currentDateTimeUtc())
        return QStringLiteral("the ARM token in %1 expired at %2 UTC; %3")
            .arg(where, exp.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")), renew);
    return {};
}

bool readTokenFile(const QString &path, QByteArray *token, QString *error)
{
    if (path.isEmpty()) {
        *error = QStringLiteral("no ARM token file given");
        return false;
    }
    if (!runtime::readTokenFile(path, QStringLiteral("the ARM token file"), token, error))
        return false;
    *error = expiredError(*token, path,
                          QStringLiteral("write a new one, e.g. az account get-access-token "
                                         "--query accessToken -o tsv > %1")
                              .arg(path));
    return error->isEmpty();
}
} // namespace

QString subscriptionIdError(const QString &id)
{
    static const QRegularExpression guid(QStringLiteral(
        "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"));
    if (id.isEmpty())
        return QStringLiteral("no subscription");
    if (!guid.match(id).hasMatch())
        return QStringLiteral("'%1' is not a subscription ID: give the ID (a GUID such as "
                              "34adfa4f-cedf-4dc0-ba29-b6d1a69ab345), not the name")
            .arg(id);
    return {};
}

QString resourceGroupError(const QString &name)
{
    // Azure's rule: 1 to 90 letters, digits, '_', '-', '.', '(' and ')', not ending in '.'.
    static const QRegularExpression re(QStringLiteral("^[\\p{L}\\p{N}_\\-.()]{1,90}$"));
    if (name.isEmpty())
        return QStringLiteral("no resource group");
    if (!re.match(name).hasMatch() || name.endsWith(QLatin1Char('.')))
        return QStringLiteral("'%1' is not a resource group name (1 to 90 letters, digits, '_', "
                              "'-', '.', '(' or ')', not ending in '.')")
            .arg(name);
    return {};
}

QString managementUrlError(const QUrl &url)
{
    if (!url.isValid() || url.host().isEmpty())
        return QStringLiteral("the management URL '%1' is not a URL with a host")
            .arg(url.toString(QUrl::RemoveUserInfo));
    if (!url.userInfo().isEmpty() || url.hasQuery() || url.hasFragment() ||
        (!url.path().isEmpty() && url.path() != QLatin1String("/")))
        return QStringLiteral("the management URL must be a bare origin such as "
                              "https://management.azure.com");
    // The bearer token goes in clear over http: only to this machine (a local stand-in).
    if (url.scheme() != QLatin1String("https") &&
        !(url.scheme() == QLatin1String("http") && isLoopback(url.host())))
        return QStringLiteral("the management URL must use https (http only for 127.0.0.1)");
    return {};
}

QString apiVersionError(const QString &version)
{
    static const QRegularExpression re(QStringLiteral("^\\d{4}-\\d{2}-\\d{2}(-preview)?$"));
    if (!re.match(version).hasMatch())
        return QStringLiteral("'%1' is not an api-version such as 2025-01-01").arg(version);
    return {};
}

QString tokenResource(const QUrl &managementUrl)
{
    QUrl u = managementUrl;
    u.setPath(QStringLiteral("/"));
    return u.toString();
}

QDateTime jwtExpiry(const QByteArray &token)
{
    const QList<QByteArray> parts = token.split('.');
    if (parts.size() != 3)
        return {};
    const auto decoded = QByteArray::fromBase64Encoding(
        parts.at(1), QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    if (!decoded)
        return {};
    const QJsonValue exp = QJsonDocument::fromJson(*decoded).object().value(QStringLiteral("exp"));
    if (!exp.isDouble())
        return {};
    return QDateTime::fromSecsSinceEpoch(qint64(exp.toDouble()), Qt::UTC);
}

std::optional<ArmEndpoint> azureEndpoint(const AzureTarget &target, const QProcessEnvironment &env,
                                         QString *error)
{
    auto bad = [error](const QString &e) {
        *error = e;
        return std::nullopt;
    };
    if (QString e = managementUrlError(target.managementUrl); !e.isEmpty())
        return bad(e);
    if (QString e = apiVersionError(target.apiVersion); !e.isEmpty())
        return bad(e);
    if (QString e = subscriptionIdError(target.subscription);
        !target.subscription.isEmpty() && !e.isEmpty())
        return bad(e);
    if (!target.resourceGroup.isEmpty()) {
        if (target.subscription.isEmpty())
            return bad(QStringLiteral("a resource group needs its subscription"));
        if (QString e = resourceGroupError(target.resourceGroup); !e.isEmpty())
            return bad(e);
    }

    ArmEndpoint e;
    e.baseUrl = target.managementUrl;
    e.baseUrl.setPath(QString());
    e.subscription = target.subscription;
    e.resourceGroup = target.resourceGroup;
    e.apiVersion = target.apiVersion;
    e.maxRetries = target.maxRetries;
    e.pollIntervalMs = target.pollIntervalMs;
    e.operationTimeoutMs = target.operationTimeoutMs;

    const QString variable = QLatin1String(kArmTokenVariable);
    AzureTarget::TokenSource source = target.tokenSource;
    if (source == AzureTarget::TokenSource::Auto)
        source = env.contains(variable) ? AzureTarget::TokenSource::Environment
                                        : AzureTarget::TokenSource::AzureCli;
    switch (source) {
    case AzureTarget::TokenSource::Auto:
    case AzureTarget::TokenSource::AzureCli: {
        AzureCliTokenOptions options;
        options.program = target.azProgram;
        options.resource = tokenResource(target.managementUrl);
        options.tenant = target.tenant;
        options.timeoutMs = target.azTimeoutMs;
        // Shared by every copy of the endpoint, so that all of them refresh together.
        auto cli = std::make_shared<AzureCliToken>(options);
        e.token = [cli](TokenCallback done) { cli->get(std::move(done)); };
        e.tokenRejected = [cli] { cli->invalidate(); };
        break;
    }
    case AzureTarget::TokenSource::Environment: {
        const QByteArray token = env.value(variable).trimmed().toLatin1();
        if (token.isEmpty())
            return bad(QStringLiteral("$%1 is empty").arg(variable));
        if (token.contains('\n') || token.contains('\r') || token.contains(' '))
            return bad(QStringLiteral("$%1 holds more than one token").arg(variable));
        const QString renew = QStringLiteral("set a new one, or unset it to use az");
        if (QString e2 = expiredError(token, QLatin1Char('$') + variable, renew); !e2.isEmpty())
            return bad(e2);
        e.token = [token, variable, renew](TokenCallback done) {
            const QString expired = expiredError(token, QLatin1Char('$') + variable, renew);
            done(expired.isEmpty() ? token : QByteArray(), expired);
        };
        break;
    }
    case AzureTarget::TokenSource::File: {
        QByteArray token;
        if (!readTokenFile(target.tokenFile, &token, error))
            return std::nullopt;
        const QString path = target.tokenFile;
        e.token = [path](TokenCallback done) {
            QByteArray t;
            QString why;
            if (!readTokenFile(path, &t, &why))
                t.clear();
            done(t, why);
        };
        break;
    }
    }
    return e;
}

} // namespace blueshift::controlplane
