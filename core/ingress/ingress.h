#pragma once

#include "routingtable.h"

#include "net/address.h"

#include <QByteArray>
#include <QString>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

namespace blueshift::net {
class TlsContext;
}

namespace blueshift::ingress {

struct IngressOptions
{
    int threads = 0;                      // 0: one per CPU
    std::shared_ptr<net::TlsContext> tls; // wss/https when set
    QByteArray cookieKey;                 // HMAC-SHA256 key for affinity cookies (32 bytes);
                                          // empty: a random key, valid for this process
    std::chrono::seconds cookieLifetime{3600 * 24};
    int maxConnectionsPerClientIp = 4096;
    std::chrono::milliseconds handshakeTimeout{10000};
    std::size_t maxHeadBytes = 16 * 1024;
};

// Counters an ingress keeps; read from any thread.
struct IngressStats
{
    std::uint64_t connectionsTotal = 0;
    std::uint64_t connectionsOpen = 0;
    std::uint64_t upgrades = 0;
    std::uint64_t badGateway = 0;      // 502: no replica, replica refused, transport cannot upgrade
    std::uint64_t cookiesRejected = 0; // forged, expired or foreign affinity cookies
    std::uint64_t idleTimeouts = 0;
    std::uint64_t handshakeRejected = 0; // 400/408/429/431 before routing
    std::uint64_t notRoutable = 0;       // 503 (no ready replica) and 404 (unknown label)
    std::uint64_t routedByCookie = 0;    // new connections placed by a valid affinity cookie
    std::uint64_t routedByLabel = 0;     // ... by a traffic label
    std::uint64_t tunnelsOpen = 0;       // connections past the response head (or tcp, connected)
};

// One app's ingress: one listener, N epoll threads. Reads the request head, chooses a replica
// (valid affinity cookie, else label route, else weight; least-loaded ready replica within the
// revision), forwards the request, adds X-Blueshift-Revision / X-Blueshift-Replica (and the
// affinity cookie) to the response head, then tunnels bytes both ways without re-framing.
//
// Choosing, for each new connection (the table it was routed with stays with it):
//  1. AppRoutes::sticky and a valid "blueshift-affinity" cookie for a revision still in the
//     table: that replica if it still accepts new connections, else the revision's least loaded.
//     A forged, expired or foreign cookie is ignored (IngressStats::cookiesRejected).
//  2. A traffic label, taken from the first of: the Host in Azure's form "{app}---{label}..."
//     (e.g. demo---green.localhost:8080), the query parameter "blueshift-label=<label>" (for
//     WebSocket clients that cannot set headers), the header "X-Blueshift-Label". A label the
//     app does not have gets 404.
//  3. Smooth weighted round-robin, per thread, over revisions with weight > 0 and a replica that
//     accepts new connections; within the revision the replica with the fewest tunnels.
// Nothing routable: 503; the replica refuses or fails before answering: 502.
//
// Transports: auto/http as above; http2 proxies plain requests but answers every upgrade with
// 502 (what Container Apps does); tcp tunnels raw bytes from the first one, weight only.
// A tunnel with no byte either way for AppRoutes::idleTimeout is closed on both sides.
class Ingress
{
public:
    explicit Ingress(IngressOptions options);
    ~Ingress();

    bool listen(const net::HostPort &where, QString *error);
    std::uint16_t port() const;
    void start();
    void stop();

    int threadCount() const;

    // Thread-safe; applies to connections that arrive afterwards.
    void setRoutes(std::shared_ptr<const AppRoutes> routes);
    std::shared_ptr<const AppRoutes> routes() const;
    IngressStats stats() const;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace blueshift::ingress
