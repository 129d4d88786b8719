// Fuzz target coalesce: the coalescer (Coalescer::Plan, BuildMerged,
// include/fdlink/offload/coalesce.h) over arbitrary batches of TCP and UDP
// packets of a few flows, mostly well formed so that they merge, with
// reordering, retransmission, flag, field and byte mutations. Checks:
// every packet is in exactly one group, groups come in the order of their
// first member and members in arrival order; a group of one builds as the
// packet itself; a merged one builds a super-packet whose partial checksum
// completes to a valid one and which, split again by hand, gives back each
// member's bytes (but for the fields a split rewrites: IPv4 id and header
// checksum, TCP window and urgent pointer (URG is never merged), and the
// L4 checksum).
//
// Input: a config byte (bit 0 TCP off, 1 UDP off, 2 adjacent_only, 3 no
// checksum verification, 4 max_ip_size 1000), a max_segments byte (0
// means 64), then up to 64 6-byte packet records:
//   r0: bits 0-1 flow, 2 UDP, 3 IPv6, 4 PSH, 5 flags = r5, 6 bad L4
//       checksum, 7 xor byte r4 of the packet with r5;
//   r1: payload size: 200 below 200, else (r1 - 200) * 5;
//   r2: seq: below 240 the next, below 248 a retransmission of the
//       previous segment, else a gap;
//   r3: bit 0 ACK + 1, 1 TTL - 1, 2 ToS + 4, 3 TCP timestamps option,
//       4 IPv4 options, 5 IPv4 more-fragments, 6 one padding byte;
//   r4, r5: mutation index and value (see r0).
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fdlink/buffer/packet_buffer.h"
#include "fdlink/header/tcp.h"
#include "fdlink/offload/coalesce.h"
#include "support/fuzz_check.h"
#include "testing/flow_packets.h"

