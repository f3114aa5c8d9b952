#include "router.h"

namespace blueshift::ingress {

void SmoothWeightedRoundRobin::setWeights(std::vector<int> weights)
{
    m_weights = std::move(weights);
    m_current.assign(m_weights.size(), 0);
    m_total = 0;
    for (int w : m_weights)
        m_total += std::max(0, w);
}

int SmoothWeightedRoundRobin::next()
{
    if (m_total <= 0)
        return -1;
    int best = -1;
    for (std::size_t i = 0; i < m_weights.size(); ++i) {
        if (m_weights[i] <= 0)
            continue;
        m_current[i] += m_weights[i];
        if (best < 0 || m_current[i] > m_current[std::size_t(best)])
            best = int(i);
    }
    m_current[std::size_t(best)] -= m_total;
    return best;
}

QString labelFromHost(const QByteArray &host, const QString &app)
{
    // The first DNS label, without a port; an IPv6 literal has none of ours.
    if (host.startsWith('['))
        return {};
    qsizetype end = host.size();
    for (qsizetype i = 0; i < host.size(); ++i) {
        if (host.at(i) == '.' || host.at(i) == ':') {
            end = i;
            break;
        }
    }
    const QByteArray first = host.left(end);
    const qsizetype sep = first.indexOf("---");
    if (sep <= 0 || sep + 3 >= first.size())
        return {};
    if (QString::fromLatin1(first.left(sep)).compare(app, Qt::CaseInsensitive) != 0)
        return {};
    return QString::fromLatin1(first.mid(sep + 3)).toLower();
}

QString labelFromTarget(const QByteArray &target)
{
    const qsizetype q = target.indexOf('?');
    if (q < 0)
        return {};
    qsizetype end = target.indexOf('#', q);
    if (end < 0)
        end = target.size();
    for (const QByteArray &pair : target.mid(q + 1, end - q - 1).split('&')) {
        if (pair.startsWith("blueshift-label="))
            return QString::fromUtf8(QByteArray::fromPercentEncoding(pair.mid(16)));
    }
    return {};
}

QString requestedLabel(const http::Request &request, const QString &app)
{
    QString label = labelFromHost(request.header("Host"), app);
    if (label.isEmpty())
        label = labelFromTarget(request.target);
    if (label.isEmpty())
        label = QString::fromUtf8(request.header("X-Blueshift-Label"));
    return label;
}

void Router::adopt(const std::shared_ptr<const AppRoutes> &routes)
{
    if (m_table == routes)
        return;
    m_table = routes;
    m_eligible.clear();
    std::vector<int> weights;
    for (qsizetype i = 0; i < routes->revisions.size(); ++i) {
        const RevisionRoute &rev = routes->revisions.at(i);
        if (rev.weight <= 0)
            continue;
        const bool hasReplica = std::any_of(rev.replicas.cbegin(), rev.replicas.cend(),
                                            [](const ReplicaRoute &r) { return r.acceptsNew; });
        if (!hasReplica)
            continue;
        m_eligible.push_back(int(i));
        weights.push_back(rev.weight);
    }
    m_wrr.setWeights(std::move(weights));
}

const ReplicaRoute *Router::leastLoaded(const RevisionRoute &revision)
{
    const qsizetype n = revision.replicas.size();
    if (n == 0)
        return nullptr;
    const ReplicaRoute *best = nullptr;
    int bestLoad = 0;
    // Start from a rotating index so that equally loaded replicas take turns.
    const qsizetype start = qsizetype(m_tieBreak++ % std::uint32_t(n));
    for (qsizetype k = 0; k < n; ++k) {
        const ReplicaRoute &r = revision.replicas.at((start + k) % n);
        if (!r.acceptsNew)
            continue;
        const int load = r.load ? r.load->connections.load(std::memory_order_relaxed) : 0;
        if (!best || load < bestLoad) {
            best = &r;
            bestLoad = load;
        }
    }
    return best;
}

bool Router::routeByCookie(const AppRoutes &routes, const http::Request &request,
                           std::int64_t nowSeconds, RouteDecision *out)
{
    bool sawInvalid = false;
    for (const auto &h : request.headers) {
        if (h.first.compare("Cookie", Qt::CaseInsensitive) != 0)
            continue;
        for (const QByteArray &value : AffinityCookieCodec::cookieValues(h.second)) {
            AffinityTicket ticket;
            if (m_codec.decode(value, routes.app, nowSeconds, &ticket) !=
                AffinityCookieCodec::Verdict::Valid) {
                sawInvalid = true;
                continue;
            }
            // Valid, but its revision may be gone (deactivated): then it routes nothing.
            for (const RevisionRoute &rev : routes.revisions) {
                if (rev.name != ticket.revision)
                    continue;
                const ReplicaRoute *replica = nullptr;
                for (const ReplicaRoute &r : rev.replicas) {
                    if (r.name == ticket.replica && r.acceptsNew)
                        replica = &r;
                }
                out->cookieMatches = replica != nullptr;
                if (!replica)
                    replica = leastLoaded(rev);
                if (!replica)
                    break;
                out->via = RouteDecision::Via::Cookie;
                out->failure = RouteDecision::Failure::None;
                out->revision = &rev;
                out->replica = replica;
                return true;
            }
        }
    }
    out->cookieRejected = sawInvalid;
    return false;
}

RouteDecision Router::route(const std::shared_ptr<const AppRoutes> &routes,
                            const http::Request *request, std::int64_t nowSeconds)
{
    RouteDecision d;
    if (!routes)
        return d;
    if (request && routes->sticky && routeByCookie(*routes, *request, nowSeconds, &d))
        return d;
    if (request) {
        const QString label = requestedLabel(*request, routes->app);
        if (!label.isEmpty()) {
            const auto it = routes->labels.constFind(label);
            if (it == routes->labels.cend()) {
                d.failure = RouteDecision::Failure::UnknownLabel;
                return d;
            }
            for (const RevisionRoute &rev : routes->revisions) {
                if (rev.name == *it) {
                    d.revision = &rev;
                    d.replica = leastLoaded(rev);
                    break;
                }
            }
            d.via = RouteDecision::Via::Label;
            d.failure =
                d.replica ? RouteDecision::Failure::None : RouteDecision::Failure::NoReplica;
            return d;
        }
    }
    const bool rejected = d.cookieRejected;
    d = routeByWeight(routes);
    d.cookieRejected = rejected;
    return d;
}

RouteDecision Router::routeByWeight(const std::shared_ptr<const AppRoutes> &routes)
{
    RouteDecision d;
    if (!routes)
        return d;
    adopt(routes);
    const int pick = m_wrr.next();
    if (pick < 0)
        return d;
    const RevisionRoute &rev = routes->revisions.at(m_eligible[std::size_t(pick)]);
    d.via = RouteDecision::Via::Weight;
    d.revision = &rev;
    d.replica = leastLoaded(rev);
    d.failure = d.replica ? RouteDecision::Failure::None : RouteDecision::Failure::NoReplica;
    return d;
}

} // namespace blueshift::ingress
