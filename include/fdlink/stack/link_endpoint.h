// The contract between a link endpoint (packets in and out of some medium)
// and a network stack: NetworkDispatcher and LinkEndpoint.
#ifndef FDLINK_STACK_LINK_ENDPOINT_H_
#define FDLINK_STACK_LINK_ENDPOINT_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <utility>

#include "fdlink/base/result.h"
#include "fdlink/buffer/packet_buffer.h"
#include "fdlink/header/mac_address.h"

namespace fdlink {

// LinkEndpointCapabilities are bits describing what a link endpoint offers.
enum LinkEndpointCapabilities : uint32_t {
  kCapabilityNone = 0,
  kCapabilityRXChecksumOffload = 1 << 0,
  kCapabilityTXChecksumOffload = 1 << 1,
  kCapabilityResolutionRequired = 1 << 2,  // Needs ARP/NDP (Ethernet).
  kCapabilitySaveRestore = 1 << 3,
};

// ArpHardware is the link's hardware type as ARP and packet sockets see
// it (ARPHRD_* values).
enum class ArpHardware : uint16_t { kNone = 0xFFFE, kEther = 1 };

// GSOKind says how an endpoint segments large packets.
enum class GSOKind : uint8_t {
  kNone,      // No segmentation offload.
  kHostGSO,   // The host kernel segments (virtio-net header on each packet).
  kGVisorGSO  // The stack segments in software and writes a batch.
};

// NetworkDispatcher receives packets from a link endpoint. It is the stack's
// side of the link.
//
// Threading: the endpoint calls it from its own receive threads (one per fd,
// or per processor), possibly several at once; it must be thread-safe. After
// `Attach(nullptr)` returns, the endpoint never calls it again, so the owner
// may destroy it then.
class NetworkDispatcher {
 public:
  virtual ~NetworkDispatcher() = default;

  // DeliverNetworkPacket hands one inbound packet to the stack. Its link
  // header (if any) has been consumed: the bytes stay at the front of the
  // packet (LinkHeader() returns them, Contiguous() and ToBytes() include
  // them) and NetworkPacket() is the packet from the network header on.
  // `protocol` is its network protocol. The stack owns `pkt` from here on;
  // it is never null.
  virtual void DeliverNetworkPacket(NetworkProtocolNumber protocol,
                                    PacketBufferPtr pkt) = 0;

  // DeliverNetworkPackets hands over a batch (one read batch, or one
  // processor's share of it) so a stack can amortise its own work; each
  // packet's protocol is its network_protocol(). The stack owns the packets
  // (it may move them out; none is null). The default forwards them one at
  // a time to DeliverNetworkPacket, in order.
  virtual void DeliverNetworkPackets(std::span<PacketBufferPtr> pkts) {
    for (PacketBufferPtr& p : pkts) {
      const NetworkProtocolNumber proto = p->network_protocol();
      DeliverNetworkPacket(proto, std::move(p));
    }
  }

  // TakesSuperPackets says whether this dispatcher accepts super-packets
  // (gso_options().type != kNone, up to 64 KiB, possibly in several views
  // when GRO built them): then they arrive whole, and the endpoint's GRO may
  // coalesce wire packets for it. When false (the default) every packet it
  // gets is a wire packet in one view; the endpoint splits super-packets in
  // software first. It must return the same answer for an attachment's
  // whole life; the endpoint asks once per Attach.
  // Checksums: a super-packet read from the kernel (virtio-net GSO) arrives
  // with gso_options().needs_csum set: its L4 checksum field holds only the
  // pseudo-header sum, as the kernel left it (each segment's checksum is
  // the stack's to compute, or it splits with offload::SplitSuperPacket).
  // Every wire packet (type kNone), to any dispatcher, has a complete
  // checksum: the endpoint completes partial ones.
  virtual bool TakesSuperPackets() const { return false; }
};

// LinkEndpoint is a link-layer endpoint: it writes outbound packets to its
// medium and delivers inbound ones to the attached NetworkDispatcher.
class LinkEndpoint {
 public:
  virtual ~LinkEndpoint() = default;

  // Attach starts delivering to `dispatcher` (not owned; it must outlive the
  // attachment). Attach(nullptr) detaches: it returns only when no endpoint
  // thread is inside, or can again enter, a call on the old dispatcher.
  virtual void Attach(NetworkDispatcher* dispatcher) = 0;
  // IsAttached reports whether a dispatcher is attached.
  virtual bool IsAttached() const = 0;
  // Wait blocks until every thread of the endpoint has exited.
  virtual void Wait() = 0;

  virtual uint32_t MTU() const = 0;
  virtual void SetMTU(uint32_t mtu) = 0;
  virtual uint32_t Capabilities() const = 0;
  // MaxHeaderLength is the link header size the stack must reserve.
  virtual uint16_t MaxHeaderLength() const = 0;
  virtual MacAddress LinkAddress() const = 0;
  virtual void SetLinkAddress(MacAddress addr) = 0;
  virtual ArpHardware ARPHardwareType() const = 0;

  // AddHeader pushes this link's header onto an outbound packet. Before it
  // the caller sets the packet's network protocol (the EtherType) and egress
  // route (the remote link address is the destination; a zero local one
  // means LinkAddress()), and the packet must have at least
  // MaxHeaderLength() bytes of headroom left. Without headroom it returns
  // kInvalidArgument and leaves the packet unchanged; WritePackets refuses a
  // packet whose link header is missing. No-op without a link header.
  [[nodiscard]] virtual Result<void> AddHeader(PacketBuffer& pkt) const = 0;
  // ParseHeader consumes the link header of an inbound packet and sets its
  // network protocol; false if the packet is too short.
  virtual bool ParseHeader(PacketBuffer& pkt) const = 0;

  // WritePackets writes pkts in order (borrowed for the call). Returns how
  // many were written: fewer than pkts.size() when the medium would block
  // (a normal outcome), failed, or a packet was refused after some were
  // written; an Error only if none could be written for a reason other than
  // would-block. A packet is refused (and nothing from it on is written)
  // when it is null, lacks its link header (see AddHeader) or is larger than
  // MTU() + MaxHeaderLength() without GSO metadata. After Close() it returns
  // Errc::kClosed and writes nothing.
  virtual Result<size_t> WritePackets(
      std::span<const PacketBufferPtr> pkts) = 0;

  // Close detaches and releases every resource; the endpoint is unusable
  // afterwards.
  virtual void Close() = 0;
  // SetOnCloseAction registers `action` to run once when Close() runs.
  virtual void SetOnCloseAction(std::function<void()> action) = 0;
};

}  // namespace fdlink

#endif  // FDLINK_STACK_LINK_ENDPOINT_H_
