#include "azureclitoken.h"

#include "azurelog.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

namespace blueshift::controlplane {

namespace {
// A token this close to its end is not handed out: the request it goes with may take longer.
constexpr qint64 kMinimumValiditySeconds = 30;
// az said nothing about expiry: assume the shortest lifetime Entra gives.
constexpr qint64 kAssumedLifetimeSeconds = 300;

bool isBearerToken(const QByteArray &token)
{
    // RFC 6750 b64token: what may follow "Bearer " without breaking the header.
    static const QRegularExpression re(QStringLiteral("^[A-Za-z0-9\\-._~+/]+=*$"));
    return re.match(QString::fromLatin1(token)).hasMatch();
}
} // namespace

AzureCliToken::AzureCliToken(AzureCliTokenOptions options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_clock([] { return QDateTime::currentDateTimeUtc(); })
{
    m_timeout.setSingleShot(true);
    connect(&m_timeout, &QTimer::timeout, this, [this] {
        if (m_process) {
            m_timedOut = true;
            m_process->kill();
        }
    });
}

AzureCliToken::~AzureCliToken()
{
    if (m_process) {
        m_process->disconnect(this);
        m_process->kill();
        m_process->waitForFinished(2000);
    }
    // Nobody is left to answer them: say so rather than leave their calls waiting forever.
    const auto waiting = std::exchange(m_waiting, {});
    for (const Callback &done : waiting)
        done({}, QStringLiteral("the Azure token source was closed"));
}

bool AzureCliToken::usable(const QDateTime &now) const
{
    return !m_token.isEmpty() && now.secsTo(m_expiresOn) > kMinimumValiditySeconds;
}

void AzureCliToken::get(Callback done)
{
    const QDateTime now = m_clock();
    if (usable(now)) {
        // Still good: answer at once, and refresh behind the caller's back once it is due.
        if (now >= m_refreshAt && !m_process)
            run();
        done(m_token, QString());
        return;
    }
    m_waiting.append(std::move(done));
    if (!m_process)
        run();
}

void AzureCliToken::invalidate()
{
    m_token.clear();
    m_expiresOn = QDateTime();
    m_refreshAt = QDateTime();
}

QString AzureCliToken::commandText() const
{
    return m_options.program + QStringLiteral(" account get-access-token");
}

void AzureCliToken::run()
{
    ++m_runs;
    m_timedOut = false;
    m_process = new QProcess(this);
    m_process->setProgram(m_options.program);
    QStringList args{QStringLiteral("account"),    QStringLiteral("get-access-token"),
                     QStringLiteral("--resource"), m_options.resource,
                     QStringLiteral("--output"),   QStringLiteral("json")};
    if (!m_options.tenant.isEmpty())
        args << QStringLiteral("--tenant") << m_options.tenant;
    m_process->setArguments(args);
    // az must never wait for input that will not come.
    m_process->setStandardInputFile(QProcess::nullDevice());
    connect(m_process, &QProcess::finished, this, &AzureCliToken::processFinished);
    connect(m_process, &QProcess::errorOccurred, this, &AzureCliToken::processError);
    qCDebug(lcAzure) << "running" << commandText();
    m_timeout.start(m_options.timeoutMs);
    m_process->start();
}

void AzureCliToken::processError(QProcess::ProcessError error)
{
    // Crashes and kills also end in finished(); only a failed start does not.
    if (error != QProcess::FailedToStart || !m_process)
        return;
    m_timeout.stop();
    m_process->deleteLater();
    m_process = nullptr;
    conclude(QStringLiteral("cannot run %1 (the Azure CLI): it is not installed or not on PATH. "
                            "Install it and run 'az login', or give a token in $%2")
                 .arg(m_options.program, QLatin1String(kArmTokenVariable)));
}

void AzureCliToken::processFinished(int exitCode, QProcess::ExitStatus status)
{
    if (!m_process)
        return;
    m_timeout.stop();
    const QByteArray out = m_process->readAllStandardOutput();
    const QByteArray err = m_process->readAllStandardError();
    m_process->deleteLater();
    m_process = nullptr;
    if (m_timedOut) {
        conclude(QStringLiteral("%1 did not finish within %2 s")
                     .arg(commandText())
                     .arg(m_options.timeoutMs / 1000.0));
        return;
    }
    if (status != QProcess::NormalExit) {
        conclude(QStringLiteral("%1 crashed").arg(commandText()));
        return;
    }
    if (exitCode != 0) {
        const QString summary = stderrSummary(err);
        conclude(QStringLiteral("%1 failed (exit code %2): %3")
                     .arg(commandText())
                     .arg(exitCode)
                     .arg(summary.isEmpty() ? QStringLiteral("it printed no message") : summary));
        return;
    }
    Parsed parsed;
    QString error;
    if (!parse(out, &parsed, &error)) {
        conclude(commandText() + QStringLiteral(" ") + error);
        return;
    }
    const QDateTime now = m_clock();
    m_token = parsed.token;
    m_expiresOn =
        parsed.expiresOn.isValid() ? parsed.expiresOn : now.addSecs(kAssumedLifetimeSeconds);
    m_refreshAt = refreshTime(now, m_expiresOn);
    conclude(QString());
}

void AzureCliToken::conclude(const QString &error)
{
    const auto waiting = std::exchange(m_waiting, {});
    if (error.isEmpty()) {
        m_lastError.clear();
        qCInfo(lcAzure) << "ARM token refreshed; it expires"
                        << m_expiresOn.toUTC().toString(Qt::ISODate) << "and is renewed from"
                        << m_refreshAt.toUTC().toString(Qt::ISODate);
        Q_EMIT refreshed(m_expiresOn);
        for (const Callback &done : waiting)
            done(m_token, QString());
        return;
    }
    m_lastError = error;
    qCWarning(lcAzure).noquote() << error;
    // A background refresh failed while the token in hand is still good: keep using it, and
    // try again at the next request.
    if (!usable(m_clock()))
        invalidate();
    Q_EMIT failed(error);
    for (const Callback &done : waiting) {
        if (!m_token.isEmpty())
            done(m_token, QString());
        else
            done({}, error);
    }
}

bool AzureCliToken::parse(const QByteArray &output, Parsed *out, QString *error)
{
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(output, &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isObject()) {
        *error = QStringLiteral("printed something other than a JSON object");
        return false;
    }
    const QJsonObject o = doc.object();
    const QByteArray token = o.value(QStringLiteral("accessToken")).toString().toLatin1();
    if (token.isEmpty()) {
        *error = QStringLiteral("printed no accessToken");
        return false;
    }
    if (!isBearerToken(token)) {
        *error = QStringLiteral("printed an accessToken with characters a bearer token cannot "
                                "hold");
        return false;
    }
    out->token = token;
    out->expiresOn = QDateTime();
    // expires_on: POSIX seconds, a number or a string of digits depending on the version.
    const QJsonValue epoch = o.value(QStringLiteral("expires_on"));
    bool ok = false;
    const qint64 seconds =
        epoch.isDouble() ? qint64(epoch.toDouble()) : epoch.toString().toLongLong(&ok);
    if (epoch.isDouble() || ok) {
        out->expiresOn = QDateTime::fromSecsSinceEpoch(seconds, Qt::UTC);
        return true;
    }
    // expiresOn: local time without a zone, with microseconds.
    const QString local = o.value(QStringLiteral("expiresOn")).toString();
    if (!local.isEmpty()) {
        const QDateTime t =
            QDateTime::fromString(local.left(19), QStringLiteral("yyyy-MM-dd HH:mm:ss"));
        if (t.isValid())
            out->expiresOn = t.toUTC();
    }
    return true;
}

QDateTime AzureCliToken::refreshTime(const QDateTime &now, const QDateTime &expiresOn)
{
    const qint64 lifetime = std::max<qint64>(0, now.secsTo(expiresOn));
    // 80 % of its life, but never later than 5 minutes before the end.
    const qint64 margin = std::min<qint64>(5 * 60, lifetime / 5);
    return expiresOn.addSecs(-margin);
}

QString AzureCliToken::stderrSummary(const QByteArray &stderrText)
{
    QString first;
    for (const QByteArray &raw : stderrText.split('\n')) {
        const QString line = QString::fromUtf8(raw).trimmed();
        if (line.isEmpty())
            continue;
        if (first.isEmpty())
            first = line;
        if (line.startsWith(QLatin1String("ERROR"))) {
            first = line;
            break;
        }
    }
    // Whatever az says, nothing shaped like a token goes into a message.
    static const QRegularExpression jwt(
        QStringLiteral("eyJ[A-Za-z0-9_-]{8,}(\\.[A-Za-z0-9_-]*){0,2}"));
    first.replace(jwt, QStringLiteral("[REDACTED]"));
    if (first.size() > 300)
        first = first.left(297) + QStringLiteral("...");
    return first;
}

} // namespace blueshift::controlplane
