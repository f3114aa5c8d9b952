#include "revisionresolver.h"

#include "model/names.h"
#include "model/traffic.h"

namespace blueshift::rollout {

namespace {
// Zero-weight entries without a label say nothing; Container Apps lists none of them either.
QList<model::TrafficWeight> pruned(QList<model::TrafficWeight> traffic)
{
    traffic.removeIf(
        [](const model::TrafficWeight &t) { return t.weight == 0 && t.label.isEmpty(); });
    return traffic;
}
} // namespace

RevisionResolver::RevisionResolver(QString app)
    : m_app(std::move(app))
{}

void RevisionResolver::setRevisions(const QStringList &namesOldestFirst)
{
    m_revisions = namesOldestFirst;
    if (m_latest.isEmpty() && !m_revisions.isEmpty())
        m_latest = m_revisions.constLast();
    if (m_previous.isEmpty() && m_revisions.size() >= 2)
        m_previous = m_revisions.at(m_revisions.size() - 2);
}

void RevisionResolver::setTraffic(const QList<model::TrafficWeight> &traffic)
{
    m_traffic = traffic;
}

void RevisionResolver::setLatest(const QString &latest)
{
    if (latest.isEmpty() || latest == m_latest)
        return;
    const qsizetype i = m_revisions.indexOf(latest);
    m_latest = latest;
    m_previous = i > 0 ? m_revisions.at(i - 1) : QString();
}

void RevisionResolver::deployed(const QString &revision)
{
    if (!m_revisions.contains(revision))
        m_revisions.append(revision);
    m_previous = m_latest;
    m_latest = revision;
}

QString RevisionResolver::resolve(const RevisionRef &ref, QString *error) const
{
    const QString &t = ref.text;
    QString name;
    if (t == QLatin1String("latest")) {
        name = m_latest;
        if (name.isEmpty()) {
            *error = QStringLiteral("'latest': app '%1' has no revision").arg(m_app);
            return {};
        }
    } else if (t == QLatin1String("previous")) {
        name = m_previous;
        if (name.isEmpty()) {
            *error = QStringLiteral("'previous': app '%1' has no revision before %2")
                         .arg(m_app, m_latest.isEmpty()
                                         ? QStringLiteral("its first")
                                         : QLatin1Char('\'') + m_latest + QLatin1Char('\''));
            return {};
        }
    } else if (t.startsWith(QLatin1String("label:"))) {
        const QString label = t.mid(6);
        for (const model::TrafficWeight &w : m_traffic) {
            if (w.label == label)
                name = w.latestRevision ? m_latest : w.revisionName;
        }
        if (name.isEmpty()) {
            *error = QStringLiteral("'%1': no traffic entry of app '%2' carries label '%3'")
                         .arg(t, m_app, label);
            return {};
        }
    } else {
        name = t.contains(QLatin1String("--")) ? t : model::revisionName(m_app, t);
    }
    if (!m_revisions.contains(name)) {
        *error = QStringLiteral("'%1': revision '%2' does not exist (revisions: %3)")
                     .arg(t, name,
                          m_revisions.isEmpty() ? QStringLiteral("none")
                                                : m_revisions.join(QStringLiteral(", ")));
        return {};
    }
    return name;
}

bool RevisionResolver::resolveWeights(const QList<QPair<RevisionRef, int>> &weights,
                                      QList<QPair<QString, int>> *out, QString *error) const
{
    out->clear();
    QHash<QString, QString> seen; // name -> the reference that named it
    for (const auto &[ref, weight] : weights) {
        QString why;
        const QString name = resolve(ref, &why);
        if (name.isEmpty()) {
            *error = QStringLiteral("weights: ") + why;
            return false;
        }
        if (seen.contains(name)) {
            *error = QStringLiteral("weights: '%1' and '%2' both name revision '%3'")
                         .arg(seen.value(name), ref.text, name);
            return false;
        }
        seen.insert(name, ref.text);
        out->append(qMakePair(name, weight));
    }
    return true;
}

QList<model::TrafficWeight>
RevisionResolver::withWeights(const QList<QPair<QString, int>> &weights) const
{
    // Labels by what they are attached to: a revision, or "whatever is latest".
    QList<model::TrafficWeight> labelled;
    for (const model::TrafficWeight &t : m_traffic) {
        if (!t.label.isEmpty())
            labelled.append(t);
    }
    QList<model::TrafficWeight> out;
    for (const auto &[name, weight] : weights) {
        model::TrafficWeight entry;
        entry.revisionName = name;
        entry.weight = weight;
        for (qsizetype i = 0; i < labelled.size(); ++i) {
            if (!labelled.at(i).latestRevision && labelled.at(i).revisionName == name) {
                entry.label = labelled.takeAt(i).label;
                break;
            }
        }
        out.append(entry);
    }
    for (model::TrafficWeight t : std::as_const(labelled)) {
        t.weight = 0;
        out.append(t);
    }
    return pruned(out);
}

QList<model::TrafficWeight> RevisionResolver::withLabel(const QString &revision,
                                                        const QString &label, bool remove) const
{
    QList<model::TrafficWeight> out = m_traffic;
    // A label names one entry: adding it elsewhere moves it.
    for (model::TrafficWeight &t : out) {
        if (t.label == label && (remove || t.latestRevision || t.revisionName != revision))
            t.label.clear();
    }
    if (!remove) {
        bool placed = false;
        for (model::TrafficWeight &t : out) {
            if (!t.latestRevision && t.revisionName == revision &&
                (t.label.isEmpty() || t.label == label)) {
                t.label = label;
                placed = true;
                break;
            }
        }
        if (!placed)
            out.append({revision, false, 0, label});
    }
    return pruned(out);
}

QHash<QString, int> RevisionResolver::effectiveWeights() const
{
    return model::effectiveWeights(m_traffic, m_latest);
}

} // namespace blueshift::rollout
