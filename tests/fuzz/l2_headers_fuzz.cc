// Fuzz target l2_headers: the link-level header parsers on arbitrary bytes
// -- EthernetView, ArpView (on the whole input and on the Ethernet payload)
// and VirtioNetHeaderView -- checked against their documented acceptance
// rules, the raw bytes they read, and a write-back through the mutable
// views that must reproduce the input.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fdlink/header/arp.h"
#include "fdlink/header/bytes.h"
#include "fdlink/header/ethernet.h"
#include "fdlink/header/virtio_net.h"
#include "support/fuzz_check.h"

namespace {

namespace header = fdlink::header;

bool SameBytes(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

void CheckEthernet(std::span<const uint8_t> b) {
  auto eth = header::Ethernet::Parse(b);
  FUZZ_CHECK(eth.has_value() == (b.size() >= header::kEthernetHeaderSize));
  if (!eth) return;
  FUZZ_CHECK(SameBytes(eth->dst(), b.first(6)));
  FUZZ_CHECK(SameBytes(eth->src(), b.subspan(6, 6)));
  FUZZ_CHECK(eth->ether_type() == header::LoadBe16(b, 12));
  FUZZ_CHECK(eth->payload().size() == b.size() - header::kEthernetHeaderSize);
  FUZZ_CHECK(header::IsGroupAddress(eth->dst()) == ((b[0] & 1) != 0));
  std::vector<uint8_t> copy(b.size(), 0);
  std::copy(b.begin() + 14, b.end(), copy.begin() + 14);
  header::MutableEthernet m{std::span<uint8_t>(copy)};
  m.SetDst(eth->dst());
  m.SetSrc(eth->src());
  m.SetEtherType(eth->ether_type());
  FUZZ_CHECK(SameBytes(copy, b));
}

void CheckArp(std::span<const uint8_t> b) {
  auto arp = header::Arp::Parse(b);
  const bool valid = b.size() >= header::kArpSize &&
                     header::LoadBe16(b, 0) == 1 &&
                     header::LoadBe16(b, 2) == 0x0800 && b[4] == 6 && b[5] == 4;
  FUZZ_CHECK(arp.has_value() == valid);
  if (!arp) return;
  FUZZ_CHECK(arp->op() == header::LoadBe16(b, 6));
  FUZZ_CHECK(SameBytes(arp->sender_hardware_address(), b.subspan(8, 6)));
  FUZZ_CHECK(
      SameBytes(arp->sender_protocol_address().bytes(), b.subspan(14, 4)));
  FUZZ_CHECK(SameBytes(arp->target_hardware_address(), b.subspan(18, 6)));
  FUZZ_CHECK(
      SameBytes(arp->target_protocol_address().bytes(), b.subspan(24, 4)));
  std::vector<uint8_t> copy(b.begin(), b.end());
  std::fill(copy.begin(), copy.begin() + header::kArpSize, 0);
  header::MutableArp m{std::span<uint8_t>(copy)};
  m.SetIpv4OverEthernet();
  m.SetOp(arp->op());
  m.SetSenderHardwareAddress(arp->sender_hardware_address());
  m.SetSenderProtocolAddress(arp->sender_protocol_address());
  m.SetTargetHardwareAddress(arp->target_hardware_address());
  m.SetTargetProtocolAddress(arp->target_protocol_address());
  FUZZ_CHECK(SameBytes(copy, b));
}

void CheckVirtioNet(std::span<const uint8_t> b) {
  auto v = header::VirtioNetHeader::Parse(b);
  FUZZ_CHECK(v.has_value() == (b.size() >= header::kVirtioNetHeaderSize));
  if (!v) return;
  FUZZ_CHECK(v->flags() == b[0]);
  FUZZ_CHECK(v->gso_type() == b[1]);
  FUZZ_CHECK(v->hdr_len() == (b[2] | (b[3] << 8)));
  FUZZ_CHECK(v->gso_size() == (b[4] | (b[5] << 8)));
  FUZZ_CHECK(v->csum_start() == (b[6] | (b[7] << 8)));
  FUZZ_CHECK(v->csum_offset() == (b[8] | (b[9] << 8)));
  std::vector<uint8_t> copy(b.begin(), b.end());
  std::fill(copy.begin(), copy.begin() + header::kVirtioNetHeaderSize, 0);
  header::MutableVirtioNetHeader m{std::span<uint8_t>(copy)};
  m.SetFlags(v->flags());
  m.SetGsoType(v->gso_type());
  m.SetHdrLen(v->hdr_len());
  m.SetGsoSize(v->gso_size());
  m.SetCsumStart(v->csum_start());
  m.SetCsumOffset(v->csum_offset());
  FUZZ_CHECK(SameBytes(copy, b));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> b(data, size);
  CheckEthernet(b);
  CheckArp(b);
  CheckVirtioNet(b);
  // A frame as a TAP with a vnet header delivers it: virtio-net header,
  // Ethernet header, then ARP.
  if (b.size() >= header::kEthernetHeaderSize) CheckArp(b.subspan(14));
  if (b.size() >= header::kVirtioNetHeaderSize) {
    CheckEthernet(b.subspan(header::kVirtioNetHeaderSize));
  }
  return 0;
}
