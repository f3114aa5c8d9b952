#include "utf8reference.h"
#include "websocket/frame.h"
#include "websocket/handshake.h"
#include "websocket/utf8validator.h"

#include <QTest>

#include <cstring>

using namespace blueshift::websocket;

class tst_Frame : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void headerRoundTrip_data();
    void headerRoundTrip();
    void headerNeedsMore();
    void rejectsLengthWithTopBit();
    void maskMatchesBytewiseXor();
    void maskIsItsOwnInverse();
    void maskEveryLengthAlignmentAndOffset();
    void remaskTextEveryLengthAlignmentAndOffset();
    void remaskTextRandomWithErrorsNearBlockBoundaries();
    void remaskTextCarriesStateAcrossPieces();
    void acceptKeyFromRfcExample();
    void clientKeyValidation_data();
    void clientKeyValidation();
};

void tst_Frame::headerRoundTrip_data()
{
    QTest::addColumn<quint64>("length");
    QTest::addColumn<bool>("masked");
    QTest::addColumn<int>("expectedHeaderLength");
    QTest::addRow("0 unmasked") << quint64(0) << false << 2;
    QTest::addRow("125 unmasked") << quint64(125) << false << 2;
    QTest::addRow("126 unmasked") << quint64(126) << false << 4;
    QTest::addRow("65535 masked") << quint64(65535) << true << 8;
    QTest::addRow("65536 unmasked") << quint64(65536) << false << 10;
    QTest::addRow("2^40 masked") << (quint64(1) << 40) << true << 14;
}

void tst_Frame::headerRoundTrip()
{
    QFETCH(quint64, length);
    QFETCH(bool, masked);
    QFETCH(int, expectedHeaderLength);
    const std::uint8_t key[4] = {1, 2, 3, 4};
    std::uint8_t buf[14];
    const std::size_t n =
        writeFrameHeader(buf, Opcode::Binary, false, length, masked ? key : nullptr);
    QCOMPARE(int(n), expectedHeaderLength);
    FrameHeader h;
    QCOMPARE(int(parseFrameHeader(buf, n, &h)), int(HeaderStatus::Complete));
    QCOMPARE(h.payloadLength, length);
    QCOMPARE(h.masked, masked);
    QCOMPARE(h.fin, false);
    QCOMPARE(h.opcode, std::uint8_t(Opcode::Binary));
    QCOMPARE(int(h.headerLength), expectedHeaderLength);
    if (masked)
        QCOMPARE(QByteArray(reinterpret_cast<const char *>(h.maskKey), 4),
                 QByteArray("\x01\x02\x03\x04"));
}

void tst_Frame::headerNeedsMore()
{
    std::uint8_t buf[14];
    const std::uint8_t key[4] = {9, 9, 9, 9};
    const std::size_t n = writeFrameHeader(buf, Opcode::Text, true, 70000, key);
    FrameHeader h;
    for (std::size_t i = 0; i < n; ++i)
        QCOMPARE(int(parseFrameHeader(buf, i, &h)), int(HeaderStatus::NeedMore));
    QCOMPARE(int(parseFrameHeader(buf, n, &h)), int(HeaderStatus::Complete));
}

void tst_Frame::rejectsLengthWithTopBit()
{
    const std::uint8_t bytes[] = {0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 1};
    FrameHeader h;
    QCOMPARE(int(parseFrameHeader(bytes, sizeof bytes, &h)), int(HeaderStatus::BadLength));
}

void tst_Frame::maskMatchesBytewiseXor()
{
    const std::uint8_t key[4] = {0x37, 0xfa, 0x21, 0x3d};
    for (std::size_t size : {0, 1, 3, 7, 8, 9, 31, 32, 33, 100, 4096 + 5}) {
        for (std::size_t offset : {0, 1, 2, 3, 5}) {
            std::vector<std::uint8_t> data(size), expected(size);
            for (std::size_t i = 0; i < size; ++i)
                data[i] = expected[i] = std::uint8_t(i * 31 + 7);
            for (std::size_t i = 0; i < size; ++i)
                expected[i] ^= key[(offset + i) % 4];
            applyMask(data.data(), size, key, offset);
            QVERIFY2(data == expected,
                     qPrintable(QStringLiteral("size %1 offset %2").arg(size).arg(offset)));
        }
    }
}

