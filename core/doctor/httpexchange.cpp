#include "httpexchange.h"

#include "doctorlog.h"
#include "wiretext.h"

#include "../socketio/packets.h"
#include "../websocket/clienthandshake.h"
#include "../websocket/closecode.h"
#include "../websocket/frame.h"

#include "../net/random.h"

#include <QDateTime>
#include <QNetworkProxy>
#include <QSslCipher>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QString>

namespace blueshift::doctor {

namespace {
constexpr std::size_t kMaxHeadBytes = 64 * 1024;
constexpr qsizetype kMaxBodyBytes = 8 * 1024;
constexpr std::uint64_t kMaxFrameBytes = 1024 * 1024;
// Bodies without a length end with the connection; the snippet is not worth a longer wait.
constexpr int kBodyWaitMs = 500;
// How long a close handshake we started may take before the connection is dropped.
constexpr int kCloseWaitMs = 1000;

QString secondsText(int ms)
{
    return QString::number(ms / 1000.0, 'g', 3) + QStringLiteral(" s");
}

} // namespace

HttpExchange::HttpExchange(Options options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &HttpExchange::onTimeout);
    m_result.target = m_options.target;
    m_result.upgrade = m_options.mode != Mode::Get && m_options.mode != Mode::InspectTls;
    m_result.origin = m_result.upgrade ? m_options.origin : QString();
    m_silent.requestedSeconds = m_options.holdSeconds;
}

HttpExchange::~HttpExchange() = default;

double HttpExchange::elapsedMs() const
{
    return m_clock.nsecsElapsed() / 1e6;
}

void HttpExchange::start()
{
    m_socket = new QSslSocket(this);
    // The doctor reports what this machine sees directly; a proxy would answer in its place.
    m_socket->setProxy(QNetworkProxy::NoProxy);
    connect(m_socket, &QSslSocket::connected, this, &HttpExchange::onConnected);
    connect(m_socket, &QSslSocket::encrypted, this, &HttpExchange::onEncrypted);
    connect(m_socket, &QSslSocket::sslErrors, this, &HttpExchange::onSslErrors);
    connect(m_socket, &QSslSocket::readyRead, this, &HttpExchange::onReadyRead);
    connect(m_socket, &QSslSocket::disconnected, this, &HttpExchange::onSocketEnded);
    connect(m_socket, &QSslSocket::errorOccurred, this, &HttpExchange::onSocketEnded);
    m_phase = Phase::Connecting;
    m_clock.start();
    m_timer.start(m_options.timeoutMs);
    qCDebug(lcDoctor) << "probe" << m_options.host << m_options.port << m_options.target;
    if (m_options.tls) {
        QSslConfiguration conf = QSslConfiguration::defaultConfiguration();
        conf.setPeerVerifyMode(QSslSocket::VerifyPeer);
        if (m_options.customCa)
            conf.setCaCertificates(m_options.caCertificates);
        // The inspection asks what the server prefers; the requests themselves are HTTP/1.1.
        if (m_options.mode == Mode::InspectTls)
            conf.setAllowedNextProtocols({QByteArrayLiteral("h2"), QByteArrayLiteral("http/1.1")});
        else
            conf.setAllowedNextProtocols({QByteArrayLiteral("http/1.1")});
        m_socket->setSslConfiguration(conf);
        m_socket->connectToHostEncrypted(m_options.host, m_options.port);
    } else {
        m_socket->connectToHost(m_options.host, m_options.port);
    }
}

void HttpExchange::onConnected()
{
    if (m_phase != Phase::Connecting)
        return;
    m_result.connectMs = elapsedMs();
    const QHostAddress peer = m_socket->peerAddress();
    m_result.peerAddress = (peer.protocol() == QAbstractSocket::IPv6Protocol
                                ? QLatin1Char('[') + peer.toString() + QLatin1Char(']')
                                : peer.toString()) +
                           QLatin1Char(':') + QString::number(m_socket->peerPort());
    if (m_options.tls)
        m_phase = Phase::TlsHandshake;
    else
        sendRequest();
}

void HttpExchange::onSslErrors(const QList<QSslError> &errors)
{
    m_sslErrors = errors;
    // --accept-self-signed waives exactly that: the host name and everything else still count.
    bool waivable = m_options.acceptSelfSigned && !errors.isEmpty();
    for (const QSslError &e : errors) {
        if (e.error() != QSslError::SelfSignedCertificate)
            waivable = false;
    }
    m_sslErrorsWaived = waivable;
    // The inspection completes the handshake to learn the session's facts, and then closes
    // without sending a byte: no request, let alone a secret header, goes to an untrusted peer.
    if (m_options.mode == Mode::InspectTls || waivable)
        m_socket->ignoreSslErrors();
}

