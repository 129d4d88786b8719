#include "e2e/offload_util.h"

#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <thread>

#include "fdlink/device/link_config.h"
#include "testing/tcp_peer.h"

namespace fdlink::e2e {

void GsoRecorder::DeliverNetworkPacket(NetworkProtocolNumber /*protocol*/,
                                       PacketBufferPtr pkt) {
  GsoPacket p;
  const std::vector<uint8_t> all = pkt->ToBytes();
  p.bytes.assign(all.begin() + static_cast<long>(pkt->LinkHeaderSize()),
                 all.end());
  p.gso = pkt->gso_options();
  MutexLock l(&mu_);
  packets_.push_back(std::move(p));
}

std::vector<GsoPacket> GsoRecorder::Packets() const {
  MutexLock l(&mu_);
  return packets_;
}

bool GsoRecorder::WaitFor(
    const std::function<bool(const std::vector<GsoPacket>&)>& done,
    std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done(Packets())) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return done(Packets());
}

bool OffloadE2eTest::OpenOffloadedTun(const std::string& name) {
  return OpenDevice(name, /*tap=*/false, /*queues=*/1, /*vnet_hdr=*/true);
}

fdbased::Options OffloadE2eTest::VnetEndpointOptions() const {
  fdbased::Options o;
  o.fds = tun_->borrowed_fds();
  o.mtu = 1500;
  o.processors_per_channel = 1;
  o.offload.vnet_header = true;
  o.offload.kernel_offloads = tun_->offloads();
  return o;
}

bool OffloadE2eTest::StartRecorder(bool super, fdbased::Options o) {
  Result<std::unique_ptr<fdbased::Endpoint>> ep =
      fdbased::Endpoint::Create(std::move(o));
  EXPECT_TRUE(ep) << ep.error().ToString();
  if (!ep) return false;
  ep_ = std::move(*ep);
  rec_.emplace(super);
  ep_->Attach(&*rec_);
  return true;
}

bool SendSegmentedUdp(int fd, const SockAddr& to,
                      std::span<const uint8_t> payload, uint16_t segment) {
  int size = segment;
  if (::setsockopt(fd, IPPROTO_UDP, kUdpSegmentOption, &size, sizeof(size)) !=
      0) {
    ADD_FAILURE() << "UDP_SEGMENT: " << std::strerror(errno);
    return false;
  }
  const ssize_t n =
      ::sendto(fd, payload.data(), payload.size(), 0, to.get(), to.len);
  if (n != static_cast<ssize_t>(payload.size())) {
    ADD_FAILURE() << "sendto: " << (n < 0 ? std::strerror(errno) : "short");
    return false;
  }
  return true;
}

std::span<const uint8_t> L4Payload(std::span<const uint8_t> packet) {
  if (packet.empty()) return {};
  const bool v6 = (packet[0] >> 4) == 6;
  const size_t l3 = v6 ? 40 : (packet[0] & 0x0f) * 4u;
  if (packet.size() < l3 + 8) return {};
  const uint8_t proto = v6 ? packet[6] : packet[9];
  size_t l4 = 8;
  if (proto == 6) {
    if (packet.size() < l3 + 20) return {};
    l4 = (packet[l3 + 12] >> 4) * 4u;
  }
  if (packet.size() < l3 + l4) return {};
  return packet.subspan(l3 + l4);
}

std::vector<uint8_t> TcpStream(const std::vector<GsoPacket>& packets,
                               uint32_t isn) {
  std::map<uint32_t, std::span<const uint8_t>> by_offset;
  for (const GsoPacket& p : packets) {
    std::optional<testing::TcpSegment> seg = testing::ParseTcpSegment(p.bytes);
    if (!seg || seg->payload_size == 0) continue;
    by_offset.emplace(seg->seq - isn,
                      std::span<const uint8_t>(p.bytes).subspan(
                          seg->payload_offset, seg->payload_size));
  }
  std::vector<uint8_t> out;
  for (const auto& [offset, bytes] : by_offset) {
    if (offset > out.size()) break;  // A hole.
    const size_t skip = out.size() - offset;
    if (skip >= bytes.size()) continue;  // A retransmission.
    out.insert(out.end(), bytes.begin() + static_cast<long>(skip), bytes.end());
  }
  return out;
}

}  // namespace fdlink::e2e