void tst_Frame::maskIsItsOwnInverse()
{
    // RFC 6455 5.7: "Hello" masked with 37 fa 21 3d.
    std::uint8_t data[] = {0x7f, 0x9f, 0x4d, 0x51, 0x58};
    const std::uint8_t key[4] = {0x37, 0xfa, 0x21, 0x3d};
    applyMask(data, sizeof data, key);
    QCOMPARE(QByteArray(reinterpret_cast<const char *>(data), 5), QByteArray("Hello"));
}

namespace {
constexpr std::uint8_t kGuard = 0x5A;
const std::uint8_t kFrom[4] = {0x37, 0xfa, 0x21, 0x3d};
const std::uint8_t kTo[4] = {0x9c, 0x01, 0xe4, 0x7b};

// A buffer with guard bytes around the `size` bytes at `align` past a 64-byte boundary.
struct Guarded
{
    alignas(64) std::uint8_t bytes[64 + 1024 + 64];
    std::size_t align = 0;
    std::size_t size = 0;

    Guarded(const std::uint8_t *data, std::size_t n, std::size_t alignment)
        : align(alignment)
        , size(n)
    {
        std::memset(bytes, kGuard, sizeof bytes);
        std::memcpy(bytes + align, data, n);
    }
    std::uint8_t *data() { return bytes + align; }
    bool guardsIntact() const
    {
        for (std::size_t i = 0; i < sizeof bytes; ++i) {
            if ((i < align || i >= align + size) && bytes[i] != kGuard)
                return false;
        }
        return true;
    }
};

// remaskText on `plain` (masked with kFrom first) against the reference; false after a failure.
bool remaskMatchesReference(const QByteArray &plain, std::size_t align, std::size_t offset)
{
    const std::size_t size = std::size_t(plain.size());
    std::vector<std::uint8_t> masked(plain.begin(), plain.end());
    reference::mask(masked.data(), size, kFrom, offset);
    Guarded buf(masked.data(), size, align);
    Utf8Validator v;
    const bool ok = remaskText(buf.data(), size, kFrom, kTo, v, offset);
    const reference::Utf8Verdict want =
        reference::utf8(reinterpret_cast<const std::uint8_t *>(plain.constData()), size);
    bool same = ok == want.prefixValid && buf.guardsIntact();
    if (same && ok) {
        std::vector<std::uint8_t> expected(plain.begin(), plain.end());
        reference::mask(expected.data(), size, kTo, offset);
        same =
            v.isComplete() == want.complete && std::memcmp(buf.data(), expected.data(), size) == 0;
    }
    if (same)
        return true;
    [&] {
        QVERIFY2(same, qPrintable(QStringLiteral("size %1 align %2 offset %3 plain %4: returned "
                                                 "%5 (want %6), guards %7")
                                      .arg(size)
                                      .arg(align)
                                      .arg(offset)
                                      .arg(QLatin1String(plain.toHex()))
                                      .arg(ok)
                                      .arg(want.prefixValid)
                                      .arg(buf.guardsIntact())));
    }();
    return false;
}
} // namespace

void tst_Frame::maskEveryLengthAlignmentAndOffset()
{
    std::uint8_t source[300];
    for (std::size_t i = 0; i < sizeof source; ++i)
        source[i] = std::uint8_t(i * 151 + 13);
    for (std::size_t size = 0; size <= 300; ++size) {
        for (std::size_t align = 0; align < 16; ++align) {
            for (std::size_t offset = 0; offset < 8; ++offset) {
                Guarded buf(source, size, align);
                applyMask(buf.data(), size, kFrom, offset);
                std::uint8_t expected[300];
                std::memcpy(expected, source, size);
                reference::mask(expected, size, kFrom, offset);
                if (std::memcmp(buf.data(), expected, size) != 0 || !buf.guardsIntact())
                    QFAIL(qPrintable(QStringLiteral("size %1 align %2 offset %3")
                                         .arg(size)
                                         .arg(align)
                                         .arg(offset)));
            }
        }
    }
}

