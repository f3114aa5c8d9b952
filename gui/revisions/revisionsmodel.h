#pragma once

#include "model/containerapp.h"

#include <QAbstractTableModel>
#include <QHash>
#include <QList>

namespace blueshift::gui {

// The revisions of one app, one row each, as the platform reports them plus what only the
// console knows (live test sessions per revision). A poll's snapshot is merged into the rows:
// changed cells get dataChanged over merged row ranges, new revisions are inserted and vanished
// ones removed, never a reset, so that selection and scrolling survive every poll.
class RevisionsModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        Name,
        Active,
        Running,
        Health,
        Replicas,
        Traffic,
        Label,
        Sessions,
        Created,
        ColumnCount
    };
    Q_ENUM(Column)
    enum Role {
        SortRole = Qt::UserRole + 1, // typed values for sorting (numbers, times)
        RevisionNameRole,
        ActiveRole,
        WeightRole,
        SessionsRole,
        LatestRole, // the app's latest revision
    };

    explicit RevisionsModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    // Merges one poll: the app (traffic labels, latest revision) and its revisions, in the
    // platform's order; rows keep their place, new revisions are added at the end.
    void setSnapshot(const model::ContainerApp &app, const QList<model::Revision> &revisions);
    void clear();
    // Live test sessions per revision name (from the fleet); missing names count 0.
    void setLiveSessions(const QHash<QString, int> &sessions);

    int rowOf(const QString &revisionName) const;
    const model::Revision &revisionAt(int row) const { return m_rows.at(row).revision; }
    QStringList labelsAt(int row) const { return m_rows.at(row).labels; }
    int liveSessions(const QString &revisionName) const;
    int totalLiveSessions() const;
    QString latestRevisionName() const { return m_latest; }
    const model::ContainerApp &app() const { return m_app; }

private:
    struct Row
    {
        model::Revision revision;
        QStringList labels;
        int sessions = 0;
        bool latest = false;
    };
    // Bit per Column whose cells differ between two versions of a row.
    static quint32 changedColumns(const Row &a, const Row &b);
    // One dataChanged per run of consecutive changed rows, over the union of their columns.
    void emitChanged(const QList<QPair<int, quint32>> &changes);
    QVariant display(const Row &row, int column) const;

    QList<Row> m_rows;
    QHash<QString, int> m_sessions;
    model::ContainerApp m_app;
    QString m_latest;
};

} // namespace blueshift::gui
