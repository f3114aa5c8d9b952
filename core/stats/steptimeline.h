#pragma once

#include <QList>
#include <QString>

namespace blueshift::stats {

struct RolloutStep
{
    double start = 0; // seconds since the run began
    QString name;
};

// When each rollout step began, so that a close, a sample or a chart marker can be put down to
// the step that was active at its time. Steps only go forward: a step may not begin before the
// last one did.
class StepTimeline
{
public:
    StepTimeline() = default;
    explicit StepTimeline(const QList<RolloutStep> &steps);

    // Returns the new step's index, or -1 (and adds nothing) when it begins before the last step.
    int addStep(double start, const QString &name);
    void clear() { m_steps.clear(); }

    // The step that began at or before `time` (a step owns its own start instant), or -1 for a
    // time before the first step.
    int stepAt(double time) const;

    int size() const { return int(m_steps.size()); }
    bool isEmpty() const { return m_steps.isEmpty(); }
    const RolloutStep &step(int index) const { return m_steps.at(index); }
    const QList<RolloutStep> &steps() const { return m_steps; }
    // "before rollout" for -1, the step's name otherwise (or "step N" when it has none).
    QString stepName(int index) const;

private:
    QList<RolloutStep> m_steps;
};

} // namespace blueshift::stats
