#include "websocket/closecode.h"
#include "websocket/frame.h"
#include "websocket/framechecker.h"

#include <QBuffer>
#include <QTest>

using namespace blueshift::websocket;

namespace {
// Builds one frame as it would appear on the wire.
QByteArray frame(int opcode, const QByteArray &payload, bool masked, bool fin = true, int rsv = 0,
                 qint64 declaredLength = -1)
{
    const std::uint8_t key[4] = {0xa1, 0xb2, 0xc3, 0xd4};
    std::uint8_t header[14];
    const quint64 length = declaredLength >= 0 ? quint64(declaredLength) : quint64(payload.size());
    std::size_t n = writeFrameHeader(header, static_cast<Opcode>(opcode & 0xF), fin, length,
                                     masked ? key : nullptr);
    header[0] = std::uint8_t((header[0] & 0x8F) | (rsv << 4));
    header[0] = std::uint8_t((header[0] & 0xF0) | (opcode & 0xF));
    QByteArray out(reinterpret_cast<const char *>(header), qsizetype(n));
    QByteArray body = payload;
    if (masked)
        applyMask(reinterpret_cast<std::uint8_t *>(body.data()), std::size_t(body.size()), key);
    return out + body;
}

QByteArray closePayload(int code, const QByteArray &reason = {})
{
    QByteArray p;
    p.append(char(code >> 8)).append(char(code & 0xFF));
    return p + reason;
}

// Reads frames from a device the way the relay does: the header is checked as soon as it is
// complete, the payload once it has arrived. Returns the first violation's close code, 0 if
// none, and how many bytes of payload were needed before the verdict.
struct Outcome
{
    int code = 0;
    qint64 bytesReadAtVerdict = 0;
};

// `relay`: payloads of masked non-close frames go through remaskPayload, as in the relay, which
// must reach the same verdicts and leave exactly the payload masked with the new key.
Outcome run(Sender sender, quint64 maxMessage, QIODevice &device, int chunk, bool relay = false)
{
    FrameChecker checker(sender, maxMessage);
    QByteArray buffered;
    bool headerChecked = false;
    qint64 consumed = 0;
    while (true) {
        const QByteArray more = device.read(chunk);
        buffered += more;
        consumed += more.size();
        while (buffered.size() >= 2) {
            FrameHeader h;
            const auto *p = reinterpret_cast<std::uint8_t *>(buffered.data());
            const HeaderStatus hs = parseFrameHeader(p, std::size_t(buffered.size()), &h);
            if (hs == HeaderStatus::BadLength)
                return {CloseCode::ProtocolError, consumed};
            if (hs == HeaderStatus::NeedMore)
                break;
            if (!headerChecked) {
                if (const Violation v = checker.checkHeader(h))
                    return {v.closeCode, consumed};
                headerChecked = true;
            }
            const qint64 total = h.headerLength + qint64(h.payloadLength);
            if (buffered.size() < total)
                break;
            headerChecked = false;
            auto *payload = reinterpret_cast<std::uint8_t *>(buffered.data()) + h.headerLength;
            const auto size = std::size_t(h.payloadLength);
            if (relay && h.masked && h.opcode != std::uint8_t(Opcode::Close)) {
                QByteArray plain(reinterpret_cast<const char *>(payload), qsizetype(size));
                applyMask(reinterpret_cast<std::uint8_t *>(plain.data()), size, h.maskKey);
                const std::uint8_t newKey[4] = {0x10, 0x2f, 0xe3, 0x99};
                if (const Violation v = checker.remaskPayload(h, payload, size, newKey))
                    return {v.closeCode, consumed};
                applyMask(payload, size, newKey);
                if (QByteArray(reinterpret_cast<const char *>(payload), qsizetype(size)) != plain)
                    return {-1, consumed}; // not a close code: fails any comparison
                buffered.remove(0, total);
                continue;
            }
            if (h.masked)
                applyMask(payload, std::size_t(h.payloadLength), h.maskKey);
            if (h.opcode == std::uint8_t(Opcode::Close)) {
                ClosePayload cp;
                const ClosePayloadError e =
                    parseClosePayload(payload, std::size_t(h.payloadLength), &cp);
                return {e == ClosePayloadError::None ? 0 : errorCloseCode(e), consumed};
            }
            if (const Violation v = checker.checkPayload(h, payload, std::size_t(h.payloadLength)))
                return {v.closeCode, consumed};
            buffered.remove(0, total);
        }
        if (more.isEmpty())
            return {0, consumed};
    }
}
} // namespace

