// The bench's TUN link: a TUN device in a private network namespace with
// 198.18.0.1/24, up; the flood is a UDP socket in the same namespace
// sending UDP_SEGMENT buffers to 198.18.0.2 (on the device's subnet), so the
// kernel routes every datagram into the TUN device, where the receiver
// reads it. Without offloads the kernel cuts each buffer into wire packets
// in software before the device (one send, one trip through the UDP and IP
// stack, then up to 64 packets), which outruns any one-packet reader; with
// offloads (vnet header, TUNSETOFFLOAD with USO) each buffer reaches the
// reader whole, as one super-packet. The kernel drops what does not fit the
// device queue (500 entries): compare sent and received.
#include "fdlink/device/tun.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <optional>

#include "bench/link.h"
#include "fdlink/device/cidr.h"
#include "fdlink/device/link_config.h"
#include "fdlink/device/netns.h"
#include "fdlink/offload/offload_bits.h"
#include "fdlink/sys/syscalls.h"
#include "fdlink/sys/unique_fd.h"

namespace fdlink::tool {
namespace {

constexpr uint32_t kPeerAddress = 0xC6120002u;  // 198.18.0.2
// kMaxUdpPayload is the most one UDP send may carry (65535 - 20 - 8).
constexpr size_t kMaxUdpPayload = 65507;

class TunLink final : public BenchLink {
 public:
  TunLink(device::NetNs ns, device::TunDevice tun, UniqueFd udp,
          std::vector<FloodMessage> msgs, uint32_t offloads)
      : ns_(std::move(ns)),
        tun_(std::move(tun)),
        udp_(std::move(udp)),
        offloads_(offloads),
        flood_(udp_.get(), std::move(msgs)) {}
  int rx_fd() const override { return tun_.fds()[0].get(); }
  Flood& flood() override { return flood_; }
  bool vnet_header() const override { return tun_.vnet_hdr(); }
  uint32_t offloads() const override { return offloads_; }

 private:
  device::NetNs ns_;
  device::TunDevice tun_;
  UniqueFd udp_;
  uint32_t offloads_;
  Flood flood_;  // Last: stopped before the socket closes.
};

// SetUpInside creates and configures the device and the UDP socket; it runs
// on a thread inside the namespace. With `offload` the device carries
// virtio-net headers and the kernel's offloads are negotiated (*offloads
// gets what took).
Result<void> SetUpInside(bool offload, std::optional<device::TunDevice>* tun,
                         UniqueFd* udp, uint32_t* offloads) {
  device::TunOptions to;
  to.name = "fdbench0";
  to.vnet_hdr = offload;
  Result<device::TunDevice> t = device::OpenTun(to);
  if (!t) return t.error();
  *offloads = t->offloads();
  if (offload && (*offloads & offload::kTunFUso4) == 0) {
    return Error{Errc::kNotSupported, 0,
                 "bench: the kernel refused TUN_F_USO4|USO6 (Linux >= 6.2): "
                 "UDP super-packets cannot reach the reader"};
  }
  const int ifindex = t->ifindex();
  tun->emplace(std::move(*t));
  if (Result<void> r = device::SetUp(ifindex, true); !r) return r.error();
  Result<device::Cidr> cidr = device::Cidr::Parse("198.18.0.1/24");
  if (!cidr) return cidr.error();
  if (Result<void> r = device::AddAddress(ifindex, *cidr); !r) return r.error();
  Result<UniqueFd> sock = sys::UdpSocket(AF_INET);
  if (!sock) return sock.error();
  *udp = std::move(*sock);
  return Ok();
}

}  // namespace

std::vector<FloodMessage> TunFloodMessages(size_t size) {
  // The kernel adds the IPv4 and UDP headers: the payload makes up the rest,
  // and each message carries as many whole segments as one send allows.
  const size_t payload = size - kBenchHeaders;
  size_t segments = kMaxUdpPayload / payload;
  if (segments > kMaxFloodSegments) segments = kMaxFloodSegments;
  std::vector<FloodMessage> msgs(kFloodFlows);
  for (size_t i = 0; i < msgs.size(); ++i) {
    msgs[i].bytes.assign(payload * segments, static_cast<uint8_t>(i));
    msgs[i].gso_size = static_cast<uint16_t>(payload);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(static_cast<uint16_t>(20000 + i * 3));
    sin.sin_addr.s_addr = htonl(kPeerAddress);
    std::memcpy(&msgs[i].name, &sin, sizeof(sin));
    msgs[i].name_len = sizeof(sin);
  }
  return msgs;
}

Result<std::unique_ptr<BenchLink>> OpenTunLink(size_t size, bool offload) {
  if (size <= kBenchHeaders)
    return Error{Errc::kInvalidArgument, 0, "bench: packet size below 29"};
  Result<device::NetNs> ns = device::NetNs::Create();
  if (!ns) return ns.error();
  std::optional<device::TunDevice> tun;
  UniqueFd udp;
  uint32_t offloads = 0;
  Result<void> inside = Ok();
  if (Result<void> r = ns->Run(
          [&] { inside = SetUpInside(offload, &tun, &udp, &offloads); });
      !r)
    return r.error();
  if (!inside) return inside.error();
  return std::unique_ptr<BenchLink>(
      new TunLink(std::move(*ns), std::move(*tun), std::move(udp),
                  TunFloodMessages(size), offloads));
}

}  // namespace fdlink::tool
