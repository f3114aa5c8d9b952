#include "localplatformsupport.h"

#include <QDir>
#include <QFile>
#include <QTest>

namespace blueshift::itest {

ArmResult armWait(controlplane::ArmCall *call, int timeoutMs)
{
    auto result = std::make_shared<ArmResult>();
    QObject::connect(call, &controlplane::ArmCall::progress, call,
                     [result](const QString &s) { result->progress.append(s); });
    QObject::connect(call, &controlplane::ArmCall::finished, call, [result, call] {
        result->done = true;
        result->ok = call->ok();
        result->status = call->status();
        result->body = call->body();
        result->items = call->items();
        result->errorCode = call->errorCode();
        result->errorMessage = call->errorMessage();
    });
    if (!QTest::qWaitFor([&] { return result->done; }, timeoutMs))
        result->errorCode = QStringLiteral("TestTimeout");
    return *result;
}

LocalPlatformProcess::LocalPlatformProcess(const QString &stateDir)
    : m_stateDir(stateDir.isEmpty() ? m_tmp.filePath(QStringLiteral("state")) : stateDir)
{}

LocalPlatformProcess::~LocalPlatformProcess() = default;

bool LocalPlatformProcess::start(const QStringList &args)
{
    m_args = args;
    m_process = std::make_unique<ServerProcess>(QStringLiteral("local"));
    QStringList all{QStringLiteral("local"),
                    QStringLiteral("--admin"),
                    QStringLiteral("127.0.0.1:0"),
                    QStringLiteral("--state-dir"),
                    m_stateDir,
                    QStringLiteral("--ingress-threads"),
                    QStringLiteral("1")};
    all += args;
    m_process->start(serverBinary(), all);
    if (!m_process->waitForServerStarted(20000))
        return false;
    controlplane::ArmEndpoint endpoint;
    endpoint.baseUrl = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_process->port()));
    endpoint.pollIntervalMs = 100;
    const QByteArray token = this->token();
    endpoint.token = [token](std::function<void(QByteArray, QString)> done) {
        done(token, QString());
    };
    m_client = std::make_unique<controlplane::ArmClient>(endpoint);
    return true;
}

bool LocalPlatformProcess::restart(const QStringList &args)
{
    if (m_process && m_process->isRunning()) {
        m_process->terminate();
        m_process->waitForExit(30000);
    }
    return start(args.isEmpty() ? m_args : args);
}

void LocalPlatformProcess::kill()
{
    if (m_process)
        m_process->kill();
}

QByteArray LocalPlatformProcess::token() const
{
    QFile f(QDir(m_stateDir).filePath(QStringLiteral("admin-token")));
    return f.open(QIODevice::ReadOnly) ? f.readAll().trimmed() : QByteArray();
}

quint16 LocalPlatformProcess::ingressPort(const QString &app)
{
    const ArmResult r = armWait(m_client->getApp(app));
    const QString fqdn = r.body.value(QStringLiteral("properties"))
                             .toObject()
                             .value(QStringLiteral("configuration"))
                             .toObject()
                             .value(QStringLiteral("ingress"))
                             .toObject()
                             .value(QStringLiteral("fqdn"))
                             .toString();
    return quint16(fqdn.section(QLatin1Char(':'), -1).toUInt());
}

QJsonObject relayApp(const QString &suffix, const QString &upstreamUrl, const QString &mode,
                     int graceSeconds, const QJsonArray &traffic)
{
    QJsonObject ingress{{QStringLiteral("external"), true},
                        {QStringLiteral("targetPort"), 8080},
                        {QStringLiteral("transport"), QStringLiteral("auto")}};
    if (!traffic.isEmpty())
        ingress.insert(QStringLiteral("traffic"), traffic);
    return QJsonObject{
        {QStringLiteral("location"), QStringLiteral("local")},
        {QStringLiteral("properties"),
         QJsonObject{
             {QStringLiteral("configuration"),
              QJsonObject{{QStringLiteral("activeRevisionsMode"), mode},
                          {QStringLiteral("ingress"), ingress}}},
             {QStringLiteral("template"),
              QJsonObject{
                  {QStringLiteral("revisionSuffix"), suffix},
                  {QStringLiteral("terminationGracePeriodSeconds"), graceSeconds},
                  {QStringLiteral("containers"),
                   QJsonArray{
                       QJsonObject{{QStringLiteral("name"), QStringLiteral("relay")},
                                   {QStringLiteral("image"), QStringLiteral("blueshift/relay")},
                                   {QStringLiteral("env"),
                                    QJsonArray{QJsonObject{
                                        {QStringLiteral("name"), QStringLiteral("UPSTREAM_URL")},
                                        {QStringLiteral("value"), upstreamUrl}}}}}}},
                  {QStringLiteral("scale"), QJsonObject{{QStringLiteral("minReplicas"), 1},
                                                        {QStringLiteral("maxReplicas"), 1}}}}}}}};
}

QJsonObject newRevisionPatch(const QString &suffix, const QString &upstreamUrl, int graceSeconds)
{
    QJsonObject app = relayApp(suffix, upstreamUrl, QString(), graceSeconds);
    QJsonObject props = app.value(QStringLiteral("properties")).toObject();
    props.remove(QStringLiteral("configuration"));
    return {{QStringLiteral("properties"), props}};
}

QJsonObject trafficPatch(const QJsonArray &traffic)
{
    return {{QStringLiteral("properties"),
             QJsonObject{{QStringLiteral("configuration"),
                          QJsonObject{{QStringLiteral("ingress"),
                                       QJsonObject{{QStringLiteral("traffic"), traffic}}}}}}}};
}

} // namespace blueshift::itest