void HttpExchange::onEncrypted()
{
    if (m_phase != Phase::TlsHandshake)
        return;
    m_result.tlsMs = elapsedMs();
    if (m_options.mode == Mode::InspectTls) {
        recordTlsFacts();
        m_tls.handshakeDone = true;
        m_result.outcome = ProbeOutcome::Connected;
        m_result.totalMs = elapsedMs();
        finish();
        return;
    }
    sendRequest();
}

void HttpExchange::recordTlsFacts()
{
    m_tls.checked = true;
    QSslCertificate cert = m_socket->peerCertificate();
    if (cert.isNull() && !m_sslErrors.isEmpty())
        cert = m_sslErrors.constFirst().certificate();
    if (m_socket->isEncrypted()) {
        m_tls.protocol = protocolName(m_socket->sessionProtocol());
        m_tls.cipher = m_socket->sessionCipher().name();
        m_tls.alpn = QString::fromLatin1(m_socket->sslConfiguration().nextNegotiatedProtocol());
    }
    if (!cert.isNull()) {
        m_tls.subject = distinguishedName(cert, true);
        m_tls.issuer = distinguishedName(cert, false);
        const auto names = cert.subjectAlternativeNames();
        for (auto it = names.cbegin(); it != names.cend(); ++it)
            m_tls.subjectAltNames.append(it.value());
        m_tls.notBefore = cert.effectiveDate();
        m_tls.notAfter = cert.expiryDate();
        m_tls.selfSigned = cert.isSelfSigned();
        m_tls.expired =
            m_tls.notAfter.isValid() && m_tls.notAfter < QDateTime::currentDateTimeUtc();
    }
    m_tls.verificationErrors.clear();
    for (const QSslError &e : std::as_const(m_sslErrors)) {
        if (!m_tls.verificationErrors.contains(e.errorString()))
            m_tls.verificationErrors.append(e.errorString());
        if (e.error() == QSslError::HostNameMismatch)
            m_tls.hostMatches = false;
        if (e.error() == QSslError::CertificateExpired)
            m_tls.expired = true;
        if (e.error() == QSslError::SelfSignedCertificate)
            m_tls.selfSigned = true;
    }
    m_tls.selfSignedWaived = m_sslErrorsWaived;
    m_tls.trusted = m_sslErrors.isEmpty() || m_sslErrorsWaived;
}

void HttpExchange::sendRequest()
{
    m_phase = Phase::AwaitingHead;
    const QByteArray userAgent = QByteArrayLiteral("blueshift-doctor/" BLUESHIFT_VERSION);
    if (m_result.upgrade) {
        websocket::ClientHandshakeOptions options;
        options.target = m_options.target;
        options.hostHeader = m_options.hostHeader;
        options.userAgent = userAgent;
        options.origin = m_options.origin.toUtf8();
        options.extraHeaders = m_options.extraHeaders;
        const websocket::ClientHandshake handshake(std::move(options));
        m_key = handshake.key();
        m_socket->write(handshake.request());
        return;
    }
    QByteArray request = "GET " + m_options.target + " HTTP/1.1\r\nHost: " + m_options.hostHeader +
                         "\r\nUser-Agent: " + userAgent +
                         "\r\nAccept: */*\r\nConnection: close\r\n";
    for (const auto &h : std::as_const(m_options.extraHeaders))
        request += h.first + ": " + h.second + "\r\n";
    request += "\r\n";
    m_socket->write(request);
}

void HttpExchange::onReadyRead()
{
    if (m_result.firstByteMs < 0 && m_phase == Phase::AwaitingHead)
        m_result.firstByteMs = elapsedMs();
    m_in += m_socket->readAll();
    switch (m_phase) {
    case Phase::AwaitingHead:
        readHead();
        break;
    case Phase::ReadingBody:
        readBody();
        break;
    case Phase::Holding:
        readFrames();
        break;
    default:
        // Connecting/TLS cannot deliver data; after a close we sent, the rest is discarded.
        m_in.clear();
        break;
    }
}

