#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

#include <chrono>
#include <cstdint>

namespace blueshift::ingress {

// What an affinity cookie pins: one replica of one revision of one app, until `expiresAt`
// (seconds since the Unix epoch). No host or port: the cookie means the same behind any
// address the app is reached through.
struct AffinityTicket
{
    QString app;
    QString revision;
    QString replica;
    std::int64_t expiresAt = 0;
    bool operator==(const AffinityTicket &) const = default;
};

// Encodes and checks the ingress's session-affinity cookie. The value is opaque to clients:
// base64url of a small binary record followed by its HMAC-SHA256 under the ingress's key, so
// that a client can neither read a meaningful structure out of it nor make one up. Thread-safe
// (immutable after construction).
class AffinityCookieCodec
{
public:
    static constexpr const char *cookieName = "blueshift-affinity";

    enum class Verdict {
        Valid,
        Malformed,    // not base64url, wrong length or layout
        BadSignature, // forged, altered, or signed with another key
        Expired,
        ForeignApp, // correctly signed, but for another app behind the same key
    };

    // An empty key is replaced by 32 random bytes: cookies then last as long as the process.
    explicit AffinityCookieCodec(QByteArray key);

    QByteArray encode(const AffinityTicket &ticket) const;
    Verdict decode(const QByteArray &value, const QString &app, std::int64_t now,
                   AffinityTicket *out) const;

    // "blueshift-affinity=<value>; Path=/; Max-Age=N; HttpOnly; SameSite=Lax[; Secure]".
    QByteArray setCookieValue(const AffinityTicket &ticket, std::int64_t now, bool secure) const;

    // Every value of our cookie in one Cookie header ("a=1; blueshift-affinity=...; b=2").
    static QList<QByteArray> cookieValues(const QByteArray &cookieHeader);

    static std::int64_t nowSeconds();

private:
    QByteArray mac(const char *data, std::size_t size) const;
    QByteArray m_key;
};

const char *toString(AffinityCookieCodec::Verdict verdict);

} // namespace blueshift::ingress
