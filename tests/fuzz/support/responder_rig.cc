#include "support/responder_rig.h"

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <utility>
#include <vector>

#include "fdlink/buffer/packet_buffer.h"
#include "fdlink/header/ip_address.h"
#include "fdlink/sys/syscalls.h"
#include "link/fdbased/inbound.h"
#include "link/fdbased/packet_reader.h"
#include "support/fuzz_check.h"
#include "support/naive_checksum.h"
#include "support/reply_oracle.h"

namespace fdlink::fuzz {
namespace {

constexpr MacAddress kRigMac({0x02, 0, 0, 0, 0, 0x01});

[[noreturn]] void SetupFailed(const char* what, const Error& e) {
  std::fprintf(stderr, "ResponderRig: %s: %s\n", what, e.ToString().c_str());
  std::abort();
}

responder::ResponderConfig RigConfig() {
  responder::ResponderConfig c;
  c.ipv4 = {header::Ipv4Address::FromUint32(0xC6120001)};  // 198.18.0.1
  c.ipv6 = {header::Ipv6Address::Parse("2001:db8::1").value()};
  c.udp_echo_ports = {7};
  return c;
}

// FixIpv4HeaderChecksum stores a correct header checksum (computed with the
// naive reference) when `net` looks like an IPv4 header that fits.
void FixIpv4HeaderChecksum(std::span<uint8_t> net) {
  if (net.size() < 20 || (net[0] >> 4) != 4) return;
  const size_t ihl = size_t{net[0] & 0x0fu} * 4;
  if (ihl < 20 || ihl > net.size()) return;
  net[10] = net[11] = 0;
  const uint16_t field = static_cast<uint16_t>(~NaiveSum(net.first(ihl)));
  net[10] = static_cast<uint8_t>(field >> 8);
  net[11] = static_cast<uint8_t>(field);
}

}  // namespace

ResponderRig::ResponderRig(bool ethernet)
    : ethernet_(ethernet),
      mac_(ethernet ? kRigMac : MacAddress()),
      mac_u64_(mac_.ToU64()),
      verbose_(std::getenv("FDLINK_FUZZ_VERBOSE") != nullptr) {
  if (Result<void> r = sys::SocketPair(SOCK_SEQPACKET, &ours_, &peer_); !r) {
    SetupFailed("socketpair", r.error());
  }
  if (Result<void> r = sys::SetNonBlocking(peer_.get()); !r) {
    SetupFailed("peer non-blocking", r.error());
  }
  fdbased::Options o;
  o.fds = {ours_.get()};
  o.mtu = 65535;
  o.ethernet_header = ethernet;
  o.address = mac_;
  o.processors_per_channel = 1;
  Result<std::unique_ptr<fdbased::Endpoint>> ep =
      fdbased::Endpoint::Create(std::move(o));
  if (!ep) SetupFailed("Endpoint::Create", ep.error());
  ep_ = std::move(ep).value();
  responder_ = std::make_unique<responder::Responder>(ep_.get(), RigConfig());
}

ResponderRig::~ResponderRig() {
  responder_.reset();
  ep_->Close();
}

void ResponderRig::Run(std::span<const uint8_t> input) {
  FuzzInput in(input);
  const uint8_t flags = in.U8();
  const std::span<const uint8_t> rest = in.Rest();
  std::vector<uint8_t> frame_bytes(rest.begin(), rest.end());
  if (frame_bytes.size() > fdbased::kRxSlotSize) return;
  const size_t link = ethernet_ ? 14 : 0;
  if ((flags & kRigFixIpv4Checksum) && frame_bytes.size() > link) {
    FixIpv4HeaderChecksum(std::span<uint8_t>(frame_bytes).subspan(link));
  }

  const responder::ResponderCounters before = responder_->Counters();
  bool delivered = false;
  {
    fdbased::LinkConfig cfg;
    cfg.link_header_size = static_cast<uint16_t>(link);
    cfg.rx.checksum_offload = (flags & kRigRxChecksumOffload) != 0;
    fdbased::RxFrame rx;
    rx.bytes = View::CopyOf(frame_bytes);
    fdbased::Classified c = fdbased::ClassifyFrame(cfg, mac_u64_, rx);
    if (c.pkt) {
      delivered = true;
      responder_->DeliverNetworkPacket(c.protocol, std::move(c.pkt));
    }
  }

  Request req;
  req.ethernet = ethernet_;
  req.network = std::span<const uint8_t>(frame_bytes)
                    .subspan(std::min(link, frame_bytes.size()));
  if (ethernet_ && frame_bytes.size() >= 12) {
    std::array<uint8_t, 6> src;
    std::copy(frame_bytes.begin() + 6, frame_bytes.begin() + 12, src.begin());
    req.peer = MacAddress(src);
  }
  uint64_t replies = 0;
  std::vector<uint8_t> buf(fdbased::kRxSlotSize);
  for (;;) {
    Result<size_t> n = sys::Read(peer_.get(), buf);
    if (!n) {
      FUZZ_CHECK(n.error().code == Errc::kWouldBlock);
      break;
    }
    ++replies;
    CheckReply(std::span<const uint8_t>(buf).first(*n), req,
               responder_->config(), mac_);
  }

  const responder::ResponderCounters after = responder_->Counters();
  FUZZ_CHECK(after.received - before.received == (delivered ? 1u : 0u));
  FUZZ_CHECK(after.replies() - before.replies() == replies);
  FUZZ_CHECK(replies <= 1);
  FUZZ_CHECK((after.replies() - before.replies()) +
                 (after.tx_failed - before.tx_failed) +
                 (after.total_drops() - before.total_drops()) ==
             after.received - before.received);
  FUZZ_CHECK(PacketBuffer::LiveCount() == 0);
  if (verbose_) {
    std::fprintf(stderr, "ResponderRig: %zu-byte frame, %s, %llu replies\n",
                 frame_bytes.size(), delivered ? "delivered" : "not delivered",
                 static_cast<unsigned long long>(replies));
  }
}

}  // namespace fdlink::fuzz