void HttpExchange::readHead()
{
    http::Response response;
    std::size_t consumed = 0;
    const auto parsed = http::parseResponseHead(m_in.constData(), std::size_t(m_in.size()),
                                                kMaxHeadBytes, &response, &consumed);
    if (parsed == http::ParseResult::NeedMore)
        return;
    if (parsed == http::ParseResult::TooLarge) {
        failResponse(ProbeOutcome::Malformed,
                     QStringLiteral("the response head is larger than 64 KiB"));
        return;
    }
    if (parsed == http::ParseResult::Malformed) {
        failResponse(ProbeOutcome::Malformed, describeNonHttp(m_in));
        return;
    }
    m_result.outcome = ProbeOutcome::Response;
    m_result.status = response.status;
    m_result.reason = response.reason;
    m_result.statusLine = m_in.left(m_in.indexOf("\r\n"));
    for (const auto &h : std::as_const(response.headers)) {
        if (!isReportedHeader(h.first))
            continue;
        // A cookie may be a session: its name is the fact, its value is nobody's business.
        const bool hidden = h.first.compare("set-cookie", Qt::CaseInsensitive) == 0;
        m_result.headers.append(
            qMakePair(h.first, hidden ? QByteArray("(value hidden)") : h.second));
    }
    const QByteArray accept = response.header("Sec-WebSocket-Accept");
    m_result.acceptPresent = !accept.isEmpty();
    // A 101 is a WebSocket by the same rules every client here applies.
    m_result.acceptValid =
        m_result.upgrade && response.status == 101 &&
        websocket::ClientHandshake::check(response, m_key) == websocket::HandshakeFailure::None;
    m_in.remove(0, qsizetype(consumed));

    if (m_result.upgrade && response.status == 101) {
        completeExchange();
        if ((m_options.mode == Mode::HoldSilent || m_options.mode == Mode::EngineIoOpen) &&
            m_result.acceptValid)
            beginHold();
        else
            closePolitely(websocket::CloseCode::Normal);
        return;
    }
    if (response.status == 204 || response.status == 304 || response.status < 200) {
        completeExchange();
        finish();
        return;
    }
    const bool chunked = http::headerHasToken(response.headers, "Transfer-Encoding", "chunked");
    bool ok = false;
    const qint64 length = response.header("Content-Length").trimmed().toLongLong(&ok);
    m_bodyExpected = ok && !chunked && length >= 0 ? qMin<qint64>(length, kMaxBodyBytes) : -1;
    m_phase = Phase::ReadingBody;
    m_timer.start(kBodyWaitMs);
    readBody();
}

void HttpExchange::readBody()
{
    m_body += m_in;
    m_in.clear();
    if ((m_bodyExpected >= 0 && m_body.size() >= m_bodyExpected) ||
        m_body.size() >= kMaxBodyBytes) {
        completeExchange();
        finish();
    }
}

void HttpExchange::completeExchange()
{
    m_result.totalMs = elapsedMs();
    if (m_result.status != 101 && !m_body.isEmpty()) {
        const bool chunked = m_bodyExpected < 0 &&
                             http::headerHasToken(m_result.headers, "Transfer-Encoding", "chunked");
        m_result.bodySnippet = bodySnippet(m_body.left(kMaxBodyBytes), chunked);
    }
}

void HttpExchange::beginHold()
{
    m_phase = Phase::Holding;
    m_holdClock.start();
    if (m_options.mode == Mode::EngineIoOpen)
        m_result.engineIo.checked = true;
    m_timer.start(m_options.mode == Mode::EngineIoOpen ? m_options.timeoutMs
                                                       : qRound(m_options.holdSeconds * 1000));
    qCDebug(lcDoctor) << "holding a silent session for" << m_options.holdSeconds << "s";
    if (!m_in.isEmpty())
        readFrames();
}

