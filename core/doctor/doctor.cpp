#include "doctor.h"

#include "doctordiagnosis.h"
#include "doctorlog.h"

namespace blueshift::doctor {

namespace {
QByteArray pathOf(const QByteArray &target)
{
    const qsizetype q = target.indexOf('?');
    return q < 0 ? target : target.left(q);
}

void store(ProbeResult *slot, ProbeResult result)
{
    result.label = slot->label;
    *slot = std::move(result);
}

ProbeResult planned(const QString &label, const QByteArray &target, bool upgrade,
                    const QString &origin)
{
    ProbeResult p;
    p.label = label;
    p.target = target;
    p.upgrade = upgrade;
    p.origin = origin;
    return p;
}
} // namespace

QByteArray DoctorConfig::hostHeader() const
{
    QByteArray h = host.contains(QLatin1Char(':')) ? '[' + host.toLatin1() + ']' : host.toLatin1();
    if (port != (secure ? 443 : 80))
        h += ':' + QByteArray::number(port);
    return h;
}

Doctor::Doctor(DoctorConfig config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
{
    DoctorEvidence &e = m_evidence;
    e.url = m_config.url;
    e.host = m_config.host;
    e.port = m_config.port;
    e.secure = m_config.secure;
    e.target = m_config.target;
    e.healthPath = m_config.healthPath;
    e.origin = m_config.origin;
    e.foreignOrigin = m_config.foreignOrigin;
    for (const auto &h : std::as_const(m_config.headers))
        e.secretHeaderNames.append(QString::fromLatin1(h.first));
    e.acceptSelfSigned = m_config.acceptSelfSigned;
    e.customCa = m_config.customCa;
    e.timeoutMs = m_config.timeoutMs;
    e.silent.requestedSeconds = m_config.silentSeconds;
    e.tlsProbe = planned(QStringLiteral("TLS handshake"), {}, false, {});
    e.health = planned(QStringLiteral("Health check"), m_config.healthPath, false, {});
    e.upgrade =
        planned(QStringLiteral("WebSocket upgrade"), m_config.target, true, m_config.origin);
    e.upgradeNoOrigin =
        planned(QStringLiteral("Upgrade without Origin"), m_config.target, true, {});
    e.upgradeForeignOrigin = planned(QStringLiteral("Upgrade with a foreign Origin"),
                                     m_config.target, true, m_config.foreignOrigin);
    e.socketIo = planned(QStringLiteral("socket.io handshake (Engine.IO open packet)"),
                         socketIoTargetFor(m_config.target), true, m_config.origin);
}

Doctor::~Doctor() = default;

void Doctor::start()
{
    DoctorEvidence &e = m_evidence;
    const QString where = e.endpoint();
    if (e.secure) {
        m_steps.append([this, where] {
            run(HttpExchange::Mode::InspectTls, {}, {},
                QStringLiteral("TLS handshake with %1").arg(where), [this](const HttpExchange &x) {
                    DoctorEvidence &e = m_evidence;
                    e.tls = x.tls();
                    store(&e.tlsProbe, x.result());
                    if (e.tlsProbe.outcome == ProbeOutcome::ConnectFailed)
                        skipRest(QStringLiteral("cannot connect"));
                    else if (!e.tls.handshakeDone || !e.tls.trusted)
                        skipRest(QStringLiteral("not sent: the server's certificate is not "
                                                "trusted"));
                });
        });
    }
    m_steps.append([this] {
        run(HttpExchange::Mode::Get, m_config.healthPath, {},
            QStringLiteral("GET %1").arg(QString::fromLatin1(m_config.healthPath)),
            [this](const HttpExchange &x) {
                store(&m_evidence.health, x.result());
                if (m_evidence.health.outcome == ProbeOutcome::ConnectFailed)
                    skipRest(QStringLiteral("cannot connect"));
                else if (m_evidence.health.outcome == ProbeOutcome::TlsFailed)
                    skipRest(QStringLiteral("TLS failed"));
            });
    });
    m_steps.append([this] {
        run(HttpExchange::Mode::Upgrade, m_config.target, m_config.origin,
            QStringLiteral("WebSocket upgrade on %1").arg(QString::fromLatin1(m_config.target)),
            [this](const HttpExchange &x) {
                store(&m_evidence.upgrade, x.result());
                planAfterUpgrade();
            });
    });
    next();
}

void Doctor::planAfterUpgrade()
{
    const ProbeResult &u = m_evidence.upgrade;
    if (u.outcome == ProbeOutcome::ConnectFailed || u.outcome == ProbeOutcome::TlsFailed) {
        skipRest(QStringLiteral("the upgrade could not connect"));
        return;
    }
    // An upgrade that hangs would make every further probe wait out its timeout too.
    if (!u.answered()) {
        skipRest(QStringLiteral("the upgrade got no answer"));
        return;
    }
    const QByteArray target = m_config.target;
    if (!u.upgraded() && !u.origin.isEmpty()) {
        m_steps.append([this, target] {
            run(HttpExchange::Mode::Upgrade, target, {},
                QStringLiteral("upgrade on %1 without Origin").arg(QString::fromLatin1(target)),
                [this](const HttpExchange &x) { store(&m_evidence.upgradeNoOrigin, x.result()); });
        });
    }
    m_steps.append([this, target] {
        run(HttpExchange::Mode::Upgrade, target, m_config.foreignOrigin,
            QStringLiteral("upgrade on %1 with Origin %2")
                .arg(QString::fromLatin1(target), m_config.foreignOrigin),
            [this](const HttpExchange &x) { store(&m_evidence.upgradeForeignOrigin, x.result()); });
    });
    // The socket.io handshake, on the user's socket.io path or Chainlit's: the open packet
    // tells the heartbeat, which must keep a session alive through the gateway's idle timeout.
    m_steps.append([this] {
        run(HttpExchange::Mode::EngineIoOpen, m_evidence.socketIo.target, m_config.origin,
            QStringLiteral("socket.io handshake on %1")
                .arg(QString::fromLatin1(m_evidence.socketIo.target)),
            [this](const HttpExchange &x) { store(&m_evidence.socketIo, x.result()); });
    });
    if (!u.upgraded()) {
        for (const QByteArray &alt : {QByteArrayLiteral("/ws"), QByteArrayLiteral("/")}) {
            if (alt == pathOf(target))
                continue;
            const qsizetype index = m_evidence.alternativePaths.size();
            m_evidence.alternativePaths.append(
                planned(QStringLiteral("Alternative path %1").arg(QString::fromLatin1(alt)), alt,
                        true, m_config.origin));
            m_steps.append([this, alt, index] {
                run(HttpExchange::Mode::Upgrade, alt, m_config.origin,
                    QStringLiteral("upgrade on %1").arg(QString::fromLatin1(alt)),
                    [this, index](const HttpExchange &x) {
                        store(&m_evidence.alternativePaths[index], x.result());
                    });
            });
        }
    }
    if (u.upgraded() && m_config.silentSeconds > 0) {
        m_steps.append([this, target] {
            run(HttpExchange::Mode::HoldSilent, target, m_config.origin,
                QStringLiteral("holding a silent session on %1 for %2 s")
                    .arg(QString::fromLatin1(target))
                    .arg(m_config.silentSeconds),
                [this](const HttpExchange &x) {
                    m_evidence.silent = x.silent();
                    if (!x.result().upgraded()) {
                        m_evidence.silent.end = SilentFacts::End::OpenFailed;
                        m_evidence.silent.error = describeProbe(x.result());
                    }
                });
        });
    }
}

void Doctor::run(HttpExchange::Mode mode, const QByteArray &target, const QString &origin,
                 const QString &description, std::function<void(const HttpExchange &)> storeFn)
{
    HttpExchange::Options o;
    o.mode = mode;
    o.host = m_config.host;
    o.port = m_config.port;
    o.tls = m_config.secure;
    o.hostHeader = m_config.hostHeader();
    o.target = target;
    o.origin = origin;
    if (mode != HttpExchange::Mode::InspectTls)
        o.extraHeaders = m_config.headers;
    o.customCa = m_config.customCa;
    o.caCertificates = m_config.caCertificates;
    o.acceptSelfSigned = m_config.acceptSelfSigned;
    o.timeoutMs = m_config.timeoutMs;
    o.holdSeconds = mode == HttpExchange::Mode::HoldSilent ? m_config.silentSeconds : 0;
    auto *exchange = new HttpExchange(std::move(o), this);
    connect(exchange, &HttpExchange::finished, this, [this, exchange, storeFn] {
        storeFn(*exchange);
        qCDebug(lcDoctor) << describeProbe(exchange->result());
        exchange->deleteLater();
        next();
    });
    Q_EMIT probeStarted(description);
    exchange->start();
}

void Doctor::skipRest(const QString &reason)
{
    m_steps.clear();
    DoctorEvidence &e = m_evidence;
    for (ProbeResult *p :
         {&e.health, &e.upgrade, &e.upgradeNoOrigin, &e.upgradeForeignOrigin, &e.socketIo}) {
        if (!p->ran())
            p->error = reason;
    }
}

void Doctor::next()
{
    if (m_steps.isEmpty()) {
        m_finished = true;
        Q_EMIT finished();
        return;
    }
    const Step step = m_steps.takeFirst();
    step();
}

} // namespace blueshift::doctor
