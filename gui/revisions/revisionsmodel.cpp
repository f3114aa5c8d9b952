#include "revisionsmodel.h"

#include "model/traffic.h"

#include <QColor>
#include <QFont>
#include <QIcon>
#include <QPainter>
#include <QPixmap>
#include <QSet>

namespace blueshift::gui {

namespace {
// A round status light; one pixmap per colour, made once.
QIcon dot(const QColor &colour)
{
    static QHash<QRgb, QIcon> cache;
    auto it = cache.find(colour.rgb());
    if (it != cache.end())
        return *it;
    QPixmap pixmap(12, 12);
    pixmap.fill(Qt::transparent);
    QPainter painter(&pixmap);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setPen(Qt::NoPen);
    painter.setBrush(colour);
    painter.drawEllipse(QRectF(1, 1, 10, 10));
    painter.end();
    return *cache.insert(colour.rgb(), QIcon(pixmap));
}
} // namespace

RevisionsModel::RevisionsModel(QObject *parent)
    : QAbstractTableModel(parent)
{}

int RevisionsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int RevisionsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RevisionsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::DisplayRole) {
        switch (section) {
        case Name:
            return tr("Revision");
        case Active:
            return tr("Active");
        case Running:
            return tr("Running");
        case Health:
            return tr("Health");
        case Replicas:
            return tr("Replicas");
        case Traffic:
            return tr("Traffic");
        case Label:
            return tr("Label");
        case Sessions:
            return tr("Live sessions");
        case Created:
            return tr("Created");
        default:
            return {};
        }
    }
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case Running:
            return tr("Running state as the platform reports it (Running, Processing, "
                      "Stopped, Degraded, Failed)");
        case Traffic:
            return tr("Share of new connections the ingress sends to this revision");
        case Label:
            return tr("Traffic labels routed to this revision");
        case Sessions:
            return tr("Live test sessions of the fleet served by this revision");
        default:
            return {};
        }
    }
    return {};
}

QVariant RevisionsModel::display(const Row &row, int column) const
{
    const model::Revision &r = row.revision;
    switch (column) {
    case Name:
        return r.name;
    case Active:
        return r.active ? tr("Active") : tr("Inactive");
    case Running:
        return r.runningState;
    case Health:
        return r.healthState;
    case Replicas:
        return r.replicas;
    case Traffic:
        return QStringLiteral("%1 %").arg(r.trafficWeight);
    case Label:
        return row.labels.join(QStringLiteral(", "));
    case Sessions:
        return row.sessions;
    case Created: {
        if (!r.createdTime.isValid())
            return QString();
        const QDateTime local = r.createdTime.toLocalTime();
        return local.date() == QDate::currentDate()
                   ? local.toString(QStringLiteral("HH:mm:ss"))
                   : local.toString(QStringLiteral("yyyy-MM-dd HH:mm"));
    }
    default:
        return {};
    }
}

QVariant RevisionsModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size() || index.column() >= ColumnCount)
        return {};
    const Row &row = m_rows.at(index.row());
    const model::Revision &r = row.revision;
    switch (role) {
    case Qt::DisplayRole:
        return display(row, index.column());
    case SortRole:
        switch (index.column()) {
        case Active:
            return r.active;
        case Replicas:
            return r.replicas;
        case Traffic:
            return r.trafficWeight;
        case Sessions:
            return row.sessions;
        case Created:
            return r.createdTime;
        default:
            return display(row, index.column());
        }
    case RevisionNameRole:
        return r.name;
    case ActiveRole:
        return r.active;
    case WeightRole:
        return r.trafficWeight;
    case SessionsRole:
        return row.sessions;
    case LatestRole:
        return row.latest;
    case Qt::TextAlignmentRole:
        switch (index.column()) {
        case Replicas:
        case Traffic:
        case Sessions:
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        default:
            return QVariant::fromValue(Qt::AlignLeft | Qt::AlignVCenter);
        }
    case Qt::FontRole:
        if (index.column() == Name && row.latest) {
            QFont f;
            f.setBold(true);
            return f;
        }
        return {};
    case Qt::ForegroundRole:
        if (!r.active)
            return QColor(0x80, 0x80, 0x80);
        if (index.column() == Running && (r.runningState == QLatin1String("Failed") ||
                                          r.runningState == QLatin1String("Degraded")))
            return QColor(0xc6, 0x28, 0x28);
        return {};
    case Qt::DecorationRole:
        if (index.column() == Health) {
            if (r.healthState == QLatin1String("Healthy"))
                return dot(QColor(0x2e, 0x9d, 0x4a));
            if (r.healthState == QLatin1String("Unhealthy"))
                return dot(QColor(0xd3, 0x2f, 0x2f));
            return dot(QColor(0xb0, 0xb0, 0xb0));
        }
        return {};
    case Qt::ToolTipRole:
        switch (index.column()) {
        case Name:
            return row.latest ? tr("%1 (the app's latest revision)").arg(r.name) : r.name;
        case Running:
            return r.runningStateDetails.isEmpty()
                       ? tr("%1; provisioning %2").arg(r.runningState, r.provisioningState)
                       : tr("%1: %2").arg(r.runningState, r.runningStateDetails);
        case Created:
            return r.createdTime.toUTC().toString(Qt::ISODate);
        default:
            return {};
        }
    default:
        return {};
    }
}

