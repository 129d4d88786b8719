// Super-packets in the responder: their headers copied out (the packet may
// span several views) and checked against the whole packet's length, so
// the IP handlers screen them like any other packet.
#include <cstring>

#include "fdlink/header/ipv4.h"
#include "fdlink/header/ipv6.h"
#include "responder/handlers.h"

namespace fdlink::responder {

namespace {

Error Malformed(const char* what) { return Error{Errc::kMalformed, 0, what}; }

}  // namespace

Result<header::Ipv4> ParseSuperIpv4(std::span<const uint8_t> headers,
                                    size_t network_size) {
  if (headers.size() < header::kIpv4MinimumSize) {
    return Malformed("ipv4: super-packet headers shorter than 20 bytes");
  }
  const header::Ipv4 ip(headers);
  if (ip.version() != 4) return Malformed("ipv4: version is not 4");
  if (ip.header_length() < header::kIpv4MinimumSize ||
      ip.header_length() > headers.size()) {
    return Malformed("ipv4: bad IHL for a super-packet");
  }
  if (ip.total_length() != network_size) {
    return Malformed("ipv4: super-packet total length is not its size");
  }
  return ip;
}

Result<header::Ipv6> ParseSuperIpv6(std::span<const uint8_t> headers,
                                    size_t network_size) {
  if (headers.size() < header::kIpv6FixedHeaderSize) {
    return Malformed("ipv6: super-packet headers shorter than 40 bytes");
  }
  const header::Ipv6 ip(headers);
  if (ip.version() != 6) return Malformed("ipv6: version is not 6");
  if (size_t{header::kIpv6FixedHeaderSize} + ip.payload_length() !=
      network_size) {
    return Malformed("ipv6: super-packet payload length is not its size");
  }
  return ip;
}

bool SuperHeaders(const PacketBuffer& pkt, std::span<uint8_t> out,
                  Inbound* in) {
  const GSOOptions& g = pkt.gso_options();
  const size_t link = pkt.LinkHeaderSize();
  const size_t n = size_t{g.l3_header_len} + g.l4_header_len;
  if (n == 0 || n > out.size() || link + n > pkt.Size()) return false;
  size_t done = 0;
  pkt.ForEachSliceFrom(link, [&](std::span<const uint8_t> s) {
    const size_t take = std::min(s.size(), n - done);
    if (take > 0) std::memcpy(out.data() + done, s.data(), take);
    done += take;
  });
  in->bytes = out.first(n);
  in->super = &pkt;
  in->network_size = pkt.Size() - link;
  return true;
}

}  // namespace fdlink::responder
