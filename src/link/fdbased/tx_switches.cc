#include "link/fdbased/tx_switches.h"

namespace fdlink::fdbased {

const char* TxOffloadName(TxOffload o) {
  switch (o) {
    case TxOffload::kTcpGso:
      return "tcp_gso";
    case TxOffload::kUdpGso:
      return "udp_gso";
    case TxOffload::kTcpCoalesce:
      return "tcp_coalesce";
    case TxOffload::kUdpCoalesce:
      return "udp_coalesce";
  }
  return "unknown";
}

TxOffload TxOffloadFor(GSOType t, bool coalesced) {
  const bool udp = t == GSOType::kUDPL4;
  if (coalesced) return udp ? TxOffload::kUdpCoalesce : TxOffload::kTcpCoalesce;
  return udp ? TxOffload::kUdpGso : TxOffload::kTcpGso;
}

}  // namespace fdlink::fdbased
