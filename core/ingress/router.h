#pragma once

#include "affinitycookie.h"
#include "routingtable.h"

#include "http/httpmessage.h"

#include <QByteArray>
#include <QString>

#include <cstdint>
#include <memory>
#include <vector>

namespace blueshift::ingress {

// Smooth weighted round-robin (nginx's): every pick adds each weight to its running score,
// takes the highest score and subtracts the total from it. Deterministic, and after any n picks
// each choice i has been taken within one of n * w_i / sum(w), spread evenly rather than in runs.
class SmoothWeightedRoundRobin
{
public:
    void setWeights(std::vector<int> weights);
    // Index of the next choice; -1 when no weight is positive.
    int next();
    const std::vector<int> &weights() const { return m_weights; }

private:
    std::vector<int> m_weights;
    std::vector<std::int64_t> m_current;
    std::int64_t m_total = 0;
};

// Where a request asks to be sent by traffic label, in this order:
//   1. Host in Azure's label form, "{app}---{label}" as the first DNS label
//      ("demo---green.localhost:8080"), when {app} is this app;
//   2. the query parameter "blueshift-label=<label>" (what plain WebSocket clients use);
//   3. the header "X-Blueshift-Label: <label>".
// Empty when the request names none.
QString labelFromHost(const QByteArray &host, const QString &app);
QString labelFromTarget(const QByteArray &target);
QString requestedLabel(const http::Request &request, const QString &app);

struct RouteDecision
{
    enum class Via : std::uint8_t { None, Cookie, Label, Weight };
    enum class Failure : std::uint8_t {
        None,
        NoReplica,    // nothing routable: 503
        UnknownLabel, // a label the app does not have: 404
    };
    Via via = Via::None;
    Failure failure = Failure::NoReplica;
    const RevisionRoute *revision = nullptr;
    const ReplicaRoute *replica = nullptr;
    bool cookieRejected = false; // a forged, expired or foreign cookie was present
    bool cookieMatches = false;  // the request's valid cookie already names this replica

    bool ok() const { return replica != nullptr; }
};

// Chooses the revision and replica for new connections. One per ingress thread: the weighted
// choice keeps its round-robin state here, rebuilt whenever a new table arrives.
class Router
{
public:
    explicit Router(const AffinityCookieCodec &codec)
        : m_codec(codec)
    {}

    // Cookie (when sticky), else label, else weight. `request` is null for TCP transport.
    RouteDecision route(const std::shared_ptr<const AppRoutes> &routes,
                        const http::Request *request, std::int64_t nowSeconds);
    RouteDecision routeByWeight(const std::shared_ptr<const AppRoutes> &routes);

    // The least-loaded replica that accepts new connections, ties taken in turn; null if none.
    const ReplicaRoute *leastLoaded(const RevisionRoute &revision);

private:
    void adopt(const std::shared_ptr<const AppRoutes> &routes);
    bool routeByCookie(const AppRoutes &routes, const http::Request &request,
                       std::int64_t nowSeconds, RouteDecision *out);

    const AffinityCookieCodec &m_codec;
    std::shared_ptr<const AppRoutes> m_table; // the table the round-robin state belongs to
    std::vector<int> m_eligible;              // revision indexes with weight and a replica
    SmoothWeightedRoundRobin m_wrr;
    std::uint32_t m_tieBreak = 0;
};

} // namespace blueshift::ingress
