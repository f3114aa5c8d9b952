#include "websocket/utf8validator.h"

#include <QTest>

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

QTEST_GUILESS_MAIN(tst_Utf8Validator)
#include "tst_utf8validator.moc"
