// Fuzzes the WebSocket frame checker (core/websocket/framechecker.h) as the relay's bridge and
// MessageSocket drive it: the input is a stream of frames, read once as a client's and once as a
// server's. Checks:
// - no crash and no read outside the bytes given: every read window, payload and payload piece
//   is an exact-size heap copy, so ASan sees the first byte past it;
// - every verdict is a close code a peer may send for it (1002, 1007 or 1009, with a reason);
//   a close frame parses to 1002 or 1007 when bad, to a valid wire code (or 1005 when empty)
//   and a UTF-8 reason when good;
// - the verdict does not depend on where the stream is cut into two reads (fuzzer-chosen), on
//   whether payloads are checked whole or in fuzzer-sized pieces, or on whether a client's
//   payload is unmasked and checked or re-masked as the relay does; re-masking leaves exactly
//   the payload, masked with the new key.
// Input: byte 0 picks the message size limit, bytes 1-2 the cut, byte 3 the piece size; the rest
// is the stream.
#include "fuzzcheck.h"

#include "websocket/closecode.h"
#include "websocket/frame.h"
#include "websocket/framechecker.h"
#include "websocket/utf8validator.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

using namespace blueshift::websocket;

namespace {

struct Options
{
    std::uint64_t maxMessageBytes = 0;
    std::size_t cut = 0;   // the first read ends here
    std::size_t piece = 1; // payload piece size in Mode::Pieces
};

enum class Mode {
    Relay,  // two reads; client payloads re-masked (remaskPayload), server payloads checked whole
    Pieces, // one read; payloads unmasked and checked in pieces (checkPayload with last=false)
};

// A heap copy of exactly `size` bytes: reading one byte past it is an ASan report.
std::unique_ptr<std::uint8_t[]> exactCopy(const std::uint8_t *data, std::size_t size)
{
    std::unique_ptr<std::uint8_t[]> out(new std::uint8_t[size]);
    if (size > 0)
        std::memcpy(out.get(), data, size);
    return out;
}

int verdict(const Violation &v)
{
    FUZZ_CHECK(v.closeCode == CloseCode::ProtocolError ||
               v.closeCode == CloseCode::InvalidPayload || v.closeCode == CloseCode::MessageTooBig);
    FUZZ_CHECK(isValidWireCloseCode(v.closeCode));
    FUZZ_CHECK(v.reason != nullptr && v.reason[0] != '\0');
    return v.closeCode;
}

struct Outcome
{
    int code = 0; // 0: no violation
    bool closed = false;
    bool operator==(const Outcome &) const = default;
};

// A close frame ends the stream, as in the relay: its payload decides the verdict.
Outcome checkClose(const FrameHeader &h, std::uint8_t *payload, std::size_t len)
{
    if (h.masked)
        applyMask(payload, len, h.maskKey);
    ClosePayload cp;
    const ClosePayloadError e = parseClosePayload(payload, len, &cp);
    if (e != ClosePayloadError::None) {
        const int code = errorCloseCode(e);
        FUZZ_CHECK(code == CloseCode::ProtocolError || code == CloseCode::InvalidPayload);
        return {code, true};
    }
    if (len == 0)
        FUZZ_CHECK(cp.code == CloseCode::NoStatusReceived && cp.reason.isEmpty());
    else
        FUZZ_CHECK(isValidWireCloseCode(cp.code));
    FUZZ_CHECK(Utf8Validator::isValid(reinterpret_cast<const std::uint8_t *>(cp.reason.constData()),
                                      std::size_t(cp.reason.size())));
    return {0, true};
}

int remask(FrameChecker &checker, const FrameHeader &h, std::uint8_t *payload, std::size_t len)
{
    const std::vector<std::uint8_t> wire(payload, payload + len);
    std::vector<std::uint8_t> plain = wire;
    applyMask(plain.data(), len, h.maskKey);
    const std::uint8_t newKey[4] = {0x10, 0x2f, 0xe3, 0x99};
    if (const Violation v = checker.remaskPayload(h, payload, len, newKey))
        return verdict(v);
    applyMask(payload, len, newKey);
    FUZZ_CHECK(len == 0 || std::memcmp(payload, plain.data(), len) == 0);
    return 0;
}

int checkInPieces(FrameChecker &checker, const FrameHeader &h, const std::uint8_t *payload,
                  std::size_t len, std::size_t piece)
{
    std::size_t at = 0;
    do {
        const std::size_t n = std::min(piece, len - at);
        const auto copy = exactCopy(payload + at, n);
        if (const Violation v = checker.checkPayload(h, copy.get(), n, at + n == len))
            return verdict(v);
        at += n;
    } while (at < len);
    return 0;
}

// One frame whose bytes have all arrived; `wire` points at its payload.
Outcome checkFrame(FrameChecker &checker, Sender sender, const FrameHeader &h,
                   const std::uint8_t *wire, Mode mode, std::size_t piece)
{
    const auto len = std::size_t(h.payloadLength);
    const auto payload = exactCopy(wire, len);
    if (h.opcode == std::uint8_t(Opcode::Close))
        return checkClose(h, payload.get(), len);
    if (mode == Mode::Relay && sender == Sender::Client)
        return {remask(checker, h, payload.get(), len), false};
    if (h.masked)
        applyMask(payload.get(), len, h.maskKey);
    if (mode == Mode::Relay) {
        if (const Violation v = checker.checkPayload(h, payload.get(), len))
            return {verdict(v), false};
        return {};
    }
    return {checkInPieces(checker, h, payload.get(), len, piece), false};
}

// Reads the stream the way the relay's bridge does: each read appends to what is left of the
// previous one; a header is checked once, as soon as it is complete, even if its payload is still
// to come; a frame is checked once all of it has arrived.
Outcome scan(Sender sender, const std::uint8_t *stream, std::size_t size, const Options &o,
             Mode mode)
{
    FrameChecker checker(sender, o.maxMessageBytes);
    std::vector<std::uint8_t> leftover;
    bool headerChecked = false;
    const std::size_t readEnds[2] = {mode == Mode::Relay ? std::min(o.cut, size) : size, size};
    std::size_t fed = 0;
    for (std::size_t end : readEnds) {
        leftover.insert(leftover.end(), stream + fed, stream + end);
        fed = end;
        const std::size_t n = leftover.size();
        const auto window = exactCopy(leftover.data(), n);
        std::size_t pos = 0;
        while (n - pos >= 2) {
            FrameHeader h;
            const HeaderStatus hs = parseFrameHeader(window.get() + pos, n - pos, &h);
            if (hs == HeaderStatus::BadLength)
                return {CloseCode::ProtocolError, false};
            if (hs == HeaderStatus::NeedMore)
                break;
            FUZZ_CHECK(h.headerLength >= 2 && h.headerLength <= 14 && h.headerLength <= n - pos);
            if (!headerChecked) {
                if (const Violation v = checker.checkHeader(h))
                    return {verdict(v), false};
            }
            if (h.payloadLength > n - pos - h.headerLength) {
                headerChecked = true;
                break;
            }
            headerChecked = false;
            const Outcome out =
                checkFrame(checker, sender, h, window.get() + pos + h.headerLength, mode, o.piece);
            if (out.code != 0 || out.closed)
                return out;
            pos += h.headerLength + std::size_t(h.payloadLength);
        }
        leftover.erase(leftover.begin(), leftover.begin() + std::ptrdiff_t(pos));
    }
    return {};
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size < 4)
        return 0;
    Options o;
    // Half the inputs use the relay's default limit (1 MiB), half one small enough to reach 1009.
    o.maxMessageBytes = data[0] & 0x80 ? std::uint64_t(1) << 20 : std::uint64_t(data[0]) * 4;
    const std::uint8_t *stream = data + 4;
    const std::size_t streamSize = size - 4;
    o.cut = ((std::size_t(data[1]) << 8) | data[2]) % (streamSize + 1);
    o.piece = std::max<std::size_t>(1, data[3]);

    for (Sender sender : {Sender::Client, Sender::Server}) {
        const Outcome relay = scan(sender, stream, streamSize, o, Mode::Relay);
        const Outcome pieces = scan(sender, stream, streamSize, o, Mode::Pieces);
        FUZZ_CHECK(relay == pieces);
    }
    return 0;
}
