// The bench's veth link (issue 12): a veth pair in a private network
// namespace, both ends up and quiet (IPv6 off). The receiver reads an
// AF_PACKET socket on one end; the flood is an AF_PACKET socket on the
// other end sending Ethernet frames (to the receiving end's MAC) with
// sendmmsg, so every frame crosses the veth and reaches the receiver's
// socket (or its ring) through the kernel's packet tap. The kernel drops
// what does not fit the socket's buffer or ring: compare sent and received.
#include <cstring>
#include <optional>

#include "bench/link.h"
#include "common/veth_pair.h"
#include "fdlink/device/link_config.h"
#include "fdlink/device/netns.h"
#include "fdlink/device/packet_socket.h"
#include "fdlink/header/ethernet.h"

namespace fdlink::tool {
namespace {

constexpr char kSendEnd[] = "fdbve0";
constexpr char kRecvEnd[] = "fdbve1";

class VethLink final : public BenchLink {
 public:
  VethLink(device::NetNs ns, device::PacketSockets rx, device::PacketSockets tx,
           MacAddress mac, std::vector<FloodMessage> msgs)
      : ns_(std::move(ns)),
        rx_(std::move(rx)),
        tx_(std::move(tx)),
        mac_(mac),
        flood_(tx_.fds[0].get(), std::move(msgs)) {}
  int rx_fd() const override { return rx_.fds[0].get(); }
  Flood& flood() override { return flood_; }
  size_t link_header() const override { return header::kEthernetHeaderSize; }
  MacAddress address() const override { return mac_; }

 private:
  device::NetNs ns_;
  device::PacketSockets rx_;
  device::PacketSockets tx_;
  MacAddress mac_;
  Flood flood_;  // Last: stopped before the sockets close.
};

// SetUpInside makes the pair and both sockets; runs inside the namespace.
Result<void> SetUpInside(std::optional<device::PacketSockets>* rx,
                         std::optional<device::PacketSockets>* tx,
                         MacAddress* mac) {
  Result<std::pair<int, int>> pair = MakeQuietVethPair(kSendEnd, kRecvEnd);
  if (!pair) return pair.error();
  Result<MacAddress> m = device::GetHardwareAddress(pair->second);
  if (!m) return m.error();
  *mac = *m;
  Result<device::PacketSockets> r = device::OpenPacketSockets(kRecvEnd, 1);
  if (!r) return r.error();
  rx->emplace(std::move(*r));
  Result<device::PacketSockets> t = device::OpenPacketSockets(kSendEnd, 1);
  if (!t) return t.error();
  tx->emplace(std::move(*t));
  return Ok();
}

}  // namespace

Result<std::unique_ptr<BenchLink>> OpenVethLink(size_t size) {
  Result<device::NetNs> ns = device::NetNs::Create();
  if (!ns) return ns.error();
  std::optional<device::PacketSockets> rx, tx;
  MacAddress mac;
  Result<void> inside = Ok();
  if (Result<void> r = ns->Run([&] { inside = SetUpInside(&rx, &tx, &mac); });
      !r)
    return r.error();
  if (!inside) return inside.error();
  const MacAddress src({0x02, 0xfd, 0xbe, 0, 0, 1});
  std::vector<FloodMessage> msgs;
  for (std::vector<uint8_t>& ip : BenchPackets(size)) {
    std::vector<uint8_t> f(header::kEthernetHeaderSize + ip.size());
    header::MutableEthernet eth{std::span<uint8_t>(f)};
    eth.SetDst(mac.bytes());
    eth.SetSrc(src.bytes());
    eth.SetEtherType(kIPv4ProtocolNumber);
    std::memcpy(f.data() + header::kEthernetHeaderSize, ip.data(), ip.size());
    msgs.push_back(FloodMessage{std::move(f), {}, 0});
  }
  return std::unique_ptr<BenchLink>(new VethLink(
      std::move(*ns), std::move(*rx), std::move(*tx), mac, std::move(msgs)));
}

}  // namespace fdlink::tool
