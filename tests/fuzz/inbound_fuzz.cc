// Fuzz target inbound: the endpoint's inbound classification
// (ClassifyFrame, src/link/fdbased/inbound.h) on arbitrary frames under
// every configuration, against its contract: which frames are dropped and
// why, and for a delivered one its protocol, link header, data and
// checksum flag. With a virtio-net header, a frame that passes the link
// checks is dropped as kBadVnetHeader exactly when DecodeVnetHeader (fuzzed
// on its own by vnet_decode) refuses it, and a delivered one carries what
// the decoder made of it: bytes (a completed checksum), GSO options and
// checksum trust. No packet may stay live afterwards.
//
// Input: a config byte (bit 0 Ethernet, bit 1 virtio-net header, bit 2 rx
// checksum offload, bit 3 frame truncated by the kernel), then the frame.
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "fdlink/buffer/packet_buffer.h"
#include "fdlink/header/bytes.h"
#include "link/fdbased/inbound.h"
#include "link/fdbased/packet_reader.h"
#include "link/fdbased/vnet_header.h"
#include "support/fuzz_check.h"

namespace {

using fdlink::fdbased::DropReason;

constexpr uint64_t kOurMac = 0x020000000001;

bool Equal(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

// Expected returns the drop reason the contract gives `frame` (kCount:
// delivered).
DropReason Expected(const fdlink::fdbased::LinkConfig& cfg, bool truncated,
                    std::span<const uint8_t> frame) {
  if (truncated) return DropReason::kOversized;
  // An empty read (an empty SOCK_SEQPACKET record) is an empty frame, with
  // or without a virtio-net header configured.
  if (frame.empty()) return DropReason::kEmpty;
  if (frame.size() < cfg.vnet_header_size) return DropReason::kTruncated;
  frame = frame.subspan(cfg.vnet_header_size);
  if (frame.empty()) return DropReason::kEmpty;
  if (cfg.link_header_size > 0) {
    if (frame.size() < cfg.link_header_size) return DropReason::kTruncated;
    uint64_t dst = 0;
    for (size_t i = 0; i < 6; ++i) dst = (dst << 8) | frame[i];
    const bool group = (frame[0] & 1) != 0;
    if (!group && dst != kOurMac) return DropReason::kNotForUs;
    return DropReason::kCount;
  }
  const int version = frame[0] >> 4;
  if (version != 4 && version != 6) return DropReason::kUnknownProtocol;
  return DropReason::kCount;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fdlink::fuzz::FuzzInput in({data, size});
  const uint8_t config = in.U8();
  const std::span<const uint8_t> frame = in.Rest();
  if (frame.size() > fdlink::fdbased::kRxSlotSize) return 0;

  static const std::atomic<uint64_t> mac{kOurMac};
  fdlink::fdbased::LinkConfig cfg;
  cfg.link_header_size = (config & 1) ? 14 : 0;
  cfg.vnet_header_size = (config & 2) ? 10 : 0;
  cfg.rx.checksum_offload = (config & 4) != 0;
  const bool truncated = (config & 8) != 0;

  fdlink::fdbased::RxFrame rx;
  rx.bytes = fdlink::View::CopyOf(frame);
  rx.truncated = truncated;
  fdlink::fdbased::Classified c = fdlink::fdbased::ClassifyFrame(cfg, mac, rx);

  DropReason want = Expected(cfg, truncated, frame);
  // What the decoder makes of the frame after its virtio-net header.
  std::vector<uint8_t> decoded(frame.begin(), frame.end());
  fdlink::fdbased::VnetRx vnet;
  if (want == DropReason::kCount && cfg.vnet_header_size > 0) {
    std::span<uint8_t> after = std::span(decoded).subspan(10);
    fdlink::Result<fdlink::fdbased::VnetRx> r =
        fdlink::fdbased::DecodeVnetHeader(frame.first(10), after,
                                          cfg.link_header_size);
    if (r) {
      vnet = *r;
    } else {
      want = DropReason::kBadVnetHeader;
    }
  }
  FUZZ_CHECK(c.drop == want);
  FUZZ_CHECK(static_cast<bool>(c.pkt) == (want == DropReason::kCount));
  if (c.pkt) {
    const std::span<const uint8_t> link =
        frame.subspan(cfg.vnet_header_size, cfg.link_header_size);
    const std::span<const uint8_t> network =
        std::span(decoded).subspan(cfg.vnet_header_size + cfg.link_header_size);
    const uint16_t proto =
        cfg.link_header_size > 0
            ? fdlink::header::LoadBe16(link, 12)
            : ((frame[cfg.vnet_header_size] >> 4) == 4 ? 0x0800 : 0x86dd);
    FUZZ_CHECK(c.protocol == proto);
    FUZZ_CHECK(c.pkt->network_protocol() == proto);
    FUZZ_CHECK(c.pkt->rx_checksum_validated() ==
               (cfg.rx.checksum_offload || vnet.checksum_trusted));
    const fdlink::GSOOptions& g = c.pkt->gso_options();
    FUZZ_CHECK(g.type == vnet.gso.type && g.mss == vnet.gso.mss &&
               g.needs_csum == vnet.gso.needs_csum &&
               g.l3_header_len == vnet.gso.l3_header_len &&
               g.l4_header_len == vnet.gso.l4_header_len &&
               g.csum_offset == vnet.gso.csum_offset);
    FUZZ_CHECK(Equal(c.pkt->LinkHeader(), link));
    FUZZ_CHECK(Equal(c.pkt->DataBytes(), network));
  }
  c.pkt.reset();
  FUZZ_CHECK(fdlink::PacketBuffer::LiveCount() == 0);
  return 0;
}
