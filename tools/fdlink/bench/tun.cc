// The bench's TUN link: a TUN device in a private network namespace with
// 198.18.0.1/24, up; the flood is a UDP socket in the same namespace
// sending to 198.18.0.2 (on the device's subnet), so the kernel routes
// every datagram into the TUN device, where the receiver reads it. The
// kernel drops what does not fit the device queue: compare sent and
// received.
#include "fdlink/device/tun.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <optional>

#include "bench/link.h"
#include "fdlink/device/cidr.h"
#include "fdlink/device/link_config.h"
#include "fdlink/device/netns.h"
#include "fdlink/sys/syscalls.h"
#include "fdlink/sys/unique_fd.h"

namespace fdlink::tool {
namespace {

constexpr size_t kIpUdpHeaders = 28;
constexpr uint32_t kPeerAddress = 0xC6120002u;  // 198.18.0.2

class TunLink final : public BenchLink {
 public:
  TunLink(device::NetNs ns, device::TunDevice tun, UniqueFd udp,
          std::vector<FloodMessage> msgs)
      : ns_(std::move(ns)),
        tun_(std::move(tun)),
        udp_(std::move(udp)),
        flood_(udp_.get(), std::move(msgs)) {}
  int rx_fd() const override { return tun_.fds()[0].get(); }
  Flood& flood() override { return flood_; }

 private:
  device::NetNs ns_;
  device::TunDevice tun_;
  UniqueFd udp_;
  Flood flood_;  // Last: stopped before the socket closes.
};

// SetUpInside creates and configures the device and the UDP socket; it runs
// on a thread inside the namespace.
Result<void> SetUpInside(std::optional<device::TunDevice>* tun, UniqueFd* udp) {
  device::TunOptions to;
  to.name = "fdbench0";
  Result<device::TunDevice> t = device::OpenTun(to);
  if (!t) return t.error();
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

Result<std::unique_ptr<BenchLink>> OpenTunLink(size_t size) {
  if (size < kIpUdpHeaders)
    return Error{Errc::kInvalidArgument, 0, "bench: packet size below 28"};
  Result<device::NetNs> ns = device::NetNs::Create();
  if (!ns) return ns.error();
  std::optional<device::TunDevice> tun;
  UniqueFd udp;
  Result<void> inside = Ok();
  if (Result<void> r = ns->Run([&] { inside = SetUpInside(&tun, &udp); }); !r)
    return r.error();
  if (!inside) return inside.error();

  // The kernel adds the IPv4 and UDP headers: the payload makes up the rest.
  std::vector<FloodMessage> msgs(kFloodFlows);
  for (size_t i = 0; i < msgs.size(); ++i) {
    msgs[i].bytes.assign(size - kIpUdpHeaders, static_cast<uint8_t>(i));
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(static_cast<uint16_t>(20000 + i * 3));
    sin.sin_addr.s_addr = htonl(kPeerAddress);
    std::memcpy(&msgs[i].name, &sin, sizeof(sin));
    msgs[i].name_len = sizeof(sin);
  }
  return std::unique_ptr<BenchLink>(new TunLink(
      std::move(*ns), std::move(*tun), std::move(udp), std::move(msgs)));
}

}  // namespace fdlink::tool
