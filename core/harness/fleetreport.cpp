#include "fleetreport.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>

#include <algorithm>

namespace blueshift::harness {

namespace {
QByteArray csvField(const QString &text)
{
    QByteArray s = text.toUtf8();
    if (s.contains(',') || s.contains('"') || s.contains('\n') || s.contains('\r')) {
        s.replace("\"", "\"\"");
        s = '"' + s + '"';
    }
    return s;
}

QByteArray seconds(double s)
{
    return s < 0 ? QByteArray() : QByteArray::number(s, 'f', 3);
}

QByteArray millis(quint32 micros, bool present)
{
    return present ? QByteArray::number(double(micros) / 1000.0, 'f', 3) : QByteArray();
}

QJsonObject percentilesMs(const stats::PercentileSummary &s, double divisor)
{
    return {{QStringLiteral("count"), double(s.count)},
            {QStringLiteral("min"), double(s.min) / divisor},
            {QStringLiteral("p50"), double(s.p50) / divisor},
            {QStringLiteral("p90"), double(s.p90) / divisor},
            {QStringLiteral("p99"), double(s.p99) / divisor},
            {QStringLiteral("max"), double(s.max) / divisor}};
}

QJsonObject codeCounts(const QMap<int, quint64> &codes)
{
    QJsonObject o;
    for (auto it = codes.begin(); it != codes.end(); ++it)
        o.insert(QString::number(it.key()), double(it.value()));
    return o;
}

bool writeFile(const QString &path, const QByteArray &data, QString *error)
{
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(data) != data.size() || !f.commit()) {
        if (error)
            *error = QStringLiteral("cannot write %1: %2").arg(path, f.errorString());
        return false;
    }
    return true;
}
} // namespace

QByteArray sessionsCsvHeader()
{
    return "id,state,revision,replica,first_revision,first_open_s,open_s,close_s,close_code,"
           "close_reason,closed_by,close_cause,error,rtt_count,rtt_last_ms,rtt_min_ms,rtt_max_ms,"
           "messages_in,messages_out,audio_deltas,responses,connect_failures,reconnects,"
           "same_revision_reconnects,last_reconnect_s,total_reconnect_s\n";
}

QByteArray sessionCsvRow(const SessionRecord &r)
{
    const bool closed = r.closeTime >= 0;
    const bool rtt = r.rttCount > 0;
    QList<QByteArray> f;
    f << QByteArray::number(r.id) << sessionStateName(r.state).toUtf8() << csvField(r.revision)
      << csvField(r.replica) << csvField(r.firstRevision) << seconds(r.firstOpenTime)
      << seconds(r.openTime) << seconds(r.closeTime)
      << (closed ? QByteArray::number(r.closeCode) : QByteArray()) << csvField(r.closeReason)
      << (closed ? stats::closeSideName(r.closedBy).toUtf8() : QByteArray())
      << (closed ? stats::closeCauseName(r.closeCause).toUtf8() : QByteArray()) << csvField(r.error)
      << QByteArray::number(r.rttCount) << millis(r.rttLastUs, rtt) << millis(r.rttMinUs, rtt)
      << millis(r.rttMaxUs, rtt) << QByteArray::number(r.messagesIn)
      << QByteArray::number(r.messagesOut) << QByteArray::number(r.audioDeltas)
      << QByteArray::number(r.responses) << QByteArray::number(r.connectFailures)
      << QByteArray::number(r.reconnects) << QByteArray::number(r.sameRevisionReconnects)
      << seconds(r.lastReconnectSeconds) << seconds(r.totalReconnectSeconds);
    return f.join(',') + '\n';
}

QByteArray sessionsCsv(const QList<SessionRecord> &records)
{
    QByteArray out = sessionsCsvHeader();
    out.reserve(out.size() + records.size() * 120);
    for (const SessionRecord &r : records)
        out += sessionCsvRow(r);
    return out;
}