class tst_FrameChecker : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void streams_data();
    void streams();
    void oversizeDecidedFromHeader();
    void fragmentedSizeLimit();
};

void tst_FrameChecker::streams_data()
{
    QTest::addColumn<int>("sender"); // 0 client (must mask), 1 server (must not)
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("expectedCode");

    const bool m = true;
    QTest::addRow("masked text from client") << 0 << frame(1, "hello", m) << 0;
    QTest::addRow("unmasked text from client") << 0 << frame(1, "hello", false) << 1002;
    QTest::addRow("masked text from server") << 1 << frame(1, "hello", m) << 1002;
    QTest::addRow("unmasked binary from server")
        << 1 << frame(2, QByteArray(300, '\xff'), false) << 0;
    QTest::addRow("rsv1 without extension") << 0 << frame(1, "x", m, true, 4) << 1002;
    QTest::addRow("rsv3") << 1 << frame(2, "x", false, true, 1) << 1002;
    QTest::addRow("reserved data opcode 3") << 0 << frame(3, "x", m) << 1002;
    QTest::addRow("reserved control opcode 0xB") << 0 << frame(0xB, "x", m) << 1002;
    QTest::addRow("invalid utf-8 text")
        << 0 << frame(1, QByteArray::fromHex("cebae1bdb9cf83cebcceb5f4908080"), m) << 1007;
    QTest::addRow("binary is not utf-8 checked")
        << 0 << frame(2, QByteArray::fromHex("ff"), m) << 0;
    QTest::addRow("utf-8 split across fragments")
        << 0
        << frame(1, QByteArray::fromHex("f09f"), m, false) +
               frame(0, QByteArray::fromHex("9880"), m)
        << 0;
    QTest::addRow("fragmented text ends mid-sequence")
        << 0 << frame(1, "ab", m, false) + frame(0, QByteArray::fromHex("e282"), m) << 1007;
    QTest::addRow("ping between fragments")
        << 0 << frame(1, "ab", m, false) + frame(9, "p", m) + frame(0, "cd", m) << 0;
    QTest::addRow("long utf-8 split across fragments at a block boundary")
        << 0
        << frame(1, QByteArray(31, 'a') + QByteArray::fromHex("f09f"), m, false) +
               frame(0, QByteArray::fromHex("9880") + QByteArray(40, 'b'), m)
        << 0;
    QTest::addRow("long text, bad byte after 33")
        << 0 << frame(1, QByteArray(33, 'a') + "\xff" + QByteArray(60, 'c'), m) << 1007;
    QTest::addRow("long fragmented text ends mid-sequence")
        << 0
        << frame(1, QByteArray(100, 'a'), m, false) +
               frame(0, QByteArray(14, 'a') + QByteArray::fromHex("e282"), m)
        << 1007;
    QTest::addRow("binary with high bytes is re-masked, not checked")
        << 0 << frame(2, QByteArray(77, '\xc0'), m) << 0;
    QTest::addRow("ping with high bytes between text fragments")
        << 0 << frame(1, "ab", m, false) + frame(9, "\xff\xfe", m) + frame(0, "cd", m) << 0;
    QTest::addRow("continuation without start") << 0 << frame(0, "x", m) << 1002;
    QTest::addRow("new message inside fragmented")
        << 0 << frame(1, "ab", m, false) + frame(2, "cd", m) << 1002;
    QTest::addRow("fragmented ping") << 0 << frame(9, "p", m, false) << 1002;
    QTest::addRow("ping over 125 bytes") << 0 << frame(9, QByteArray(126, 'p'), m) << 1002;
    QTest::addRow("close 1000") << 0 << frame(8, closePayload(1000, "bye"), m) << 0;
    QTest::addRow("empty close") << 0 << frame(8, QByteArray(), m) << 0;
    QTest::addRow("close with 1 byte") << 0 << frame(8, QByteArray(1, '\x03'), m) << 1002;
    QTest::addRow("close 1005 on the wire") << 0 << frame(8, closePayload(1005), m) << 1002;
    QTest::addRow("close 1006 on the wire") << 0 << frame(8, closePayload(1006), m) << 1002;
    QTest::addRow("close 999") << 0 << frame(8, closePayload(999), m) << 1002;
    QTest::addRow("close 2999 unassigned") << 0 << frame(8, closePayload(2999), m) << 1002;
    QTest::addRow("close 4000 application") << 0 << frame(8, closePayload(4000), m) << 0;
    QTest::addRow("close reason bad utf-8") << 0 << frame(8, closePayload(1000, "\xff"), m) << 1007;
    QTest::addRow("64-bit length with top bit")
        << 1 << QByteArray::fromHex("827f8000000000000001") << 1002;
}

