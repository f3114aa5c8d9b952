#include "steptimeline.h"

#include <algorithm>
#include <cmath>

namespace blueshift::stats {

StepTimeline::StepTimeline(const QList<RolloutStep> &steps)
{
    for (const RolloutStep &s : steps)
        addStep(s.start, s.name);
}

int StepTimeline::addStep(double start, const QString &name)
{
    if (!std::isfinite(start) || (!m_steps.isEmpty() && start < m_steps.constLast().start))
        return -1;
    m_steps.append({start, name});
    return int(m_steps.size()) - 1;
}

int StepTimeline::stepAt(double time) const
{
    auto it = std::upper_bound(m_steps.cbegin(), m_steps.cend(), time,
                               [](double t, const RolloutStep &s) { return t < s.start; });
    return int(it - m_steps.cbegin()) - 1;
}

QString StepTimeline::stepName(int index) const
{
    if (index < 0 || index >= m_steps.size())
        return index < 0 ? QStringLiteral("before rollout") : QString();
    const QString &name = m_steps.at(index).name;
    return name.isEmpty() ? QStringLiteral("step %1").arg(index + 1) : name;
}

} // namespace blueshift::stats
