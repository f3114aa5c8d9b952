#pragma once

#include "model/containerapp.h"
#include "net/address.h"

#include <QHash>
#include <QList>
#include <QString>

#include <atomic>
#include <chrono>
#include <memory>

namespace blueshift::ingress {

// Live tunnels through the ingress to one replica. Shared between the routing table, the
// ingress threads (which count) and the supervisor (which scales on it), so a new table does
// not reset the count.
struct ReplicaLoad
{
    std::atomic<int> connections{0};
    std::atomic<std::uint64_t> total{0};
};

struct ReplicaRoute
{
    QString name;
    net::SocketAddress address; // where the replica listens (loopback, its PORT)
    // False while the replica cools down before removal: it keeps its tunnels but gets no new
    // connection, not even through an affinity cookie.
    bool acceptsNew = true;
    std::shared_ptr<ReplicaLoad> load = std::make_shared<ReplicaLoad>();
};

struct RevisionRoute
{
    QString name;
    int weight = 0;               // effective weight, latestRevision resolved
    QList<ReplicaRoute> replicas; // ready replicas only
};

// What one app's ingress needs to route a new connection. Immutable once published: the
// control plane builds a new table for every change and swaps it in; connections already
// routed are never touched by a new table.
struct AppRoutes
{
    QString app;
    model::Transport transport = model::Transport::Auto;
    bool sticky = false;
    QList<RevisionRoute> revisions;                // active revisions only
    QHash<QString, QString> labels;                // traffic label -> revision name
    std::chrono::milliseconds idleTimeout{240000}; // 0: never
    std::uint64_t generation = 0;                  // increases with every table
};

} // namespace blueshift::ingress
