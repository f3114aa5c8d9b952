// Fuzzes the Engine.IO v4 / Socket.IO v5 packet parsers and the client state machine the test
// sessions run (core/socketio), with a stream of frames from a server: the input split at each
// 0x1e byte (the record separator), a frame starting with 0xff taken as a binary frame.
// Checks:
// - no crash, no undefined behaviour, a refused packet always comes with an error message;
// - a packet parsePacket() accepts is written back by encodePacket() into text that parses to
//   the same type, namespace, ack id, attachments and data;
// - the client answers a ping with exactly one pong, asks to close with a reason whenever it
//   closes, and does nothing more once closed.
#include "fuzzcheck.h"

#include "socketio/socketioclient.h"

using namespace blueshift::socketio;

namespace {

void checkRoundTrip(QByteArrayView text)
{
    Packet p;
    QString error;
    if (!parsePacket(text, &p, &error)) {
        FUZZ_CHECK(!error.isEmpty());
        return;
    }
    Packet back;
    FUZZ_CHECK(parsePacket(encodePacket(p), &back, &error));
    FUZZ_CHECK(back.type == p.type && back.nsp == p.nsp && back.id == p.id &&
               back.attachments == p.attachments && back.data == p.data);
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
    Client client(QByteArrayLiteral("/"), QByteArray());
    bool closed = false;
    for (const QByteArray &frame : input.split('\x1e')) {
        if (frame.startsWith('\xff')) {
            const ClientStep step = client.onBinary();
            FUZZ_CHECK(!closed || (!step.close && step.send.isEmpty()));
            if (step.close) {
                FUZZ_CHECK(!step.reason.isEmpty());
                closed = true;
            }
            continue;
        }
        if (!frame.isEmpty() && frame.at(0) == '4')
            checkRoundTrip(QByteArrayView(frame).sliced(1));
        const bool ping =
            frame.startsWith('2') && !closed && client.state() != Client::State::AwaitingOpen;
        const ClientStep step = client.onText(frame);
        if (closed) {
            FUZZ_CHECK(!step.close && step.send.isEmpty());
            continue;
        }
        if (step.close) {
            FUZZ_CHECK(!step.reason.isEmpty());
            FUZZ_CHECK(client.state() == Client::State::Closed);
            closed = true;
        } else if (ping) {
            FUZZ_CHECK(step.send.size() == 1 && step.send.first().startsWith('3'));
        }
    }
    return 0;
}
