// TcpPeer: one end of a TCP connection played by hand over a raw-IP fd (a
// TUN, optionally with virtio-net headers), so a test can hold a real
// connection with a kernel socket without a TCP stack: crafted IPv4
// segments out, the kernel's segments read back and parsed. Test-only:
// IPv4, no retransmission, no congestion control.
#ifndef FDLINK_TESTS_TESTING_TCP_PEER_H_
#define FDLINK_TESTS_TESTING_TCP_PEER_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "fdlink/buffer/packet_buffer.h"
#include "fdlink/header/ip_address.h"

namespace fdlink::testing {

// TcpSegment is one IPv4/TCP segment read from the fd, parsed.
struct TcpSegment {
  std::vector<uint8_t> packet;  // The IP packet (no virtio-net header).
  uint8_t vnet_gso_type = 0;    // The virtio-net header's gso_type, if any.
  uint16_t vnet_gso_size = 0;
  uint16_t src_port = 0, dst_port = 0;
  uint32_t seq = 0, ack = 0;
  uint8_t flags = 0;
  uint16_t window = 0;
  uint16_t mss = 0;           // The MSS option (SYN segments), else 0.
  int window_shift = -1;      // The window-scale option, else -1.
  size_t payload_offset = 0;  // Where the payload starts in `packet`.
  size_t payload_size = 0;
};

// ParseTcpSegment parses an IPv4/TCP packet; nullopt for anything else.
std::optional<TcpSegment> ParseTcpSegment(std::span<const uint8_t> packet);

// TcpPeer speaks for `local` (an address the kernel routes into the TUN)
// to `remote` (the kernel's). The fd is borrowed and must stay open while
// the peer is used; one thread at a time.
class TcpPeer {
 public:
  // kWindowShift is the window-scale option the peer offers: its
  // advertised window of 65535 means 65535 << kWindowShift bytes.
  static constexpr int kWindowShift = 7;

  // TcpPeer builds the peer. `vnet_header`: every read and write on fd
  // starts with a 10-byte virtio-net header (written all zero).
  TcpPeer(int fd, bool vnet_header, header::Ipv4Address local,
          uint16_t local_port, header::Ipv4Address remote,
          uint16_t remote_port);

  // Connect opens actively: SYN (MSS `mss`, window scale), the kernel's
  // SYN-ACK, ACK. False (after a test failure) if no SYN-ACK comes within
  // `timeout`.
  bool Connect(uint16_t mss, std::chrono::milliseconds timeout);
  // Accept opens passively: waits for the kernel's SYN to local_port (from
  // any port, which becomes remote_port), answers SYN-ACK (MSS `mss`,
  // window 65535 << kWindowShift) and waits for the ACK. False (after a
  // test failure) on timeout.
  bool Accept(uint16_t mss, std::chrono::milliseconds timeout);

  // Next reads segments of this connection (other packets are skipped)
  // until one arrives or `timeout` passes.
  std::optional<TcpSegment> Next(std::chrono::milliseconds timeout);

  // Data returns an ACK|`extra_flags` segment at snd_nxt carrying
  // `payload` (which may exceed the MSS: a super-packet's bytes) and
  // advances snd_nxt past it. With `partial` the TCP checksum field holds
  // only the pseudo-header sum (for a GSO write with needs_csum);
  // otherwise the full checksum. IPv4 ids count up per call.
  std::vector<uint8_t> Data(std::span<const uint8_t> payload,
                            uint8_t extra_flags = 0, bool partial = false);
  // Ack returns a bare ACK of `ack` (rcv_nxt when 0).
  std::vector<uint8_t> Ack(uint32_t ack = 0);
  // Send writes `packet` to the fd (after an all-zero virtio-net header
  // when the fd carries them); false on a short or failed write.
  bool Send(std::span<const uint8_t> packet);

  uint16_t remote_port() const { return remote_port_; }
  uint32_t snd_nxt() const { return snd_nxt_; }
  uint32_t rcv_nxt() const { return rcv_nxt_; }
  // remote_mss is the MSS the kernel's SYN or SYN-ACK offered.
  uint16_t remote_mss() const { return remote_mss_; }

 private:
  std::vector<uint8_t> Build(uint8_t flags, uint32_t ack,
                             std::span<const uint8_t> options,
                             std::span<const uint8_t> payload, bool partial);

  int fd_;
  bool vnet_header_;
  header::Ipv4Address local_, remote_;
  uint16_t local_port_, remote_port_;
  uint32_t snd_nxt_ = 0x10000000;
  uint32_t rcv_nxt_ = 0;
  uint16_t remote_mss_ = 0;
  uint16_t ip_id_ = 1;
};

// OutboundPacket wraps IP `packet` as a stack would hand it to
// WritePackets (IPv4, network header at the front) with `gso` metadata.
PacketBufferPtr OutboundPacket(std::span<const uint8_t> packet,
                               const GSOOptions& gso = {});

// TcpGso is the GSOOptions of an IPv4/TCP super-packet with 20-byte IP
// and TCP headers, segmented at `mss`, its checksum partial.
GSOOptions TcpGso(uint16_t mss);

}  // namespace fdlink::testing

#endif  // FDLINK_TESTS_TESTING_TCP_PEER_H_