quint32 RevisionsModel::changedColumns(const Row &a, const Row &b)
{
    const model::Revision &x = a.revision;
    const model::Revision &y = b.revision;
    quint32 bits = 0;
    auto mark = [&bits](bool differs, Column c) {
        if (differs)
            bits |= 1u << c;
    };
    // The latest flag changes the name's font; activity greys out the whole row.
    mark(x.name != y.name || a.latest != b.latest, Name);
    if (x.active != y.active)
        bits |= (1u << ColumnCount) - 1;
    mark(x.runningState != y.runningState || x.runningStateDetails != y.runningStateDetails ||
             x.provisioningState != y.provisioningState,
         Running);
    mark(x.healthState != y.healthState, Health);
    mark(x.replicas != y.replicas, Replicas);
    mark(x.trafficWeight != y.trafficWeight, Traffic);
    mark(a.labels != b.labels, Label);
    mark(a.sessions != b.sessions, Sessions);
    mark(x.createdTime != y.createdTime, Created);
    return bits;
}

void RevisionsModel::emitChanged(const QList<QPair<int, quint32>> &changes)
{
    // `changes` is sorted by row. Consecutive rows merge; so do their columns.
    qsizetype i = 0;
    while (i < changes.size()) {
        const int first = changes.at(i).first;
        int last = first;
        quint32 bits = changes.at(i).second;
        qsizetype j = i + 1;
        while (j < changes.size() && changes.at(j).first == last + 1) {
            last = changes.at(j).first;
            bits |= changes.at(j).second;
            ++j;
        }
        int left = 0;
        while (!(bits & (1u << left)))
            ++left;
        int right = ColumnCount - 1;
        while (!(bits & (1u << right)))
            --right;
        Q_EMIT dataChanged(index(first, left), index(last, right));
        i = j;
    }
}

void RevisionsModel::setSnapshot(const model::ContainerApp &app,
                                 const QList<model::Revision> &revisions)
{
    m_app = app;
    m_latest = app.latestRevisionName;
    // Labels live on the traffic entries (Azure) and on the revision (the local platform).
    QHash<QString, QStringList> labels;
    if (app.configuration.ingress) {
        const auto routes = model::labelRoutes(app.configuration.ingress->traffic, m_latest);
        for (auto it = routes.cbegin(); it != routes.cend(); ++it)
            labels[it.value()].append(it.key());
    }
    QList<Row> next;
    next.reserve(revisions.size());
    QHash<QString, qsizetype> nextIndex;
    for (const model::Revision &r : revisions) {
        if (nextIndex.contains(r.name))
            continue; // a platform listing a name twice: keep the first
        Row row;
        row.revision = r;
        row.labels = labels.value(r.name);
        for (const QString &l : r.labels) {
            if (!row.labels.contains(l))
                row.labels.append(l);
        }
        row.labels.sort();
        row.sessions = m_sessions.value(r.name);
        row.latest = r.name == m_latest;
        nextIndex.insert(r.name, next.size());
        next.append(row);
    }

    // Removals first, from the back so that indexes stay valid, as contiguous runs.
    for (int i = int(m_rows.size()) - 1; i >= 0;) {
        if (nextIndex.contains(m_rows.at(i).revision.name)) {
            --i;
            continue;
        }
        int first = i;
        while (first > 0 && !nextIndex.contains(m_rows.at(first - 1).revision.name))
            --first;
        beginRemoveRows(QModelIndex(), first, i);
        m_rows.remove(first, i - first + 1);
        endRemoveRows();
        i = first - 1;
    }

    // Updates in place.
    QSet<QString> present;
    QList<QPair<int, quint32>> changes;
    for (int i = 0; i < m_rows.size(); ++i) {
        Row &row = m_rows[i];
        const Row &fresh = next.at(nextIndex.value(row.revision.name));
        present.insert(row.revision.name);
        if (const quint32 bits = changedColumns(row, fresh)) {
            row = fresh;
            changes.append(qMakePair(i, bits));
        }
    }
    emitChanged(changes);

    // Additions at the end, in the platform's order, in one batch.
    QList<Row> added;
    for (const Row &row : std::as_const(next)) {
        if (!present.contains(row.revision.name))
            added.append(row);
    }
    if (!added.isEmpty()) {
        const int first = int(m_rows.size());
        beginInsertRows(QModelIndex(), first, first + int(added.size()) - 1);
        m_rows.append(added);
        endInsertRows();
    }
}

void RevisionsModel::clear()
{
    m_app = {};
    m_latest.clear();
    if (m_rows.isEmpty())
        return;
    beginRemoveRows(QModelIndex(), 0, int(m_rows.size()) - 1);
    m_rows.clear();
    endRemoveRows();
}

void RevisionsModel::setLiveSessions(const QHash<QString, int> &sessions)
{
    m_sessions = sessions;
    QList<QPair<int, quint32>> changes;
    for (int i = 0; i < m_rows.size(); ++i) {
        const int n = sessions.value(m_rows.at(i).revision.name);
        if (n != m_rows.at(i).sessions) {
            m_rows[i].sessions = n;
            changes.append(qMakePair(i, 1u << Sessions));
        }
    }
    emitChanged(changes);
}

int RevisionsModel::rowOf(const QString &revisionName) const
{
    for (int i = 0; i < m_rows.size(); ++i) {
        if (m_rows.at(i).revision.name == revisionName)
            return i;
    }
    return -1;
}

int RevisionsModel::liveSessions(const QString &revisionName) const
{
    return m_sessions.value(revisionName);
}

int RevisionsModel::totalLiveSessions() const
{
    int total = 0;
    for (int n : m_sessions)
        total += n;
    return total;
}

} // namespace blueshift::gui
