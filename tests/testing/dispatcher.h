// RecordingDispatcher: a NetworkDispatcher for tests that records what it
// is given and lets a test hook into delivery.
#ifndef FDLINK_TESTS_TESTING_DISPATCHER_H_
#define FDLINK_TESTS_TESTING_DISPATCHER_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <vector>

#include "fdlink/base/mutex.h"
#include "fdlink/stack/link_endpoint.h"

namespace fdlink::testing {

// Received is one recorded delivery.
struct Received {
  NetworkProtocolNumber protocol = 0;
  std::vector<uint8_t> bytes;  // Whole packet, link header included.
  size_t link_header_size = 0;
  size_t size = 0;  // Packet size (headers + data).
};

// RecordingDispatcher records deliveries (thread-safe). `hook`, when set,
// runs inside DeliverNetworkPacket before recording; it may block or call
// back into the endpoint. Packets are released after recording unless
// `keep` is set, in which case they are held until the dispatcher dies.
class RecordingDispatcher : public NetworkDispatcher {
 public:
  ~RecordingDispatcher() override;
  void DeliverNetworkPacket(NetworkProtocolNumber protocol,
                            PacketBufferPtr pkt) override;

  // WaitForCount waits until at least n packets arrived; false on timeout.
  bool WaitForCount(
      size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  size_t Count() const { return count_.load(); }
  std::vector<Received> Packets() const;

  std::function<void(NetworkProtocolNumber, PacketBuffer&)> hook;
  bool record_bytes = true;
  // Alive turns false in the destructor; a delivery after it is a bug the
  // tests look for (and ASan catches, since the object is gone).
  std::atomic<bool> alive{true};

 private:
  std::atomic<size_t> count_{0};
  mutable Mutex mu_{"test.RecordingDispatcher.mu"};
  CondVar cv_;
  std::vector<Received> packets_ GUARDED_BY(mu_);
};

}  // namespace fdlink::testing

#endif  // FDLINK_TESTS_TESTING_DISPATCHER_H_
