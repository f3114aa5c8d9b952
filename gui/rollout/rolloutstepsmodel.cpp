#include "rolloutstepsmodel.h"

#include <QBrush>
#include <QColor>
#include <QFont>
#include <QPalette>

namespace blueshift::gui {

RolloutStepsModel::RolloutStepsModel(QObject *parent)
    : QAbstractTableModel(parent)
{}

void RolloutStepsModel::setPlan(const rollout::Plan &plan, const QString &focusRevision)
{
    beginResetModel();
    m_plan = plan;
    m_focus = focusRevision;
    m_records = QList<StepRecord>(plan.steps.size());
    endResetModel();
}

void RolloutStepsModel::setNext(int index)
{
    if (index < 0 || index >= m_records.size())
        return;
    // A failed step stays failed while it waits for Retry.
    if (m_records[index].state != StepRecord::State::Failed)
        m_records[index].state = StepRecord::State::Next;
    changed(index);
}

void RolloutStepsModel::setRunning(int index)
{
    if (index < 0 || index >= m_records.size())
        return;
    StepRecord &r = m_records[index];
    r.state = StepRecord::State::Running;
    r.seconds = 0;
    r.detail.clear();
    changed(index);
}

void RolloutStepsModel::setRunningSeconds(int index, double seconds)
{
    if (index < 0 || index >= m_records.size() ||
        m_records.at(index).state != StepRecord::State::Running)
        return;
    m_records[index].seconds = seconds;
    // Only the outcome column moves.
    const QModelIndex cell = this->index(index, Outcome);
    Q_EMIT dataChanged(cell, cell, {Qt::DisplayRole});
}

void RolloutStepsModel::setFinished(int index, bool ok, const QString &detail, double seconds,
                                    const QString &revision)
{
    if (index < 0 || index >= m_records.size())
        return;
    StepRecord &r = m_records[index];
    r.state = ok ? StepRecord::State::Done : StepRecord::State::Failed;
    r.detail = detail;
    r.seconds = seconds;
    if (!revision.isEmpty())
        r.revision = revision;
    changed(index);
}

void RolloutStepsModel::addResult(const rollout::AssertionResult &result)
{
    if (result.step < 0 || result.step >= m_records.size())
        return;
    if (m_records[result.step].addResult(result))
        changed(result.step);
}

void RolloutStepsModel::setRunEnded(double runningSeconds)
{
    for (int i = 0; i < m_records.size(); ++i) {
        StepRecord &r = m_records[i];
        if (r.state == StepRecord::State::Running) {
            r.state = StepRecord::State::Stopped;
            r.seconds = runningSeconds;
            changed(i);
        } else if (r.state == StepRecord::State::Pending || r.state == StepRecord::State::Next) {
            r.state = StepRecord::State::NotRun;
            changed(i);
        }
    }
}

QString RolloutStepsModel::outcome(int index) const
{
    if (index < 0 || index >= m_records.size())
        return {};
    return stepOutcome(m_plan.steps.at(index), m_records.at(index), m_focus);
}

QString RolloutStepsModel::stepTitle(int index) const
{
    if (index < 0 || index >= m_plan.steps.size())
        return {};
    return QStringLiteral("%1. %2").arg(index + 1).arg(m_plan.steps.at(index).name);
}

int RolloutStepsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_records.size());
}

int RolloutStepsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RolloutStepsModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_records.size())
        return {};
    const StepRecord &r = m_records.at(index.row());
    if (role == StateRole)
        return int(r.state);
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case Step:
            return stepTitle(index.row());
        case State:
            return stepStateText(r.state);
        case Outcome:
            return outcome(index.row());
        }
        break;
    case Qt::ToolTipRole: {
        QStringList lines{rollout::describe(m_plan.steps.at(index.row()))};
        lines += verdictLines(r);
        if (r.state == StepRecord::State::Failed)
            lines.append(tr("Failed: %1").arg(r.detail));
        return lines.join(QLatin1Char('\n'));
    }
    case Qt::ForegroundRole: {
        const bool problem = r.state == StepRecord::State::Failed ||
                             r.state == StepRecord::State::Stopped || r.anyFailed();
        if (problem && index.column() != Step)
            return QBrush(QColor(0xb0, 0x1c, 0x1c));
        if (r.state == StepRecord::State::Done && index.column() == State)
            return QBrush(QColor(0x1f, 0x7a, 0x3a));
        if ((r.state == StepRecord::State::Pending || r.state == StepRecord::State::NotRun) &&
            index.column() != Step)
            return QBrush(QPalette().color(QPalette::Disabled, QPalette::Text));
        break;
    }
    case Qt::FontRole:
        if (r.state == StepRecord::State::Next || r.state == StepRecord::State::Running) {
            QFont f;
            f.setBold(true);
            return f;
        }
        break;
    default:
        break;
    }
    return {};
}

QVariant RolloutStepsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Step:
        return tr("Step");
    case State:
        return tr("State");
    case Outcome:
        return tr("Outcome");
    }
    return {};
}

void RolloutStepsModel::changed(int row)
{
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

} // namespace blueshift::gui
