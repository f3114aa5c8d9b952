#pragma once

#include "doctorevidence.h"
#include "httpexchange.h"

#include <QObject>
#include <QSslCertificate>
#include <QUrl>

#include <functional>

namespace blueshift::doctor {

// What to probe and how; filled by the command line (see server/doctoroptions.cpp).
struct DoctorConfig
{
    QString url; // for the report, without credentials
    QString host;
    quint16 port = 0;
    bool secure = false;
    QByteArray target = QByteArrayLiteral("/ws");
    QByteArray healthPath = QByteArrayLiteral("/healthz");
    QString origin;
    QString foreignOrigin = QStringLiteral("https://blueshift-doctor.invalid");
    http::HeaderList headers; // secrets: sent with every request, never shown
    bool customCa = false;
    QList<QSslCertificate> caCertificates;
    bool acceptSelfSigned = false;
    int timeoutMs = 10000;
    int silentSeconds = 0;

    // host[:port] for the Host header, the port left out when it is the scheme's default.
    QByteArray hostHeader() const;
};

// Probes one endpoint the way a user would debug it, one connection at a time: TLS (wss and
// https), GET of the health path, the upgrade on the path with the app's Origin, without one
// and with a foreign one, Chainlit's socket.io path, other paths when the given one fails, and
// optionally a silent session. Collects DoctorEvidence; diagnose() turns it into a verdict.
// Never sends a request over a connection whose certificate was not trusted.
class Doctor : public QObject
{
    Q_OBJECT
public:
    explicit Doctor(DoctorConfig config, QObject *parent = nullptr);
    ~Doctor() override;

    void start();
    bool isFinished() const { return m_finished; }
    const DoctorEvidence &evidence() const { return m_evidence; }

Q_SIGNALS:
    // Before each probe, for progress lines ("holding a silent session for 30 s").
    void probeStarted(const QString &description);
    void finished();

private:
    using Step = std::function<void()>;

    void next();
    void run(HttpExchange::Mode mode, const QByteArray &target, const QString &origin,
             const QString &description, std::function<void(const HttpExchange &)> store);
    void skipRest(const QString &reason);
    void planAfterUpgrade();

    DoctorConfig m_config;
    DoctorEvidence m_evidence;
    QList<Step> m_steps;
    bool m_finished = false;
};

} // namespace blueshift::doctor
