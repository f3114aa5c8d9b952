#include "planreader.h"

#include <QJsonArray>
#include <QUrl>

#include <cmath>

namespace blueshift::rollout {

PlanReader::PlanReader(QString where, QString prefix, QString *error)
    : m_where(std::move(where))
    , m_prefix(std::move(prefix))
    , m_error(error)
{}

PlanReader PlanReader::nested(const QString &field) const
{
    return PlanReader(m_where, m_prefix + field + QLatin1Char('.'), m_error);
}

bool PlanReader::fail(const QString &field, const QString &problem) const
{
    QString what = m_prefix + field + QLatin1Char(' ') + problem;
    if (field.isEmpty())
        what = m_prefix.isEmpty() ? problem : m_prefix.chopped(1) + QStringLiteral(": ") + problem;
    *m_error = m_where.isEmpty() ? what : m_where + QStringLiteral(": ") + what;
    return false;
}

bool PlanReader::keys(const QJsonObject &o, const QStringList &allowed, const QString &what) const
{
    for (auto it = o.begin(); it != o.end(); ++it) {
        if (!allowed.contains(it.key()))
            return fail(QString(), QStringLiteral("unknown key '%1'; %2 takes %3")
                                       .arg(it.key(), what, allowed.join(QStringLiteral(", "))));
    }
    return true;
}

bool PlanReader::number(const QJsonObject &o, const QString &key, double *out, double min,
                        double max, bool minExclusive) const
{
    if (!o.contains(key))
        return true;
    const QJsonValue v = o.value(key);
    if (!v.isDouble() || !std::isfinite(v.toDouble()))
        return fail(key, QStringLiteral("must be a number"));
    const double d = v.toDouble();
    if (d < min || d > max || (minExclusive && d == min))
        return fail(key, QStringLiteral("must be %1%2 to %3 (it is %4)")
                             .arg(minExclusive ? QStringLiteral("more than ") : QString())
                             .arg(min)
                             .arg(max)
                             .arg(d));
    *out = d;
    return true;
}

bool PlanReader::integer(const QJsonObject &o, const QString &key, int *out, int min, int max) const
{
    if (!o.contains(key))
        return true;
    const QJsonValue v = o.value(key);
    if (!v.isDouble() || v.toDouble() != std::floor(v.toDouble()))
        return fail(key, QStringLiteral("must be a whole number"));
    const double d = v.toDouble();
    if (d < min || d > max)
        return fail(key,
                    QStringLiteral("must be from %1 to %2 (it is %3)").arg(min).arg(max).arg(d));
    *out = int(d);
    return true;
}

bool PlanReader::string(const QJsonObject &o, const QString &key, QString *out, bool required) const
{
    if (!o.contains(key))
        return required ? fail(key, QStringLiteral("is required")) : true;
    if (!o.value(key).isString())
        return fail(key, QStringLiteral("must be a string"));
    *out = o.value(key).toString();
    if (required && out->isEmpty())
        return fail(key, QStringLiteral("may not be empty"));
    return true;
}

bool PlanReader::boolean(const QJsonObject &o, const QString &key, bool *out) const
{
    if (!o.contains(key))
        return true;
    if (!o.value(key).isBool())
        return fail(key, QStringLiteral("must be true or false"));
    *out = o.value(key).toBool();
    return true;
}

bool PlanReader::stringList(const QJsonObject &o, const QString &key,
                            std::optional<QStringList> *out) const
{
    if (!o.contains(key))
        return true;
    if (!o.value(key).isArray())
        return fail(key, QStringLiteral("must be an array of strings"));
    QStringList list;
    for (const QJsonValue &v : o.value(key).toArray()) {
        if (!v.isString())
            return fail(key, QStringLiteral("must be an array of strings"));
        list.append(v.toString());
    }
    *out = list;
    return true;
}

bool PlanReader::object(const QJsonObject &o, const QString &key, QJsonObject *out) const
{
    if (!o.contains(key))
        return true;
    if (!o.value(key).isObject())
        return fail(key, QStringLiteral("must be an object"));
    *out = o.value(key).toObject();
    return true;
}

QStringList PlanReader::keyList(std::initializer_list<const char *> names)
{
    QStringList out;
    for (const char *n : names)
        out.append(QLatin1String(n));
    return out;
}

bool PlanReader::traffic(const QJsonValue &v, harness::FleetConfig *c) const
{
    const PlanReader &r = *this;
    QJsonObject o;
    if (v.isString())
        o.insert(QStringLiteral("mode"), v);
    else if (v.isObject())
        o = v.toObject();
    else
        return r.fail(QStringLiteral("traffic"), QStringLiteral("must be a mode or an object"));
    const PlanReader t = r.nested(QStringLiteral("traffic"));
    if (!t.keys(o, keyList({"mode", "interval", "bytes"}), QStringLiteral("traffic")))
        return false;
    QString mode;
    if (!t.string(o, QStringLiteral("mode"), &mode, true))
        return false;
    if (mode == QLatin1String("none"))
        c->traffic = harness::TrafficMode::None;
    else if (mode == QLatin1String("echo"))
        c->traffic = harness::TrafficMode::Echo;
    else if (mode == QLatin1String("realtime"))
        c->traffic = harness::TrafficMode::Realtime;
    else
        return t.fail(QStringLiteral("mode"), QStringLiteral("must be none, echo or realtime"));
    return t.number(o, QStringLiteral("interval"), &c->trafficIntervalSeconds, 0, 86400, true) &&
           t.integer(o, QStringLiteral("bytes"), &c->echoBytes, 1, 1024 * 1024);
}

bool PlanReader::reconnect(const QJsonValue &v, harness::ReconnectPolicy *p) const
{
    const PlanReader &r = *this;
    QJsonObject o;
    if (v.isString())
        o.insert(QStringLiteral("mode"), v);
    else if (v.isObject())
        o = v.toObject();
    else
        return r.fail(QStringLiteral("reconnect"), QStringLiteral("must be a mode or an object"));
    const PlanReader t = r.nested(QStringLiteral("reconnect"));
    if (!t.keys(o, keyList({"mode", "initial", "multiplier", "max", "jitter", "maxAttempts"}),
                QStringLiteral("reconnect")))
        return false;
    QString mode;
    if (!t.string(o, QStringLiteral("mode"), &mode, true))
        return false;
    if (mode == QLatin1String("none"))
        p->mode = harness::ReconnectMode::None;
    else if (mode == QLatin1String("immediate"))
        p->mode = harness::ReconnectMode::Immediate;
    else if (mode == QLatin1String("backoff"))
        p->mode = harness::ReconnectMode::Backoff;
    else
        return t.fail(QStringLiteral("mode"), QStringLiteral("must be none, immediate or backoff"));
    return t.number(o, QStringLiteral("initial"), &p->initialSeconds, 0, 3600, true) &&
           t.number(o, QStringLiteral("multiplier"), &p->multiplier, 1, 100) &&
           t.number(o, QStringLiteral("max"), &p->maxSeconds, 0, 86400, true) &&
           t.number(o, QStringLiteral("jitter"), &p->jitter, 0, 0.99) &&
           t.integer(o, QStringLiteral("maxAttempts"), &p->maxAttempts, 0, 1000000);
}

bool PlanReader::sessionGroup(const QJsonObject &o, bool topLevel, SessionGroupSpec *g) const
{
    const PlanReader &r = *this;
    QStringList allowed = keyList(
        {"url", "path", "scheme", "connections", "openRate", "pingInterval", "traffic", "reconnect",
         "threads", "connectTimeout", "startTimeout", "protocol", "socketioNamespace",
         "revisionHeader", "revisionFromMessage", "label", "revision"});
    if (topLevel)
        allowed.append(QStringLiteral("autoStart"));
    if (!r.keys(o, allowed, QStringLiteral("a session group")))
        return false;
    harness::FleetConfig &c = g->fleet;
    if (!r.string(o, QStringLiteral("url"), &g->url) ||
        !r.string(o, QStringLiteral("path"), &g->path) ||
        !r.string(o, QStringLiteral("scheme"), &g->scheme) ||
        !r.integer(o, QStringLiteral("connections"), &c.sessions, 1, 100000) ||
        !r.number(o, QStringLiteral("openRate"), &c.openRate, 0, 100000) ||
        !r.number(o, QStringLiteral("pingInterval"), &c.pingIntervalSeconds, 0, 3600) ||
        !r.integer(o, QStringLiteral("threads"), &c.threads, 1, 64) ||
        !r.number(o, QStringLiteral("connectTimeout"), &c.connectTimeoutSeconds, 0, 600, true) ||
        !r.number(o, QStringLiteral("startTimeout"), &g->startTimeoutSeconds, 0, 86400, true) ||
        !r.boolean(o, QStringLiteral("autoStart"), &g->autoStart))
        return false;
    if (o.contains(QStringLiteral("traffic")) && !traffic(o.value(QStringLiteral("traffic")), &c))
        return false;
    QString protocol, nsp, revisionHeader;
    if (!r.string(o, QStringLiteral("protocol"), &protocol) ||
        !r.string(o, QStringLiteral("socketioNamespace"), &nsp) ||
        !r.string(o, QStringLiteral("revisionHeader"), &revisionHeader) ||
        !r.string(o, QStringLiteral("revisionFromMessage"), &c.revisionPointer))
        return false;
    if (!protocol.isEmpty() && !harness::sessionProtocolFromName(protocol, &c.protocol))
        return r.fail(QStringLiteral("protocol"),
                      QStringLiteral("must be websocket, socketio or realtime"));
    if (!nsp.isEmpty()) {
        if (c.protocol != harness::SessionProtocol::SocketIo)
            return r.fail(QStringLiteral("socketioNamespace"),
                          QStringLiteral("goes with \"protocol\": \"socketio\""));
        c.socketIoNamespace = nsp.toUtf8();
    }
    c.revisionHeader = revisionHeader.toLatin1();
    if (!r.string(o, QStringLiteral("label"), &g->label) ||
        !r.string(o, QStringLiteral("revision"), &g->revision))
        return false;
    if (!g->label.isEmpty() && !g->revision.isEmpty())
        return r.fail(QStringLiteral("label"), QStringLiteral("and revision: give one, not both"));
    if ((!g->label.isEmpty() || !g->revision.isEmpty()) && g->url != QLatin1String("ingress"))
        return r.fail(g->label.isEmpty() ? QStringLiteral("revision") : QStringLiteral("label"),
                      QStringLiteral("pins the group on the app's ingress: leave \"url\" out"));
    if (o.contains(QStringLiteral("reconnect")) &&
        !reconnect(o.value(QStringLiteral("reconnect")), &c.reconnect))
        return false;
    if (g->url != QLatin1String("ingress")) {
        const QUrl u(g->url, QUrl::StrictMode);
        if (!u.isValid() ||
            (u.scheme() != QLatin1String("ws") && u.scheme() != QLatin1String("wss")) ||
            u.host().isEmpty())
            return r.fail(QStringLiteral("url"),
                          QStringLiteral("must be \"ingress\" or a ws:// or wss:// URL"));
    }
    if (!g->path.startsWith(QLatin1Char('/')) || g->path.contains(QLatin1Char(' ')))
        return r.fail(QStringLiteral("path"), QStringLiteral("must start with / (e.g. /ws)"));
    if (!g->scheme.isEmpty() && g->scheme != QLatin1String("ws") &&
        g->scheme != QLatin1String("wss"))
        return r.fail(QStringLiteral("scheme"), QStringLiteral("must be ws or wss"));
    // FleetConfig's own checks, with a stand-in URL when the ingress is only known later.
    harness::FleetConfig probe = c;
    probe.url =
        QUrl(g->url == QLatin1String("ingress") ? QStringLiteral("ws://ingress.invalid/") : g->url);
    if (const QString e = probe.validate(); !e.isEmpty())
        return r.fail(QString(), e);
    return true;
}

} // namespace blueshift::rollout
