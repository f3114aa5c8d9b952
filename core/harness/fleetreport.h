#pragma once

#include "fleet.h"

#include <QByteArray>
#include <QJsonObject>

#include <deque>

namespace blueshift::harness {

// The files a run leaves behind: report.json (configuration, totals, per-revision summary,
// closes by step), sessions.csv (one row per session) and events.jsonl (the timeline and every
// session lifecycle event, in time order). Header values never appear in any of them.

QByteArray sessionsCsvHeader();
QByteArray sessionCsvRow(const SessionRecord &record);
QByteArray sessionsCsv(const QList<SessionRecord> &records);

QJsonObject eventJson(const SessionEvent &event);
QJsonObject timelineJson(const TimelineEntry &entry);
// Timeline entries and session events merged by time, one JSON object per line.
QByteArray eventsJsonl(const QList<TimelineEntry> &timeline,
                       const std::deque<SessionEvent> &events);

QJsonObject summaryJson(const RevisionSummary &summary);
QJsonObject reportJson(const FleetConfig &config, const QDateTime &startedAt,
                       const FleetSnapshot &snapshot, const stats::CloseTally &closes,
                       const QList<TimelineEntry> &timeline);

bool writeReport(const Fleet &fleet, const QString &directory, QString *error);

} // namespace blueshift::harness