void tst_FrameChecker::streams()
{
    QFETCH(int, sender);
    QFETCH(QByteArray, bytes);
    QFETCH(int, expectedCode);
    // The verdict must not depend on how the bytes are cut into reads.
    // Nor on whether the payload is unmasked and checked, or re-masked as the relay does.
    for (bool relay : {false, true}) {
        for (int chunk : {1, 3, 7, 4096}) {
            QBuffer device(&bytes);
            QVERIFY(device.open(QIODevice::ReadOnly));
            const Outcome o =
                run(sender == 0 ? Sender::Client : Sender::Server, 1 << 20, device, chunk, relay);
            QVERIFY2(o.code == expectedCode,
                     qPrintable(QStringLiteral("relay %1 chunk %2: got %3, expected %4")
                                    .arg(relay)
                                    .arg(chunk)
                                    .arg(o.code)
                                    .arg(expectedCode)));
        }
    }
}

void tst_FrameChecker::oversizeDecidedFromHeader()
{
    // A header announcing 2 GiB and no payload at all: the verdict must not wait for it.
    QByteArray bytes = frame(2, QByteArray(), true, true, 0, qint64(2) << 30);
    QBuffer device(&bytes);
    QVERIFY(device.open(QIODevice::ReadOnly));
    const Outcome o = run(Sender::Client, 1 << 20, device, 4096);
    QCOMPARE(o.code, 1009);
    QCOMPARE(o.bytesReadAtVerdict, qint64(bytes.size()));
}

void tst_FrameChecker::fragmentedSizeLimit()
{
    // 3 fragments of 400 bytes against a 1,000-byte limit: the third header is refused.
    const QByteArray part(400, 'a');
    QByteArray bytes =
        frame(1, part, true, false) + frame(0, part, true, false) + frame(0, part, true, true);
    QBuffer device(&bytes);
    QVERIFY(device.open(QIODevice::ReadOnly));
    QCOMPARE(run(Sender::Client, 1000, device, 4096).code, 1009);

    QByteArray fits = frame(1, part, true, false) + frame(0, part, true, true);
    QBuffer device2(&fits);
    QVERIFY(device2.open(QIODevice::ReadOnly));
    QCOMPARE(run(Sender::Client, 1000, device2, 4096).code, 0);
}

QTEST_GUILESS_MAIN(tst_FrameChecker)
#include "tst_framechecker.moc"
