#include "affinitycookie.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstdlib>

namespace blueshift::ingress {

namespace {
// Layout: version (1) | expiry, big-endian seconds (8) | 3 x (length (1) | UTF-8 bytes) | MAC (32)
constexpr char kVersion = 1;
constexpr qsizetype kMacSize = 32;
constexpr auto kBase64 = QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals;

bool appendField(QByteArray *out, const QString &field)
{
    const QByteArray bytes = field.toUtf8();
    if (bytes.size() > 255)
        return false;
    out->append(char(bytes.size()));
    out->append(bytes);
    return true;
}

bool takeField(const QByteArray &in, qsizetype *pos, qsizetype end, QString *out)
{
    if (*pos >= end)
        return false;
    const qsizetype len = quint8(in.at(*pos));
    if (*pos + 1 + len > end)
        return false;
    *out = QString::fromUtf8(in.constData() + *pos + 1, len);
    *pos += 1 + len;
    return true;
}
} // namespace

AffinityCookieCodec::AffinityCookieCodec(QByteArray key)
    : m_key(std::move(key))
{
    if (m_key.isEmpty()) {
        m_key.resize(32);
        if (RAND_bytes(reinterpret_cast<unsigned char *>(m_key.data()), int(m_key.size())) != 1)
            std::abort(); // a guessable key would make every cookie forgeable
    }
}

std::int64_t AffinityCookieCodec::nowSeconds()
{
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

QByteArray AffinityCookieCodec::mac(const char *data, std::size_t size) const
{
    QByteArray out(kMacSize, Qt::Uninitialized);
    unsigned int len = 0;
    if (!HMAC(EVP_sha256(), m_key.constData(), int(m_key.size()),
              reinterpret_cast<const unsigned char *>(data), size,
              reinterpret_cast<unsigned char *>(out.data()), &len) ||
        len != unsigned(kMacSize))
        return {};
    return out;
}

QByteArray AffinityCookieCodec::encode(const AffinityTicket &ticket) const
{
    QByteArray record;
    record.reserve(128);
    record.append(kVersion);
    for (int shift = 56; shift >= 0; shift -= 8)
        record.append(char(quint64(ticket.expiresAt) >> shift));
    if (!appendField(&record, ticket.app) || !appendField(&record, ticket.revision) ||
        !appendField(&record, ticket.replica))
        return {};
    const QByteArray signature = mac(record.constData(), std::size_t(record.size()));
    if (signature.isEmpty())
        return {};
    record.append(signature);
    return record.toBase64(kBase64);
}

AffinityCookieCodec::Verdict AffinityCookieCodec::decode(const QByteArray &value,
                                                         const QString &app, std::int64_t now,
                                                         AffinityTicket *out) const
{
    const auto decoded =
        QByteArray::fromBase64Encoding(value, kBase64 | QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return Verdict::Malformed;
    const QByteArray &raw = *decoded;
    // Only the encoder's own spelling: base64 with padding or with stray low bits set decodes to
    // the same bytes, and one ticket must have one cookie value (found by fuzz_affinitycookie).
    if (raw.toBase64(kBase64) != value)
        return Verdict::Malformed;
    if (raw.size() < 1 + 8 + 3 + kMacSize || raw.at(0) != kVersion)
        return Verdict::Malformed;
    const qsizetype recordSize = raw.size() - kMacSize;
    const QByteArray expected = mac(raw.constData(), std::size_t(recordSize));
    // Constant time: how much of a forged MAC matches must not show in the answer's timing.
    if (expected.isEmpty() ||
        CRYPTO_memcmp(expected.constData(), raw.constData() + recordSize, kMacSize) != 0)
        return Verdict::BadSignature;
    AffinityTicket t;
    quint64 expiry = 0;
    for (int i = 1; i <= 8; ++i)
        expiry = (expiry << 8) | quint8(raw.at(i));
    t.expiresAt = std::int64_t(expiry);
    qsizetype pos = 9;
    if (!takeField(raw, &pos, recordSize, &t.app) ||
        !takeField(raw, &pos, recordSize, &t.revision) ||
        !takeField(raw, &pos, recordSize, &t.replica) || pos != recordSize)
        return Verdict::Malformed;
    if (t.app != app)
        return Verdict::ForeignApp;
    if (t.expiresAt <= now)
        return Verdict::Expired;
    if (out)
        *out = std::move(t);
    return Verdict::Valid;
}

QByteArray AffinityCookieCodec::setCookieValue(const AffinityTicket &ticket, std::int64_t now,
                                               bool secure) const
{
    const QByteArray value = encode(ticket);
    if (value.isEmpty())
        return {};
    QByteArray out = QByteArray(cookieName) + '=' + value + "; Path=/; Max-Age=" +
                     QByteArray::number(std::max<std::int64_t>(0, ticket.expiresAt - now)) +
                     "; HttpOnly; SameSite=Lax";
    if (secure)
        out += "; Secure";
    return out;
}

QList<QByteArray> AffinityCookieCodec::cookieValues(const QByteArray &cookieHeader)
{
    QList<QByteArray> values;
    const QByteArray prefix = QByteArray(cookieName) + '=';
    for (const QByteArray &pair : cookieHeader.split(';')) {
        const QByteArray p = pair.trimmed();
        if (p.startsWith(prefix)) {
            QByteArray v = p.mid(prefix.size());
            if (v.size() >= 2 && v.startsWith('"') && v.endsWith('"'))
                v = v.mid(1, v.size() - 2);
            values.append(v);
        }
    }
    return values;
}

const char *toString(AffinityCookieCodec::Verdict verdict)
{
    switch (verdict) {
    case AffinityCookieCodec::Verdict::Valid:
        return "valid";
    case AffinityCookieCodec::Verdict::Malformed:
        return "malformed";
    case AffinityCookieCodec::Verdict::BadSignature:
        return "bad signature";
    case AffinityCookieCodec::Verdict::Expired:
        return "expired";
    case AffinityCookieCodec::Verdict::ForeignApp:
        return "foreign app";
    }
    return "?";
}

} // namespace blueshift::ingress
