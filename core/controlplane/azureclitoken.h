#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QObject>
#include <QProcess>
#include <QTimer>

#include <functional>

namespace blueshift::controlplane {

// The environment variable that gives an ARM bearer token instead of running az (CI, or a
// machine without the Azure CLI): `export BLUESHIFT_ARM_TOKEN=$(az account get-access-token
// --query accessToken -o tsv)` elsewhere.
inline constexpr char kArmTokenVariable[] = "BLUESHIFT_ARM_TOKEN";

struct AzureCliTokenOptions
{
    QString program = QStringLiteral("az");
    // The token's audience: the management endpoint with its trailing slash, as az wants it.
    QString resource = QStringLiteral("https://management.azure.com/");
    QString tenant;        // az --tenant, for an account in several directories
    int timeoutMs = 60000; // az may refresh over the network first
};

// A bearer token from `az account get-access-token --resource ... --output json`, run as a
// child process. Tokens live 5 to 60 minutes: the cached one is refreshed once 80 % of its life
// is gone (at most 5 minutes before it expires), in the background while it is still good, so
// callers rarely wait; callers that arrive while az runs share that one run. The token never
// reaches a log, an error message or a command line.
class AzureCliToken : public QObject
{
    Q_OBJECT
public:
    using Callback = std::function<void(QByteArray token, QString error)>;
    using Clock = std::function<QDateTime()>;

    explicit AzureCliToken(AzureCliTokenOptions options = {}, QObject *parent = nullptr);
    ~AzureCliToken() override;

    // The cached token while it is good, else the outcome of the next az run.
    void get(Callback done);
    // The service rejected the token: the next get() runs az again.
    void invalidate();

    QDateTime expiresOn() const { return m_expiresOn; }
    QDateTime refreshAt() const { return m_refreshAt; }
    int runs() const { return m_runs; }
    bool isRunning() const { return m_process != nullptr; }
    QString lastError() const { return m_lastError; }
    // For tests: what "now" is (UTC).
    void setClock(Clock clock) { m_clock = std::move(clock); }

    struct Parsed
    {
        QByteArray token;
        QDateTime expiresOn; // invalid when az said nothing about it
    };
    // az's JSON: accessToken, and expires_on (POSIX seconds, az 2.54 and later) or expiresOn
    // (local time, "2024-05-01 13:45:12.000000"). Errors never quote the output.
    static bool parse(const QByteArray &output, Parsed *out, QString *error);
    // When a token obtained at `now` and ending at `expiresOn` is refreshed.
    static QDateTime refreshTime(const QDateTime &now, const QDateTime &expiresOn);
    // The line of az's stderr worth showing: the first "ERROR:" line, else the first line.
    static QString stderrSummary(const QByteArray &stderrText);

Q_SIGNALS:
    void refreshed(const QDateTime &expiresOn);
    void failed(const QString &error);

private:
    void run();
    void processFinished(int exitCode, QProcess::ExitStatus status);
    void processError(QProcess::ProcessError error);
    void conclude(const QString &error);
    bool usable(const QDateTime &now) const;
    QString commandText() const;

    AzureCliTokenOptions m_options;
    Clock m_clock;
    QProcess *m_process = nullptr;
    bool m_timedOut = false;
    QTimer m_timeout;
    QList<Callback> m_waiting;
    QByteArray m_token;
    QDateTime m_expiresOn;
    QDateTime m_refreshAt;
    QString m_lastError;
    int m_runs = 0;
};

} // namespace blueshift::controlplane
