#include "containerapp.h"

#include <QJsonValue>

#include <cmath>

namespace blueshift::model {

namespace {
QString isoTime(const QDateTime &t)
{
    return t.isValid() ? t.toUTC().toString(Qt::ISODate) : QString();
}

// Typed access to a JSON object with errors that carry the path of the offending value.
class Reader
{
public:
    Reader(QJsonObject o, QString path, QString *error)
        : m_o(std::move(o))
        , m_path(std::move(path))
        , m_error(error)
    {}

    bool ok() const { return m_ok; }
    QString at(const QString &key) const
    {
        return m_path.isEmpty() ? key : m_path + QLatin1Char('.') + key;
    }

    bool fail(const QString &message)
    {
        if (m_ok)
            *m_error = message;
        m_ok = false;
        return false;
    }

    QString string(const QString &key, const QString &def = {})
    {
        const QJsonValue v = m_o.value(key);
        if (v.isUndefined() || v.isNull())
            return def;
        if (!v.isString()) {
            fail(QStringLiteral("%1 must be a string").arg(at(key)));
            return def;
        }
        return v.toString();
    }

    int integer(const QString &key, int def, int lo, int hi)
    {
        const QJsonValue v = m_o.value(key);
        if (v.isUndefined() || v.isNull())
            return def;
        const double d = v.toDouble(-1e300);
        // Checked as a double first: converting 5.5e19 to an integer is undefined behaviour
        // (found by fuzz_model: fuzz/regressions/model/integer-out-of-range.json).
        if (!v.isDouble() || !std::isfinite(d) || std::trunc(d) != d) {
            fail(QStringLiteral("%1 must be an integer").arg(at(key)));
            return def;
        }
        if (d < lo || d > hi) {
            fail(QStringLiteral("%1 must be between %2 and %3 (it is %4)")
                     .arg(at(key))
                     .arg(lo)
                     .arg(hi)
                     .arg(QString::number(d, 'g', 17)));
            return def;
        }
        return int(d);
    }

    bool boolean(const QString &key, bool def)
    {
        const QJsonValue v = m_o.value(key);
        if (v.isUndefined() || v.isNull())
            return def;
        if (!v.isBool()) {
            fail(QStringLiteral("%1 must be true or false").arg(at(key)));
            return def;
        }
        return v.toBool();
    }

    QJsonObject object(const QString &key)
    {
        const QJsonValue v = m_o.value(key);
        if (v.isUndefined() || v.isNull())
            return {};
        if (!v.isObject())
            fail(QStringLiteral("%1 must be an object").arg(at(key)));
        return v.toObject();
    }

    QJsonArray array(const QString &key)
    {
        const QJsonValue v = m_o.value(key);
        if (v.isUndefined() || v.isNull())
            return {};
        if (!v.isArray())
            fail(QStringLiteral("%1 must be an array").arg(at(key)));
        return v.toArray();
    }

    QStringList strings(const QString &key)
    {
        QStringList out;
        const QJsonArray a = array(key);
        for (qsizetype i = 0; i < a.size(); ++i) {
            if (!a.at(i).isString()) {
                fail(QStringLiteral("%1[%2] must be a string").arg(at(key)).arg(i));
                return {};
            }
            out.append(a.at(i).toString());
        }
        return out;
    }

    bool has(const QString &key) const { return m_o.contains(key) && !m_o.value(key).isNull(); }
    QDateTime time(const QString &key)
    {
        const QString s = string(key);
        if (s.isEmpty())
            return {};
        const QDateTime t = QDateTime::fromString(s, Qt::ISODate);
        // ISO 8601 as ARM writes it has four-digit years: a time that is past 9999 in UTC
        // ("9999-12-31T23:00:00-05:00") could not be written back (found by fuzz_model).
        const int year = t.toUTC().date().year();
        if (t.isValid() && (year < 1 || year > 9999)) {
            fail(QStringLiteral("%1 is out of range (years 1 to 9999 in UTC)").arg(at(key)));
            return {};
        }
        return t;
    }

