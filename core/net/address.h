#pragma once

#include <QByteArray>
#include <QString>

#include <cstdint>
#include <optional>

#include <sys/socket.h>

namespace blueshift::net {

// A host and port as users write them: "0.0.0.0:8080", "[::1]:0", "localhost:9000", ":8080".
struct HostPort
{
    QByteArray host; // without brackets
    std::uint16_t port = 0;

    static std::optional<HostPort> parse(const QString &text, QString *error);
    QString toString() const; // brackets IPv6 literals
};

struct SocketAddress
{
    sockaddr_storage storage{};
    socklen_t length = 0;

    const sockaddr *get() const { return reinterpret_cast<const sockaddr *>(&storage); }
    std::uint16_t port() const;
    QString toString() const;

    // Numeric hosts only; nullopt for names.
    static std::optional<SocketAddress> fromNumeric(const QByteArray &host, std::uint16_t port);
    static SocketAddress ofSocket(int fd, bool peer);
};

// A non-blocking listening socket with SO_REUSEADDR; port 0 picks a free port.
// Returns the fd, or -1 with `error` set.
int listenTcp(const HostPort &where, QString *error, int backlog = 4096);

} // namespace blueshift::net
