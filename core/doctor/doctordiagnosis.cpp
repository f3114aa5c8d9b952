#include "doctordiagnosis.h"

#include "doctorverdicts.h"

#include <QJsonArray>

namespace blueshift::doctor {

using namespace verdicts;

QString causeName(Cause cause)
{
    switch (cause) {
    case Cause::Healthy:
        return QStringLiteral("healthy");
    case Cause::Unreachable:
        return QStringLiteral("unreachable");
    case Cause::Tls:
        return QStringLiteral("tls");
    case Cause::Transport:
        return QStringLiteral("transport");
    case Cause::WrongPath:
        return QStringLiteral("wrong_path");
    case Cause::Origin:
        return QStringLiteral("origin");
    case Cause::IdleTimeout:
        return QStringLiteral("idle_timeout");
    case Cause::UpgradeNotSupported:
        return QStringLiteral("upgrade_not_supported");
    case Cause::Other:
        return QStringLiteral("other");
    }
    return QString();
}

QString describeProbe(const ProbeResult &p)
{
    QString what = p.target.isEmpty()
                       ? p.label
                       : (p.upgrade ? QStringLiteral("upgrade GET ") : QStringLiteral("GET ")) +
                             displayPath(p.target);
    if (p.upgrade)
        what += p.origin.isEmpty() ? QStringLiteral(" (no Origin)")
                                   : QStringLiteral(" (Origin %1)").arg(p.origin);
    QString result;
    switch (p.outcome) {
    case ProbeOutcome::NotRun:
        result = QStringLiteral("not run");
        if (!p.error.isEmpty())
            result += QStringLiteral(": ") + p.error;
        break;
    case ProbeOutcome::Connected:
        result = QStringLiteral("connected");
        break;
    case ProbeOutcome::ConnectFailed:
    case ProbeOutcome::TlsFailed:
    case ProbeOutcome::NoResponse:
    case ProbeOutcome::Malformed:
        result = p.error.isEmpty() ? outcomeName(p.outcome) : p.error;
        break;
    case ProbeOutcome::Response:
        result = statusText(p);
        if (p.upgrade && p.status == 101 && !p.acceptValid)
            result += p.acceptPresent ? QStringLiteral(" with a wrong Sec-WebSocket-Accept")
                                      : QStringLiteral(" without Sec-WebSocket-Accept");
        if (p.status != 101 && !p.bodySnippet.isEmpty())
            result += QStringLiteral(": \"%1\"").arg(QString::fromUtf8(p.bodySnippet));
        break;
    }
    QString line = what + QStringLiteral(" -> ") + result;
    if (p.totalMs >= 0 && p.outcome != ProbeOutcome::NotRun) {
        const double ms = p.firstByteMs >= 0 ? p.firstByteMs : p.totalMs;
        line += QStringLiteral(" (%1 ms)").arg(ms, 0, 'f', ms < 10 ? 1 : 0);
    }
    return line;
}

Diagnosis diagnose(const DoctorEvidence &e)
{
    // Reachability and TLS first: nothing above them can be judged without a connection.
    const ProbeResult &first = e.secure && e.tlsProbe.ran() ? e.tlsProbe : e.health;
    if (first.outcome == ProbeOutcome::ConnectFailed)
        return unreachable(e, first);
    if (e.secure && e.tls.checked && (!e.tls.handshakeDone || !e.tls.trusted))
        return tlsProblem(e);
    for (const ProbeResult *p : {&e.health, &e.upgrade}) {
        if (p->outcome == ProbeOutcome::TlsFailed)
            return tlsProblem(e);
        if (p->outcome == ProbeOutcome::ConnectFailed)
            return unreachable(e, *p);
    }
    const ProbeResult &u = e.upgrade;
    if (!u.answered() && !e.health.answered()) {
        ProbeResult silentServer = u.ran() ? u : e.health;
        silentServer.connectFailure = ConnectFailure::None;
        return unreachable(e, silentServer);
    }

    if (u.upgraded())
        return upgradeWorks(e);
    if (!u.answered() || u.status == 101)
        return otherFailure(e);

    // The upgrade was answered, but not with 101.
    if (u.status >= 400 && u.status < 500 && !u.origin.isEmpty() && e.upgradeNoOrigin.upgraded())
        return originProblem(e);
    bool all502 = true;
    for (const ProbeResult *p : upgradeAttempts(e)) {
        if (p->answered() && p->status != 502)
            all502 = false;
    }
    if (u.status == 502 && all502 && e.health.answered() && e.health.status < 500)
        return transport(e);
    if (const ProbeResult *works = otherPathThatUpgrades(e))
        return wrongPath(e, works);
    if (u.status == 404)
        return wrongPath(e, nullptr);
    if ((u.status >= 200 && u.status < 300) || u.status == 426 || u.status == 400)
        return notSupported(e);
    return otherFailure(e);
}

QJsonObject toJson(const Diagnosis &d)
{
    QJsonObject o{{QStringLiteral("cause"), causeName(d.cause)},
                  {QStringLiteral("problem"), d.problem()},
                  {QStringLiteral("title"), d.title},
                  {QStringLiteral("explanation"), d.explanation},
                  {QStringLiteral("evidence"), QJsonArray::fromStringList(d.evidence)},
                  {QStringLiteral("fix"), d.fix},
                  {QStringLiteral("notes"), QJsonArray::fromStringList(d.notes)}};
    if (!d.suggestedPath.isEmpty())
        o.insert(QStringLiteral("suggested_path"), text(d.suggestedPath));
    if (d.idleSeconds >= 0)
        o.insert(QStringLiteral("idle_seconds"), qRound(d.idleSeconds * 100) / 100.0);
    return o;
}

} // namespace blueshift::doctor
