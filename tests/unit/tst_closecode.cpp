#include "websocket/closecode.h"

#include <QTest>

using namespace blueshift::websocket;

class tst_CloseCode : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void wireCodes_data();
    void wireCodes();
    void reasonIsClampedOnCodePointBoundary();
    void names();
};

void tst_CloseCode::wireCodes_data()
{
    QTest::addColumn<int>("code");
    QTest::addColumn<bool>("sendable");
    for (int c :
         {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999})
        QTest::addRow("%d", c) << c << true;
    // Reserved codes must never be sent: 1004, 1005 and 1006 and 1015 (RFC 6455 7.4.1).
    for (int c : {0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535})
        QTest::addRow("%d", c) << c << false;
}

void tst_CloseCode::wireCodes()
{
    QFETCH(int, code);
    QFETCH(bool, sendable);
    QCOMPARE(isValidWireCloseCode(code), sendable);
}

void tst_CloseCode::reasonIsClampedOnCodePointBoundary()
{
    QCOMPARE(clampCloseReason("short"), QByteArray("short"));
    // 122 ASCII bytes then a 3-byte character: cutting at 123 would split it.
    const QByteArray reason = QByteArray(122, 'a') + "\xe2\x82\xac" + "tail";
    const QByteArray clamped = clampCloseReason(reason);
    QCOMPARE(clamped, QByteArray(122, 'a'));
    QVERIFY(clampCloseReason(QByteArray(500, 'x')).size() == 123);
}

void tst_CloseCode::names()
{
    QCOMPARE(closeCodeName(1001), QStringLiteral("going_away"));
    QCOMPARE(closeCodeName(1009), QStringLiteral("message_too_big"));
    QCOMPARE(closeCodeName(4001), QStringLiteral("application"));
    QCOMPARE(closeCodeName(2500), QStringLiteral("unknown"));
}

QTEST_GUILESS_MAIN(tst_CloseCode)
#include "tst_closecode.moc"
