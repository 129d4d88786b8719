// Fuzz target ip_address: the address text parsers (Ipv4Address::Parse,
// Ipv6Address::Parse) on arbitrary text, and formatting of arbitrary
// addresses: whatever parses formats back to text that parses to the same
// address, and every address's text parses back to it.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fdlink/header/ip_address.h"
#include "support/fuzz_check.h"

namespace {

namespace header = fdlink::header;

template <typename Addr>
void RoundTrip(const Addr& a) {
  const std::string text = a.ToString();
  auto back = Addr::Parse(text);
  FUZZ_CHECK(back.has_value());
  FUZZ_CHECK(*back == a);
  FUZZ_CHECK(back->ToString() == text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto a = header::Ipv4Address::Parse(text)) RoundTrip(*a);
  if (auto a = header::Ipv6Address::Parse(text)) {
    RoundTrip(*a);
    const header::Ipv6Address snm = a->SolicitedNodeMulticast();
    FUZZ_CHECK(snm.IsMulticast());
    FUZZ_CHECK(snm.bytes()[13] == a->bytes()[13] &&
               snm.bytes()[14] == a->bytes()[14] &&
               snm.bytes()[15] == a->bytes()[15]);
  }
  // The raw bytes as addresses.
  std::array<uint8_t, 16> b{};
  for (size_t i = 0; i < b.size() && i < size; ++i) b[i] = data[i];
  RoundTrip(header::Ipv4Address({b[0], b[1], b[2], b[3]}));
  RoundTrip(header::Ipv6Address(b));
  return 0;
}
