#include "random.h"

#include <openssl/rand.h>

#include <cstdlib>
#include <cstring>

namespace blueshift::net {

namespace {
struct Pool
{
    std::uint8_t bytes[4096];
    std::size_t used = sizeof(bytes);
};
thread_local Pool t_pool;

void refill(std::uint8_t *out, std::size_t size)
{
    // RAND_bytes only fails when the DRBG cannot be seeded; predictable masks or keys would be
    // worse than stopping.
    if (RAND_bytes(out, static_cast<int>(size)) != 1)
        std::abort();
}
} // namespace

void fillRandom(std::uint8_t *out, std::size_t size)
{
    Pool &pool = t_pool;
    if (size > sizeof(pool.bytes) / 4) {
        refill(out, size);
        return;
    }
    if (sizeof(pool.bytes) - pool.used < size) {
        refill(pool.bytes, sizeof(pool.bytes));
        pool.used = 0;
    }
    std::memcpy(out, pool.bytes + pool.used, size);
    // Never hand out the same bytes twice.
    std::memset(pool.bytes + pool.used, 0, size);
    pool.used += size;
}

} // namespace blueshift::net
