#pragma once

#include "rolloutplan.h"

#include "model/containerapp.h"

#include <QHash>
#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>

namespace blueshift::rollout {

// What a plan's revision references mean at one point of a run, and the traffic lists its
// steps send. Fed with the app as the control plane answered and then with each step's change,
// so that the runner resolves references as they run and a dry pass over the plan (the
// preflight) finds a reference to a revision that will not exist before anything is changed.
class RevisionResolver
{
public:
    explicit RevisionResolver(QString app = QString());

    // From a GET of the app and a list of its revisions (oldest first).
    void setRevisions(const QStringList &namesOldestFirst);
    void setTraffic(const QList<model::TrafficWeight> &traffic);
    void setLatest(const QString &latest);

    // A deploy step made `revision`: it is "latest" now and the one before it "previous".
    void deployed(const QString &revision);

    const QString &app() const { return m_app; }
    const QStringList &revisions() const { return m_revisions; }
    const QList<model::TrafficWeight> &traffic() const { return m_traffic; }
    QString latest() const { return m_latest; }
    QString previous() const { return m_previous; }
    bool exists(const QString &revision) const { return m_revisions.contains(revision); }

    // The revision name, or empty with an error saying why it names none.
    QString resolve(const RevisionRef &ref, QString *error) const;
    // Every reference of a traffic step resolved; an error if one names nothing or two name the
    // same revision.
    bool resolveWeights(const QList<QPair<RevisionRef, int>> &weights,
                        QList<QPair<QString, int>> *out, QString *error) const;

    // The traffic list that gives these weights, keeping every label on its revision (a
    // revision left out keeps its label with weight 0).
    QList<model::TrafficWeight> withWeights(const QList<QPair<QString, int>> &weights) const;
    // The traffic list with `label` put on (moved to) or taken off `revision`.
    QList<model::TrafficWeight> withLabel(const QString &revision, const QString &label,
                                          bool remove) const;
    // Revision -> weight, latestRevision entries resolved.
    QHash<QString, int> effectiveWeights() const;

private:
    QString m_app;
    QStringList m_revisions;
    QList<model::TrafficWeight> m_traffic;
    QString m_latest;
    QString m_previous;
};

} // namespace blueshift::rollout
