// The Responder's entry point: find the network header and the peer's MAC,
// pick a handler by network protocol, count what became of the packet.
#include "fdlink/responder/responder.h"

#include <array>
#include <cassert>
#include <utility>
#include <vector>

#include "fdlink/header/ethernet.h"
#include "responder/context.h"
#include "responder/handlers.h"

namespace fdlink::responder {
namespace {

// SetLinkInfo fills in the source MAC of the consumed Ethernet header and
// whether it was sent to a group address; without one (TUN) the peer stays
// zero.
void SetLinkInfo(PacketBuffer& pkt, Inbound* in) {
  const std::span<const uint8_t> link = pkt.LinkHeader();
  if (link.size() < header::kEthernetHeaderSize) return;
  const header::Ethernet eth(link);
  in->peer = MacAddress(eth.src());
  in->link_group = MacAddress(eth.dst()).IsGroup();
}

// NetworkBytes returns the packet from its network header to the end. A
// packet in one view (every received one) is read in place; any other is
// copied into *scratch first.
std::span<const uint8_t> NetworkBytes(PacketBuffer& pkt,
                                      std::vector<uint8_t>* scratch) {
  std::span<const uint8_t> net = pkt.NetworkPacket();
  if (net.empty() && pkt.Size() > pkt.LinkHeaderSize()) {
    *scratch = pkt.ToBytes();
    net = std::span<const uint8_t>(*scratch).subspan(pkt.LinkHeaderSize());
  }
  return net;
}

// kMaxSuperHeaders bounds a super-packet's IP + L4 headers (IPv6 with
// extension headers and a TCP header with options fit).
constexpr size_t kMaxSuperHeaders = 256;

Outcome Dispatch(const Context& ctx, NetworkProtocolNumber protocol,
                 PacketBuffer& pkt) {
  Inbound in;
  SetLinkInfo(pkt, &in);
  // A group address never sends; answering one would be a reflection.
  if (in.peer.IsGroup()) return ResponderDrop::kBadSource;
  std::vector<uint8_t> scratch;
  // A super-packet's headers are read from a copy: it may span views, and
  // its payload is never copied.
  std::array<uint8_t, kMaxSuperHeaders> headers;
  if (pkt.gso_options().type != GSOType::kNone) {
    if (!SuperHeaders(pkt, headers, &in)) {
      return ResponderDrop::kTruncated;
    }
  } else {
    in.bytes = NetworkBytes(pkt, &scratch);
  }
  in.checksum_validated = pkt.rx_checksum_validated();
  switch (protocol) {
    case kARPProtocolNumber:
      return HandleArp(ctx, in);
    case kIPv4ProtocolNumber:
      return HandleIpv4(ctx, in);
    case kIPv6ProtocolNumber:
      return HandleIpv6(ctx, in);
    default:
      return ResponderDrop::kUnknownEtherType;
  }
}

}  // namespace

Responder::Responder(LinkEndpoint* ep, ResponderConfig config)
    : ep_(ep), config_(std::move(config)) {
  assert(ep_ != nullptr);
}

void Responder::DeliverNetworkPacket(NetworkProtocolNumber protocol,
                                     PacketBufferPtr pkt) {
  counters_.CountReceived();
  const Context ctx{*ep_, config_, counters_};
  if (const Outcome outcome = Dispatch(ctx, protocol, *pkt);
      outcome.dropped()) {
    counters_.CountDrop(outcome.reason);
  }
}

}  // namespace fdlink::responder
