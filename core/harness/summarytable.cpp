#include "summarytable.h"

#include <QStringList>

#include <algorithm>

namespace blueshift::harness {

namespace {
enum class Align { Left, Right };

struct Column
{
    QString title;
    Align align;
};
} // namespace

QString closeCodesText(const QMap<int, quint64> &codes)
{
    QStringList parts;
    for (auto it = codes.cbegin(); it != codes.cend(); ++it) {
        if (it.value() > 0)
            parts.append(QString::number(it.key()) + QChar(0x00D7) + QString::number(it.value()));
    }
    return parts.isEmpty() ? QStringLiteral("-") : parts.join(QLatin1Char(' '));
}

QString millisText(qint64 micros, quint64 count)
{
    if (count == 0)
        return QStringLiteral("-");
    return QString::number(double(micros) / 1000.0, 'f', 2);
}

QString revisionLabel(const QString &revision)
{
    return revision.isEmpty() ? QStringLiteral("(unattributed)") : revision;
}

QString summaryTable(const FleetSnapshot &snapshot)
{
    const QList<Column> columns = {
        {QStringLiteral("revision"), Align::Left},    {QStringLiteral("opened"), Align::Right},
        {QStringLiteral("alive"), Align::Right},      {QStringLiteral("closed"), Align::Right},
        {QStringLiteral("close codes"), Align::Left}, {QStringLiteral("rtt p50 ms"), Align::Right},
        {QStringLiteral("rtt p99 ms"), Align::Right},
    };
    QList<QStringList> rows;
    rows.append([&] {
        QStringList titles;
        for (const Column &c : columns)
            titles.append(c.title);
        return titles;
    }());

    // A stable order: as the revisions appeared, the unnamed one last (it is the odd one out).
    QList<const RevisionSummary *> ordered;
    for (const RevisionSummary &r : snapshot.revisions)
        ordered.append(&r);
    std::stable_partition(ordered.begin(), ordered.end(),
                          [](const RevisionSummary *r) { return !r->revision.isEmpty(); });

    quint64 opened = 0;
    qint64 alive = 0;
    quint64 closed = 0;
    QMap<int, quint64> codes;
    for (const RevisionSummary *r : std::as_const(ordered)) {
        rows.append({revisionLabel(r->revision), QString::number(r->opened),
                     QString::number(r->alive), QString::number(r->closed),
                     closeCodesText(r->closeCodes),
                     millisText(r->rttMicros.p50, r->rttMicros.count),
                     millisText(r->rttMicros.p99, r->rttMicros.count)});
        opened += r->opened;
        alive += r->alive;
        closed += r->closed;
        for (auto it = r->closeCodes.cbegin(); it != r->closeCodes.cend(); ++it)
            codes[it.key()] += it.value();
    }
    // Percentiles do not add up across revisions: the totals row takes the fleet's own.
    rows.append({QStringLiteral("total"), QString::number(opened), QString::number(alive),
                 QString::number(closed), closeCodesText(codes),
                 millisText(snapshot.rttMicros.p50, snapshot.rttMicros.count),
                 millisText(snapshot.rttMicros.p99, snapshot.rttMicros.count)});

    QList<qsizetype> widths(columns.size(), 0);
    for (const QStringList &row : std::as_const(rows)) {
        for (qsizetype i = 0; i < columns.size(); ++i)
            widths[i] = std::max(widths[i], row.at(i).size());
    }
    QString out;
    for (const QStringList &row : std::as_const(rows)) {
        QString line;
        for (qsizetype i = 0; i < columns.size(); ++i) {
            if (i > 0)
                line += QStringLiteral("  ");
            const QString &cell = row.at(i);
            line += columns.at(i).align == Align::Left ? cell.leftJustified(widths[i])
                                                       : cell.rightJustified(widths[i]);
        }
        // Trailing spaces from a left-aligned last column would only get in a diff's way.
        while (line.endsWith(QLatin1Char(' ')))
            line.chop(1);
        out += line + QLatin1Char('\n');
    }
    return out;
}

} // namespace blueshift::harness
