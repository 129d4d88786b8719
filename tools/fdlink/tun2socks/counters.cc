#include "tun2socks/counters.h"

#include <cstdio>

namespace fdlink::tool::tun2socks {

void TcpCounters::CountFailure(Errc code, bool socks) {
  ++failed;
  switch (code) {
    case Errc::kConnectionRefused:
    case Errc::kConnectionReset:
      ++failed_refused;
      break;
    case Errc::kUnreachable:
      ++failed_unreachable;
      break;
    case Errc::kTimedOut:
      ++failed_timeout;
      break;
    default:
      ++(socks ? failed_socks : failed_other);
      break;
  }
}

Json SnapshotJson(const Snapshot& s) {
  const TcpCounters& t = s.tcp;
  const UdpCounters& u = s.udp;
  const lwip::AdapterCounters& a = s.adapter;
  return Json{{"connections",
               {{"open", t.open},
                {"total", t.total},
                {"failed", t.failed},
                {"failed_by",
                 {{"refused", t.failed_refused},
                  {"unreachable", t.failed_unreachable},
                  {"timeout", t.failed_timeout},
                  {"socks", t.failed_socks},
                  {"other", t.failed_other}}},
                {"closed", t.closed},
                {"reset_by_client", t.reset_by_client},
                {"reset_by_upstream", t.reset_by_upstream},
                {"idle_closed", t.idle_closed},
                {"abandoned", t.abandoned},
                {"overflow", t.overflow}}},
              {"bytes",
               {{"client_to_upstream", t.bytes_up},
                {"upstream_to_client", t.bytes_down}}},
              {"udp",
               {{"open", u.open},
                {"total", u.total},
                {"expired", u.expired},
                {"datagrams_client_to_upstream", u.datagrams_up},
                {"datagrams_upstream_to_client", u.datagrams_down},
                {"dropped",
                 {{"cap", u.dropped_cap},
                  {"open_failed", u.dropped_open},
                  {"send_failed", u.dropped_send},
                  {"reply_failed", u.dropped_down}}},
                {"upstream_errors", u.upstream_errors}}},
              {"adapter",
               {{"rx_packets", a.rx_packets},
                {"rx_translated", a.rx_translated},
                {"rx_local", a.rx_local},
                {"rx_unmapped", a.rx_unmapped},
                {"rx_refused", a.rx_refused},
                {"rx_reopened", a.rx_reopened},
                {"rx_other", a.rx_other},
                {"rx_no_memory", a.rx_no_memory},
                {"rx_merged", a.rx_merged},
                {"rx_merged_segments", a.rx_merged_segments},
                {"rx_split", a.rx_split},
                {"rx_malformed", a.rx_malformed},
                {"tx_packets", a.tx_packets},
                {"tx_translated", a.tx_translated},
                {"tx_unmapped", a.tx_unmapped},
                {"tx_dropped", a.tx_dropped},
                {"tx_super", a.tx_super},
                {"tx_acks_coalesced", a.tx_acks_coalesced},
                {"pcbs_aborted", a.pcbs_aborted},
                {"accepted", a.accepted},
                {"syn_held", a.syn_held},
                {"syn_refused", a.syn_refused},
                {"rst_sent", a.rst_sent},
                {"udp_rx", a.udp_rx},
                {"udp_tx", a.udp_tx},
                {"udp_dropped", a.udp_dropped},
                {"icmp_echo_replied", a.icmp_echo_replied},
                {"connections", s.adapter_connections}}},
              {"nat",
               {{"entries_open", s.nat.open},
                {"created", s.nat.created},
                {"expired", s.nat.expired},
                {"refused", s.nat.refused},
                {"reclaimed", s.nat.reclaimed},
                {"orphaned", s.nat.orphaned}}},
              {"pcbs", s.pcbs}};
}

std::string SnapshotText(const Snapshot& s) {
  const TcpCounters& t = s.tcp;
  const UdpCounters& u = s.udp;
  const lwip::AdapterCounters& a = s.adapter;
  auto ull = [](uint64_t v) { return static_cast<unsigned long long>(v); };
  char buf[1024];
  std::snprintf(
      buf, sizeof(buf),
      "  connections open %llu total %llu failed %llu (refused %llu "
      "unreachable %llu timeout %llu socks %llu other %llu) closed %llu "
      "reset_by_client %llu reset_by_upstream %llu idle_closed %llu\n"
      "  bytes client_to_upstream %llu upstream_to_client %llu\n"
      "  udp open %llu total %llu datagrams_client_to_upstream %llu "
      "datagrams_upstream_to_client %llu dropped %llu\n"
      "  adapter rx_packets %llu tx_packets %llu tx_dropped %llu "
      "rst_sent %llu icmp_echo_replied %llu nat entries_open %llu pcbs "
      "%llu\n",
      ull(t.open), ull(t.total), ull(t.failed), ull(t.failed_refused),
      ull(t.failed_unreachable), ull(t.failed_timeout), ull(t.failed_socks),
      ull(t.failed_other), ull(t.closed), ull(t.reset_by_client),
      ull(t.reset_by_upstream), ull(t.idle_closed), ull(t.bytes_up),
      ull(t.bytes_down), ull(u.open), ull(u.total), ull(u.datagrams_up),
      ull(u.datagrams_down),
      ull(u.dropped_cap + u.dropped_open + u.dropped_send + u.dropped_down),
      ull(a.rx_packets), ull(a.tx_packets), ull(a.tx_dropped), ull(a.rst_sent),
      ull(a.icmp_echo_replied), ull(s.nat.open), ull(s.pcbs));
  return buf;
}

}  // namespace fdlink::tool::tun2socks
