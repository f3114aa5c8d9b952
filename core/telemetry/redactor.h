#pragma once

#include <QByteArray>
#include <QList>
#include <QString>
#include <QUrl>

#include <mutex>

namespace blueshift::telemetry {

// Keeps secrets out of everything Blueshift prints. Secrets are registered as they are loaded
// (header values, API keys) and replaced wherever they appear; values that look like
// credentials (api-key=..., "Bearer ...", sig=...) are masked even when nobody registered them.
class Redactor
{
public:
    static constexpr QLatin1StringView mask{"[REDACTED]"};

    void addSecret(const QByteArray &secret);
    QString redact(const QString &text) const;

    // A URL safe to print: no user info, credential-looking query values masked.
    static QString redactUrl(const QUrl &url);
    // Is this the name of a header or field whose value is always secret?
    static bool isSecretName(QStringView name);

private:
    mutable std::mutex m_mutex;
    QList<QString> m_secrets;
};

} // namespace blueshift::telemetry
