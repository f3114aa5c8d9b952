#include "address.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace blueshift::net {

std::optional<HostPort> HostPort::parse(const QString &text, QString *error)
{
    const QString t = text.trimmed();
    QString host;
    QString portText;
    if (t.startsWith(QLatin1Char('['))) {
        const qsizetype close = t.indexOf(QLatin1Char(']'));
        if (close < 0 || close + 1 >= t.size() || t.at(close + 1) != QLatin1Char(':')) {
            *error = QStringLiteral("'%1' is not of the form [IPv6]:PORT").arg(text);
            return std::nullopt;
        }
        host = t.mid(1, close - 1);
        portText = t.mid(close + 2);
    } else {
        const qsizetype colon = t.lastIndexOf(QLatin1Char(':'));
        if (colon < 0 || t.indexOf(QLatin1Char(':')) != colon) {
            *error = QStringLiteral("'%1' is not of the form HOST:PORT").arg(text);
            return std::nullopt;
        }
        host = t.left(colon);
        portText = t.mid(colon + 1);
    }
    bool ok = false;
    const uint port = portText.toUInt(&ok);
    if (!ok || port > 65535) {
        *error = QStringLiteral("'%1' has no valid port (0-65535)").arg(text);
        return std::nullopt;
    }
    HostPort hp;
    hp.host = host.isEmpty() ? QByteArrayLiteral("0.0.0.0") : host.toUtf8();
    hp.port = std::uint16_t(port);
    return hp;
}

QString HostPort::toString() const
{
    const QString h = QString::fromUtf8(host);
    if (h.contains(QLatin1Char(':')))
        return QLatin1Char('[') + h + QStringLiteral("]:") + QString::number(port);
    return h + QLatin1Char(':') + QString::number(port);
}

std::uint16_t SocketAddress::port() const
{
    if (storage.ss_family == AF_INET)
        return ntohs(reinterpret_cast<const sockaddr_in *>(&storage)->sin_port);
    if (storage.ss_family == AF_INET6)
        return ntohs(reinterpret_cast<const sockaddr_in6 *>(&storage)->sin6_port);
    return 0;
}

QString SocketAddress::toString() const
{
    char buf[INET6_ADDRSTRLEN] = {};
    if (storage.ss_family == AF_INET) {
        inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in *>(&storage)->sin_addr, buf,
                  sizeof buf);
        return QString::fromLatin1(buf) + QLatin1Char(':') + QString::number(port());
    }
    if (storage.ss_family == AF_INET6) {
        inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6 *>(&storage)->sin6_addr, buf,
                  sizeof buf);
        return QLatin1Char('[') + QString::fromLatin1(buf) + QStringLiteral("]:") +
               QString::number(port());
    }
    return QStringLiteral("?");
}

std::optional<SocketAddress> SocketAddress::fromNumeric(const QByteArray &host, std::uint16_t port)
{
    SocketAddress a;
    auto *v4 = reinterpret_cast<sockaddr_in *>(&a.storage);
    if (inet_pton(AF_INET, host.constData(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        a.length = sizeof(sockaddr_in);
        return a;
    }
    auto *v6 = reinterpret_cast<sockaddr_in6 *>(&a.storage);
    if (inet_pton(AF_INET6, host.constData(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        a.length = sizeof(sockaddr_in6);
        return a;
    }
    return std::nullopt;
}

SocketAddress SocketAddress::ofSocket(int fd, bool peer)
{
    SocketAddress a;
    a.length = sizeof a.storage;
    if (peer)
        ::getpeername(fd, reinterpret_cast<sockaddr *>(&a.storage), &a.length);
    else
        ::getsockname(fd, reinterpret_cast<sockaddr *>(&a.storage), &a.length);
    return a;
}

int listenTcp(const HostPort &where, QString *error, int backlog)
{
    std::optional<SocketAddress> addr = SocketAddress::fromNumeric(where.host, where.port);
    if (!addr) {
        // A name ("localhost"): bind its first address. Start-up only, so blocking is fine.
        addrinfo hints{};
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = AI_PASSIVE;
        addrinfo *res = nullptr;
        const int rc = ::getaddrinfo(where.host.constData(), nullptr, &hints, &res);
        if (rc != 0 || !res) {
            *error =
                QStringLiteral("cannot resolve %1: %2")
                    .arg(QString::fromUtf8(where.host), QString::fromLocal8Bit(gai_strerror(rc)));
            return -1;
        }
        SocketAddress a;
        std::memcpy(&a.storage, res->ai_addr, res->ai_addrlen);
        a.length = res->ai_addrlen;
        ::freeaddrinfo(res);
        if (a.storage.ss_family == AF_INET)
            reinterpret_cast<sockaddr_in *>(&a.storage)->sin_port = htons(where.port);
        else
            reinterpret_cast<sockaddr_in6 *>(&a.storage)->sin6_port = htons(where.port);
        addr = a;
    }
    const int fd = ::socket(addr->storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        *error = QStringLiteral("socket: ") + QString::fromLocal8Bit(std::strerror(errno));
        return -1;
    }
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, addr->get(), addr->length) < 0 || ::listen(fd, backlog) < 0) {
        *error = QStringLiteral("cannot listen on %1: %2")
                     .arg(where.toString(), QString::fromLocal8Bit(std::strerror(errno)));
        ::close(fd);
        return -1;
    }
    return fd;
}

} // namespace blueshift::net
