#pragma once

#include "harness/fleet.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QIcon>
#include <QPointer>
#include <QStringList>
#include <QTimer>

#include <array>
#include <functional>

namespace blueshift::gui {

// The fleet's sessions, one row each, fed by Fleet::sessionsChanged batches (qBittorrent's
// TransferListModel pattern): a batch updates rows in place and emits one dataChanged per
// contiguous run of changed rows, spanning only the columns that changed (in a batch scattered
// over more than 32 runs, runs that changed the same columns are one range), and appends the
// sessions it has not seen with one beginInsertRows. The age column moves on with a timer that
// emits one dataChanged for that column, never one per row. Rows are in arrival order; sort
// and filter with SessionsFilterProxy.
class SessionsModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        Id,
        Revision,
        Replica,
        State,
        Age,
        Rtt,
        Reconnects,
        CloseCode,
        Reason,
        ClosedBy,
        ColumnCount
    };
    enum Role {
        SortRole = Qt::UserRole + 1, // a number (or text) that orders the column
        StateRole,                   // harness::SessionState as int
        RevisionRole,                // the revision, "" when none yet
        SessionIdRole,
    };

    explicit SessionsModel(QObject *parent = nullptr);
    ~SessionsModel() override;

    // Follows this fleet's batches and clock (null: none); starts over with no rows.
    void setFleet(harness::Fleet *fleet);
    // The run clock ages are measured on (seconds since the fleet started). setFleet sets it.
    void setClock(std::function<double()> now);
    double now() const;

    void applyBatch(const QList<harness::SessionRecord> &changed);
    void clear();

    // Every `milliseconds` while a session is open; 0 stops the ticks.
    void setAgeTickInterval(int milliseconds);
    int ageTickInterval() const { return m_ageTimer.interval(); }
    bool isAgeTimerActive() const { return m_ageTimer.isActive(); }
    // One dataChanged for the age column of every row (the view repaints what it shows).
    void tickAges();

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    const harness::SessionRecord &record(int row) const { return m_rows.at(row); }
    int rowOfSession(int id) const { return m_rowOfId.value(id, -1); }
    // Revisions seen so far, in order of first appearance ("" for sessions that got no
    // X-Blueshift-Revision header).
    QStringList revisions() const { return m_revisions; }
    int count(harness::SessionState state) const { return m_stateCounts[std::size_t(state)]; }
    // For the proxy: compares two rows on a column without building QVariants.
    bool lessThan(int leftRow, int rightRow, int column) const;
    // Seconds the current (or last) connection has been open, as of the last batch or tick; -1
    // when it never opened.
    double age(const harness::SessionRecord &record) const;

    static QString formatAge(double seconds);
    static QString stateText(harness::SessionState state);

Q_SIGNALS:
    void revisionAdded(const QString &revision);
    // After each batch: the rows and per-state counts are up to date.
    void batchApplied(int inserted, int updated);

private:
    struct RowUpdate
    {
        int row;
        int first; // changed columns
        int last;
    };
    void emitRuns(QList<RowUpdate> updates);
    QVariant display(const harness::SessionRecord &r, int column) const;
    QVariant sortValue(const harness::SessionRecord &r, int column) const;
    // [first, last] columns whose text differs between the two records; first > last if none.
    static std::pair<int, int> changedColumns(const harness::SessionRecord &a,
                                              const harness::SessionRecord &b);
    const QIcon &stateIcon(harness::SessionState state) const;
    void noteRevision(const QString &revision);
    void countState(harness::SessionState state, int delta);

    QList<harness::SessionRecord> m_rows;
    QHash<int, int> m_rowOfId;
    QStringList m_revisions;
    std::array<int, 5> m_stateCounts{};
    QPointer<harness::Fleet> m_fleet;
    QMetaObject::Connection m_fleetConnection;
    std::function<double()> m_clock;
    // The clock as of the last batch or age tick: what ages are shown and sorted by. Read once
    // per update, not once per comparison of a 10,000-row sort.
    double m_now = 0;
    QTimer m_ageTimer;
    mutable std::array<QIcon, 5> m_stateIcons;
};

} // namespace blueshift::gui
