// The counters of `fdlink tun2socks`: the relay's own (connections, bytes,
// UDP flows) and a snapshot that adds the adapter's, the translation
// table's and lwIP's, rendered as text or JSON for the exit report and the
// periodic stats events.
#ifndef FDLINK_TOOLS_FDLINK_TUN2SOCKS_COUNTERS_H_
#define FDLINK_TOOLS_FDLINK_TUN2SOCKS_COUNTERS_H_

#include <cstdint>
#include <string>

#include "common/json.h"
#include "fdlink/base/errc.h"
#include "fdlink/lwip/nat_table.h"
#include "fdlink/lwip/netif_adapter.h"

namespace fdlink::tool::tun2socks {

// TcpCounters count the relay's TCP connections and bytes.
struct TcpCounters {
  uint64_t open = 0;            // Flows dialling, waiting or relaying now.
  uint64_t total = 0;           // Flows ever started (one per client SYN).
  uint64_t failed = 0;          // Dials that failed; the client got an RST. By
                                // reason (they add up to failed):
  uint64_t failed_refused = 0;  // The destination refused.
  uint64_t failed_unreachable = 0;  // No route to it.
  uint64_t failed_timeout = 0;      // No answer within the dial timeout.
  uint64_t failed_socks = 0;        // The SOCKS5 handshake failed otherwise.
  uint64_t failed_other = 0;        // Any other socket error, or a cap.
  uint64_t closed = 0;              // Relayed and closed by both sides.
  uint64_t reset_by_client = 0;     // The client reset (or lwIP dropped it).
  uint64_t reset_by_upstream = 0;   // The upstream socket reset.
  uint64_t idle_closed = 0;         // Closed after the idle timeout.
  uint64_t abandoned = 0;           // Admitted, but the client never completed.
  uint64_t bytes_up = 0;            // Client -> upstream.
  uint64_t bytes_down = 0;          // Upstream -> client.
  uint64_t overflow = 0;            // Reset: a buffer went over its bound.

  // CountFailure adds one failed dial of error kind `code`: refused,
  // unreachable and timed out by that reason (also when a SOCKS5 server
  // reported it), anything else as socks (`socks`: a handshake error) or
  // other.
  void CountFailure(Errc code, bool socks);
};

// UdpCounters count the relay's UDP flows and datagrams.
struct UdpCounters {
  uint64_t open = 0;             // Flows (sockets) open now.
  uint64_t total = 0;            // Flows ever opened.
  uint64_t expired = 0;          // Flows closed after the idle timeout.
  uint64_t datagrams_up = 0;     // Client -> upstream, sent.
  uint64_t datagrams_down = 0;   // Upstream -> client, received.
  uint64_t dropped_cap = 0;      // A new flow over the cap.
  uint64_t dropped_open = 0;     // The flow's socket could not be opened.
  uint64_t dropped_send = 0;     // The upstream socket refused a datagram.
  uint64_t dropped_down = 0;     // The adapter could not send a reply.
  uint64_t upstream_errors = 0;  // Errors read from a flow's socket (ICMP).
};

// Snapshot is every counter at one moment.
struct Snapshot {
  TcpCounters tcp;
  UdpCounters udp;
  lwip::AdapterCounters adapter;
  lwip::NatCounters nat;
  size_t adapter_connections = 0;  // The adapter's live Connections.
  size_t pcbs = 0;                 // lwIP's active TCP pcbs.
};

// SnapshotJson renders {"connections":{"open",...,"failed_by":{...}},
// "bytes":{"client_to_upstream","upstream_to_client"},"udp":{...},
// "adapter":{...},"nat":{"entries_open",...},"pcbs":N}.
Json SnapshotJson(const Snapshot& s);

// SnapshotText renders the same as four indented lines for people.
std::string SnapshotText(const Snapshot& s);

}  // namespace fdlink::tool::tun2socks

#endif  // FDLINK_TOOLS_FDLINK_TUN2SOCKS_COUNTERS_H_
