// Fuzzes the ingress's session-affinity cookie (core/ingress/affinitycookie.h) under a fixed key.
// Checks:
// - the input as a cookie value, and each value cookieValues() finds in it as a Cookie header:
//   decode() never crashes; a rejected value leaves the ticket untouched; a value that verifies
//   is one the encoder made (it decodes to exactly the bytes encode() writes for the ticket it
//   names), for the app asked and not expired; no value verifies under another key;
// - a ticket made from the input (8 bytes of expiry, then app, revision and replica separated by
//   NUL bytes): encode() refuses exactly the tickets with a field over 255 UTF-8 bytes, writes
//   only base64url characters, and decode() gives the ticket back before its expiry, Expired at
//   it and ForeignApp for another app.
#include "fuzzcheck.h"

#include "ingress/affinitycookie.h"

#include <limits>

using namespace blueshift::ingress;
using Verdict = AffinityCookieCodec::Verdict;

namespace {

// The key and the clock of tests/unit/tst_affinitycookie.cpp, so that its cookies make seeds.
const AffinityCookieCodec &codec()
{
    static const AffinityCookieCodec c(QByteArray(32, 'k'));
    return c;
}

const AffinityCookieCodec &otherCodec()
{
    static const AffinityCookieCodec c(QByteArray(32, 'x'));
    return c;
}

constexpr std::int64_t kNow = 1'750'000'000;
constexpr auto kBase64 = QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals;

void checkValue(const QByteArray &value)
{
    const QString app = QStringLiteral("demo");
    AffinityTicket out;
    const Verdict v = codec().decode(value, app, kNow, &out);
    FUZZ_CHECK(otherCodec().decode(value, app, kNow, nullptr) != Verdict::Valid);
    if (v != Verdict::Valid) {
        FUZZ_CHECK(out == AffinityTicket());
        return;
    }
    FUZZ_CHECK(out.app == app && out.expiresAt > kNow);
    const QByteArray encoded = codec().encode(out);
    FUZZ_CHECK(!encoded.isEmpty());
    FUZZ_CHECK(QByteArray::fromBase64(encoded, kBase64) == QByteArray::fromBase64(value, kBase64));
    FUZZ_CHECK(encoded == value); // one value per ticket: no padded or re-spelt variants
}

bool isBase64Url(const QByteArray &s)
{
    for (char c : s) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!ok)
            return false;
    }
    return true;
}

void checkTicket(const std::uint8_t *data, std::size_t size)
{
    if (size < 8)
        return;
    AffinityTicket t;
    std::uint64_t expiry = 0;
    for (int i = 0; i < 8; ++i)
        expiry = (expiry << 8) | data[i];
    t.expiresAt = std::int64_t(expiry);
    const QList<QByteArray> fields =
        QByteArray(reinterpret_cast<const char *>(data + 8), qsizetype(size - 8)).split('\0');
    t.app = QString::fromUtf8(fields.value(0));
    t.revision = QString::fromUtf8(fields.value(1));
    t.replica = QString::fromUtf8(fields.value(2));

    const QByteArray value = codec().encode(t);
    const bool fits = t.app.toUtf8().size() <= 255 && t.revision.toUtf8().size() <= 255 &&
                      t.replica.toUtf8().size() <= 255;
    FUZZ_CHECK(value.isEmpty() != fits);
    if (!fits)
        return;
    FUZZ_CHECK(isBase64Url(value));
    const bool hasBefore = t.expiresAt != std::numeric_limits<std::int64_t>::min();
    const std::int64_t before = hasBefore ? t.expiresAt - 1 : t.expiresAt;
    if (hasBefore) {
        AffinityTicket out;
        FUZZ_CHECK(codec().decode(value, t.app, before, &out) == Verdict::Valid);
        FUZZ_CHECK(out == t);
    }
    FUZZ_CHECK(codec().decode(value, t.app, t.expiresAt, nullptr) == Verdict::Expired);
    const QString other = t.app + QStringLiteral("-other");
    FUZZ_CHECK(codec().decode(value, other, before, nullptr) == Verdict::ForeignApp);
    FUZZ_CHECK(otherCodec().decode(value, t.app, before, nullptr) == Verdict::BadSignature);

    const QByteArray setCookie = codec().setCookieValue(t, t.expiresAt, false);
    FUZZ_CHECK(AffinityCookieCodec::cookieValues(setCookie) == QList<QByteArray>{value});
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    blueshift::fuzz::quietQt();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));
    checkValue(input);
    for (const QByteArray &value : AffinityCookieCodec::cookieValues(input))
        checkValue(value);
    checkTicket(data, size);
    return 0;
}
