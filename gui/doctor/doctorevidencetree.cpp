#include "doctorevidencetree.h"

#include "doctor/doctordiagnosis.h"

#include <QBrush>
#include <QColor>
#include <QHeaderView>

namespace blueshift::gui {

using doctor::DoctorEvidence;
using doctor::ProbeResult;
using doctor::SilentFacts;

namespace {
QString ms(double v)
{
    return QString::number(v, 'f', v < 10 ? 1 : 0) + QStringLiteral(" ms");
}

QString timings(const ProbeResult &p)
{
    QStringList parts;
    if (p.connectMs >= 0)
        parts.append(QObject::tr("connect %1").arg(ms(p.connectMs)));
    if (p.tlsMs >= 0)
        parts.append(QObject::tr("TLS %1").arg(ms(p.tlsMs)));
    if (p.firstByteMs >= 0)
        parts.append(QObject::tr("first byte %1").arg(ms(p.firstByteMs)));
    if (p.totalMs >= 0)
        parts.append(QObject::tr("total %1").arg(ms(p.totalMs)));
    return parts.join(QStringLiteral(", "));
}

QString request(const ProbeResult &p)
{
    QString r = (p.upgrade ? QStringLiteral("upgrade GET ") : QStringLiteral("GET ")) +
                QString::fromLatin1(p.target);
    if (p.upgrade)
        r += p.origin.isEmpty() ? QObject::tr(", no Origin")
                                : QObject::tr(", Origin %1").arg(p.origin);
    return r;
}

QColor markColour(DoctorEvidenceTree::Mark mark)
{
    switch (mark) {
    case DoctorEvidenceTree::Mark::Ok:
        return QColor(0x1f, 0x7a, 0x3a);
    case DoctorEvidenceTree::Mark::Fail:
        return QColor(0xb0, 0x1c, 0x1c);
    case DoctorEvidenceTree::Mark::Warn:
        return QColor(0xa3, 0x5f, 0x00);
    case DoctorEvidenceTree::Mark::Info:
    case DoctorEvidenceTree::Mark::Skipped:
        break;
    }
    return QColor(0x57, 0x60, 0x6a);
}

void child(QTreeWidgetItem *parent, const QString &what, const QString &value)
{
    if (value.isEmpty())
        return;
    auto *item = new QTreeWidgetItem(parent, {what, value});
    item->setToolTip(1, value);
}
} // namespace

DoctorEvidenceTree::DoctorEvidenceTree(QWidget *parent)
    : QTreeWidget(parent)
{
    setObjectName(QStringLiteral("doctorEvidence"));
    setColumnCount(2);
    setHeaderLabels({tr("Probe"), tr("What came back")});
    setAlternatingRowColors(true);
    setUniformRowHeights(true);
    header()->setStretchLastSection(true);
    setColumnWidth(0, 260);
}

QString DoctorEvidenceTree::markGlyph(Mark mark)
{
    switch (mark) {
    case Mark::Ok:
        return QStringLiteral("✓");
    case Mark::Fail:
        return QStringLiteral("✗");
    case Mark::Warn:
        return QStringLiteral("!");
    case Mark::Info:
        return QStringLiteral("·");
    case Mark::Skipped:
        return QStringLiteral("–");
    }
    return {};
}

QTreeWidgetItem *DoctorEvidenceTree::top(Mark mark, const QString &label, const QString &summary)
{
    auto *item = new QTreeWidgetItem(this, {markGlyph(mark) + QLatin1Char(' ') + label, summary});
    item->setData(0, Qt::UserRole, label);
    item->setData(0, Qt::UserRole + 1, int(mark));
    item->setForeground(0, QBrush(markColour(mark)));
    if (mark == Mark::Skipped)
        item->setForeground(1, QBrush(markColour(mark)));
    item->setToolTip(1, summary);
    return item;
}

QTreeWidgetItem *DoctorEvidenceTree::probeItem(const QString &label) const
{
    for (int i = 0; i < topLevelItemCount(); ++i) {
        if (topLevelItem(i)->data(0, Qt::UserRole).toString() == label)
            return topLevelItem(i);
    }
    return nullptr;
}

QTreeWidgetItem *DoctorEvidenceTree::addProbe(const ProbeResult &p, Mark mark,
                                              const QString &comment)
{
    if (!p.ran())
        return top(Mark::Skipped, p.label,
                   tr("%1 — %2").arg(request(p), p.error.isEmpty() ? tr("not needed") : p.error));
    QString summary = doctor::describeProbe(p);
    if (!comment.isEmpty())
        summary += QStringLiteral(" — ") + comment;
    QTreeWidgetItem *item = top(mark, p.label, summary);
    child(item, tr("Request"), request(p));
    if (!p.answered()) {
        child(item, tr("Error"), p.error.isEmpty() ? doctor::outcomeName(p.outcome) : p.error);
    } else {
        child(item, tr("Status line"), QString::fromLatin1(p.statusLine));
        for (const auto &h : p.headers) {
            QString value = QString::fromLatin1(h.second);
            if (h.first.compare("Sec-WebSocket-Accept", Qt::CaseInsensitive) == 0)
                value += p.acceptValid ? tr("  (correct)") : tr("  (WRONG)");
            child(item, QString::fromLatin1(h.first), value);
        }
        if (p.upgrade && p.status == 101 && !p.acceptPresent)
            child(item, tr("Sec-WebSocket-Accept"), tr("missing"));
        child(item, tr("Body"), QString::fromUtf8(p.bodySnippet));
    }
    child(item, tr("Peer"), p.peerAddress);
    child(item, tr("Timing"), timings(p));
    return item;
}

void DoctorEvidenceTree::addTls(const DoctorEvidence &e)
{
    const doctor::TlsFacts &t = e.tls;
    if (!e.tlsProbe.ran()) {
        addProbe(e.tlsProbe, Mark::Skipped);
        return;
    }
    if (!t.checked) {
        QTreeWidgetItem *item = top(Mark::Fail, tr("TLS handshake"), e.tlsProbe.error);
        child(item, tr("Endpoint"), e.endpoint());
        return;
    }
    const Mark mark =
        t.handshakeDone && t.trusted ? (t.selfSignedWaived ? Mark::Warn : Mark::Ok) : Mark::Fail;
    QTreeWidgetItem *item =
        top(mark, tr("TLS handshake"),
            t.handshakeDone ? tr("%1 with %2%3")
                                  .arg(t.protocol, e.endpoint(),
                                       t.trusted ? QString() : tr(", certificate NOT trusted"))
                            : tr("failed: %1").arg(t.failure));
    child(item, tr("Cipher"), t.cipher);
    child(item, tr("ALPN"), t.alpn.isEmpty() ? tr("none") : t.alpn);
    child(item, tr("Subject"), t.subject);
    child(item, tr("Issuer"), t.issuer);
    child(item, tr("Names"), t.subjectAltNames.join(QStringLiteral(", ")));
    if (t.notAfter.isValid())
        child(item, tr("Valid"),
              tr("%1 to %2%3")
                  .arg(t.notBefore.toUTC().toString(Qt::ISODate),
                       t.notAfter.toUTC().toString(Qt::ISODate),
                       t.expired ? tr(" (EXPIRED)") : QString()));
    child(item, tr("Host name matches"), t.hostMatches ? tr("yes") : tr("NO"));
    if (t.verificationErrors.isEmpty())
        child(item, tr("Verification"),
              e.customCa ? tr("passed (against the CA file)") : tr("passed"));
    for (const QString &err : t.verificationErrors)
        child(item, tr("Verification"),
              err + (t.selfSignedWaived ? tr(" (accepted: self-signed allowed)") : QString()));
    child(item, tr("Peer"), e.tlsProbe.peerAddress);
    child(item, tr("Timing"), timings(e.tlsProbe));
}

void DoctorEvidenceTree::addSilent(const SilentFacts &s)
{
    const QString label = tr("Silent session");
    if (s.end == SilentFacts::End::NotRun) {
        top(Mark::Skipped, label,
            s.requestedSeconds > 0 ? tr("not run (the upgrade does not work)")
                                   : tr("not asked for (silent seconds 0)"));
        return;
    }
    const QString requested = QString::number(s.requestedSeconds);
    const QString after = QString::number(s.endedAfterSeconds, 'f', 1);
    QTreeWidgetItem *item = nullptr;
    switch (s.end) {
    case SilentFacts::End::Survived:
        item = top(Mark::Ok, label, tr("open for %1 s without traffic, as asked").arg(requested));
        break;
    case SilentFacts::End::Dropped:
        item = top(Mark::Fail, label,
                   tr("dropped after %1 s of the %2 s asked for, without a close frame (1006)")
                       .arg(after, requested));
        break;
    case SilentFacts::End::CloseFrame:
        item = top(Mark::Fail, label,
                   tr("closed with code %1 after %2 s of the %3 s asked for")
                       .arg(s.closeCode)
                       .arg(after, requested));
        child(item, tr("Reason"), QString::fromUtf8(s.closeReason));
        break;
    case SilentFacts::End::OpenFailed:
        top(Mark::Fail, label, tr("could not open: %1").arg(s.error));
        return;
    case SilentFacts::End::NotRun:
        return;
    }
    child(item, tr("Server pings answered"), QString::number(s.serverPings));
    child(item, tr("Server messages"), QString::number(s.serverMessages));
    child(item, tr("Error"), s.error);
}

void DoctorEvidenceTree::showEvidence(const DoctorEvidence &e)
{
    clear();
    if (e.secure)
        addTls(e);
    const ProbeResult &h = e.health;
    addProbe(h, h.answered() && h.status < 400 ? Mark::Ok : Mark::Fail);
    addProbe(e.upgrade, e.upgrade.upgraded() ? Mark::Ok : Mark::Fail);
    if (e.upgradeNoOrigin.ran() || !e.upgradeNoOrigin.error.isEmpty())
        addProbe(e.upgradeNoOrigin, e.upgradeNoOrigin.upgraded() ? Mark::Ok : Mark::Fail);
    const ProbeResult &f = e.upgradeForeignOrigin;
    if (f.upgraded())
        addProbe(f, Mark::Warn, tr("accepted: any site may open sessions"));
    else if (f.answered() && e.upgrade.upgraded())
        addProbe(f, Mark::Ok, tr("refused, as it should be"));
    else
        addProbe(f, f.answered() ? Mark::Info : Mark::Fail);
    if (e.socketIo.upgraded())
        addProbe(e.socketIo, Mark::Ok);
    else if (e.socketIo.answered())
        addProbe(e.socketIo, Mark::Info,
                 e.socketIo.status == 404 ? tr("not served here") : QString());
    else
        addProbe(e.socketIo, e.socketIo.ran() ? Mark::Fail : Mark::Skipped);
    for (const ProbeResult &p : e.alternativePaths)
        addProbe(p, p.upgraded() ? Mark::Ok : Mark::Info,
                 p.upgraded() ? tr("upgrades") : QString());
    addSilent(e.silent);
}

} // namespace blueshift::gui
