// Fuzz target ipv4_headers: Ipv4View on arbitrary bytes (acceptance rule,
// fields, lengths, header checksum against the naive reference, write-back
// through MutableIpv4), then every transport parser on its payload.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "fdlink/header/bytes.h"
#include "fdlink/header/ipv4.h"
#include "support/fuzz_check.h"
#include "support/naive_checksum.h"
#include "support/transport_checks.h"

namespace {

namespace header = fdlink::header;
using fdlink::fuzz::NaiveSum;

void CheckIpv4(std::span<const uint8_t> b) {
  auto ip = header::Ipv4::Parse(b);
  const size_t ihl = b.empty() ? 0 : size_t{b[0] & 0x0fu} * 4;
  const size_t total = b.size() >= 4 ? header::LoadBe16(b, 2) : 0;
  const bool valid = b.size() >= header::kIpv4MinimumSize && (b[0] >> 4) == 4 &&
                     ihl >= header::kIpv4MinimumSize && ihl <= b.size() &&
                     ihl <= total && total <= b.size();
  FUZZ_CHECK(ip.has_value() == valid);
  if (b.size() >= header::kIpv4MinimumSize) {
    // An unchecked view over bad lengths stays in bounds and its computed
    // checksum makes the header verify.
    header::Ipv4 raw(b);
    FUZZ_CHECK(raw.options().size() <= b.size());
    FUZZ_CHECK(raw.payload().size() <= b.size());
    std::vector<uint8_t> copy(b.begin(), b.end());
    header::MutableIpv4 m{std::span<uint8_t>(copy)};
    m.UpdateChecksum();
    const size_t summed = std::clamp(ihl, header::kIpv4MinimumSize, b.size());
    FUZZ_CHECK(NaiveSum(std::span<const uint8_t>(copy).first(summed)) ==
               0xffff);
  }
  if (!ip) return;
  FUZZ_CHECK(ip->version() == 4);
  FUZZ_CHECK(ip->header_length() == ihl);
  FUZZ_CHECK(ip->total_length() == total);
  FUZZ_CHECK(ip->options().size() == ihl - header::kIpv4MinimumSize);
  FUZZ_CHECK(ip->payload().size() == total - ihl);
  FUZZ_CHECK(ip->payload().data() == b.data() + ihl);
  FUZZ_CHECK(ip->IsChecksumValid() == (NaiveSum(b.first(ihl)) == 0xffff));
  FUZZ_CHECK(ip->protocol() == b[9] && ip->ttl() == b[8]);
  FUZZ_CHECK(ip->fragment_offset() == (header::LoadBe16(b, 6) & 0x1fff) * 8);
  FUZZ_CHECK(ip->IsFragment() == ((header::LoadBe16(b, 6) & 0x3fff) != 0));
  // Writing every parsed field back reproduces the header.
  std::vector<uint8_t> copy(b.begin(), b.end());
  std::fill(copy.begin(), copy.begin() + header::kIpv4MinimumSize, 0);
  header::MutableIpv4 m{std::span<uint8_t>(copy)};
  m.SetVersion(ip->version());
  m.SetHeaderLength(ip->header_length());
  m.SetTos(ip->tos());
  m.SetTotalLength(ip->total_length());
  m.SetId(ip->id());
  m.SetFlags(ip->flags());
  m.SetFragmentOffset(ip->fragment_offset());
  m.SetTtl(ip->ttl());
  m.SetProtocol(ip->protocol());
  m.SetChecksum(ip->checksum());
  m.SetSrc(ip->src());
  m.SetDst(ip->dst());
  FUZZ_CHECK(std::equal(copy.begin(), copy.end(), b.begin(), b.end()));
  fdlink::fuzz::CheckTransportParsers(ip->payload());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  CheckIpv4({data, size});
  return 0;
}
