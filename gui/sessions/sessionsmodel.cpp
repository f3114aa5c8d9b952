#include "sessionsmodel.h"

#include "harness/fleet.h"
#include "websocket/closecode.h"

#include <QColor>
#include <QIcon>
#include <QPainter>
#include <QPixmap>

#include <algorithm>
#include <cmath>

namespace blueshift::gui {

using harness::SessionRecord;
using harness::SessionState;

namespace {
constexpr int kDefaultAgeTickMs = 1000;

// Above this many runs in one batch, runs with the same columns are reported as one range.
constexpr qsizetype kMaxRuns = 32;

bool hasClosed(const SessionRecord &r)
{
    return r.closeCode != 0;
}

QColor stateColor(SessionState state)
{
    switch (state) {
    case SessionState::Waiting:
        return QColor(0xbd, 0xbd, 0xbd);
    case SessionState::Connecting:
        return QColor(0xed, 0xc9, 0x48);
    case SessionState::Open:
        return QColor(0x3f, 0xa3, 0x4d);
    case SessionState::Reconnecting:
        return QColor(0xf2, 0x8e, 0x2b);
    case SessionState::Closed:
        return QColor(0x8c, 0x8c, 0x8c);
    }
    return {};
}

QString reasonText(const SessionRecord &r)
{
    if (!r.closeReason.isEmpty())
        return r.closeReason;
    return r.error;
}

QString milliseconds(quint32 micros)
{
    return QString::number(double(micros) / 1000.0, 'f', micros < 10000 ? 2 : 1) +
           QLatin1String(" ms");
}
} // namespace

SessionsModel::SessionsModel(QObject *parent)
    : QAbstractTableModel(parent)
{
    m_ageTimer.setInterval(kDefaultAgeTickMs);
    connect(&m_ageTimer, &QTimer::timeout, this, &SessionsModel::tickAges);
}

SessionsModel::~SessionsModel() = default;

void SessionsModel::setFleet(harness::Fleet *fleet)
{
    disconnect(m_fleetConnection);
    clear();
    m_fleet = fleet;
    if (!fleet) {
        m_clock = nullptr;
        return;
    }
    const QPointer<harness::Fleet> guarded(fleet);
    m_clock = [guarded] { return guarded ? guarded->now() : 0.0; };
    m_fleetConnection =
        connect(fleet, &harness::Fleet::sessionsChanged, this, &SessionsModel::applyBatch);
    // A fleet that already runs: take what it has, then follow its batches.
    if (fleet->state() != harness::Fleet::State::Idle)
        applyBatch(fleet->sessions());
}

void SessionsModel::setClock(std::function<double()> now)
{
    m_clock = std::move(now);
}

double SessionsModel::now() const
{
    return m_clock ? m_clock() : 0.0;
}

void SessionsModel::clear()
{
    beginResetModel();
    m_rows.clear();
    m_rowOfId.clear();
    m_revisions.clear();
    m_stateCounts.fill(0);
    endResetModel();
    m_ageTimer.stop();
}

void SessionsModel::countState(SessionState state, int delta)
{
    m_stateCounts[std::size_t(state)] += delta;
}

void SessionsModel::noteRevision(const QString &revision)
{
    // Sessions that have not opened yet have no revision; they do not make an entry.
    if (revision.isEmpty() || m_revisions.contains(revision))
        return;
    m_revisions.append(revision);
    Q_EMIT revisionAdded(revision);
}

std::pair<int, int> SessionsModel::changedColumns(const SessionRecord &a, const SessionRecord &b)
{
    std::array<bool, ColumnCount> changed{};
    changed[Revision] = a.revision != b.revision;
    changed[Replica] = a.replica != b.replica;
    changed[State] = a.state != b.state || a.connectFailures != b.connectFailures;
    changed[Age] = a.state != b.state || a.openTime != b.openTime || a.closeTime != b.closeTime;
    changed[Rtt] = a.rttLastUs != b.rttLastUs || a.rttCount != b.rttCount ||
                   a.rttMinUs != b.rttMinUs || a.rttMaxUs != b.rttMaxUs;
    changed[Reconnects] = a.reconnects != b.reconnects;
    changed[CloseCode] = a.closeCode != b.closeCode;
    changed[Reason] = a.closeReason != b.closeReason || a.error != b.error;
    changed[ClosedBy] = a.closedBy != b.closedBy || a.closeCode != b.closeCode;
    int first = ColumnCount;
    int last = -1;
    for (int c = 0; c < ColumnCount; ++c) {
        if (changed[std::size_t(c)]) {
            first = std::min(first, c);
            last = c;
        }
    }
    return {first, last};
}

void SessionsModel::applyBatch(const QList<SessionRecord> &changed)
{
    m_now = now();
    QList<RowUpdate> updates;
    QList<SessionRecord> fresh;
    QHash<int, qsizetype> freshIndex; // a hand-built batch may name a new session twice
    for (const SessionRecord &r : changed) {
        if (r.id < 0)
            continue;
        const int row = m_rowOfId.value(r.id, -1);
        if (row < 0) {
            const auto it = freshIndex.constFind(r.id);
            if (it != freshIndex.cend()) {
                fresh[it.value()] = r;
            } else {
                freshIndex.insert(r.id, fresh.size());
                fresh.append(r);
            }
            continue;
        }
        SessionRecord &old = m_rows[row];
        const auto [first, last] = changedColumns(old, r);
        countState(old.state, -1);
        countState(r.state, +1);
        old = r;
        if (first <= last)
            updates.append({row, first, last});
    }

    const qsizetype updated = updates.size();
    emitRuns(std::move(updates));

    if (!fresh.isEmpty()) {
        // New sessions in id order, so that an unsorted table reads naturally.
        std::sort(fresh.begin(), fresh.end(),
                  [](const SessionRecord &a, const SessionRecord &b) { return a.id < b.id; });
        const int start = int(m_rows.size());
        beginInsertRows(QModelIndex(), start, start + int(fresh.size()) - 1);
        m_rows.reserve(m_rows.size() + fresh.size());
        for (const SessionRecord &r : std::as_const(fresh)) {
            m_rowOfId.insert(r.id, int(m_rows.size()));
            countState(r.state, +1);
            m_rows.append(r);
        }
        endInsertRows();
    }
    // Revisions are announced once the rows that carry them are in.
    for (const SessionRecord &r : changed)
        noteRevision(r.revision);

    if (count(SessionState::Open) > 0 && m_ageTimer.interval() > 0) {
        if (!m_ageTimer.isActive())
            m_ageTimer.start();
    } else if (m_ageTimer.isActive()) {
        m_ageTimer.stop();
        tickAges(); // the last ages, frozen at close
    }
    Q_EMIT batchApplied(int(fresh.size()), int(updated));
}

void SessionsModel::emitRuns(QList<RowUpdate> updates)
{
    // Runs of adjacent rows, each over the union of its rows' changed columns.
    struct Run
    {
        int top, bottom, first, last;
    };
    std::sort(updates.begin(), updates.end(),
              [](const RowUpdate &a, const RowUpdate &b) { return a.row < b.row; });
    QList<Run> runs;
    for (const RowUpdate &u : std::as_const(updates)) {
        if (!runs.isEmpty() && u.row <= runs.last().bottom + 1) {
            Run &r = runs.last();
            r.bottom = u.row;
            r.first = std::min(r.first, u.first);
            r.last = std::max(r.last, u.last);
        } else {
            runs.append({u.row, u.row, u.first, u.last});
        }
    }
    if (runs.size() <= kMaxRuns) {
        for (const Run &r : std::as_const(runs))
            Q_EMIT dataChanged(index(r.top, r.first), index(r.bottom, r.last));
        return;
    }
    // Scattered changes (10,000 sessions pinging, blue's sessions closing all over the table):
    // runs that changed the same columns become one range when there are many of them. A
    // proxy sorted on a changed column re-sorts once per signal, and hundreds of re-sorts cost
    // more than one pass over the rows in between; grouping by columns keeps the many pings
    // (RTT only) from dragging the few closes' columns over the whole table.
    QList<QList<Run>> groups;
    for (const Run &r : std::as_const(runs)) {
        auto it = std::find_if(groups.begin(), groups.end(), [&](const QList<Run> &g) {
            return g.first().first == r.first && g.first().last == r.last;
        });
        if (it == groups.end())
            groups.append({r});
        else
            it->append(r);
    }
    for (const QList<Run> &g : std::as_const(groups)) {
        if (g.size() > kMaxRuns) {
            Q_EMIT dataChanged(index(g.first().top, g.first().first),
                               index(g.last().bottom, g.first().last));
            continue;
        }
        for (const Run &r : g)
            Q_EMIT dataChanged(index(r.top, r.first), index(r.bottom, r.last));
    }
}

void SessionsModel::setAgeTickInterval(int milliseconds)
{
    m_ageTimer.setInterval(std::max(0, milliseconds));
    if (milliseconds <= 0)
        m_ageTimer.stop();
    else if (count(SessionState::Open) > 0)
        m_ageTimer.start();
}

void SessionsModel::tickAges()
{
    m_now = now();
    if (m_rows.isEmpty())
        return;
    Q_EMIT dataChanged(index(0, Age), index(int(m_rows.size()) - 1, Age),
                       {Qt::DisplayRole, SortRole});
}

int SessionsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int SessionsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

double SessionsModel::age(const SessionRecord &r) const
{
    if (r.state == SessionState::Open && r.openTime >= 0)
        return std::max(0.0, m_now - r.openTime);
    if (r.openTime >= 0 && r.closeTime >= r.openTime)
        return r.closeTime - r.openTime;
    return -1;
}

QString SessionsModel::formatAge(double seconds)
{
    if (seconds < 0)
        return {};
    const auto s = qint64(std::floor(seconds));
    if (s < 60)
        return QStringLiteral("%1 s").arg(s);
    if (s < 3600)
        return QStringLiteral("%1 min %2 s").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1 h %2 min").arg(s / 3600).arg((s / 60) % 60, 2, 10, QLatin1Char('0'));
}

QString SessionsModel::stateText(SessionState state)
{
    return harness::sessionStateName(state);
}

QVariant SessionsModel::display(const SessionRecord &r, int column) const
{
    switch (Column(column)) {
    case Id:
        return r.id;
    case Revision:
        return r.revision;
    case Replica:
        return r.replica;
    case State:
        return stateText(r.state);
    case Age:
        return formatAge(age(r));
    case Rtt:
        return r.rttCount ? milliseconds(r.rttLastUs) : QString();
    case Reconnects:
        return r.reconnects;
    case CloseCode: {
        if (!hasClosed(r))
            return QString();
        QString name = websocket::closeCodeName(r.closeCode);
        name.replace(u'_', u' ');
        return QString(QString::number(r.closeCode) % u' ' % name);
    }
    case Reason:
        return reasonText(r);
    case ClosedBy:
        return hasClosed(r) ? stats::closeSideName(r.closedBy) : QString();
    case ColumnCount:
        break;
    }
    return {};
}

QVariant SessionsModel::sortValue(const SessionRecord &r, int column) const
{
    switch (Column(column)) {
    case Id:
        return r.id;
    case Revision:
        return r.revision;
    case Replica:
        return r.replica;
    case State:
        return int(r.state);
    case Age:
        return age(r);
    case Rtt:
        return r.rttCount ? qint64(r.rttLastUs) : qint64(-1);
    case Reconnects:
        return r.reconnects;
    case CloseCode:
        return r.closeCode;
    case Reason:
        return reasonText(r);
    case ClosedBy:
        return hasClosed(r) ? int(r.closedBy) : -1;
    case ColumnCount:
        break;
    }
    return {};
}

bool SessionsModel::lessThan(int leftRow, int rightRow, int column) const
{
    const SessionRecord &a = m_rows.at(leftRow);
    const SessionRecord &b = m_rows.at(rightRow);
    auto byId = [&] { return a.id < b.id; };
    auto numbers = [&](auto x, auto y) { return x != y ? x < y : byId(); };
    auto texts = [&](const QString &x, const QString &y) {
        const int c = QString::compare(x, y, Qt::CaseInsensitive);
        return c != 0 ? c < 0 : byId();
    };
    switch (Column(column)) {
    case Id:
        return byId();
    case Revision:
        return texts(a.revision, b.revision);
    case Replica:
        return texts(a.replica, b.replica);
    case State:
        return numbers(int(a.state), int(b.state));
    case Age:
        return numbers(age(a), age(b));
    case Rtt:
        return numbers(a.rttCount ? qint64(a.rttLastUs) : -1,
                       b.rttCount ? qint64(b.rttLastUs) : -1);
    case Reconnects:
        return numbers(a.reconnects, b.reconnects);
    case CloseCode:
        return numbers(a.closeCode, b.closeCode);
    case Reason:
        return texts(reasonText(a), reasonText(b));
    case ClosedBy:
        return numbers(hasClosed(a) ? int(a.closedBy) : -1, hasClosed(b) ? int(b.closedBy) : -1);
    case ColumnCount:
        break;
    }
    return byId();
}

const QIcon &SessionsModel::stateIcon(SessionState state) const
{
    // One small dot per state, drawn once: no per-row widgets, no per-paint allocation.
    QIcon &icon = m_stateIcons[std::size_t(state)];
    if (icon.isNull()) {
        QPixmap pm(12, 12);
        pm.fill(Qt::transparent);
        QPainter p(&pm);
        p.setRenderHint(QPainter::Antialiasing);
        p.setPen(stateColor(state).darker(130));
        p.setBrush(stateColor(state));
        p.drawEllipse(QRectF(1.5, 1.5, 9, 9));
        p.end();
        icon = QIcon(pm);
    }
    return icon;
}

QVariant SessionsModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size() || index.column() >= ColumnCount)
        return {};
    const SessionRecord &r = m_rows.at(index.row());
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole:
        return display(r, column);
    case SortRole:
        return sortValue(r, column);
    case StateRole:
        return int(r.state);
    case RevisionRole:
        return r.revision;
    case SessionIdRole:
        return r.id;
    case Qt::TextAlignmentRole:
        if (column == Id || column == Age || column == Rtt || column == Reconnects)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return QVariant::fromValue(Qt::AlignLeft | Qt::AlignVCenter);
    case Qt::DecorationRole:
        if (column == State)
            return stateIcon(r.state);
        return {};
    case Qt::ForegroundRole:
        // Anything but a normal close is what the user is looking for.
        if (column == CloseCode && hasClosed(r) && r.closeCode != websocket::CloseCode::Normal)
            return QColor(0xb0, 0x20, 0x20);
        return {};
    case Qt::ToolTipRole:
        switch (column) {
        case Rtt:
            if (!r.rttCount)
                return tr("No pong yet");
            return tr("last %1, min %2, max %3 over %n pings", nullptr, int(r.rttCount))
                .arg(milliseconds(r.rttLastUs), milliseconds(r.rttMinUs), milliseconds(r.rttMaxUs));
        case State:
            return tr("%1; %2 reconnects, %3 failed connects")
                .arg(stateText(r.state))
                .arg(r.reconnects)
                .arg(r.connectFailures);
        case Reason:
            if (!r.error.isEmpty() && !r.closeReason.isEmpty())
                return QString(r.closeReason % u'\n' % r.error);
            return reasonText(r);
        case Revision:
            if (!r.firstRevision.isEmpty() && r.firstRevision != r.revision)
                return tr("first opened on %1").arg(r.firstRevision);
            return {};
        default:
            return {};
        }
    default:
        return {};
    }
}

QVariant SessionsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (Column(section)) {
    case Id:
        return tr("Session");
    case Revision:
        return tr("Revision");
    case Replica:
        return tr("Replica");
    case State:
        return tr("State");
    case Age:
        return tr("Age");
    case Rtt:
        return tr("RTT (last)");
    case Reconnects:
        return tr("Reconnects");
    case CloseCode:
        return tr("Close code");
    case Reason:
        return tr("Reason");
    case ClosedBy:
        return tr("Closed by");
    case ColumnCount:
        break;
    }
    return {};
}

} // namespace blueshift::gui
