#pragma once

// The facts `blueshift-server doctor` collects about an endpoint, as plain data: what each probe
// saw on the wire (status line, selected response headers, timings), the TLS session and the
// peer certificate, and how a silent session ended. The diagnosis is a pure function of these,
// so tests can build them by hand. Nothing here ever holds a value of a request header the user
// supplied (api keys and the like): only their names.

#include "../http/httpmessage.h"

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

namespace blueshift::doctor {

enum class ProbeOutcome {
    NotRun,        // skipped: an earlier probe made it pointless or unsafe
    ConnectFailed, // TCP or DNS: see ConnectFailure
    Connected,     // a TLS inspection: connected and shook hands, no request sent
    TlsFailed,     // the TLS handshake failed or the certificate was not trusted
    NoResponse,    // connected, but no response head before the timeout or the close
    Malformed,     // something answered that is not an HTTP/1.x response head
    Response,      // a response head arrived (any status)
};

enum class ConnectFailure { None, Refused, HostNotFound, Timeout, Other };

// One HTTP/1.1 exchange: a GET, or a GET that asks for a WebSocket upgrade.
struct ProbeResult
{
    QString label;     // what the report calls it, e.g. "WebSocket upgrade"
    QByteArray target; // the request target as sent: path and query
    bool upgrade = false;
    QString origin; // the Origin header sent; empty: none
    ProbeOutcome outcome = ProbeOutcome::NotRun;
    ConnectFailure connectFailure = ConnectFailure::None;
    QString error;       // plain words for anything but a response
    QString peerAddress; // the address actually connected to
    QByteArray statusLine;
    int status = 0;
    QByteArray reason;
    http::HeaderList headers; // selected response headers only (see isReportedHeader)
    QByteArray bodySnippet;   // the start of a non-101 body, printable characters only
    bool acceptPresent = false;
    bool acceptValid = false; // the 101 passes the client handshake check (Accept first)
    double connectMs = -1;    // TCP connected, from the start
    double tlsMs = -1;        // TLS handshake done, from the start
    double firstByteMs = -1;  // first response byte, from the start
    double totalMs = -1;
    // EngineIoOpen probes: what the Engine.IO open packet said after the 101.
    struct EngineIo
    {
        bool checked = false;
        bool received = false;
        QByteArray sid;
        int pingIntervalMs = 0;
        int pingTimeoutMs = 0;
        QString error; // no open packet in time, or a malformed one
    } engineIo;

    bool ran() const { return outcome != ProbeOutcome::NotRun; }
    bool answered() const { return outcome == ProbeOutcome::Response; }
    bool upgraded() const { return answered() && status == 101 && acceptValid; }
    QByteArray header(const QByteArray &name) const { return http::headerValue(headers, name); }
};

// The TLS session of the first connection and the certificate the server showed.
struct TlsFacts
{
    bool checked = false;
    bool handshakeDone = false; // completed, possibly only because the doctor looked past errors
    QString failure;            // a handshake that could not complete at all
    QString protocol;           // "TLS 1.3"
    QString cipher;
    QString alpn; // the protocol the server chose among h2 and http/1.1; empty: none
    QString subject;
    QString issuer;
    QStringList subjectAltNames;
    QDateTime notBefore;
    QDateTime notAfter;
    bool selfSigned = false;
    bool hostMatches = true;
    bool expired = false;
    QStringList verificationErrors; // as the TLS library words them
    bool selfSignedWaived = false;  // accepted only because of --accept-self-signed
    bool trusted = false;           // verified, or only waived errors
};

// A session opened and then left silent (no pings, no data) to see whether something on the way
// cuts it, as an ingress idle timeout does.
struct SilentFacts
{
    enum class End {
        NotRun,
        Survived,   // still open when the requested time was over
        CloseFrame, // the server (or a proxy) sent a close frame
        Dropped,    // the connection ended without a close frame (1006)
        OpenFailed, // the upgrade did not succeed this time
    };
    double requestedSeconds = 0;
    End end = End::NotRun;
    double endedAfterSeconds = -1; // from the 101
    int closeCode = 0;             // 1006 when dropped
    QByteArray closeReason;
    int serverPings = 0;    // pings the server sent (answered, as browsers do)
    int serverMessages = 0; // data messages the server sent
    QString error;
};

struct DoctorEvidence
{
    QString url; // as the user gave it, without credentials
    QString host;
    quint16 port = 0;
    bool secure = false;
    QByteArray target;     // the WebSocket path (and query) under test
    QByteArray healthPath; // plain GET
    QString origin;        // the Origin a browser of the app would send
    QString foreignOrigin; // one no sane server should accept
    QStringList secretHeaderNames;
    bool acceptSelfSigned = false;
    bool customCa = false;
    int timeoutMs = 0;

    TlsFacts tls;
    ProbeResult tlsProbe; // the connection that looked at TLS (wss/https only)
    ProbeResult health;
    ProbeResult upgrade;                 // on target, with the app's Origin
    ProbeResult upgradeNoOrigin;         // on target, no Origin (as a non-browser client)
    ProbeResult upgradeForeignOrigin;    // on target, with foreignOrigin
    ProbeResult socketIo;                // Chainlit's socket.io path
    QList<ProbeResult> alternativePaths; // tried when the target does not upgrade
    SilentFacts silent;

    // "host:port", IPv6 literals in brackets.
    QString endpoint() const
    {
        const QString h =
            host.contains(QLatin1Char(':')) ? QLatin1Char('[') + host + QLatin1Char(']') : host;
        return h + QLatin1Char(':') + QString::number(port);
    }
};

// The socket.io path Chainlit uses, as a browser asks for it.
QByteArray socketIoTarget();
// The user's own socket.io path when the target is one (e.g. /socket.io/), else Chainlit's.
QByteArray socketIoTargetFor(const QByteArray &target);

// Response headers worth showing: those that tell who answered and how (Server, Via, Upgrade,
// Connection, Sec-WebSocket-*, Alt-Svc, X-Blueshift-*, Location ...). Set-Cookie is kept by name
// only: its value may be a session.
bool isReportedHeader(const QByteArray &name);

QString outcomeName(ProbeOutcome outcome);
QString silentEndName(SilentFacts::End end);

QJsonObject toJson(const ProbeResult &probe);
QJsonObject toJson(const TlsFacts &tls);
QJsonObject toJson(const SilentFacts &silent);
QJsonObject toJson(const DoctorEvidence &evidence);

} // namespace blueshift::doctor
