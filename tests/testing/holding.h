// Helpers for tests of zero-copy receive rings: a dispatcher that holds
// packets, and what the process has mapped and spent.
#ifndef FDLINK_TESTS_TESTING_HOLDING_H_
#define FDLINK_TESTS_TESTING_HOLDING_H_

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include "fdlink/base/mutex.h"
#include "fdlink/buffer/packet_buffer.h"
#include "fdlink/stack/link_endpoint.h"

namespace fdlink::testing {

// HoldingDispatcher keeps every packet it is given until Take (thread-safe).
class HoldingDispatcher : public NetworkDispatcher {
 public:
  void DeliverNetworkPacket(NetworkProtocolNumber,
                            PacketBufferPtr pkt) override;
  size_t Count() const { return count_.load(); }
  // WaitForCount waits until at least n packets arrived; false on timeout.
  bool WaitForCount(
      size_t n, std::chrono::milliseconds wait = std::chrono::seconds(5)) const;
  // Take hands over the packets held so far.
  std::vector<PacketBufferPtr> Take();

 private:
  std::atomic<size_t> count_{0};
  Mutex mu_{"test.HoldingDispatcher.mu"};
  std::vector<PacketBufferPtr> held_ GUARDED_BY(mu_);
};

// ExpectHeldThenRelease checks that `first` then `second` (packets held
// across a detach, a re-attach and the endpoint's end) are `sent`, byte for
// byte, then releases them on another thread in reverse order; the last
// release frees the ring they point into (ASan reports any touch after
// that), and no chunk stays live.
void ExpectHeldThenRelease(std::vector<PacketBufferPtr> first,
                           std::vector<PacketBufferPtr> second,
                           const std::vector<std::vector<uint8_t>>& sent);

// MapsLines counts the lines of /proc/self/maps, or only those containing
// `only` when it is not empty.
size_t MapsLines(const std::string& only = "");
// MappingOf is the /proc/self/maps line of the mapping holding `p`.
std::string MappingOf(const void* p);
// OpenFds counts this process's open descriptors.
size_t OpenFds();
// CpuSeconds is the CPU time the process has used.
double CpuSeconds();

// kSanitized: the sanitizers' runtimes (ASan's allocator, TSan's
// allocator and per-thread state) map regions of their own as the process
// allocates and starts threads, so there only the ring mappings are
// compared.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif
#else
inline constexpr bool kSanitized = false;
#endif

}  // namespace fdlink::testing

#endif  // FDLINK_TESTS_TESTING_HOLDING_H_
