#include "doctorverdicts.h"

namespace blueshift::doctor::verdicts {

namespace {
// Idle timeouts of proxies are seconds to minutes; a session closed sooner than this was closed
// by the server for another reason.
constexpr double kShortestIdleTimeout = 1.0;
// The silent session may end a little before the requested time when our own timer fires late.
constexpr double kSurvivalSlack = 0.25;
} // namespace

QString text(const QByteArray &b)
{
    return QString::fromLatin1(b);
}

QString statusText(const ProbeResult &p)
{
    QString s = QString::number(p.status);
    if (!p.reason.isEmpty())
        s += QLatin1Char(' ') + text(p.reason);
    return s;
}

QString seconds(double s)
{
    return QString::number(s, 'f', s < 10 ? 1 : 0) + QStringLiteral(" s");
}

QString displayPath(const QByteArray &target)
{
    return target.isEmpty() ? QStringLiteral("/") : text(target);
}

// Every upgrade attempt that ran, the target's first.
QList<const ProbeResult *> upgradeAttempts(const DoctorEvidence &e)
{
    QList<const ProbeResult *> all{&e.upgrade, &e.upgradeNoOrigin, &e.upgradeForeignOrigin,
                                   &e.socketIo};
    for (const ProbeResult &p : e.alternativePaths)
        all.append(&p);
    QList<const ProbeResult *> ran;
    for (const ProbeResult *p : all) {
        if (p->ran())
            ran.append(p);
    }
    return ran;
}

// Another path that took the upgrade: the alternatives in the order tried, then socket.io.
const ProbeResult *otherPathThatUpgrades(const DoctorEvidence &e)
{
    for (const ProbeResult &p : e.alternativePaths) {
        if (p.upgraded() && p.target != e.target)
            return &p;
    }
    if (e.socketIo.upgraded() && e.socketIo.target != e.target)
        return &e.socketIo;
    return nullptr;
}

static void addProbeEvidence(Diagnosis *d, const DoctorEvidence &e, bool withHealth)
{
    if (withHealth && e.health.ran())
        d->evidence.append(describeProbe(e.health));
    for (const ProbeResult *p : upgradeAttempts(e))
        d->evidence.append(describeProbe(*p));
}

Diagnosis unreachable(const DoctorEvidence &e, const ProbeResult &p)
{
    Diagnosis d;
    d.cause = Cause::Unreachable;
    const QString where = e.endpoint();
    d.evidence.append(describeProbe(p));
    switch (p.connectFailure) {
    case ConnectFailure::Refused:
        d.title = QStringLiteral("nothing listens at %1").arg(where);
        d.explanation = QStringLiteral("The connection to %1 was refused: no server listens on "
                                       "that port (or a firewall rejects it).")
                            .arg(where);
        d.fix = QStringLiteral("Check the host and port in the URL, that the app is running and "
                               "that its ingress is enabled and reachable from here.");
        break;
    case ConnectFailure::HostNotFound:
        d.title = QStringLiteral("the host name %1 does not resolve").arg(e.host);
        d.explanation = QStringLiteral("DNS has no address for %1.").arg(e.host);
        d.fix = QStringLiteral("Check the host name (for Container Apps, the app's FQDN from "
                               "its ingress settings).");
        break;
    case ConnectFailure::Timeout:
        d.title = QStringLiteral("no connection to %1 within the timeout").arg(where);
        d.explanation =
            QStringLiteral("The TCP connection to %1 did not complete in %2: packets are "
                           "dropped on the way (firewall, IP restrictions) or the host is down.")
                .arg(where, seconds(e.timeoutMs / 1000.0));
        d.fix = QStringLiteral("Check IP restrictions and network rules between here and the "
                               "endpoint, or raise --timeout for a slow network.");
        break;
    case ConnectFailure::None:
        d.title = QStringLiteral("%1 accepts connections but does not answer HTTP").arg(where);
        d.explanation =
            QStringLiteral("The connection opened, but no HTTP response came back in %1. The "
                           "port may serve TLS (use wss:// or https://) or another protocol.")
                .arg(seconds(e.timeoutMs / 1000.0));
        d.fix = QStringLiteral("Check the scheme and the port; a TLS port needs wss:// or "
                               "https://.");
        if (e.health.ran() && &p != &e.health)
            d.evidence.prepend(describeProbe(e.health));
        break;
    case ConnectFailure::Other:
        d.title = QStringLiteral("cannot connect to %1").arg(where);
        d.explanation = QStringLiteral("The connection failed: %1.").arg(p.error);
        d.fix = QStringLiteral("Check the network path to the endpoint.");
        break;
    }
    return d;
}

Diagnosis tlsProblem(const DoctorEvidence &e)
{
    const TlsFacts &t = e.tls;
    Diagnosis d;
    d.cause = Cause::Tls;
    if (!t.subject.isEmpty())
        d.evidence.append(QStringLiteral("certificate subject: %1; issuer: %2")
                              .arg(t.subject, t.issuer.isEmpty() ? QStringLiteral("?") : t.issuer));
    if (!t.subjectAltNames.isEmpty())
        d.evidence.append(QStringLiteral("certificate names (SAN): %1")
                              .arg(t.subjectAltNames.join(QStringLiteral(", "))));
    if (t.notAfter.isValid())
        d.evidence.append(QStringLiteral("valid from %1 to %2")
                              .arg(t.notBefore.toUTC().toString(Qt::ISODate),
                                   t.notAfter.toUTC().toString(Qt::ISODate)));
    for (const QString &err : t.verificationErrors)
        d.evidence.append(QStringLiteral("verification: %1").arg(err));
    if (!t.failure.isEmpty()) {
        d.title = QStringLiteral("the TLS handshake fails");
        d.explanation =
            QStringLiteral("No TLS session could be set up with %1: %2. The port may not "
                           "serve TLS, or it offers no protocol or cipher in common.")
                .arg(e.endpoint(), t.failure);
        d.evidence.prepend(QStringLiteral("TLS handshake: %1").arg(t.failure));
        d.fix = QStringLiteral("Check that the port serves TLS (otherwise use ws:// or http://) "
                               "and that it supports TLS 1.2 or later.");
    } else if (t.expired) {
        d.title = QStringLiteral("the server's certificate has expired");
        d.explanation = QStringLiteral("The certificate expired on %1; browsers and clients "
                                       "refuse the connection before any upgrade.")
                            .arg(t.notAfter.toUTC().toString(Qt::ISODate));
        d.fix = QStringLiteral("Renew the certificate (or the managed certificate binding of "
                               "the custom domain).");
    } else if (!t.hostMatches) {
        d.title = QStringLiteral("the certificate is not for %1").arg(e.host);
        d.explanation =
            QStringLiteral("The certificate names %1, not %2, so clients refuse it.")
                .arg(t.subjectAltNames.isEmpty() ? t.subject
                                                 : t.subjectAltNames.join(QStringLiteral(", ")),
                     e.host);
        d.fix = QStringLiteral("Connect by a name the certificate holds, or bind a certificate "
                               "for %1 to the endpoint.")
                    .arg(e.host);
    } else if (t.selfSigned) {
        d.title = QStringLiteral("the server's certificate is self-signed");
        d.explanation = QStringLiteral("The certificate (%1) is signed by itself, so no client "
                                       "trusts it unless told to.")
                            .arg(t.subject);
        d.fix = QStringLiteral("Serve a certificate from a trusted CA. For a test gateway, pass "
                               "its certificate with --ca FILE, or --accept-self-signed.");
    } else {
        d.title = QStringLiteral("the server's certificate is not trusted");
        d.explanation = QStringLiteral("Verification of the certificate chain failed: %1.")
                            .arg(t.verificationErrors.join(QStringLiteral("; ")));
        d.fix = QStringLiteral("Serve the full chain (intermediates included) from a trusted "
                               "CA, or pass the CA that signed it with --ca FILE.");
    }
    d.evidence.append(QStringLiteral("no HTTP request was sent over the untrusted connection"));
    return d;
}

static bool mentionsHttp2(const DoctorEvidence &e, QStringList *hints)
{
    bool any = false;
    if (e.tls.alpn == QLatin1String("h2")) {
        hints->append(QStringLiteral("TLS ALPN: the server chose h2 (HTTP/2)"));
        any = true;
    }
    for (const ProbeResult *p : upgradeAttempts(e)) {
        const QByteArray body = p->bodySnippet.toLower();
        if (body.contains("http2") || body.contains("http/2")) {
            any = true;
            break;
        }
    }
    const QByteArray altSvc = e.health.header("Alt-Svc");
    if (altSvc.contains("h2")) {
        hints->append(QStringLiteral("Alt-Svc: %1").arg(text(altSvc)));
        any = true;
    }
    return any;
}

Diagnosis transport(const DoctorEvidence &e)
{
    Diagnosis d;
    d.cause = Cause::Transport;
    d.title = QStringLiteral("the ingress transport cannot carry WebSocket upgrades (http2)");
    d.explanation =
        QStringLiteral("The ingress answers 502 to every WebSocket upgrade while GET %1 is %2: "
                       "its transport is http2, and HTTP/2 cannot carry an HTTP/1.1 upgrade to "
                       "the app, so the proxy gives up with 502 Bad Gateway.")
            .arg(displayPath(e.healthPath))
            .arg(e.health.status);
    addProbeEvidence(&d, e, true);
    QStringList hints;
    mentionsHttp2(e, &hints);
    d.evidence += hints;
    d.fix = QStringLiteral("Set the ingress transport to auto or http (Container Apps: "
                           "az containerapp ingress update --transport auto).");
    return d;
}

Diagnosis idleTimeout(const DoctorEvidence &e)
{
    const SilentFacts &s = e.silent;
    Diagnosis d;
    d.cause = Cause::IdleTimeout;
    d.idleSeconds = s.endedAfterSeconds;
    d.title = QStringLiteral("a silent session is cut after %1 (idle timeout)")
                  .arg(seconds(s.endedAfterSeconds));
    const QString how =
        s.end == SilentFacts::End::Dropped
            ? QStringLiteral("the connection ended without a close frame (1006), as a proxy's "
                             "idle timeout ends it")
            : QStringLiteral("it was closed with code %1%2")
                  .arg(s.closeCode)
                  .arg(s.closeReason.isEmpty()
                           ? QString()
                           : QStringLiteral(" (\"%1\")").arg(QString::fromUtf8(s.closeReason)));
    d.explanation =
        QStringLiteral("The upgrade works, but a session that sends nothing (no pings, no data) "
                       "was ended after %1 of the %2 asked for: %3. Sessions that stay quiet "
                       "longer than that, such as a chat waiting for the user, are lost.")
            .arg(seconds(s.endedAfterSeconds), seconds(s.requestedSeconds), how);
    d.evidence.append(describeProbe(e.upgrade));
    d.evidence.append(QStringLiteral("silent session: %1 after %2 (server pings %3, messages %4)")
                          .arg(s.end == SilentFacts::End::Dropped
                                   ? QStringLiteral("dropped without a close frame (1006)")
                                   : QStringLiteral("close frame %1").arg(s.closeCode),
                               seconds(s.endedAfterSeconds))
                          .arg(s.serverPings)
                          .arg(s.serverMessages));
    d.fix = QStringLiteral("Keep sessions talking: have the client (or the server) send a "
                           "WebSocket ping or a small message at least every %1, or raise the "
                           "idle timeout where the proxy allows it.")
                .arg(seconds(qMax(1.0, s.endedAfterSeconds / 2)));
    return d;
}

Diagnosis originProblem(const DoctorEvidence &e)
{
    Diagnosis d;
    d.cause = Cause::Origin;
    d.title = QStringLiteral("the upgrade is refused for the Origin %1").arg(e.upgrade.origin);
    const bool foreignToo = e.upgradeForeignOrigin.answered() && !e.upgradeForeignOrigin.upgraded();
    d.explanation =
        QStringLiteral("The same upgrade succeeds without an Origin header but gets %1 with "
                       "Origin %2, which is what a browser on the app's page sends: the server "
                       "(or its CORS settings) does not list that origin as allowed%3.")
            .arg(statusText(e.upgrade), e.upgrade.origin,
                 foreignToo ? QStringLiteral(", and refuses other origins too") : QString());
    d.evidence.append(describeProbe(e.upgrade));
    d.evidence.append(describeProbe(e.upgradeNoOrigin));
    if (e.upgradeForeignOrigin.ran())
        d.evidence.append(describeProbe(e.upgradeForeignOrigin));
    d.fix = QStringLiteral("Add %1 to the origins the app accepts (the relay's --allow-origin, "
                           "Chainlit's allow_origins, the app's CORS settings). If a browser of "
                           "the app sends another Origin, rerun with --origin.")
                .arg(e.upgrade.origin);
    return d;
}

Diagnosis wrongPath(const DoctorEvidence &e, const ProbeResult *works)
{
    Diagnosis d;
    d.cause = Cause::WrongPath;
    const QString given = displayPath(e.target);
    if (works) {
        d.suggestedPath = works->target;
        d.title = QStringLiteral("wrong path: %1 does not upgrade, %2 does")
                      .arg(given, displayPath(works->target));
        d.explanation = QStringLiteral("The upgrade on %1 gets %2, while the same upgrade on %3 "
                                       "is accepted: the WebSocket endpoint lives on another "
                                       "path.")
                            .arg(given, statusText(e.upgrade), displayPath(works->target));
        d.fix = QStringLiteral("Connect to %1 (and check any path prefix a proxy adds or "
                               "strips).")
                    .arg(displayPath(works->target));
    } else {
        d.title = QStringLiteral("wrong path: nothing takes WebSocket upgrades on %1").arg(given);
        d.explanation = QStringLiteral("The upgrade on %1 gets %2 and none of the other paths "
                                       "tried accepts an upgrade either.")
                            .arg(given, statusText(e.upgrade));
        d.fix = QStringLiteral("Check which path the app serves WebSockets on (and any prefix a "
                               "proxy adds or strips), then rerun with that path.");
    }
    addProbeEvidence(&d, e, false);
    return d;
}

Diagnosis notSupported(const DoctorEvidence &e)
{
    Diagnosis d;
    d.cause = Cause::UpgradeNotSupported;
    const int s = e.upgrade.status;
    d.title = QStringLiteral("the upgrade on %1 is answered with %2, not 101")
                  .arg(displayPath(e.target), statusText(e.upgrade));
    if (s == 426)
        d.explanation = QStringLiteral("The server asks for an upgrade that was sent: something "
                                       "on the way (a proxy or a CDN) drops the Upgrade and "
                                       "Connection headers before they reach the app.");
    else
        d.explanation = QStringLiteral("The request asked to switch to WebSocket, but the answer "
                                       "is an ordinary HTTP response: whatever answers on this "
                                       "path does not speak WebSocket, or a proxy on the way "
                                       "strips the Upgrade headers.");
    addProbeEvidence(&d, e, false);
    d.fix = QStringLiteral("Make sure the app serves WebSocket on this path and that every "
                           "proxy in front of it passes Upgrade and Connection headers "
                           "(HTTP/1.1, websocket support enabled).");
    return d;
}

Diagnosis otherFailure(const DoctorEvidence &e)
{
    Diagnosis d;
    d.cause = Cause::Other;
    const ProbeResult &u = e.upgrade;
    addProbeEvidence(&d, e, true);
    if (!u.answered()) {
        d.title = QStringLiteral("the upgrade request gets no usable answer");
        d.explanation =
            QStringLiteral("GET %1 is answered, but the upgrade on %2 is not: %3. Something "
                           "on the way holds or breaks upgrade requests.")
                .arg(displayPath(e.healthPath), displayPath(e.target), u.error);
        d.fix = QStringLiteral("Check proxies between here and the app for WebSocket support "
                               "and their timeouts.");
        return d;
    }
    const int s = u.status;
    if (s == 101) {
        d.title = QStringLiteral("the 101 answer carries a wrong Sec-WebSocket-Accept");
        d.explanation =
            QStringLiteral("The upgrade is answered with 101, but the "
                           "Sec-WebSocket-Accept header is %1, so browsers drop "
                           "the connection: a proxy rewrites the handshake.")
                .arg(u.acceptPresent ? QStringLiteral("wrong") : QStringLiteral("missing"));
        d.fix = QStringLiteral("Let the handshake headers through unchanged (no proxy that "
                               "answers the upgrade itself).");
    } else if (s == 401 || s == 403) {
        d.title =
            QStringLiteral("the upgrade is refused with %1 whatever the Origin").arg(statusText(u));
        d.explanation = QStringLiteral("The endpoint refuses the upgrade with or without an "
                                       "Origin: it wants credentials this request did not "
                                       "carry, or blocks this client.");
        d.fix = QStringLiteral("Pass the credentials the app expects with --header-file (e.g. "
                               "api-key or Authorization), and check IP restrictions.");
    } else if (s >= 300 && s < 400) {
        d.title = QStringLiteral("the upgrade is redirected");
        d.explanation =
            QStringLiteral("The upgrade gets %1 to %2; WebSocket clients do not follow redirects.")
                .arg(statusText(u), text(u.header("Location")));
        d.fix = QStringLiteral("Connect to the final URL (for http->https redirects, use wss://).");
    } else if (s == 503 || s == 504) {
        d.title = QStringLiteral("no replica is ready to take the upgrade (%1)").arg(statusText(u));
        d.explanation = QStringLiteral("The proxy found no ready replica for the upgrade: the "
                                       "revision is scaled to zero, starting, draining or "
                                       "failing its probes.");
        d.fix = QStringLiteral("Check the revision's replicas, readiness probe and logs.");
    } else if (s >= 500) {
        d.title = QStringLiteral("the upgrade fails with %1").arg(statusText(u));
        d.explanation = QStringLiteral("The server fails on the upgrade request%1.")
                            .arg(e.health.answered() && e.health.status >= 500
                                     ? QStringLiteral(", and on GET %1 too: the app behind the "
                                                      "proxy is down or not listening on its "
                                                      "target port")
                                           .arg(displayPath(e.healthPath))
                                     : QString());
        d.fix = QStringLiteral("Check the app's logs and the ingress target port.");
    } else {
        d.title = QStringLiteral("the upgrade is refused with %1").arg(statusText(u));
        d.explanation = QStringLiteral("The server refuses the upgrade request for a reason "
                                       "none of the usual causes explains.");
        d.fix = QStringLiteral("Read the response body and the app's logs for the reason.");
    }
    return d;
}

static void addHealthyNotes(const DoctorEvidence &e, Diagnosis *d)
{
    if (e.upgradeForeignOrigin.upgraded())
        d->notes.append(
            QStringLiteral("a foreign Origin (%1) is accepted too: any web page can open "
                           "sessions here with your users' cookies; restrict the allowed "
                           "origins if sessions carry credentials")
                .arg(e.upgradeForeignOrigin.origin));
    if (e.tls.selfSignedWaived)
        d->notes.append(QStringLiteral("the certificate is self-signed and was accepted only "
                                       "because of --accept-self-signed: browsers refuse it"));
    if (e.tls.handshakeDone && e.tls.notAfter.isValid()) {
        const qint64 days = QDateTime::currentDateTimeUtc().daysTo(e.tls.notAfter);
        if (days < 14)
            d->notes.append(QStringLiteral("the certificate expires in %1 days").arg(days));
    }
    if (e.silent.end == SilentFacts::End::Survived || e.silent.end == SilentFacts::End::Dropped ||
        e.silent.end == SilentFacts::End::CloseFrame)
        d->notes.append(QStringLiteral("a silent session survived %1; idle timeouts longer "
                                       "than that (Container Apps: 240 s) are not ruled out")
                            .arg(seconds(e.silent.requestedSeconds)));
    else if (e.silent.end == SilentFacts::End::NotRun)
        d->notes.append(QStringLiteral("idle timeout not checked (--silent-seconds N holds a "
                                       "silent session)"));
}

Diagnosis upgradeWorks(const DoctorEvidence &e)
{
    const ProbeResult &u = e.upgrade;
    const SilentFacts &s = e.silent;
    // A session that ends when its time is up anyway has survived what was asked.
    const bool cutEarly =
        (s.end == SilentFacts::End::Dropped || s.end == SilentFacts::End::CloseFrame) &&
        s.endedAfterSeconds < s.requestedSeconds - kSurvivalSlack;
    if (cutEarly && s.endedAfterSeconds >= kShortestIdleTimeout)
        return idleTimeout(e);
    if (cutEarly || s.end == SilentFacts::End::OpenFailed) {
        Diagnosis d;
        d.cause = Cause::Other;
        d.evidence.append(describeProbe(u));
        if (s.end == SilentFacts::End::OpenFailed) {
            d.title = QStringLiteral("upgrades succeed only some of the time");
            d.explanation = QStringLiteral("The first upgrade worked, but a second one "
                                           "failed: %1. A revision or replica behind the "
                                           "proxy is failing.")
                                .arg(s.error);
            d.fix = QStringLiteral("Check each revision and replica that takes traffic.");
        } else {
            d.title = QStringLiteral("sessions are closed right after they open");
            d.explanation = QStringLiteral("A session that sends nothing was closed after "
                                           "%1 (code %2): the server ends sessions that do "
                                           "not speak first, or fails on them.")
                                .arg(seconds(s.endedAfterSeconds))
                                .arg(s.closeCode);
            d.fix = QStringLiteral("Read the app's logs for why it closes new sessions.");
        }
        return d;
    }
    Diagnosis d;
    d.cause = Cause::Healthy;
    d.title = QStringLiteral("the WebSocket upgrade on %1 works").arg(displayPath(e.target));
    d.explanation = QStringLiteral("The upgrade on %1 is answered with 101 and a correct "
                                   "Sec-WebSocket-Accept; no problem was found.")
                        .arg(displayPath(e.target));
    if (e.health.ran())
        d.evidence.append(describeProbe(e.health));
    d.evidence.append(describeProbe(u));
    if (e.upgradeForeignOrigin.ran())
        d.evidence.append(describeProbe(e.upgradeForeignOrigin));
    addHealthyNotes(e, &d);
    return d;
}

} // namespace blueshift::doctor::verdicts
