// The affinity cookie codec without sockets: round trip, expiry, forged and altered values,
// another app, another key, the Set-Cookie attributes and finding our cookie in a Cookie header.
#include "ingress/affinitycookie.h"

#include <QTest>

using namespace blueshift::ingress;
using Verdict = AffinityCookieCodec::Verdict;

namespace QTest {
template<>
char *toString(const Verdict &v)
{
    return qstrdup(blueshift::ingress::toString(v));
}
} // namespace QTest

namespace {
const QByteArray kKey = QByteArray(32, 'k');
constexpr std::int64_t kNow = 1'750'000'000;

AffinityTicket ticket(std::int64_t expiresAt = kNow + 3600)
{
    return {QStringLiteral("demo"), QStringLiteral("demo--blue"),
            QStringLiteral("demo--blue-replica-1"), expiresAt};
}

QByteArray flipByte(QByteArray value, qsizetype decodedIndex)
{
    const auto mode = QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals;
    QByteArray raw = QByteArray::fromBase64(value, mode);
    const qsizetype i = decodedIndex < 0 ? raw.size() + decodedIndex : decodedIndex;
    raw[i] = char(raw.at(i) ^ 0x01);
    return raw.toBase64(mode);
}
} // namespace

class tst_AffinityCookie : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void roundTrip();
    void expiry();
    void rejected_data();
    void rejected();
    void otherKey();
    void randomKeyWhenEmpty();
    void setCookieAttributes();
    void valueIsOpaqueAndCookieSafe();
    void cookieValues();
};

void tst_AffinityCookie::roundTrip()
{
    const AffinityCookieCodec codec(kKey);
    const QByteArray value = codec.encode(ticket());
    QVERIFY(!value.isEmpty());
    AffinityTicket out;
    QCOMPARE(codec.decode(value, QStringLiteral("demo"), kNow, &out), Verdict::Valid);
    QCOMPARE(out, ticket());

    // Non-ASCII names survive; names too long for the format are refused, not truncated.
    AffinityTicket unicode{QStringLiteral("d\u00e9mo"), QStringLiteral("r\u2713"),
                           QStringLiteral("x"), kNow + 1};
    QCOMPARE(codec.decode(codec.encode(unicode), QStringLiteral("d\u00e9mo"), kNow, &out),
             Verdict::Valid);
    QCOMPARE(out, unicode);
    AffinityTicket huge = ticket();
    huge.replica = QString(300, QLatin1Char('r'));
    QVERIFY(codec.encode(huge).isEmpty());
}

void tst_AffinityCookie::expiry()
{
    const AffinityCookieCodec codec(kKey);
    const QByteArray value = codec.encode(ticket(kNow + 10));
    QCOMPARE(codec.decode(value, QStringLiteral("demo"), kNow + 9, nullptr), Verdict::Valid);
    QCOMPARE(codec.decode(value, QStringLiteral("demo"), kNow + 10, nullptr), Verdict::Expired);
    QCOMPARE(codec.decode(value, QStringLiteral("demo"), kNow + 100000, nullptr), Verdict::Expired);
}

void tst_AffinityCookie::rejected_data()
{
    const AffinityCookieCodec codec(kKey);
    const QByteArray good = codec.encode(ticket());
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<QString>("app");
    QTest::addColumn<Verdict>("expected");
    const QString demo = QStringLiteral("demo");
    QTest::addRow("empty") << QByteArray() << demo << Verdict::Malformed;
    QTest::addRow("not base64") << QByteArray("!!!***") << demo << Verdict::Malformed;
    QTest::addRow("truncated") << good.left(20) << demo << Verdict::Malformed;
    QTest::addRow("signature altered") << flipByte(good, -1) << demo << Verdict::BadSignature;
    QTest::addRow("expiry altered") << flipByte(good, 8) << demo << Verdict::BadSignature;
    QTest::addRow("revision altered") << flipByte(good, 15) << demo << Verdict::BadSignature;
    QTest::addRow("signature dropped")
        << good.left(good.size() - 43) + QByteArray(43, 'A') << demo << Verdict::BadSignature;
    QTest::addRow("foreign app") << good << QStringLiteral("other") << Verdict::ForeignApp;
    // Found by fuzz_affinitycookie: spellings of the same bytes that the encoder never writes.
    QTest::addRow("padded")
        << QByteArray("AQAAAABoTuGKBGRlbW8BcgF44I-6e9VzgyG_FF17LbQzqmRSU4IOMhZwuhAhRVM3akc=")
        << demo << Verdict::Malformed;
    QTest::addRow("unused bits set")
        << QByteArray("AQAAAABoTuGKBGRlbW8BcgF44I-6e9VzgyG_FF17LbQzqmRSU4IOMhZwuhAhRVM3akd") << demo
        << Verdict::Malformed;

    // A well-formed record nobody signed: the attacker writes the layout, guesses the MAC.
    QByteArray forged(1, char(1));
    forged += QByteArray(8, char(0x7f)); // expires in the far future
    for (const QByteArray &f : {QByteArray("demo"), QByteArray("demo--blue"), QByteArray("r1")})
        forged += char(f.size()) + f;
    forged += QByteArray(32, char(0));
    QTest::addRow("forged record")
        << forged.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals) << demo
        << Verdict::BadSignature;
}

