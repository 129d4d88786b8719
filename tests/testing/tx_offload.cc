#include "testing/tx_offload.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>

#include "fdlink/header/virtio_net.h"
#include "fdlink/offload/gso_split.h"
#include "testing/socketpairs.h"

namespace fdlink::testing {

fdbased::Options VnetOptions(std::vector<int> fds, uint32_t kernel_offloads,
                             bool ethernet) {
  fdbased::Options o;
  o.fds = std::move(fds);
  o.mtu = 1500;
  o.ethernet_header = ethernet;
  if (ethernet) o.address = MacAddress({0x02, 0, 0, 0, 0, 0x01});
  o.offload.vnet_header = true;
  o.offload.kernel_offloads = kernel_offloads;
  return o;
}

PacketBufferPtr Outbound(const SuperPacket& sp, uint16_t link_header) {
  PacketBufferPtr p = PacketBuffer::Create(
      {.reserve_header_bytes = link_header, .payload = sp.bytes});
  if (link_header > 0) {
    std::span<uint8_t> l = p->PushLinkHeader(link_header);
    EXPECT_EQ(l.size(), link_header);
    std::fill(l.begin(), l.end(), 0);
    l[0] = 0x02;  // A unicast destination.
  }
  p->set_network_protocol((sp.bytes[0] >> 4) == 6 ? kIPv6ProtocolNumber
                                                  : kIPv4ProtocolNumber);
  p->set_gso_options(sp.gso);
  return p;
}

std::vector<PacketBufferPtr> WireRun(const SuperPacket& sp,
                                     uint16_t link_header) {
  PacketBufferPtr whole = Outbound(sp, link_header);
  std::vector<PacketBufferPtr> out;
  Result<size_t> n = offload::SplitSuperPacket(*whole, 0, out);
  EXPECT_TRUE(n.has_value()) << n.error().ToString();
  return out;
}

PacketBufferPtr FromFrame(std::span<const uint8_t> read, uint16_t link_header) {
  Result<header::VirtioNetHeader> v = header::VirtioNetHeader::Parse(read);
  if (!v) return {};
  const std::span<const uint8_t> frame =
      read.subspan(header::kVirtioNetHeaderSize);
  PacketBufferPtr p = PacketBuffer::Create({.payload = frame});
  if (link_header > 0 && p->ConsumeLinkHeader(link_header).empty()) return {};
  p->set_network_protocol(frame.size() > link_header &&
                                  (frame[link_header] >> 4) == 6
                              ? kIPv6ProtocolNumber
                              : kIPv4ProtocolNumber);
  GSOOptions g;
  const uint8_t t = v->gso_type();
  g.type = t == header::virtio_net::kGsoTcpV4   ? GSOType::kTCPv4
           : t == header::virtio_net::kGsoTcpV6 ? GSOType::kTCPv6
           : t == header::virtio_net::kGsoUdpL4 ? GSOType::kUDPL4
                                                : GSOType::kNone;
  g.needs_csum = (v->flags() & header::virtio_net::kFlagNeedsCsum) != 0;
  g.csum_offset = v->csum_offset();
  g.mss = v->gso_size();
  if (v->csum_start() >= link_header) {
    g.l3_header_len = static_cast<uint16_t>(v->csum_start() - link_header);
  }
  if (v->hdr_len() > v->csum_start()) {
    g.l4_header_len = static_cast<uint16_t>(v->hdr_len() - v->csum_start());
  }
  p->set_gso_options(g);
  return p;
}

VnetBytes VnetHead(std::span<const uint8_t> read) {
  VnetBytes h{};
  std::copy_n(read.begin(), std::min(h.size(), read.size()), h.begin());
  return h;
}

std::vector<uint8_t> Bytes(const PacketBufferPtr& pkt) {
  return pkt->ToBytes();
}

std::vector<std::vector<uint8_t>> RecvAll(int fd) {
  std::vector<std::vector<uint8_t>> all;
  std::chrono::milliseconds wait = std::chrono::seconds(1);
  while (true) {
    std::vector<uint8_t> d = RecvOne(fd, wait);
    if (d.empty()) return all;
    all.push_back(std::move(d));
    wait = std::chrono::milliseconds(100);
  }
}

int SetSmallSendBuffer(int fd) {
  int v = 1;
  EXPECT_EQ(::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)), 0);
  socklen_t len = sizeof(v);
  EXPECT_EQ(::getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, &len), 0);
  return v;
}

}  // namespace fdlink::testing