    template<typename E>
    E choice(const QString &key, E def, std::initializer_list<std::pair<const char *, E>> options)
    {
        const QString s = string(key);
        if (s.isEmpty())
            return def;
        QStringList names;
        for (const auto &[name, value] : options) {
            if (s.compare(QLatin1String(name), Qt::CaseInsensitive) == 0)
                return value;
            names.append(QLatin1String(name));
        }
        fail(QStringLiteral("%1 must be one of %2 (it is '%3')")
                 .arg(at(key), names.join(QStringLiteral(", ")), s));
        return def;
    }

private:
    QJsonObject m_o; // by value: callers pass temporaries
    QString m_path;
    QString *m_error;
    bool m_ok = true;
};

QJsonObject toJson(const Container &c)
{
    QJsonObject o{{QStringLiteral("name"), c.name}, {QStringLiteral("image"), c.image}};
    if (!c.command.isEmpty())
        o.insert(QStringLiteral("command"), QJsonArray::fromStringList(c.command));
    if (!c.args.isEmpty())
        o.insert(QStringLiteral("args"), QJsonArray::fromStringList(c.args));
    if (!c.env.isEmpty()) {
        QJsonArray env;
        for (const EnvVar &e : c.env) {
            QJsonObject v{{QStringLiteral("name"), e.name}};
            if (!e.secretRef.isEmpty())
                v.insert(QStringLiteral("secretRef"), e.secretRef);
            else
                v.insert(QStringLiteral("value"), e.value);
            env.append(v);
        }
        o.insert(QStringLiteral("env"), env);
    }
    if (!c.resources.isEmpty())
        o.insert(QStringLiteral("resources"), c.resources);
    return o;
}

bool containerFromJson(const QJsonObject &json, const QString &path, Container *out, QString *error)
{
    Reader r(json, path, error);
    out->name = r.string(QStringLiteral("name"));
    out->image = r.string(QStringLiteral("image"));
    out->command = r.strings(QStringLiteral("command"));
    out->args = r.strings(QStringLiteral("args"));
    out->resources = r.object(QStringLiteral("resources"));
    const QJsonArray env = r.array(QStringLiteral("env"));
    out->env.clear();
    for (qsizetype i = 0; i < env.size() && r.ok(); ++i) {
        if (!env.at(i).isObject())
            return r.fail(
                QStringLiteral("%1[%2] must be an object").arg(r.at(QStringLiteral("env"))).arg(i));
        Reader e(env.at(i).toObject(),
                 QStringLiteral("%1[%2]").arg(r.at(QStringLiteral("env"))).arg(i), error);
        EnvVar v{e.string(QStringLiteral("name")), e.string(QStringLiteral("value")),
                 e.string(QStringLiteral("secretRef"))};
        if (!e.ok())
            return false;
        if (v.name.isEmpty())
            return r.fail(QStringLiteral("%1[%2].name must not be empty")
                              .arg(r.at(QStringLiteral("env")))
                              .arg(i));
        out->env.append(v);
    }
    return r.ok();
}
} // namespace

QString wireName(ActiveRevisionsMode mode)
{
    return mode == ActiveRevisionsMode::Single ? QStringLiteral("Single")
                                               : QStringLiteral("Multiple");
}

QString wireName(Transport transport)
{
    switch (transport) {
    case Transport::Auto:
        return QStringLiteral("auto");
    case Transport::Http:
        return QStringLiteral("http");
    case Transport::Http2:
        return QStringLiteral("http2");
    case Transport::Tcp:
        return QStringLiteral("tcp");
    }
    return QStringLiteral("auto");
}

QString wireName(Affinity affinity)
{
    return affinity == Affinity::Sticky ? QStringLiteral("sticky") : QStringLiteral("none");
}

int Scale::concurrencyPerReplica() const
{
    for (const QJsonValue &rule : rules) {
        const QJsonObject o = rule.toObject();
        for (const char *kind : {"http", "tcp"}) {
            const QJsonObject metadata = o.value(QLatin1String(kind))
                                             .toObject()
                                             .value(QStringLiteral("metadata"))
                                             .toObject();
            for (const char *key : {"concurrentRequests", "concurrentConnections"}) {
                bool ok = false;
                const int n = metadata.value(QLatin1String(key)).toString().toInt(&ok);
                if (ok && n > 0)
                    return n;
            }
        }
    }
    return 10;
}

QJsonObject toJson(const Template &t)
{
    QJsonArray containers;
    for (const Container &c : t.containers)
        containers.append(toJson(c));
    QJsonObject scale{{QStringLiteral("minReplicas"), t.scale.minReplicas},
                      {QStringLiteral("maxReplicas"), t.scale.maxReplicas},
                      {QStringLiteral("cooldownPeriod"), t.scale.cooldownPeriod},
                      {QStringLiteral("pollingInterval"), t.scale.pollingInterval}};
    if (!t.scale.rules.isEmpty())
        scale.insert(QStringLiteral("rules"), t.scale.rules);
    QJsonObject o{
        {QStringLiteral("containers"), containers},
        {QStringLiteral("scale"), scale},
        {QStringLiteral("terminationGracePeriodSeconds"), t.terminationGracePeriodSeconds}};
    if (!t.revisionSuffix.isEmpty())
        o.insert(QStringLiteral("revisionSuffix"), t.revisionSuffix);
    return o;
}

bool templateFromJson(const QJsonObject &json, const QString &path, Template *out, QString *error)
{
    Reader r(json, path, error);
    out->revisionSuffix = r.string(QStringLiteral("revisionSuffix"));
    out->terminationGracePeriodSeconds =
        r.integer(QStringLiteral("terminationGracePeriodSeconds"), 30, 0, 600);
    const QJsonArray containers = r.array(QStringLiteral("containers"));
    out->containers.clear();
    for (qsizetype i = 0; i < containers.size() && r.ok(); ++i) {
        const QString p = QStringLiteral("%1[%2]").arg(r.at(QStringLiteral("containers"))).arg(i);
        if (!containers.at(i).isObject())
            return r.fail(p + QStringLiteral(" must be an object"));
        Container c;
        if (!containerFromJson(containers.at(i).toObject(), p, &c, error))
            return false;
        out->containers.append(c);
    }
    const QJsonObject scale = r.object(QStringLiteral("scale"));
    Reader s(scale, r.at(QStringLiteral("scale")), error);
    out->scale.minReplicas = s.integer(QStringLiteral("minReplicas"), 1, 0, 1000);
    out->scale.maxReplicas = s.integer(QStringLiteral("maxReplicas"), 10, 1, 1000);
    out->scale.cooldownPeriod = s.integer(QStringLiteral("cooldownPeriod"), 300, 0, 86400);
    out->scale.pollingInterval = s.integer(QStringLiteral("pollingInterval"), 30, 1, 86400);
    out->scale.rules = s.array(QStringLiteral("rules"));
    if (!r.ok() || !s.ok())
        return false;
    if (out->scale.minReplicas > out->scale.maxReplicas)
        return s.fail(QStringLiteral("%1.minReplicas (%2) must not exceed maxReplicas (%3)")
                          .arg(r.at(QStringLiteral("scale")))
                          .arg(out->scale.minReplicas)
                          .arg(out->scale.maxReplicas));
    return true;
}

QJsonArray toJson(const QList<TrafficWeight> &traffic)
{
    QJsonArray a;
    for (const TrafficWeight &t : traffic) {
        QJsonObject o{{QStringLiteral("weight"), t.weight}};
        if (t.latestRevision)
            o.insert(QStringLiteral("latestRevision"), true);
        else
            o.insert(QStringLiteral("revisionName"), t.revisionName);
        if (!t.label.isEmpty())
            o.insert(QStringLiteral("label"), t.label);
        a.append(o);
    }
    return a;
}

bool trafficFromJson(const QJsonArray &json, const QString &path, QList<TrafficWeight> *out,
                     QString *error)
{
    out->clear();
    for (qsizetype i = 0; i < json.size(); ++i) {
        const QString p = QStringLiteral("%1[%2]").arg(path).arg(i);
        if (!json.at(i).isObject()) {
            *error = p + QStringLiteral(" must be an object");
            return false;
        }
        Reader r(json.at(i).toObject(), p, error);
        TrafficWeight t;
        t.revisionName = r.string(QStringLiteral("revisionName"));
        t.latestRevision = r.boolean(QStringLiteral("latestRevision"), false);
        t.weight = r.integer(QStringLiteral("weight"), 0, 0, 100);
        t.label = r.string(QStringLiteral("label"));
        if (!r.ok())
            return false;
        if (t.latestRevision && !t.revisionName.isEmpty())
            return r.fail(p +
                          QStringLiteral(" sets both revisionName and latestRevision; give one"));
        if (!t.latestRevision && t.revisionName.isEmpty())
            return r.fail(p + QStringLiteral(" needs revisionName or latestRevision: true"));
        out->append(t);
    }
    return true;
}

QJsonObject toJson(const ContainerApp &app)
{
    QJsonObject configuration{
        {QStringLiteral("activeRevisionsMode"), wireName(app.configuration.activeRevisionsMode)},
        {QStringLiteral("maxInactiveRevisions"), app.configuration.maxInactiveRevisions}};
    if (const auto &in = app.configuration.ingress) {
        configuration.insert(
            QStringLiteral("ingress"),
            QJsonObject{{QStringLiteral("external"), in->external},
                        {QStringLiteral("targetPort"), in->targetPort},
                        {QStringLiteral("transport"), wireName(in->transport)},
                        {QStringLiteral("fqdn"), in->fqdn},
                        {QStringLiteral("traffic"), toJson(in->traffic)},
                        {QStringLiteral("stickySessions"),
                         QJsonObject{{QStringLiteral("affinity"), wireName(in->affinity)}}}});
    }
    QJsonObject properties{{QStringLiteral("configuration"), configuration},
                           {QStringLiteral("template"), toJson(app.tmpl)}};
    if (!app.provisioningState.isEmpty())
        properties.insert(QStringLiteral("provisioningState"), app.provisioningState);
    if (!app.runningStatus.isEmpty())
        properties.insert(QStringLiteral("runningStatus"), app.runningStatus);
    if (!app.latestRevisionName.isEmpty())
        properties.insert(QStringLiteral("latestRevisionName"), app.latestRevisionName);
    if (!app.latestReadyRevisionName.isEmpty())
        properties.insert(QStringLiteral("latestReadyRevisionName"), app.latestReadyRevisionName);
    if (!app.latestRevisionFqdn.isEmpty())
        properties.insert(QStringLiteral("latestRevisionFqdn"), app.latestRevisionFqdn);
    QJsonObject o{{QStringLiteral("name"), app.name},
                  {QStringLiteral("type"), QStringLiteral("Microsoft.App/containerApps")},
                  {QStringLiteral("location"), app.location},
                  {QStringLiteral("properties"), properties}};
    if (!app.id.isEmpty())
        o.insert(QStringLiteral("id"), app.id);
    return o;
}

bool fromJson(const QJsonObject &json, ContainerApp *out, QString *error)
{
    Reader top(json, QString(), error);
    out->id = top.string(QStringLiteral("id"));
    out->name = top.string(QStringLiteral("name"));
    out->location = top.string(QStringLiteral("location"), QStringLiteral("local"));
    const QJsonObject props = top.object(QStringLiteral("properties"));
    if (!top.ok())
        return false;
    Reader p(props, QStringLiteral("properties"), error);
    out->provisioningState = p.string(QStringLiteral("provisioningState"));
    out->runningStatus = p.string(QStringLiteral("runningStatus"));
    out->latestRevisionName = p.string(QStringLiteral("latestRevisionName"));
    out->latestReadyRevisionName = p.string(QStringLiteral("latestReadyRevisionName"));
    out->latestRevisionFqdn = p.string(QStringLiteral("latestRevisionFqdn"));
    const QJsonObject conf = p.object(QStringLiteral("configuration"));
    const QJsonObject tmpl = p.object(QStringLiteral("template"));
    if (!p.ok())
        return false;
    Reader c(conf, QStringLiteral("properties.configuration"), error);
    out->configuration.activeRevisionsMode = c.choice(
        QStringLiteral("activeRevisionsMode"), ActiveRevisionsMode::Single,
        {{"Single", ActiveRevisionsMode::Single}, {"Multiple", ActiveRevisionsMode::Multiple}});
    out->configuration.maxInactiveRevisions =
        c.integer(QStringLiteral("maxInactiveRevisions"), 100, 0, 100);
    out->configuration.ingress.reset();
    if (c.has(QStringLiteral("ingress"))) {
        const QJsonObject in = c.object(QStringLiteral("ingress"));
        Reader i(in, QStringLiteral("properties.configuration.ingress"), error);
        Ingress ingress;
        ingress.external = i.boolean(QStringLiteral("external"), true);
        ingress.targetPort = i.integer(QStringLiteral("targetPort"), 8080, 1, 65535);
        ingress.transport = i.choice(QStringLiteral("transport"), Transport::Auto,
                                     {{"auto", Transport::Auto},
                                      {"http", Transport::Http},
                                      {"http2", Transport::Http2},
                                      {"tcp", Transport::Tcp}});
        ingress.fqdn = i.string(QStringLiteral("fqdn"));
        const QJsonObject sticky = i.object(QStringLiteral("stickySessions"));
        Reader s(sticky, QStringLiteral("properties.configuration.ingress.stickySessions"), error);
        ingress.affinity = s.choice(QStringLiteral("affinity"), Affinity::None,
                                    {{"none", Affinity::None}, {"sticky", Affinity::Sticky}});
        if (!c.ok() || !i.ok() || !s.ok())
            return false;
        if (!trafficFromJson(i.array(QStringLiteral("traffic")),
                             QStringLiteral("properties.configuration.ingress.traffic"),
                             &ingress.traffic, error))
            return false;
        out->configuration.ingress = ingress;
    }
    if (!c.ok())
        return false;
    return templateFromJson(tmpl, QStringLiteral("properties.template"), &out->tmpl, error);
}

QJsonObject toJson(const Revision &r)
{
    QJsonObject props{{QStringLiteral("createdTime"), isoTime(r.createdTime)},
                      {QStringLiteral("template"), toJson(r.tmpl)},
                      {QStringLiteral("active"), r.active},
                      {QStringLiteral("replicas"), r.replicas},
                      {QStringLiteral("trafficWeight"), r.trafficWeight},
                      {QStringLiteral("healthState"), r.healthState},
                      {QStringLiteral("provisioningState"), r.provisioningState},
                      {QStringLiteral("runningState"), r.runningState}};
    if (r.lastActiveTime.isValid())
        props.insert(QStringLiteral("lastActiveTime"), isoTime(r.lastActiveTime));
    if (!r.fqdn.isEmpty())
        props.insert(QStringLiteral("fqdn"), r.fqdn);
    if (!r.runningStateDetails.isEmpty())
        props.insert(QStringLiteral("runningStateDetails"), r.runningStateDetails);
    if (!r.labels.isEmpty())
        props.insert(QStringLiteral("labels"), QJsonArray::fromStringList(r.labels));
    QJsonObject o{{QStringLiteral("name"), r.name},
                  {QStringLiteral("type"), QStringLiteral("Microsoft.App/containerApps/revisions")},
                  {QStringLiteral("properties"), props}};
    if (!r.id.isEmpty())
        o.insert(QStringLiteral("id"), r.id);
    return o;
}

bool fromJson(const QJsonObject &json, Revision *out, QString *error)
{
    Reader top(json, QString(), error);
    out->id = top.string(QStringLiteral("id"));
    out->name = top.string(QStringLiteral("name"));
    const QJsonObject props = top.object(QStringLiteral("properties"));
    if (!top.ok())
        return false;
    Reader p(props, QStringLiteral("properties"), error);
    out->createdTime = p.time(QStringLiteral("createdTime"));
    out->lastActiveTime = p.time(QStringLiteral("lastActiveTime"));
    out->fqdn = p.string(QStringLiteral("fqdn"));
    out->active = p.boolean(QStringLiteral("active"), false);
    out->replicas = p.integer(QStringLiteral("replicas"), 0, 0, 100000);
    out->trafficWeight = p.integer(QStringLiteral("trafficWeight"), 0, 0, 100);
    out->healthState = p.string(QStringLiteral("healthState"), QStringLiteral("None"));
    out->provisioningState = p.string(QStringLiteral("provisioningState"));
    out->runningState = p.string(QStringLiteral("runningState"), QStringLiteral("Unknown"));
    out->runningStateDetails = p.string(QStringLiteral("runningStateDetails"));
    out->labels = p.strings(QStringLiteral("labels"));
    const QJsonObject tmpl = p.object(QStringLiteral("template"));
    if (!p.ok())
        return false;
    return templateFromJson(tmpl, QStringLiteral("properties.template"), &out->tmpl, error);
}

QJsonObject toJson(const Replica &r)
{
    QJsonArray containers;
    for (const ReplicaContainer &c : r.containers) {
        QJsonObject o{{QStringLiteral("name"), c.name},
                      {QStringLiteral("ready"), c.ready},
                      {QStringLiteral("started"), c.started},
                      {QStringLiteral("restartCount"), c.restartCount},
                      {QStringLiteral("runningState"), c.runningState}};
        if (!c.runningStateDetails.isEmpty())
            o.insert(QStringLiteral("runningStateDetails"), c.runningStateDetails);
        containers.append(o);
    }
    QJsonObject props{{QStringLiteral("createdTime"), isoTime(r.createdTime)},
                      {QStringLiteral("runningState"), r.runningState},
                      {QStringLiteral("containers"), containers}};
    if (!r.runningStateDetails.isEmpty())
        props.insert(QStringLiteral("runningStateDetails"), r.runningStateDetails);
    QJsonObject o{
        {QStringLiteral("name"), r.name},
        {QStringLiteral("type"), QStringLiteral("Microsoft.App/containerApps/revisions/replicas")},
        {QStringLiteral("properties"), props}};
    if (!r.id.isEmpty())
        o.insert(QStringLiteral("id"), r.id);
    return o;
}

bool fromJson(const QJsonObject &json, Replica *out, QString *error)
{
    Reader top(json, QString(), error);
    out->id = top.string(QStringLiteral("id"));
    out->name = top.string(QStringLiteral("name"));
    const QJsonObject props = top.object(QStringLiteral("properties"));
    if (!top.ok())
        return false;
    Reader p(props, QStringLiteral("properties"), error);
    out->createdTime = p.time(QStringLiteral("createdTime"));
    out->runningState = p.string(QStringLiteral("runningState"), QStringLiteral("Unknown"));
    out->runningStateDetails = p.string(QStringLiteral("runningStateDetails"));
    const QJsonArray containers = p.array(QStringLiteral("containers"));
    out->containers.clear();
    for (qsizetype i = 0; i < containers.size() && p.ok(); ++i) {
        Reader c(containers.at(i).toObject(), QStringLiteral("properties.containers[%1]").arg(i),
                 error);
        ReplicaContainer rc;
        rc.name = c.string(QStringLiteral("name"));
        rc.ready = c.boolean(QStringLiteral("ready"), false);
        rc.started = c.boolean(QStringLiteral("started"), false);
        rc.restartCount = c.integer(QStringLiteral("restartCount"), 0, 0, 1 << 30);
        rc.runningState = c.string(QStringLiteral("runningState"));
        rc.runningStateDetails = c.string(QStringLiteral("runningStateDetails"));
        if (!c.ok())
            return false;
        out->containers.append(rc);
    }
    return p.ok();
}

QJsonObject mergePatch(const QJsonObject &target, const QJsonObject &patch)
{
    QJsonObject out = target;
    for (auto it = patch.begin(); it != patch.end(); ++it) {
        if (it.value().isNull())
            out.remove(it.key());
        else if (it.value().isObject() && out.value(it.key()).isObject())
            out.insert(it.key(), mergePatch(out.value(it.key()).toObject(), it.value().toObject()));
        else
            out.insert(it.key(), it.value());
    }
    return out;
}

} // namespace blueshift::model