namespace {

namespace offload = fdlink::offload;
namespace tcp_flag = fdlink::header::tcp_flag;
using Bytes = std::vector<uint8_t>;

constexpr size_t kMaxPackets = 64;

// FlowCursor is one fuzzed flow's stream position and header fields.
struct FlowCursor {
  uint32_t offset = 0;
  uint32_t last_size = 0;
  uint32_t ack = 77;
  uint8_t ttl = 64;
  uint8_t tos = 0;
  uint16_t packets = 0;
};

Bytes MakePacket(fdlink::fuzz::FuzzInput& in,
                 std::array<FlowCursor, 4>& flows) {
  const uint8_t r0 = in.U8(), r1 = in.U8(), r2 = in.U8(), r3 = in.U8();
  const uint8_t r4 = in.U8(), r5 = in.U8();
  FlowCursor& f = flows[r0 & 3];
  fdlink::testing::SegmentSpec s;
  s.udp = (r0 & 4) != 0;
  s.version = (r0 & 8) != 0 ? 6 : 4;
  s.sport = static_cast<uint16_t>(40000 + (r0 & 3));
  s.src_host = static_cast<uint8_t>(1 + (r0 & 3));
  s.flags = (r0 & 32) != 0   ? r5
            : (r0 & 16) != 0 ? tcp_flag::kAck | tcp_flag::kPsh
                             : tcp_flag::kAck;
  s.bad_l4_checksum = (r0 & 64) != 0;
  const size_t size = r1 < 200 ? 200 : size_t{r1 - 200u} * 5;
  uint32_t at = f.offset;
  if (r2 >= 240 && r2 < 248 && f.offset >= f.last_size) {
    at = f.offset - f.last_size;
  } else if (r2 >= 248) {
    at = f.offset + 200;
  }
  if (r3 & 1) ++f.ack;
  if (r3 & 2) --f.ttl;
  if (r3 & 4) f.tos = static_cast<uint8_t>(f.tos + 4);
  s.seq = 1000 + at;
  s.ack = f.ack;
  s.ttl = f.ttl;
  s.tos = f.tos;
  s.ip_id = f.packets++;
  if (r3 & 8) s.tcp_options = {1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2};
  if ((r3 & 16) && s.version == 4) s.ip_options = {1, 1, 1, 0};
  if ((r3 & 32) && s.version == 4) s.more_fragments = true;
  s.payload = fdlink::testing::StreamBytes(r0 & 3, at, size);
  f.offset = std::max(f.offset, at + static_cast<uint32_t>(size));
  f.last_size = static_cast<uint32_t>(size);
  Bytes b = fdlink::testing::BuildSegment(s);
  if (r3 & 64) b.push_back(0);
  if (r0 & 128) b[r4 % b.size()] ^= r5;
  return b;
}

// ExpectSame checks a split segment against the member it stands for, but
// for the fields a split rewrites.
void ExpectSame(Bytes got, Bytes want, const fdlink::GSOOptions& gso) {
  FUZZ_CHECK(got.size() == want.size());
  const size_t l3 = gso.l3_header_len;
  auto clear = [&](Bytes& b) {
    if ((b[0] >> 4) == 4) b[4] = b[5] = b[10] = b[11] = 0;
    b[l3 + gso.csum_offset] = b[l3 + gso.csum_offset + 1] = 0;
    if (gso.type != fdlink::GSOType::kUDPL4) {
      b[l3 + 14] = b[l3 + 15] = b[l3 + 18] = b[l3 + 19] = 0;
    }
  };
  clear(got);
  clear(want);
  FUZZ_CHECK(got == want);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fdlink::fuzz::FuzzInput in({data, size});
  const uint8_t c = in.U8();
  const uint8_t max_segments = in.U8();
  offload::CoalesceConfig cfg;
  cfg.tcp = (c & 1) == 0;
  cfg.udp = (c & 2) == 0;
  cfg.adjacent_only = (c & 4) != 0;
  cfg.verify_checksums = (c & 8) == 0;
  if ((c & 16) != 0) cfg.max_ip_size = 1000;
  cfg.max_segments = max_segments == 0 ? 64 : max_segments % 65;
  if (cfg.max_segments == 0) cfg.max_segments = 1;

  std::array<FlowCursor, 4> flows{};
  std::vector<Bytes> wire;
  std::vector<fdlink::PacketBufferPtr> pkts;
  for (size_t i = 0; i < kMaxPackets && size > 2 + 6 * i; ++i) {
    wire.push_back(MakePacket(in, flows));
    pkts.push_back(fdlink::PacketBuffer::Create({.payload = wire.back()}));
  }

  offload::Coalescer co(cfg);
  std::span<const offload::CoalesceGroup> groups = co.Plan(pkts);
  std::vector<int> seen(pkts.size(), 0);
  uint32_t prev_first = 0;
  for (size_t gi = 0; gi < groups.size(); ++gi) {
    const offload::CoalesceGroup& g = groups[gi];
    std::span<const uint32_t> m = co.Members(g);
    FUZZ_CHECK(!m.empty() && m.size() == g.count);
    FUZZ_CHECK(g.count <= cfg.max_segments || g.count == 1);
    FUZZ_CHECK(gi == 0 || m[0] > prev_first);
    prev_first = m[0];
    for (size_t k = 0; k < m.size(); ++k) {
      FUZZ_CHECK(m[k] < pkts.size());
      FUZZ_CHECK(k == 0 || m[k] > m[k - 1]);
      ++seen[m[k]];
    }
    if (cfg.adjacent_only) FUZZ_CHECK(m.back() - m[0] + 1 == m.size());
    fdlink::Result<fdlink::PacketBufferPtr> built =
        offload::BuildMerged(pkts, co, g, 16);
    FUZZ_CHECK(built.has_value());
    if (g.count == 1) {
      FUZZ_CHECK(g.type == fdlink::GSOType::kNone);
      FUZZ_CHECK(built->get() == pkts[m[0]].get());
      continue;
    }
    const fdlink::GSOOptions gso = (*built)->gso_options();
    FUZZ_CHECK(gso.type == g.type && gso.mss == g.gso_size);
    FUZZ_CHECK((*built)->Size() <= cfg.max_ip_size);
    std::vector<Bytes> parts =
        fdlink::testing::SplitByHand((*built)->ToBytes(), gso);
    FUZZ_CHECK(parts.size() == m.size());
    for (size_t k = 0; k < m.size(); ++k) ExpectSame(parts[k], wire[m[k]], gso);
  }
  for (int n : seen) FUZZ_CHECK(n == 1);
  return 0;
}
