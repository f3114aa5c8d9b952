#include "utf8reference.h"
#include "websocket/utf8validator.h"

#include <QTest>

#include <cstring>

using blueshift::websocket::Utf8Validator;

class tst_Utf8Validator : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void wholeInput_data();
    void wholeInput();
    void everySplitPoint_data() { wholeInput_data(); }
    void everySplitPoint();
    void longAsciiRunsThenError();
    void everyLengthAndAlignment();
    void randomTextWithErrorsNearBlockBoundaries();
};

static QByteArray hex(const char *h)
{
    return QByteArray::fromHex(h);
}

void tst_Utf8Validator::wholeInput_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<bool>("valid");
    QTest::addRow("empty") << QByteArray() << true;
    QTest::addRow("ascii") << QByteArray("hello, world") << true;
    QTest::addRow("two-byte") << hex("c3a9") << true;           // é
    QTest::addRow("three-byte") << hex("e282ac") << true;       // €
    QTest::addRow("four-byte") << hex("f09f9880") << true;      // 😀
    QTest::addRow("max code point") << hex("f48fbfbf") << true; // U+10FFFF
    QTest::addRow("json with emoji") << QByteArray("{\"t\":\"\xf0\x9f\x98\x80\"}") << true;
    QTest::addRow("lone continuation") << hex("80") << false;
    QTest::addRow("overlong 2-byte") << hex("c0af") << false;
    QTest::addRow("overlong c1") << hex("c1bf") << false;
    QTest::addRow("overlong 3-byte") << hex("e080af") << false;
    QTest::addRow("overlong 4-byte") << hex("f08080af") << false;
    QTest::addRow("surrogate high") << hex("eda080") << false;
    QTest::addRow("surrogate low") << hex("edbfbf") << false;
    QTest::addRow("above U+10FFFF") << hex("f4908080") << false;
    QTest::addRow("f5 lead") << hex("f5808080") << false;
    QTest::addRow("ff byte") << hex("ff") << false;
    QTest::addRow("truncated 3-byte") << hex("e282") << false;
    QTest::addRow("truncated 4-byte at end") << QByteArray("abc") + hex("f09f98") << false;
    QTest::addRow("ascii after truncated") << hex("e28241") << false;
    // Autobahn 6.4.x: valid until the bad byte.
    QTest::addRow("autobahn 6.4.1") << hex("cebae1bdb9cf83cebcceb5f4908080656469746564") << false;
}

void tst_Utf8Validator::wholeInput()
{
    QFETCH(QByteArray, bytes);
    QFETCH(bool, valid);
    QCOMPARE(Utf8Validator::isValid(reinterpret_cast<const std::uint8_t *>(bytes.constData()),
                                    std::size_t(bytes.size())),
             valid);
}

// Text messages arrive fragmented and in pieces: the verdict must not depend on the cut.
void tst_Utf8Validator::everySplitPoint()
{
    QFETCH(QByteArray, bytes);
    QFETCH(bool, valid);
    const auto *p = reinterpret_cast<const std::uint8_t *>(bytes.constData());
    for (qsizetype cut = 0; cut <= bytes.size(); ++cut) {
        Utf8Validator v;
        const bool ok = v.feed(p, std::size_t(cut)) &&
                        v.feed(p + cut, std::size_t(bytes.size() - cut)) && v.isComplete();
        QVERIFY2(ok == valid, qPrintable(QStringLiteral("cut at %1").arg(cut)));
    }
}

void tst_Utf8Validator::longAsciiRunsThenError()
{
    // Exercises the eight-bytes-at-a-time path on both sides of an error.
    for (int prefix = 0; prefix < 40; ++prefix) {
        QByteArray bytes(prefix, 'a');
        bytes += hex("c3a9");
        bytes += QByteArray(17, 'b');
        QVERIFY(Utf8Validator::isValid(reinterpret_cast<const std::uint8_t *>(bytes.constData()),
                                       std::size_t(bytes.size())));
        bytes[prefix + 1] = 'x'; // breaks the two-byte sequence
        QVERIFY(!Utf8Validator::isValid(reinterpret_cast<const std::uint8_t *>(bytes.constData()),
                                        std::size_t(bytes.size())));
    }
}

