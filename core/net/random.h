#pragma once

#include <cstddef>
#include <cstdint>

namespace blueshift::net {

// Cryptographically strong random bytes (OpenSSL's DRBG), served from a per-thread pool so
// that a mask key per frame costs a memcpy rather than a call into the DRBG.
void fillRandom(std::uint8_t *out, std::size_t size);

} // namespace blueshift::net
