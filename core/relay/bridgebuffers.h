#pragma once

#include "../net/bytebuffer.h"
#include "../net/eventloop.h"

#include <cstddef>

// What the two halves of a Bridge share: its upstream handshake (bridgeupstream.cpp) and its
// data path (bridge.cpp).
namespace blueshift::relay::detail {

// Stop reading a side while more than this waits to be written to the other.
constexpr std::size_t kHighWater = 256 * 1024;
constexpr std::size_t kMaxHandshakeResponse = 16 * 1024;

// Frees a buffer; after a large one, hands free heap pages back to the system (at most once a
// second per worker thread).
void releaseLarge(net::ByteBuffer &buffer, net::EventLoop &loop);

} // namespace blueshift::relay::detail
