#pragma once

#include <QList>

#include <optional>

namespace blueshift::stats {

// One row of a survival table: at `time`, `atRisk` subjects were still under observation,
// `events` of them failed and then `censored` left without failing.
struct SurvivalPoint
{
    double time = 0;
    double survival = 1;      // S(time), after this row's events
    double standardError = 0; // Greenwood's estimate for S(time)
    int atRisk = 0;
    int events = 0;
    int censored = 0;
};

// A Kaplan-Meier step function, whichever estimator built it: one row per distinct time that
// has an event or a censoring, in increasing time.
class SurvivalCurve
{
public:
    SurvivalCurve() = default;
    explicit SurvivalCurve(int subjects);

    // Adds the next distinct time. Events at a time count before the censorings at that time, as
    // the Kaplan-Meier estimator requires. Times must increase; rows with no subject are skipped.
    void append(double time, int events, int censored);

    const QList<SurvivalPoint> &points() const { return m_points; }
    bool isEmpty() const { return m_points.isEmpty(); }
    int subjects() const { return m_subjects; }
    int totalEvents() const { return m_events; }
    int remaining() const { return m_atRisk; }

    // S(t): the step function, right-continuous. 1 before the first event (and for no data).
    double survivalAt(double t) const;
    // The smallest time at which S drops to `survival` or below; none when it never does.
    std::optional<double> timeAtSurvival(double survival) const;
    std::optional<double> median() const { return timeAtSurvival(0.5); }

    void reserve(qsizetype rows) { m_points.reserve(rows); }

private:
    QList<SurvivalPoint> m_points;
    int m_subjects = 0;
    int m_atRisk = 0;
    int m_events = 0;
    double m_survival = 1;
    double m_greenwoodSum = 0;
};

} // namespace blueshift::stats
