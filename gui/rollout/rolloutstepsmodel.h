#pragma once

#include "stepoutcome.h"

#include "rollout/rolloutplan.h"

#include <QAbstractTableModel>

namespace blueshift::gui {

// The steps of the rollout the wizard runs, one row each: its name, its state (waiting, next,
// running, done, failed) and its outcome in one line (see stepOutcome), with every verdict in
// the outcome's tooltip. Fed by the wizard from the runner's signals; holds no runner.
class RolloutStepsModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { Step, State, Outcome, ColumnCount };
    enum Role {
        StateRole = Qt::UserRole + 1, // StepRecord::State as int
    };

    explicit RolloutStepsModel(QObject *parent = nullptr);

    // Starts over with these steps, all waiting. `focusRevision`: the revision being rolled out
    // (its share of new sessions is the one traffic outcomes name).
    void setPlan(const rollout::Plan &plan, const QString &focusRevision);
    const rollout::Plan &plan() const { return m_plan; }

    void setNext(int index);
    void setRunning(int index);
    void setRunningSeconds(int index, double seconds);
    void setFinished(int index, bool ok, const QString &detail, double seconds,
                     const QString &revision);
    void addResult(const rollout::AssertionResult &result);
    // The run is over: steps it did not reach (or was paused before) did not run; one that was
    // running (an abort) stopped after `runningSeconds`.
    void setRunEnded(double runningSeconds);

    const StepRecord &record(int index) const { return m_records.at(index); }
    QString outcome(int index) const;
    QString stepTitle(int index) const; // "3. 50/50"

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    void changed(int row);

    rollout::Plan m_plan;
    QString m_focus;
    QList<StepRecord> m_records;
};

} // namespace blueshift::gui