void HttpExchange::readFrames()
{
    while (m_phase == Phase::Holding) {
        websocket::FrameHeader h;
        const auto *data = reinterpret_cast<const std::uint8_t *>(m_in.constData());
        const auto status = websocket::parseFrameHeader(data, std::size_t(m_in.size()), &h);
        if (status == websocket::HeaderStatus::NeedMore)
            return;
        if (status == websocket::HeaderStatus::BadLength || h.payloadLength > kMaxFrameBytes) {
            m_silent.end = SilentFacts::End::Dropped;
            m_silent.endedAfterSeconds = m_holdClock.nsecsElapsed() / 1e9;
            m_silent.closeCode = websocket::CloseCode::MessageTooBig;
            m_silent.error = QStringLiteral("the server sent a frame larger than 1 MiB; the "
                                            "doctor closed the session");
            closePolitely(websocket::CloseCode::MessageTooBig);
            return;
        }
        const qsizetype total = h.headerLength + qsizetype(h.payloadLength);
        if (m_in.size() < total)
            return;
        QByteArray payload = m_in.mid(h.headerLength, qsizetype(h.payloadLength));
        m_in.remove(0, total);
        if (h.masked)
            websocket::applyMask(reinterpret_cast<std::uint8_t *>(payload.data()),
                                 std::size_t(payload.size()), h.maskKey);
        switch (websocket::Opcode(h.opcode)) {
        case websocket::Opcode::Ping:
            // Browsers answer pings by themselves; "silent" means the application says nothing.
            ++m_silent.serverPings;
            writeFrame(std::uint8_t(websocket::Opcode::Pong), payload);
            break;
        case websocket::Opcode::Close: {
            websocket::ClosePayload close;
            websocket::parseClosePayload(
                reinterpret_cast<const std::uint8_t *>(payload.constData()),
                std::size_t(payload.size()), &close);
            m_silent.end = SilentFacts::End::CloseFrame;
            m_silent.endedAfterSeconds = m_holdClock.nsecsElapsed() / 1e9;
            m_silent.closeCode = close.code;
            m_silent.closeReason = close.reason;
            closePolitely(close.code);
            return;
        }
        case websocket::Opcode::Pong:
            break;
        case websocket::Opcode::Text:
            if (m_options.mode == Mode::EngineIoOpen) {
                readEngineOpen(payload);
                return;
            }
            if (h.fin)
                ++m_silent.serverMessages;
            break;
        default:
            if (h.fin)
                ++m_silent.serverMessages;
            break;
        }
    }
}

void HttpExchange::readEngineOpen(const QByteArray &frame)
{
    ProbeResult::EngineIo &e = m_result.engineIo;
    socketio::EngineType type;
    QByteArrayView rest;
    socketio::EngineOpen open;
    QString error;
    if (!socketio::parseEnginePacket(frame, &type, &rest, &error)) {
        e.error = error;
    } else if (type != socketio::EngineType::Open) {
        e.error = QStringLiteral("the first Engine.IO packet is not the open packet");
    } else if (!socketio::parseEngineOpen(rest, &open, &error)) {
        e.error = error;
    } else {
        e.received = true;
        e.sid = open.sid;
        e.pingIntervalMs = open.pingIntervalMs;
        e.pingTimeoutMs = open.pingTimeoutMs;
    }
    closePolitely(websocket::CloseCode::Normal);
}

void HttpExchange::writeFrame(std::uint8_t opcode, const QByteArray &payload)
{
    if (!m_socket || m_socket->state() != QAbstractSocket::ConnectedState)
        return;
    std::uint8_t key[4];
    net::fillRandom(key, sizeof key);
    std::uint8_t head[14];
    const std::size_t headLength = websocket::writeFrameHeader(
        head, websocket::Opcode(opcode), true, std::uint64_t(payload.size()), key);
    QByteArray frame(reinterpret_cast<const char *>(head), qsizetype(headLength));
    QByteArray masked = payload;
    websocket::applyMask(reinterpret_cast<std::uint8_t *>(masked.data()),
                         std::size_t(masked.size()), key);
    frame += masked;
    m_socket->write(frame);
}

void HttpExchange::closePolitely(int code)
{
    if (!m_closeSent) {
        m_closeSent = true;
        QByteArray payload;
        if (websocket::isValidWireCloseCode(code)) {
            payload.append(char((code >> 8) & 0xff));
            payload.append(char(code & 0xff));
        }
        writeFrame(std::uint8_t(websocket::Opcode::Close), payload);
    }
    // The server closes the TCP connection after its close frame (RFC 6455 section 7.1.1).
    m_phase = Phase::Closing;
    m_in.clear();
    m_timer.start(kCloseWaitMs);
}

