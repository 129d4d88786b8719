#include "support/transport_checks.h"

#include "fdlink/header/bytes.h"
#include "fdlink/header/icmpv4.h"
#include "fdlink/header/icmpv6.h"
#include "fdlink/header/tcp.h"
#include "fdlink/header/udp.h"
#include "support/fuzz_check.h"

namespace fdlink::fuzz {

void CheckTransportParsers(std::span<const uint8_t> l4) {
  auto udp = header::Udp::Parse(l4);
  const bool udp_ok = l4.size() >= header::kUdpMinimumSize &&
                      header::LoadBe16(l4, 4) >= header::kUdpMinimumSize &&
                      header::LoadBe16(l4, 4) <= l4.size();
  FUZZ_CHECK(udp.has_value() == udp_ok);
  if (udp) {
    FUZZ_CHECK(udp->src_port() == header::LoadBe16(l4, 0));
    FUZZ_CHECK(udp->dst_port() == header::LoadBe16(l4, 2));
    FUZZ_CHECK(udp->checksum() == header::LoadBe16(l4, 6));
    FUZZ_CHECK(udp->payload().size() + header::kUdpMinimumSize ==
               udp->length());
    FUZZ_CHECK(udp->payload().data() == l4.data() + header::kUdpMinimumSize);
  }

  auto tcp = header::Tcp::Parse(l4);
  const size_t data_offset = l4.size() > 12 ? (size_t{l4[12]} >> 4) * 4 : 0;
  const bool tcp_ok = l4.size() >= header::kTcpMinimumSize &&
                      data_offset >= header::kTcpMinimumSize &&
                      data_offset <= l4.size();
  FUZZ_CHECK(tcp.has_value() == tcp_ok);
  if (tcp) {
    FUZZ_CHECK(tcp->data_offset() == data_offset);
    FUZZ_CHECK(tcp->seq() == header::LoadBe32(l4, 4));
    FUZZ_CHECK(tcp->ack() == header::LoadBe32(l4, 8));
    FUZZ_CHECK(tcp->flags() == l4[13]);
    FUZZ_CHECK(tcp->options().size() == data_offset - header::kTcpMinimumSize);
    FUZZ_CHECK(tcp->payload().size() == l4.size() - data_offset);
  }
  if (l4.size() >= header::kTcpMinimumSize) {
    // An unchecked view over bad offsets stays in bounds.
    header::Tcp raw(l4);
    FUZZ_CHECK(raw.options().size() + raw.payload().size() <= l4.size());
  }

  auto icmp4 = header::Icmpv4::Parse(l4);
  auto icmp6 = header::Icmpv6::Parse(l4);
  FUZZ_CHECK(icmp4.has_value() == (l4.size() >= header::kIcmpv4MinimumSize));
  FUZZ_CHECK(icmp6.has_value() == (l4.size() >= header::kIcmpv6MinimumSize));
  if (icmp4) {
    FUZZ_CHECK(icmp4->type() == l4[0] && icmp4->code() == l4[1]);
    FUZZ_CHECK(icmp4->ident() == header::LoadBe16(l4, 4));
    FUZZ_CHECK(icmp4->sequence() == header::LoadBe16(l4, 6));
    FUZZ_CHECK(icmp4->payload().size() == l4.size() - header::kIcmpHeaderSize);
    FUZZ_CHECK(icmp6->rest_of_header() == header::LoadBe32(l4, 4));
  }
}

}  // namespace fdlink::fuzz