void tst_AffinityCookie::rejected()
{
    QFETCH(QByteArray, value);
    QFETCH(QString, app);
    QFETCH(Verdict, expected);
    const AffinityCookieCodec codec(kKey);
    AffinityTicket out;
    QCOMPARE(codec.decode(value, app, kNow, &out), expected);
    QCOMPARE(out, AffinityTicket()); // nothing leaks out of a rejected cookie
}

void tst_AffinityCookie::otherKey()
{
    const AffinityCookieCodec ours(kKey);
    const AffinityCookieCodec theirs(QByteArray(32, 'x'));
    const QByteArray value = theirs.encode(ticket());
    QCOMPARE(theirs.decode(value, QStringLiteral("demo"), kNow, nullptr), Verdict::Valid);
    QCOMPARE(ours.decode(value, QStringLiteral("demo"), kNow, nullptr), Verdict::BadSignature);
}

void tst_AffinityCookie::randomKeyWhenEmpty()
{
    const AffinityCookieCodec a{QByteArray()};
    const AffinityCookieCodec b{QByteArray()};
    const QByteArray value = a.encode(ticket());
    QCOMPARE(a.decode(value, QStringLiteral("demo"), kNow, nullptr), Verdict::Valid);
    QCOMPARE(b.decode(value, QStringLiteral("demo"), kNow, nullptr), Verdict::BadSignature);
}

void tst_AffinityCookie::setCookieAttributes()
{
    const AffinityCookieCodec codec(kKey);
    const QByteArray plain = codec.setCookieValue(ticket(kNow + 3600), kNow, false);
    QVERIFY2(plain.startsWith("blueshift-affinity="), plain.constData());
    const QList<QByteArray> parts = plain.split(';');
    QList<QByteArray> attributes;
    for (qsizetype i = 1; i < parts.size(); ++i)
        attributes.append(parts.at(i).trimmed());
    QCOMPARE(attributes, (QList<QByteArray>{"Path=/", "Max-Age=3600", "HttpOnly", "SameSite=Lax"}));
    QVERIFY(!plain.contains("Domain"));

    const QByteArray secure = codec.setCookieValue(ticket(kNow + 3600), kNow, true);
    QVERIFY2(secure.endsWith("; Secure"), secure.constData());
}

void tst_AffinityCookie::valueIsOpaqueAndCookieSafe()
{
    const AffinityCookieCodec codec(kKey);
    const QByteArray value = codec.encode(ticket());
    // base64url: no character that needs quoting in a cookie, and no name in clear text.
    for (char c : value)
        QVERIFY2(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_',
                 value.constData());
    QVERIFY(!value.contains("demo"));
    QVERIFY(!value.contains("127.0.0.1"));
}

void tst_AffinityCookie::cookieValues()
{
    QCOMPARE(AffinityCookieCodec::cookieValues("a=1; blueshift-affinity=abc; b=2"),
             (QList<QByteArray>{"abc"}));
    QCOMPARE(AffinityCookieCodec::cookieValues("blueshift-affinity=\"q\";blueshift-affinity=r"),
             (QList<QByteArray>{"q", "r"}));
    QCOMPARE(AffinityCookieCodec::cookieValues("xblueshift-affinity=abc; other=1"),
             QList<QByteArray>());
    QCOMPARE(AffinityCookieCodec::cookieValues(""), QList<QByteArray>());
}

QTEST_GUILESS_MAIN(tst_AffinityCookie)
#include "tst_affinitycookie.moc"