void tst_Frame::remaskTextEveryLengthAlignmentAndOffset()
{
    // ASCII of every length, then a multi-byte character, a sequence cut short or a bad byte
    // at every position: the ASCII blocks and the validated ones must join up exactly.
    static const char *const inserts[] = {"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
                                          "\x80",     "\xed\xa0\x80", "\xe2\x82"};
    for (int size = 0; size <= 300; ++size) {
        QByteArray ascii(size, 'x');
        for (int i = 0; i < size; ++i)
            ascii[i] = char(0x20 + (i * 7 + size) % 0x5F);
        for (std::size_t align = 0; align < 16; ++align) {
            for (std::size_t offset = 0; offset < 4; ++offset) {
                if (!remaskMatchesReference(ascii, align, offset))
                    return;
            }
        }
        for (const char *insert : inserts) {
            for (int pos = 0; pos < size; ++pos) {
                QByteArray bytes = ascii;
                bytes.replace(pos, qsizetype(std::strlen(insert)), insert);
                bytes.truncate(size);
                const std::size_t align = std::size_t(pos + size) % 16;
                if (!remaskMatchesReference(bytes, align, std::size_t(pos) % 4))
                    return;
            }
        }
    }
}

void tst_Frame::remaskTextRandomWithErrorsNearBlockBoundaries()
{
    QRandomGenerator rng(4242);
    for (int round = 0; round < 6000; ++round) {
        QByteArray text = reference::randomUtf8(rng, int(rng.bounded(1, 300)));
        if (round % 3 != 0) {
            const int block = 16 << rng.bounded(2);
            const qsizetype pos = block * qsizetype(rng.bounded(int(text.size() / block) + 1)) +
                                  qsizetype(rng.bounded(5)) - 2;
            reference::corrupt(text, qMax<qsizetype>(0, pos), int(rng.bounded(10)));
        }
        if (!remaskMatchesReference(text, rng.bounded(16), rng.bounded(4)))
            return;
    }
}

void tst_Frame::remaskTextCarriesStateAcrossPieces()
{
    // A payload handled in two calls (offset = where the second starts) must come out as one.
    QRandomGenerator rng(99);
    for (int round = 0; round < 2000; ++round) {
        QByteArray text = reference::randomUtf8(rng, int(rng.bounded(1, 200)));
        if (round % 2)
            reference::corrupt(text, rng.bounded(int(text.size()) + 1), int(rng.bounded(10)));
        const std::size_t size = std::size_t(text.size());
        const std::size_t cut = rng.bounded(int(size) + 1);
        std::vector<std::uint8_t> data(text.begin(), text.end());
        reference::mask(data.data(), size, kFrom, 0);
        Utf8Validator v;
        const bool ok = remaskText(data.data(), cut, kFrom, kTo, v, 0) &&
                        remaskText(data.data() + cut, size - cut, kFrom, kTo, v, cut);
        const reference::Utf8Verdict want =
            reference::utf8(reinterpret_cast<const std::uint8_t *>(text.constData()), size);
        QCOMPARE(ok, want.prefixValid);
        if (!ok)
            continue;
        QCOMPARE(v.isComplete(), want.complete);
        std::vector<std::uint8_t> expected(text.begin(), text.end());
        reference::mask(expected.data(), size, kTo, 0);
        QVERIFY(data == expected);
    }
}

void tst_Frame::acceptKeyFromRfcExample()
{
    QCOMPARE(acceptKeyFor("dGhlIHNhbXBsZSBub25jZQ=="), QByteArray("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
}

void tst_Frame::clientKeyValidation_data()
{
    QTest::addColumn<QByteArray>("key");
    QTest::addColumn<bool>("valid");
    QTest::addRow("rfc example") << QByteArray("dGhlIHNhbXBsZSBub25jZQ==") << true;
    QTest::addRow("generated") << generateClientKey() << true;
    QTest::addRow("empty") << QByteArray() << false;
    QTest::addRow("15 bytes") << QByteArray("dGhlIHNhbXBsZSBub25j") << false;
    QTest::addRow("not base64") << QByteArray("!!!!!!!!!!!!!!!!!!!!!!==") << false;
}

void tst_Frame::clientKeyValidation()
{
    QFETCH(QByteArray, key);
    QFETCH(bool, valid);
    QCOMPARE(isValidClientKey(key), valid);
}

QTEST_GUILESS_MAIN(tst_Frame)
#include "tst_frame.moc"