QJsonObject eventJson(const SessionEvent &e)
{
    QJsonObject o{{QStringLiteral("t"), e.time},
                  {QStringLiteral("event"),
                   QString(QStringLiteral("session.") + sessionEventKindName(e.kind))},
                  {QStringLiteral("session"), e.session}};
    switch (e.kind) {
    case SessionEvent::Kind::Opened:
        o.insert(QStringLiteral("revision"), e.revision);
        o.insert(QStringLiteral("replica"), e.replica);
        if (e.reconnect) {
            o.insert(QStringLiteral("reconnect_s"), e.seconds);
            o.insert(QStringLiteral("same_revision"), e.sameRevision);
            o.insert(QStringLiteral("attempt"), e.attempt);
        }
        break;
    case SessionEvent::Kind::Closed:
        o.insert(QStringLiteral("revision"), e.revision);
        o.insert(QStringLiteral("replica"), e.replica);
        o.insert(QStringLiteral("code"), e.code);
        o.insert(QStringLiteral("reason"), e.reason);
        o.insert(QStringLiteral("closed_by"), stats::closeSideName(e.side));
        o.insert(QStringLiteral("cause"), stats::closeCauseName(e.cause));
        o.insert(QStringLiteral("open_s"), e.seconds);
        if (!e.error.isEmpty())
            o.insert(QStringLiteral("error"), e.error);
        break;
    case SessionEvent::Kind::ConnectFailed:
        o.insert(QStringLiteral("error"), e.error);
        o.insert(QStringLiteral("attempt"), e.attempt);
        break;
    case SessionEvent::Kind::Retrying:
        o.insert(QStringLiteral("delay_s"), e.seconds);
        o.insert(QStringLiteral("attempt"), e.attempt);
        break;
    case SessionEvent::Kind::Attributed:
        o.insert(QStringLiteral("revision"), e.revision);
        break;
    }
    return o;
}

QJsonObject timelineJson(const TimelineEntry &entry)
{
    QJsonObject o = entry.fields;
    o.insert(QStringLiteral("t"), entry.time);
    o.insert(QStringLiteral("event"), entry.kind);
    if (entry.step >= 0)
        o.insert(QStringLiteral("step"), entry.step);
    return o;
}

QByteArray eventsJsonl(const QList<TimelineEntry> &timeline, const std::deque<SessionEvent> &events)
{
    // Both lists are nearly in time order already; a stable merge keeps equal times as given,
    // the timeline first (a step owns its own start instant).
    QList<const TimelineEntry *> steps;
    for (const auto &t : timeline)
        steps.append(&t);
    std::stable_sort(
        steps.begin(), steps.end(),
        [](const TimelineEntry *a, const TimelineEntry *b) { return a->time < b->time; });
    std::vector<const SessionEvent *> evs;
    evs.reserve(events.size());
    for (const auto &e : events)
        evs.push_back(&e);
    std::stable_sort(evs.begin(), evs.end(), [](const SessionEvent *a, const SessionEvent *b) {
        return a->time < b->time;
    });
    QByteArray out;
    qsizetype i = 0;
    std::size_t j = 0;
    while (i < steps.size() || j < evs.size()) {
        const bool takeStep =
            j >= evs.size() || (i < steps.size() && steps[i]->time <= evs[j]->time);
        const QJsonObject o = takeStep ? timelineJson(*steps[i++]) : eventJson(*evs[j++]);
        out += QJsonDocument(o).toJson(QJsonDocument::Compact);
        out += '\n';
    }
    return out;
}

QJsonObject summaryJson(const RevisionSummary &s)
{
    return {{QStringLiteral("revision"), s.revision},
            {QStringLiteral("opened"), double(s.opened)},
            {QStringLiteral("alive"), s.alive},
            {QStringLiteral("closed"), double(s.closed)},
            {QStringLiteral("close_codes"), codeCounts(s.closeCodes)},
            {QStringLiteral("reconnects_landed"), double(s.reconnectsLanded)},
            {QStringLiteral("same_revision_reconnects"), double(s.sameRevisionReconnects)},
            {QStringLiteral("rtt_ms"), percentilesMs(s.rttMicros, 1000.0)}};
}

