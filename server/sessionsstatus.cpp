#include "sessionsstatus.h"

#include "harness/summarytable.h"

#include <QStringList>

namespace blueshift::server {

QString elapsedText(double seconds)
{
    if (seconds < 0)
        seconds = 0;
    if (seconds < 60)
        return QString::number(seconds, 'f', 1) + QLatin1Char('s');
    const auto total = qint64(seconds);
    const qint64 h = total / 3600;
    const qint64 m = (total / 60) % 60;
    const qint64 s = total % 60;
    const auto two = [](qint64 v) {
        return QString::number(v).rightJustified(2, QLatin1Char('0'));
    };
    if (h == 0)
        return QString::number(m) + QLatin1Char('m') + two(s) + QLatin1Char('s');
    return QString::number(h) + QLatin1Char('h') + two(m) + QLatin1Char('m') + two(s) +
           QLatin1Char('s');
}

QString sessionsStatusLine(const harness::FleetSnapshot &s)
{
    QStringList parts;
    parts.append(elapsedText(s.time));
    parts.append(QStringLiteral("open %1/%2").arg(s.open).arg(s.sessions));
    if (s.connecting > 0)
        parts.append(QStringLiteral("connecting %1").arg(s.connecting));
    if (s.reconnecting > 0)
        parts.append(QStringLiteral("reconnecting %1").arg(s.reconnecting));
    QStringList alive;
    QMap<int, quint64> codes;
    for (const harness::RevisionSummary &r : s.revisions) {
        alive.append(harness::revisionLabel(r.revision) + QLatin1Char(' ') +
                     QString::number(r.alive));
        for (auto it = r.closeCodes.cbegin(); it != r.closeCodes.cend(); ++it)
            codes[it.key()] += it.value();
    }
    if (!alive.isEmpty())
        parts.append(QLatin1Char('[') + alive.join(QStringLiteral(", ")) + QLatin1Char(']'));
    QString closes = QStringLiteral("closes %1").arg(s.closes);
    if (!codes.isEmpty())
        closes += QStringLiteral(" (") + harness::closeCodesText(codes) + QLatin1Char(')');
    parts.append(closes);
    if (s.connectFailures > 0)
        parts.append(QStringLiteral("failures %1").arg(s.connectFailures));
    if (s.reconnects > 0)
        parts.append(QStringLiteral("reconnects %1").arg(s.reconnects));
    if (s.rttMicros.count > 0)
        parts.append(QStringLiteral("rtt p50 %1 ms p99 %2 ms")
                         .arg(harness::millisText(s.rttMicros.p50, s.rttMicros.count),
                              harness::millisText(s.rttMicros.p99, s.rttMicros.count)));
    else
        parts.append(QStringLiteral("rtt -"));
    return parts.join(QStringLiteral("  "));
}

QString fitToWidth(const QString &line, int columns)
{
    if (columns <= 1 || line.size() <= columns)
        return line;
    return line.left(columns - 1) + QChar(0x2026);
}

} // namespace blueshift::server
