#include "torture/state.h"

#include <cstdio>

namespace fdlink::tool {
namespace {

std::atomic<uint64_t> g_run_seed{1};
std::atomic<uint64_t> g_thread_serial{0};

// Mix spreads consecutive integers over 64 bits (splitmix64 finaliser).
uint64_t Mix(uint64_t z) {
  z += 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace

void SetRunSeed(uint64_t seed) { g_run_seed.store(seed); }

FastRng& ThreadRng() {
  thread_local FastRng rng(
      Mix(g_run_seed.load() ^ Mix(g_thread_serial.fetch_add(1))));
  return rng;
}

void SyncLatency::Add(std::chrono::nanoseconds d) {
  MutexLock l(&mu_);
  stats_.Add(d);
}

LatencyStats SyncLatency::Take() const {
  MutexLock l(&mu_);
  return stats_;
}

void ReportLate(TortureContext& ctx, const char* what, uint64_t id) {
  const uint64_t n = ctx.counters->late_deliveries.fetch_add(1) + 1;
  if (n <= 10) {
    std::fprintf(stderr,
                 "fdlink torture: LATE %s (dispatcher %llu) after its "
                 "detach returned\n",
                 what, static_cast<unsigned long long>(id));
  }
}

}  // namespace fdlink::tool
