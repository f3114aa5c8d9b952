#include "doctorevidence.h"

#include <QJsonArray>

namespace blueshift::doctor {

namespace {
QJsonValue ms(double v)
{
    return v < 0 ? QJsonValue() : QJsonValue(qRound(v * 10) / 10.0);
}

QString latin1(const QByteArray &b)
{
    return QString::fromLatin1(b);
}
} // namespace

QByteArray socketIoTarget()
{
    return QByteArrayLiteral("/ws/socket.io/?EIO=4&transport=websocket");
}

QByteArray socketIoTargetFor(const QByteArray &target)
{
    const qsizetype q = target.indexOf('?');
    QByteArray path = q < 0 ? target : target.left(q);
    if (!path.contains("socket.io"))
        return socketIoTarget();
    if (!path.endsWith('/'))
        path += '/';
    return path + "?EIO=4&transport=websocket";
}

bool isReportedHeader(const QByteArray &name)
{
    static const QList<QByteArray> names = {
        "server",
        "via",
        "upgrade",
        "connection",
        "sec-websocket-accept",
        "sec-websocket-protocol",
        "sec-websocket-extensions",
        "sec-websocket-version",
        "alt-svc",
        "location",
        "content-type",
        "retry-after",
        "access-control-allow-origin",
        "x-powered-by",
        "x-azure-ref",
        "x-ms-request-id",
        "set-cookie",
    };
    const QByteArray lower = name.toLower();
    return names.contains(lower) || lower.startsWith("x-blueshift-");
}

QString outcomeName(ProbeOutcome outcome)
{
    switch (outcome) {
    case ProbeOutcome::NotRun:
        return QStringLiteral("not_run");
    case ProbeOutcome::ConnectFailed:
        return QStringLiteral("connect_failed");
    case ProbeOutcome::Connected:
        return QStringLiteral("connected");
    case ProbeOutcome::TlsFailed:
        return QStringLiteral("tls_failed");
    case ProbeOutcome::NoResponse:
        return QStringLiteral("no_response");
    case ProbeOutcome::Malformed:
        return QStringLiteral("malformed");
    case ProbeOutcome::Response:
        return QStringLiteral("response");
    }
    return QString();
}

QString silentEndName(SilentFacts::End end)
{
    switch (end) {
    case SilentFacts::End::NotRun:
        return QStringLiteral("not_run");
    case SilentFacts::End::Survived:
        return QStringLiteral("survived");
    case SilentFacts::End::CloseFrame:
        return QStringLiteral("close_frame");
    case SilentFacts::End::Dropped:
        return QStringLiteral("dropped");
    case SilentFacts::End::OpenFailed:
        return QStringLiteral("open_failed");
    }
    return QString();
}

QJsonObject toJson(const ProbeResult &p)
{
    QJsonObject o{{QStringLiteral("label"), p.label},
                  {QStringLiteral("target"), latin1(p.target)},
                  {QStringLiteral("upgrade"), p.upgrade},
                  {QStringLiteral("outcome"), outcomeName(p.outcome)}};
    if (!p.origin.isEmpty())
        o.insert(QStringLiteral("origin"), p.origin);
    if (!p.ran())
        return o;
    if (!p.error.isEmpty())
        o.insert(QStringLiteral("error"), p.error);
    if (!p.peerAddress.isEmpty())
        o.insert(QStringLiteral("peer"), p.peerAddress);
    if (p.answered()) {
        o.insert(QStringLiteral("status"), p.status);
        o.insert(QStringLiteral("status_line"), latin1(p.statusLine));
        QJsonObject headers;
        for (const auto &h : p.headers)
            headers.insert(latin1(h.first), latin1(h.second));
        o.insert(QStringLiteral("headers"), headers);
        if (!p.bodySnippet.isEmpty())
            o.insert(QStringLiteral("body"), QString::fromUtf8(p.bodySnippet));
        if (p.upgrade && p.status == 101)
            o.insert(QStringLiteral("accept_valid"), p.acceptValid);
    }
    o.insert(QStringLiteral("upgraded"), p.upgraded());
    if (p.engineIo.checked) {
        QJsonObject io{{QStringLiteral("received"), p.engineIo.received}};
        if (p.engineIo.received) {
            io.insert(QStringLiteral("sid"), QString::fromLatin1(p.engineIo.sid));
            io.insert(QStringLiteral("ping_interval_ms"), p.engineIo.pingIntervalMs);
            io.insert(QStringLiteral("ping_timeout_ms"), p.engineIo.pingTimeoutMs);
        } else {
            io.insert(QStringLiteral("error"), p.engineIo.error);
        }
        o.insert(QStringLiteral("engine_io"), io);
    }
    o.insert(QStringLiteral("connect_ms"), ms(p.connectMs));
    o.insert(QStringLiteral("tls_ms"), ms(p.tlsMs));
    o.insert(QStringLiteral("first_byte_ms"), ms(p.firstByteMs));
    o.insert(QStringLiteral("total_ms"), ms(p.totalMs));
    return o;
}

QJsonObject toJson(const TlsFacts &t)
{
    QJsonObject o{{QStringLiteral("checked"), t.checked}};
    if (!t.checked)
        return o;
    o.insert(QStringLiteral("handshake_done"), t.handshakeDone);
    if (!t.failure.isEmpty())
        o.insert(QStringLiteral("failure"), t.failure);
    o.insert(QStringLiteral("protocol"), t.protocol);
    o.insert(QStringLiteral("cipher"), t.cipher);
    o.insert(QStringLiteral("alpn"), t.alpn);
    o.insert(QStringLiteral("subject"), t.subject);
    o.insert(QStringLiteral("issuer"), t.issuer);
    o.insert(QStringLiteral("subject_alt_names"), QJsonArray::fromStringList(t.subjectAltNames));
    o.insert(QStringLiteral("not_before"), t.notBefore.toUTC().toString(Qt::ISODate));
    o.insert(QStringLiteral("not_after"), t.notAfter.toUTC().toString(Qt::ISODate));
    o.insert(QStringLiteral("self_signed"), t.selfSigned);
    o.insert(QStringLiteral("host_matches"), t.hostMatches);
    o.insert(QStringLiteral("expired"), t.expired);
    o.insert(QStringLiteral("verification_errors"),
             QJsonArray::fromStringList(t.verificationErrors));
    o.insert(QStringLiteral("self_signed_waived"), t.selfSignedWaived);
    o.insert(QStringLiteral("trusted"), t.trusted);
    return o;
}

QJsonObject toJson(const SilentFacts &s)
{
    QJsonObject o{{QStringLiteral("requested_seconds"), s.requestedSeconds},
                  {QStringLiteral("end"), silentEndName(s.end)}};
    if (s.end == SilentFacts::End::NotRun)
        return o;
    o.insert(QStringLiteral("ended_after_seconds"),
             s.endedAfterSeconds < 0 ? QJsonValue()
                                     : QJsonValue(qRound(s.endedAfterSeconds * 100) / 100.0));
    if (s.closeCode)
        o.insert(QStringLiteral("close_code"), s.closeCode);
    if (!s.closeReason.isEmpty())
        o.insert(QStringLiteral("close_reason"), QString::fromUtf8(s.closeReason));
    o.insert(QStringLiteral("server_pings"), s.serverPings);
    o.insert(QStringLiteral("server_messages"), s.serverMessages);
    if (!s.error.isEmpty())
        o.insert(QStringLiteral("error"), s.error);
    return o;
}

QJsonObject toJson(const DoctorEvidence &e)
{
    QJsonArray alternatives;
    for (const ProbeResult &p : e.alternativePaths)
        alternatives.append(toJson(p));
    QJsonObject probes{{QStringLiteral("health"), toJson(e.health)},
                       {QStringLiteral("upgrade"), toJson(e.upgrade)},
                       {QStringLiteral("upgrade_no_origin"), toJson(e.upgradeNoOrigin)},
                       {QStringLiteral("upgrade_foreign_origin"), toJson(e.upgradeForeignOrigin)},
                       {QStringLiteral("socket_io"), toJson(e.socketIo)},
                       {QStringLiteral("alternative_paths"), alternatives}};
    if (e.secure)
        probes.insert(QStringLiteral("tls_connection"), toJson(e.tlsProbe));
    return {{QStringLiteral("url"), e.url},
            {QStringLiteral("host"), e.host},
            {QStringLiteral("port"), e.port},
            {QStringLiteral("secure"), e.secure},
            {QStringLiteral("path"), latin1(e.target)},
            {QStringLiteral("health_path"), latin1(e.healthPath)},
            {QStringLiteral("origin"), e.origin},
            {QStringLiteral("foreign_origin"), e.foreignOrigin},
            {QStringLiteral("secret_headers"), QJsonArray::fromStringList(e.secretHeaderNames)},
            {QStringLiteral("accept_self_signed"), e.acceptSelfSigned},
            {QStringLiteral("custom_ca"), e.customCa},
            {QStringLiteral("timeout_seconds"), e.timeoutMs / 1000.0},
            {QStringLiteral("tls"), toJson(e.tls)},
            {QStringLiteral("probes"), probes},
            {QStringLiteral("silent"), toJson(e.silent)}};
}

} // namespace blueshift::doctor