QJsonObject reportJson(const FleetConfig &config, const QDateTime &startedAt,
                       const FleetSnapshot &snap, const stats::CloseTally &closes,
                       const QList<TimelineEntry> &timeline)
{
    QJsonArray revisions;
    for (const RevisionSummary &s : snap.revisions)
        revisions.append(summaryJson(s));
    QJsonArray steps;
    const stats::StepTimeline &st = closes.timeline();
    for (int i = -1; i < st.size(); ++i) {
        const QMap<int, quint64> codes = closes.codesForStep(i);
        if (i < 0 && codes.isEmpty())
            continue;
        QJsonObject step{{QStringLiteral("index"), i},
                         {QStringLiteral("name"), st.stepName(i)},
                         {QStringLiteral("start_s"), i < 0 ? 0.0 : st.step(i).start},
                         {QStringLiteral("close_codes"), codeCounts(codes)}};
        steps.append(step);
    }
    QJsonArray tally;
    for (const stats::CloseTallyRow &row : closes.rows()) {
        tally.append(QJsonObject{{QStringLiteral("step"), row.step},
                                 {QStringLiteral("revision"), row.revision},
                                 {QStringLiteral("code"), row.code},
                                 {QStringLiteral("closed_by"), stats::closeSideName(row.side)},
                                 {QStringLiteral("count"), double(row.count)}});
    }
    QJsonArray events;
    for (const TimelineEntry &t : timeline)
        events.append(timelineJson(t));
    return {
        {QStringLiteral("config"), toJson(config)},
        {QStringLiteral("started_at"), startedAt.toString(Qt::ISODateWithMs)},
        {QStringLiteral("duration_s"), snap.time},
        {QStringLiteral("totals"),
         QJsonObject{{QStringLiteral("sessions"), snap.sessions},
                     {QStringLiteral("open"), snap.open},
                     {QStringLiteral("connecting"), snap.connecting},
                     {QStringLiteral("reconnecting"), snap.reconnecting},
                     {QStringLiteral("closed"), snap.closed},
                     {QStringLiteral("never_started"), snap.waiting},
                     {QStringLiteral("connections_opened"), double(snap.opened)},
                     {QStringLiteral("closes"), double(snap.closes)},
                     {QStringLiteral("connect_failures"), double(snap.connectFailures)},
                     {QStringLiteral("reconnects"), double(snap.reconnects)},
                     {QStringLiteral("rtt_ms"), percentilesMs(snap.rttMicros, 1000.0)},
                     {QStringLiteral("reconnect_ms"), percentilesMs(snap.reconnectMillis, 1.0)}}},
        {QStringLiteral("revisions"), revisions},
        {QStringLiteral("steps"), steps},
        {QStringLiteral("closes"), tally},
        {QStringLiteral("timeline"), events},
    };
}

bool writeReport(const Fleet &fleet, const QString &directory, QString *error)
{
    if (!QDir().mkpath(directory)) {
        if (error)
            *error = QStringLiteral("cannot create %1").arg(directory);
        return false;
    }
    const QDir dir(directory);
    const QJsonObject report = reportJson(fleet.config(), fleet.startedAt(), fleet.snapshot(),
                                          fleet.stats().closes(), fleet.timeline());
    return writeFile(dir.filePath(QStringLiteral("report.json")),
                     QJsonDocument(report).toJson(QJsonDocument::Indented), error) &&
           writeFile(dir.filePath(QStringLiteral("sessions.csv")), sessionsCsv(fleet.sessions()),
                     error) &&
           writeFile(dir.filePath(QStringLiteral("events.jsonl")),
                     eventsJsonl(fleet.timeline(), fleet.events()), error);
}

} // namespace blueshift::harness