void HttpExchange::onSocketEnded()
{
    if (m_phase == Phase::Done || m_phase == Phase::Idle)
        return;
    if (m_socket->bytesAvailable() > 0)
        onReadyRead();
    const QAbstractSocket::SocketError error = m_socket->error();
    switch (m_phase) {
    case Phase::Connecting: {
        ConnectFailure failure = ConnectFailure::Other;
        QString text = m_socket->errorString();
        if (error == QAbstractSocket::ConnectionRefusedError) {
            failure = ConnectFailure::Refused;
            text = QStringLiteral("connection refused");
        } else if (error == QAbstractSocket::HostNotFoundError) {
            failure = ConnectFailure::HostNotFound;
            text = QStringLiteral("host not found (DNS): %1").arg(m_options.host);
        } else if (error == QAbstractSocket::SocketTimeoutError) {
            failure = ConnectFailure::Timeout;
        }
        failConnect(failure, text);
        return;
    }
    case Phase::TlsHandshake:
        failTls(m_socket->errorString());
        return;
    case Phase::AwaitingHead:
        failResponse(ProbeOutcome::NoResponse,
                     error == QAbstractSocket::RemoteHostClosedError ||
                             error == QAbstractSocket::UnknownSocketError
                         ? QStringLiteral("the server closed the connection without answering")
                         : m_socket->errorString());
        return;
    case Phase::ReadingBody:
        completeExchange();
        finish();
        return;
    case Phase::Holding:
        m_silent.end = SilentFacts::End::Dropped;
        m_silent.endedAfterSeconds = m_holdClock.nsecsElapsed() / 1e9;
        m_silent.closeCode = websocket::CloseCode::Abnormal;
        finish();
        return;
    case Phase::Closing:
        finish();
        return;
    case Phase::Idle:
    case Phase::Done:
        return;
    }
}

void HttpExchange::onTimeout()
{
    switch (m_phase) {
    case Phase::Connecting:
        failConnect(
            ConnectFailure::Timeout,
            QStringLiteral("no TCP connection within %1").arg(secondsText(m_options.timeoutMs)));
        return;
    case Phase::TlsHandshake:
        failTls(QStringLiteral("the TLS handshake did not finish within %1")
                    .arg(secondsText(m_options.timeoutMs)));
        return;
    case Phase::AwaitingHead:
        failResponse(
            ProbeOutcome::NoResponse,
            m_in.isEmpty()
                ? QStringLiteral("no response within %1").arg(secondsText(m_options.timeoutMs))
                : QStringLiteral("no complete response head within %1 (%2 bytes)")
                      .arg(secondsText(m_options.timeoutMs))
                      .arg(m_in.size()));
        return;
    case Phase::ReadingBody:
        completeExchange();
        finish();
        return;
    case Phase::Holding:
        if (m_options.mode == Mode::EngineIoOpen) {
            m_result.engineIo.error = QStringLiteral("no Engine.IO open packet within %1")
                                          .arg(secondsText(m_options.timeoutMs));
            closePolitely(websocket::CloseCode::Normal);
            return;
        }
        m_silent.end = SilentFacts::End::Survived;
        m_silent.endedAfterSeconds = m_holdClock.nsecsElapsed() / 1e9;
        closePolitely(websocket::CloseCode::Normal);
        return;
    case Phase::Closing:
        finish();
        return;
    case Phase::Idle:
    case Phase::Done:
        return;
    }
}

void HttpExchange::failConnect(ConnectFailure failure, const QString &error)
{
    m_result.outcome = ProbeOutcome::ConnectFailed;
    m_result.connectFailure = failure;
    m_result.error = error;
    finish();
}

void HttpExchange::failTls(const QString &error)
{
    m_result.outcome = ProbeOutcome::TlsFailed;
    QStringList reasons;
    for (const QSslError &e : std::as_const(m_sslErrors))
        reasons.append(e.errorString());
    m_result.error =
        !reasons.isEmpty() && !m_sslErrorsWaived
            ? QStringLiteral("certificate not trusted: %1").arg(reasons.join(QStringLiteral("; ")))
            : QStringLiteral("TLS handshake failed: %1").arg(error);
    if (m_options.mode == Mode::InspectTls) {
        recordTlsFacts();
        m_tls.handshakeDone = false;
        m_tls.failure = error;
    }
    finish();
}

void HttpExchange::failResponse(ProbeOutcome outcome, const QString &error)
{
    m_result.outcome = outcome;
    m_result.error = error;
    finish();
}

void HttpExchange::finish()
{
    if (m_phase == Phase::Done)
        return;
    m_phase = Phase::Done;
    m_timer.stop();
    if (m_result.totalMs < 0)
        m_result.totalMs = elapsedMs();
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
    }
    Q_EMIT finished();
}

} // namespace blueshift::doctor
