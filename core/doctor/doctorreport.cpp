#include "doctorreport.h"

#include <QStringList>

namespace blueshift::doctor {

namespace {
constexpr int kContainerAppsIdleTimeoutSeconds = 240;

enum class Mark { Ok, Fail, Warn, Info, Skipped };

QString markText(Mark m)
{
    switch (m) {
    case Mark::Ok:
        return QStringLiteral("✓ OK  ");
    case Mark::Fail:
        return QStringLiteral("✗ FAIL");
    case Mark::Warn:
        return QStringLiteral("! WARN");
    case Mark::Info:
        return QStringLiteral("· INFO");
    case Mark::Skipped:
        return QStringLiteral("- SKIP");
    }
    return QString();
}

QString msText(double ms)
{
    return QString::number(ms, 'f', ms < 10 ? 1 : 0) + QStringLiteral(" ms");
}

QString timings(const ProbeResult &p)
{
    QStringList parts;
    if (p.connectMs >= 0)
        parts.append(QStringLiteral("connect ") + msText(p.connectMs));
    if (p.tlsMs >= 0)
        parts.append(QStringLiteral("TLS ") + msText(p.tlsMs));
    if (p.firstByteMs >= 0)
        parts.append(QStringLiteral("first byte ") + msText(p.firstByteMs));
    if (p.totalMs >= 0)
        parts.append(QStringLiteral("total ") + msText(p.totalMs));
    return parts.join(QStringLiteral(", "));
}

QString request(const ProbeResult &p)
{
    QString r = (p.upgrade ? QStringLiteral("upgrade GET ") : QStringLiteral("GET ")) +
                QString::fromLatin1(p.target);
    if (p.upgrade)
        r += p.origin.isEmpty() ? QStringLiteral(", no Origin")
                                : QStringLiteral(", Origin ") + p.origin;
    return r;
}

// A probe's section: header line with its mark, then what came back.
// What an Engine.IO heartbeat means behind a gateway that cuts silent connections (Container
// Apps' ingress: 240 s). Engine.IO's pings are the only traffic an idle Chainlit session has.
QStringList engineIoWarnings(const ProbeResult::EngineIo &io)
{
    QStringList out;
    if (!io.received)
        return out;
    constexpr int kIdleMs = kContainerAppsIdleTimeoutSeconds * 1000;
    if (io.pingIntervalMs >= kIdleMs)
        out.append(
            QStringLiteral("pingInterval %1 s is not shorter than the gateway's idle timeout "
                           "(%2 s on Container Apps): idle sessions are cut between pings")
                .arg(io.pingIntervalMs / 1000.0)
                .arg(kContainerAppsIdleTimeoutSeconds));
    else if (io.pingIntervalMs + io.pingTimeoutMs > kIdleMs)
        out.append(QStringLiteral("pingInterval + pingTimeout (%1 s) is longer than the gateway's "
                                  "idle timeout (%2 s on Container Apps): a dead connection is "
                                  "noticed by the gateway before Engine.IO")
                       .arg((io.pingIntervalMs + io.pingTimeoutMs) / 1000.0)
                       .arg(kContainerAppsIdleTimeoutSeconds));
    return out;
}

void section(QStringList *out, const ProbeResult &p, Mark mark, const QString &comment = {})
{
    if (!p.ran()) {
        out->append(QStringLiteral("%1  %2: %3 — %4")
                        .arg(markText(Mark::Skipped), p.label, request(p),
                             p.error.isEmpty() ? QStringLiteral("not needed") : p.error));
        return;
    }
    QString head = QStringLiteral("%1  %2: %3").arg(markText(mark), p.label, request(p));
    if (!comment.isEmpty())
        head += QStringLiteral(" — ") + comment;
    out->append(head);
    const QString indent = QStringLiteral("          ");
    if (!p.answered()) {
        out->append(indent + p.error);
    } else {
        out->append(indent + QString::fromLatin1(p.statusLine));
        for (const auto &h : p.headers) {
            QString line = indent + QString::fromLatin1(h.first) + QStringLiteral(": ") +
                           QString::fromLatin1(h.second);
            if (h.first.compare("Sec-WebSocket-Accept", Qt::CaseInsensitive) == 0)
                line += p.acceptValid ? QStringLiteral("  (correct)") : QStringLiteral("  (WRONG)");
            out->append(line);
        }
        if (p.upgrade && p.status == 101 && !p.acceptPresent)
            out->append(indent + QStringLiteral("no Sec-WebSocket-Accept header"));
        if (!p.bodySnippet.isEmpty())
            out->append(indent + QStringLiteral("body: ") + QString::fromUtf8(p.bodySnippet));
    }
    if (!p.peerAddress.isEmpty())
        out->append(indent + QStringLiteral("peer %1; %2").arg(p.peerAddress, timings(p)));
}

void tlsSection(QStringList *out, const DoctorEvidence &e)
{
    const TlsFacts &t = e.tls;
    const ProbeResult &p = e.tlsProbe;
    const QString indent = QStringLiteral("          ");
    if (!p.ran()) {
        section(out, p, Mark::Skipped);
        return;
    }
    if (!t.checked) {
        out->append(
            QStringLiteral("%1  TLS: %2 — %3").arg(markText(Mark::Fail), e.endpoint(), p.error));
        return;
    }
    const Mark mark =
        t.handshakeDone && t.trusted ? (t.selfSignedWaived ? Mark::Warn : Mark::Ok) : Mark::Fail;
    out->append(QStringLiteral("%1  TLS: %2").arg(markText(mark), e.endpoint()));
    if (!t.failure.isEmpty())
        out->append(indent + QStringLiteral("handshake failed: ") + t.failure);
    if (t.handshakeDone)
        out->append(indent + QStringLiteral("%1, cipher %2, ALPN %3")
                                 .arg(t.protocol, t.cipher,
                                      t.alpn.isEmpty() ? QStringLiteral("none") : t.alpn));
    if (!t.subject.isEmpty() || !t.issuer.isEmpty())
        out->append(indent + QStringLiteral("subject: %1; issuer: %2").arg(t.subject, t.issuer));
    if (!t.subjectAltNames.isEmpty())
        out->append(indent + QStringLiteral("names: ") +
                    t.subjectAltNames.join(QStringLiteral(", ")));
    if (t.notAfter.isValid())
        out->append(indent + QStringLiteral("valid %1 to %2%3")
                                 .arg(t.notBefore.toUTC().toString(Qt::ISODate),
                                      t.notAfter.toUTC().toString(Qt::ISODate),
                                      t.expired ? QStringLiteral(" (EXPIRED)") : QString()));
    out->append(indent + QStringLiteral("host name matches: ") +
                (t.hostMatches ? QStringLiteral("yes") : QStringLiteral("NO")));
    if (t.verificationErrors.isEmpty())
        out->append(indent + QStringLiteral("verification: passed%1")
                                 .arg(e.customCa ? QStringLiteral(" (against --ca)") : QString()));
    for (const QString &err : t.verificationErrors)
        out->append(
            indent + QStringLiteral("verification: ") + err +
            (t.selfSignedWaived ? QStringLiteral(" (accepted: --accept-self-signed)") : QString()));
    if (!p.peerAddress.isEmpty())
        out->append(indent + QStringLiteral("peer %1; %2").arg(p.peerAddress, timings(p)));
}

void silentSection(QStringList *out, const SilentFacts &s)
{
    const QString indent = QStringLiteral("          ");
    if (s.end == SilentFacts::End::NotRun) {
        out->append(QStringLiteral("%1  Silent session: %2")
                        .arg(markText(Mark::Skipped),
                             s.requestedSeconds > 0
                                 ? QStringLiteral("not run (the upgrade does not work)")
                                 : QStringLiteral("not asked for (--silent-seconds N)")));
        return;
    }
    const QString requested = QString::number(s.requestedSeconds);
    const QString after = QString::number(s.endedAfterSeconds, 'f', 1);
    switch (s.end) {
    case SilentFacts::End::Survived:
        out->append(QStringLiteral("%1  Silent session: open for %2 s without traffic, as asked")
                        .arg(markText(Mark::Ok), requested));
        break;
    case SilentFacts::End::Dropped:
        out->append(QStringLiteral("%1  Silent session: dropped after %2 s of the %3 s asked for, "
                                   "without a close frame (1006)")
                        .arg(markText(Mark::Fail), after, requested));
        break;
    case SilentFacts::End::CloseFrame:
        out->append(QStringLiteral("%1  Silent session: closed with code %2 after %3 s of the "
                                   "%4 s asked for")
                        .arg(markText(Mark::Fail))
                        .arg(s.closeCode)
                        .arg(after, requested));
        if (!s.closeReason.isEmpty())
            out->append(indent + QStringLiteral("reason: ") + QString::fromUtf8(s.closeReason));
        break;
    case SilentFacts::End::OpenFailed:
        out->append(QStringLiteral("%1  Silent session: could not open: %2")
                        .arg(markText(Mark::Fail), s.error));
        return;
    case SilentFacts::End::NotRun:
        return;
    }
    out->append(indent + QStringLiteral("server pings answered: %1; server messages: %2")
                             .arg(s.serverPings)
                             .arg(s.serverMessages));
    if (!s.error.isEmpty())
        out->append(indent + s.error);
}
} // namespace

QString renderReport(const DoctorEvidence &e, const Diagnosis &d)
{
    QStringList out;
    out.append(QStringLiteral("blueshift doctor: %1").arg(e.url));
    out.append(QStringLiteral("  Origin sent: %1 (as a browser of the app would); foreign "
                              "Origin tried: %2")
                   .arg(e.origin, e.foreignOrigin));
    if (!e.secretHeaderNames.isEmpty())
        out.append(QStringLiteral("  extra headers sent: %1 (values hidden)")
                       .arg(e.secretHeaderNames.join(QStringLiteral(", "))));
    out.append(QString());
    if (e.secure)
        tlsSection(&out, e);
    const ProbeResult &h = e.health;
    section(&out, h, h.answered() && h.status < 400 ? Mark::Ok : Mark::Fail);
    section(&out, e.upgrade, e.upgrade.upgraded() ? Mark::Ok : Mark::Fail);
    if (e.upgradeNoOrigin.ran() || !e.upgradeNoOrigin.error.isEmpty())
        section(&out, e.upgradeNoOrigin, e.upgradeNoOrigin.upgraded() ? Mark::Ok : Mark::Fail);
    const ProbeResult &f = e.upgradeForeignOrigin;
    if (f.upgraded())
        section(&out, f, Mark::Warn, QStringLiteral("accepted: any site may open sessions"));
    else if (f.answered() && e.upgrade.upgraded())
        section(&out, f, Mark::Ok, QStringLiteral("refused, as it should be"));
    else if (f.answered())
        section(&out, f, Mark::Info);
    else
        section(&out, f, Mark::Fail);
    if (e.socketIo.upgraded()) {
        const ProbeResult::EngineIo &io = e.socketIo.engineIo;
        const QStringList warnings = engineIoWarnings(io);
        section(&out, e.socketIo, io.received && warnings.isEmpty() ? Mark::Ok : Mark::Warn,
                io.received ? QStringLiteral("sid %1, pingInterval %2 s, pingTimeout %3 s")
                                  .arg(QString::fromLatin1(io.sid))
                                  .arg(io.pingIntervalMs / 1000.0)
                                  .arg(io.pingTimeoutMs / 1000.0)
                            : io.error);
        for (const QString &w : warnings)
            out.append(QStringLiteral("          ") + w);
    } else if (e.socketIo.answered())
        section(&out, e.socketIo, Mark::Info,
                e.socketIo.status == 404 ? QStringLiteral("not served here") : QString());
    else
        section(&out, e.socketIo, e.socketIo.ran() ? Mark::Fail : Mark::Skipped);
    for (const ProbeResult &p : e.alternativePaths)
        section(&out, p, p.upgraded() ? Mark::Ok : Mark::Info,
                p.upgraded() ? QStringLiteral("upgrades") : QString());
    silentSection(&out, e.silent);
    out.append(QString());

    out.append(d.problem()
                   ? QStringLiteral("Most likely cause: %1 [%2]").arg(d.title, causeName(d.cause))
                   : QStringLiteral("Verdict: healthy — %1").arg(d.title));
    out.append(QStringLiteral("  ") + d.explanation);
    if (!d.evidence.isEmpty()) {
        out.append(QStringLiteral("  Evidence:"));
        for (const QString &line : d.evidence)
            out.append(QStringLiteral("    - ") + line);
    }
    if (!d.fix.isEmpty())
        out.append(QStringLiteral("  What to change: ") + d.fix);
    if (!d.notes.isEmpty()) {
        out.append(QStringLiteral("  Notes:"));
        for (const QString &line : d.notes)
            out.append(QStringLiteral("    - ") + line);
    }
    return out.join(QLatin1Char('\n')) + QLatin1Char('\n');
}

QJsonObject reportJson(const DoctorEvidence &evidence, const Diagnosis &diagnosis)
{
    return {{QStringLiteral("cause"), causeName(diagnosis.cause)},
            {QStringLiteral("exit_code"), diagnosis.exitCode()},
            {QStringLiteral("diagnosis"), toJson(diagnosis)},
            {QStringLiteral("evidence"), toJson(evidence)}};
}

} // namespace blueshift::doctor
