#include "websocket/frame.h"
#include "websocket/handshake.h"

#include <QTest>

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
