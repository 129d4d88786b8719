// Helpers for the kernel-peer offload tests (offload_*_test.cc): a TUN with
// a virtio-net header and every offload the kernel takes, a dispatcher that
// records packets with their GSO metadata (taking super-packets or not), a
// kernel UDP sender using UDP_SEGMENT, and TCP stream reassembly.
#ifndef FDLINK_TESTS_E2E_OFFLOAD_UTIL_H_
#define FDLINK_TESTS_E2E_OFFLOAD_UTIL_H_

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "e2e/e2e_util.h"
#include "fdlink/base/mutex.h"
#include "fdlink/buffer/packet_buffer.h"
#include "fdlink/stack/link_endpoint.h"

namespace fdlink::e2e {

// GsoPacket is one recorded delivery: the network packet's bytes and its
// GSO metadata.
struct GsoPacket {
  std::vector<uint8_t> bytes;
  GSOOptions gso;
};

// GsoRecorder records every packet delivered (thread-safe) and answers
// TakesSuperPackets() with `super`.
class GsoRecorder : public NetworkDispatcher {
 public:
  explicit GsoRecorder(bool super) : super_(super) {}
  void DeliverNetworkPacket(NetworkProtocolNumber protocol,
                            PacketBufferPtr pkt) override;
  bool TakesSuperPackets() const override { return super_; }
  // Packets returns a copy of what was recorded so far.
  std::vector<GsoPacket> Packets() const;
  // WaitFor waits until `done(Packets())` holds or `timeout` passes;
  // returns whether it held.
  bool WaitFor(const std::function<bool(const std::vector<GsoPacket>&)>& done,
               std::chrono::milliseconds timeout);

 private:
  const bool super_;
  mutable Mutex mu_{"test.GsoRecorder.mu"};
  std::vector<GsoPacket> packets_ GUARDED_BY(mu_);
};

// OffloadE2eTest adds an offloaded TUN to E2eTest.
class OffloadE2eTest : public E2eTest {
 protected:
  // OpenOffloadedTun opens TUN `name` in the namespace with IFF_VNET_HDR
  // and every offload the kernel accepts into tun_, gives the kernel side
  // kKernel4 and kKernel6 and brings it up. False (after a test failure)
  // on error.
  bool OpenOffloadedTun(const std::string& name);
  // VnetEndpointOptions are endpoint options for tun_: virtio-net header,
  // the negotiated offloads, one processor.
  fdbased::Options VnetEndpointOptions() const;
};

// kUdpSegmentOption is UDP_SEGMENT (SOL_UDP option 103).
inline constexpr int kUdpSegmentOption = 103;

// SendSegmentedUdp sends `payload` from kernel socket `fd` to `to` as one
// UDP_SEGMENT buffer of `segment`-byte datagrams; false (after a test
// failure) on error.
bool SendSegmentedUdp(int fd, const SockAddr& to,
                      std::span<const uint8_t> payload, uint16_t segment);

// L4Payload returns the payload of IPv4 or IPv6 `packet`'s TCP or UDP
// header (no extension headers).
std::span<const uint8_t> L4Payload(std::span<const uint8_t> packet);

// TcpStream reassembles the TCP payload of `packets` from sequence number
// `isn` on: the contiguous bytes received, each counted once.
std::vector<uint8_t> TcpStream(const std::vector<GsoPacket>& packets,
                               uint32_t isn);

}  // namespace fdlink::e2e

#endif  // FDLINK_TESTS_E2E_OFFLOAD_UTIL_H_
