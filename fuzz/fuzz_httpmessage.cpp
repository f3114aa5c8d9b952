// Fuzzes the HTTP/1.1 head parsers (core/http/httpmessage.h): the same bytes as a request head
// and as a response head. Checks, for each:
// - no crash and no read past `size` (the input, and every re-parse, is an exact-size copy);
// - the result follows the limit: TooLarge only when size >= maxHeadBytes, NeedMore only below;
// - Complete: consumed <= size and <= maxHeadBytes, the head ends with the blank line, and
//   parsing data[0..consumed) again gives Complete with the same consumed and the same fields;
//   the bytes before consumed (cut at a fuzzer-chosen point) are NeedMore, or TooLarge at the
//   limit, as a caller reading in pieces relies on;
// - a request: contentLength >= -1, never Transfer-Encoding together with Content-Length, a
//   token method, HTTP/1.0 or 1.1, path a prefix of target;
// - a response: status from 100 to 599;
// - what the ingress copies into the heads it forwards (ingress/proxyheads.cpp) cannot end a
//   line there: no CR, LF or NUL in the request target, the reason phrase or a field value, and
//   field names are non-empty tokens.
// Input: byte 0 picks maxHeadBytes, byte 1 where to cut the head; the rest is what the peer sent.
#include "fuzzcheck.h"

#include "http/httpmessage.h"

#include <algorithm>
#include <cstring>
#include <memory>

using namespace blueshift::http;

namespace {

std::unique_ptr<char[]> exactCopy(const char *data, std::size_t size)
{
    std::unique_ptr<char[]> out(new char[size]);
    if (size > 0)
        std::memcpy(out.get(), data, size);
    return out;
}

bool isToken(const QByteArray &s)
{
    if (s.isEmpty())
        return false;
    for (char c : s) {
        const bool alnum =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && (c == '\0' || !std::strchr("!#$%&'*+-.^_`|~", c)))
            return false;
    }
    return true;
}

bool breaksNoLine(const QByteArray &s)
{
    return !s.contains('\r') && !s.contains('\n') && !s.contains('\0');
}

void checkHeaders(const HeaderList &headers)
{
    for (const auto &[name, value] : headers) {
        FUZZ_CHECK(isToken(name));
        FUZZ_CHECK(breaksNoLine(value));
    }
}

void checkRequest(const Request &r)
{
    FUZZ_CHECK(isToken(r.method));
    FUZZ_CHECK(!r.target.isEmpty() && r.target.startsWith(r.path));
    FUZZ_CHECK(breaksNoLine(r.target));
    FUZZ_CHECK(r.minorVersion == 0 || r.minorVersion == 1);
    FUZZ_CHECK(r.contentLength >= -1);
    FUZZ_CHECK(!(r.transferEncoding && r.contentLength >= 0));
    checkHeaders(r.headers);
    (void)r.keepAlive();
}

bool sameRequest(const Request &a, const Request &b)
{
    return a.method == b.method && a.target == b.target && a.path == b.path &&
           a.minorVersion == b.minorVersion && a.headers == b.headers &&
           a.contentLength == b.contentLength && a.transferEncoding == b.transferEncoding;
}

void checkResponse(const Response &r)
{
    FUZZ_CHECK(r.status >= 100 && r.status <= 599);
    FUZZ_CHECK(breaksNoLine(r.reason));
    checkHeaders(r.headers);
}

bool sameResponse(const Response &a, const Response &b)
{
    return a.status == b.status && a.reason == b.reason && a.headers == b.headers;
}

// Parse (request or response head), its message type, and the checks above for that type.
template<typename Message, typename Parse, typename Check, typename Same>
void fuzzHead(const char *data, std::size_t size, std::size_t maxHead, std::size_t cut, Parse parse,
              Check check, Same same)
{
    Message m;
    std::size_t consumed = 0;
    const ParseResult r = parse(data, size, maxHead, &m, &consumed);
    if (r == ParseResult::TooLarge)
        FUZZ_CHECK(size >= maxHead);
    if (r == ParseResult::NeedMore)
        FUZZ_CHECK(size < maxHead);
    if (r != ParseResult::Complete)
        return;
    FUZZ_CHECK(consumed >= 4 && consumed <= size && consumed <= maxHead);
    FUZZ_CHECK(std::memcmp(data + consumed - 4, "\r\n\r\n", 4) == 0);
    check(m);

    const auto head = exactCopy(data, consumed);
    Message again;
    std::size_t consumedAgain = 0;
    FUZZ_CHECK(parse(head.get(), consumed, maxHead, &again, &consumedAgain) ==
               ParseResult::Complete);
    FUZZ_CHECK(consumedAgain == consumed);
    FUZZ_CHECK(same(m, again));

    const std::size_t k = consumed * cut / 256;
    const auto prefix = exactCopy(data, k);
    Message partial;
    std::size_t ignored = 0;
    const ParseResult expected = k >= maxHead ? ParseResult::TooLarge : ParseResult::NeedMore;
    FUZZ_CHECK(parse(prefix.get(), k, maxHead, &partial, &ignored) == expected);
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    blueshift::fuzz::quietQt();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *bytes, std::size_t size)
{
    if (size < 2)
        return 0;
    // Half the inputs use the server's limit (16 KiB), half one small enough to reach TooLarge.
    const std::size_t maxHead = bytes[0] & 0x80 ? 16 * 1024 : std::size_t(bytes[0]) * 8;
    const std::size_t cut = bytes[1]; // in 256ths of the head
    const auto *data = reinterpret_cast<const char *>(bytes + 2);
    size -= 2;
    fuzzHead<Request>(data, size, maxHead, cut, parseRequestHead, checkRequest, sameRequest);
    fuzzHead<Response>(data, size, maxHead, cut, parseResponseHead, checkResponse, sameResponse);
    return 0;
}
