#pragma once

#include "doctorevidence.h"

#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QSslCertificate>
#include <QSslError>
#include <QTimer>

class QSslSocket;

namespace blueshift::doctor {

// One probe connection, written by hand over QSslSocket (plain or TLS) so that the doctor sees
// what QWebSocket hides: the status line, the headers, the timings and the certificate. It does
// one of: a TLS inspection (handshake, certificate facts, close; no request is sent), a GET, a
// WebSocket upgrade, or an upgrade that is then held silent to see how it ends. Emits finished()
// exactly once, bounded by its timeouts.
class HttpExchange : public QObject
{
    Q_OBJECT
public:
    // EngineIoOpen: an upgrade, then the first text frame read as Engine.IO's open packet.
    enum class Mode { InspectTls, Get, Upgrade, HoldSilent, EngineIoOpen };

    struct Options
    {
        Mode mode = Mode::Get;
        QString host;
        quint16 port = 0;
        bool tls = false;
        QByteArray hostHeader; // host[:port], IPv6 literals in brackets
        QByteArray target;
        QString origin;                // empty: no Origin header
        http::HeaderList extraHeaders; // secrets: sent, never recorded
        bool customCa = false;         // verify against caCertificates only
        QList<QSslCertificate> caCertificates;
        bool acceptSelfSigned = false;
        int timeoutMs = 10000;
        double holdSeconds = 0; // HoldSilent
    };

    explicit HttpExchange(Options options, QObject *parent = nullptr);
    ~HttpExchange() override;

    void start();
    bool isFinished() const { return m_phase == Phase::Done; }
    const ProbeResult &result() const { return m_result; }
    const TlsFacts &tls() const { return m_tls; }
    const SilentFacts &silent() const { return m_silent; }

Q_SIGNALS:
    void finished();

private:
    enum class Phase {
        Idle,
        Connecting,
        TlsHandshake,
        AwaitingHead,
        ReadingBody,
        Holding,
        Closing,
        Done
    };

    void onConnected();
    void onEncrypted();
    void onSslErrors(const QList<QSslError> &errors);
    void onReadyRead();
    void onSocketEnded();
    void onTimeout();

    void sendRequest();
    void readHead();
    void readBody();
    void beginHold();
    void readFrames();
    void readEngineOpen(const QByteArray &frame);
    void recordTlsFacts();
    void failConnect(ConnectFailure failure, const QString &error);
    void failTls(const QString &error);
    void failResponse(ProbeOutcome outcome, const QString &error);
    void completeExchange(); // the head (and body) is in: the probe's facts are complete
    void closePolitely(int code);
    void writeFrame(std::uint8_t opcode, const QByteArray &payload);
    void finish();
    double elapsedMs() const;

    Options m_options;
    QSslSocket *m_socket = nullptr;
    QTimer m_timer;
    QElapsedTimer m_clock;
    QElapsedTimer m_holdClock;
    Phase m_phase = Phase::Idle;
    QByteArray m_key;
    QByteArray m_in;
    QByteArray m_body;
    qint64 m_bodyExpected = -1; // -1: until close or a short wait
    QList<QSslError> m_sslErrors;
    bool m_sslErrorsWaived = false;
    bool m_closeSent = false;

    ProbeResult m_result;
    TlsFacts m_tls;
    SilentFacts m_silent;
};

} // namespace blueshift::doctor