namespace {
// Feeds `size` bytes copied to `align` bytes past a 64-byte boundary, in one piece, and checks
// the verdict against the reference. Returns false (after a failed QVERIFY) on a mismatch.
bool matchesReference(const QByteArray &bytes, std::size_t align, const char *what)
{
    alignas(64) static std::uint8_t buffer[64 + 4096];
    const std::size_t size = std::size_t(bytes.size());
    std::memcpy(buffer + align, bytes.constData(), size);
    const auto *p = buffer + align;
    const reference::Utf8Verdict want = reference::utf8(p, size);
    Utf8Validator v;
    const bool ok = v.feed(p, size);
    const bool same = ok == want.prefixValid && (!ok || v.isComplete() == want.complete);
    if (same)
        return true;
    // The message is built only on a mismatch: the cases number in the millions.
    [&] {
        QVERIFY2(same,
                 qPrintable(QStringLiteral("%1: size %2 align %3 bytes %4: feed %5 (want %6), "
                                           "complete %7 (want %8)")
                                .arg(QLatin1String(what))
                                .arg(size)
                                .arg(align)
                                .arg(QLatin1String(bytes.toHex()))
                                .arg(ok)
                                .arg(want.prefixValid)
                                .arg(v.isComplete())
                                .arg(want.complete)));
    }();
    return false;
}
} // namespace

void tst_Utf8Validator::everyLengthAndAlignment()
{
    // The vector and word paths must hand over to the state machine at exactly the right byte:
    // ASCII of every length, then one non-ASCII character or bad byte at every position.
    static const char *const inserts[] = {"\xc3\xa9", "\xf0\x9f\x98\x80", "\x80", "\xff",
                                          "\xe2\x82"};
    for (std::size_t align = 0; align < 16; ++align) {
        for (int size = 0; size <= 300; ++size) {
            QByteArray ascii(size, 'x');
            for (int i = 0; i < size; ++i)
                ascii[i] = char(0x20 + (i * 7 + size) % 0x5F);
            if (!matchesReference(ascii, align, "ascii"))
                return;
            if (size == 0)
                continue;
            for (const char *insert : inserts) {
                for (int pos = 0; pos < size; ++pos) {
                    QByteArray bytes = ascii;
                    bytes.replace(pos, qsizetype(std::strlen(insert)), insert);
                    bytes.truncate(size);
                    if (!matchesReference(bytes, align, insert))
                        return;
                }
            }
        }
    }
}

void tst_Utf8Validator::randomTextWithErrorsNearBlockBoundaries()
{
    QRandomGenerator rng(20261122);
    for (int round = 0; round < 4000; ++round) {
        QByteArray text = reference::randomUtf8(rng, int(rng.bounded(1, 300)));
        if (round % 4 != 0) {
            // Within two bytes of an 8, 16 or 32-byte block boundary.
            const int block = 8 << rng.bounded(3);
            const qsizetype pos =
                (text.size() / block > 0
                     ? block * qsizetype(rng.bounded(int(text.size() / block) + 1))
                     : 0) +
                qsizetype(rng.bounded(5)) - 2;
            reference::corrupt(text, qMax<qsizetype>(0, pos), int(rng.bounded(10)));
        }
        const std::size_t align = rng.bounded(16);
        if (!matchesReference(text, align, "random"))
            return;
        // And in two pieces, cut anywhere: the state must carry across the vector paths.
        const auto *p = reinterpret_cast<const std::uint8_t *>(text.constData());
        const reference::Utf8Verdict want = reference::utf8(p, std::size_t(text.size()));
        const qsizetype cut = rng.bounded(int(text.size()) + 1);
        Utf8Validator v;
        const bool ok =
            v.feed(p, std::size_t(cut)) && v.feed(p + cut, std::size_t(text.size() - cut));
        if (ok != want.prefixValid || (ok && v.isComplete() != want.complete))
            QFAIL(qPrintable(
                QStringLiteral("cut %1 of %2").arg(cut).arg(QLatin1String(text.toHex()))));
    }
}

QTEST_GUILESS_MAIN(tst_Utf8Validator)
#include "tst_utf8validator.moc"
