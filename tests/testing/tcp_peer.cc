#include "testing/tcp_peer.h"

#include <gtest/gtest.h>

#include <array>

#include "fdlink/header/checksum.h"
#include "fdlink/header/ip_protocols.h"
#include "fdlink/header/ipv4.h"
#include "fdlink/header/mac_address.h"
#include "fdlink/header/tcp.h"
#include "fdlink/header/virtio_net.h"
#include "fdlink/sys/syscalls.h"

namespace fdlink::testing {
namespace {

using Clock = std::chrono::steady_clock;
namespace flag = header::tcp_flag;

constexpr size_t kIpHeader = header::kIpv4MinimumSize;
constexpr size_t kTcpHeader = header::kTcpMinimumSize;
constexpr uint8_t kTcpProtocol = header::ip_proto::kTcp;

// SynOptions are the options of a SYN or SYN-ACK: MSS, NOP, window scale.
std::array<uint8_t, 8> SynOptions(uint16_t mss) {
  return {2,
          4,
          static_cast<uint8_t>(mss >> 8),
          static_cast<uint8_t>(mss),
          1,
          3,
          3,
          static_cast<uint8_t>(TcpPeer::kWindowShift)};
}

// ReadOptions fills the MSS and window-scale fields of `seg` from TCP
// `options`.
void ReadOptions(std::span<const uint8_t> options, TcpSegment* seg) {
  size_t i = 0;
  while (i < options.size()) {
    const uint8_t kind = options[i];
    if (kind == 0) break;
    if (kind == 1) {
      ++i;
      continue;
    }
    if (i + 1 >= options.size() || options[i + 1] < 2) break;
    const size_t len = options[i + 1];
    if (i + len > options.size()) break;
    if (kind == 2 && len == 4)
      seg->mss = static_cast<uint16_t>((options[i + 2] << 8) | options[i + 3]);
    if (kind == 3 && len == 3) seg->window_shift = options[i + 2];
    i += len;
  }
}

}  // namespace

std::optional<TcpSegment> ParseTcpSegment(std::span<const uint8_t> packet) {
  Result<header::Ipv4> ip = header::Ipv4::Parse(packet);
  if (!ip || ip->protocol() != kTcpProtocol) return std::nullopt;
  const size_t end = std::min<size_t>(ip->total_length(), packet.size());
  if (end < ip->header_length() + kTcpHeader) return std::nullopt;
  Result<header::Tcp> tcp =
      header::Tcp::Parse(packet.subspan(ip->header_length(),
                                        end - ip->header_length()));
  if (!tcp) return std::nullopt;
  TcpSegment seg;
  seg.packet.assign(packet.begin(), packet.begin() + end);
  seg.src_port = tcp->src_port();
  seg.dst_port = tcp->dst_port();
  seg.seq = tcp->seq();
  seg.ack = tcp->ack();
  seg.flags = tcp->flags();
  seg.window = tcp->window();
  ReadOptions(tcp->options(), &seg);
  seg.payload_offset = ip->header_length() + tcp->data_offset();
  seg.payload_size = end - seg.payload_offset;
  return seg;
}

TcpPeer::TcpPeer(int fd, bool vnet_header, header::Ipv4Address local,
                 uint16_t local_port, header::Ipv4Address remote,
                 uint16_t remote_port)
    : fd_(fd),
      vnet_header_(vnet_header),
      local_(local),
      remote_(remote),
      local_port_(local_port),
      remote_port_(remote_port) {}

std::vector<uint8_t> TcpPeer::Build(uint8_t flags, uint32_t ack,
                                    std::span<const uint8_t> options,
                                    std::span<const uint8_t> payload,
                                    bool partial) {
  const size_t tcp_len = kTcpHeader + options.size();
  std::vector<uint8_t> p(kIpHeader + tcp_len + payload.size());
  header::MutableIpv4 ip{std::span<uint8_t>(p)};
  ip.SetVersion(4);
  ip.SetHeaderLength(kIpHeader);
  ip.SetTotalLength(static_cast<uint16_t>(p.size()));
  ip.SetId(ip_id_++);
  ip.SetDontFragment(true);
  ip.SetTtl(64);
  ip.SetProtocol(kTcpProtocol);
  ip.SetSrc(local_);
  ip.SetDst(remote_);
  ip.SetChecksum(ip.CalculateChecksum());
  const std::span<uint8_t> l4 = std::span<uint8_t>(p).subspan(kIpHeader);
  header::MutableTcp tcp{l4};
  tcp.SetSrcPort(local_port_);
  tcp.SetDstPort(remote_port_);
  tcp.SetSeq(snd_nxt_);
  tcp.SetAck(ack);
  tcp.SetDataOffset(tcp_len);
  tcp.SetFlags(flags);
  tcp.SetWindow(0xffff);
  std::copy(options.begin(), options.end(), l4.begin() + kTcpHeader);
  std::copy(payload.begin(), payload.end(), l4.begin() + tcp_len);
  tcp.SetChecksum(partial ? header::PseudoHeaderChecksum(
                                kTcpProtocol, local_, remote_,
                                static_cast<uint16_t>(l4.size()))
                          : header::TcpChecksum(local_, remote_, l4));
  return p;
}

bool TcpPeer::Send(std::span<const uint8_t> packet) {
  std::vector<uint8_t> frame(vnet_header_ ? header::kVirtioNetHeaderSize : 0);
  frame.insert(frame.end(), packet.begin(), packet.end());
  Result<size_t> n = sys::Write(fd_, frame);
  EXPECT_TRUE(n) << n.error().ToString();
  return n && *n == frame.size();
}

std::optional<TcpSegment> TcpPeer::Next(std::chrono::milliseconds timeout) {
  const size_t skip = vnet_header_ ? header::kVirtioNetHeaderSize : 0;
  std::vector<uint8_t> buf(skip + 65535);
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    Result<bool> ready = sys::WaitReadable(fd_, 20);
    if (!ready || !*ready) continue;
    Result<size_t> n = sys::Read(fd_, buf);
    if (!n || *n < skip) continue;
    std::optional<TcpSegment> seg = ParseTcpSegment(
        std::span<const uint8_t>(buf).subspan(skip, *n - skip));
    if (!seg || seg->dst_port != local_port_) continue;
    if (remote_port_ != 0 && seg->src_port != remote_port_) continue;
    if (skip > 0) {
      header::VirtioNetHeader v{std::span<const uint8_t>(buf)};
      seg->vnet_gso_type = v.gso_type();
      seg->vnet_gso_size = v.gso_size();
    }
    return seg;
  }
  return std::nullopt;
}

bool TcpPeer::Connect(uint16_t mss, std::chrono::milliseconds timeout) {
  const std::array<uint8_t, 8> options = SynOptions(mss);
  if (!Send(Build(flag::kSyn, 0, options, {}, false))) return false;
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    std::optional<TcpSegment> seg = Next(timeout);
    if (!seg) break;
    if ((seg->flags & (flag::kSyn | flag::kAck)) !=
            (flag::kSyn | flag::kAck) ||
        seg->ack != snd_nxt_ + 1)
      continue;
    ++snd_nxt_;
    rcv_nxt_ = seg->seq + 1;
    remote_mss_ = seg->mss;
    return Send(Ack());
  }
  ADD_FAILURE() << "no SYN-ACK from the kernel";
  return false;
}

bool TcpPeer::Accept(uint16_t mss, std::chrono::milliseconds timeout) {
  std::optional<TcpSegment> syn;
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    syn = Next(timeout);
    if (!syn || syn->flags == flag::kSyn) break;
  }
  if (!syn || syn->flags != flag::kSyn) {
    ADD_FAILURE() << "no SYN from the kernel";
    return false;
  }
  remote_port_ = syn->src_port;
  rcv_nxt_ = syn->seq + 1;
  remote_mss_ = syn->mss;
  const std::array<uint8_t, 8> options = SynOptions(mss);
  if (!Send(Build(flag::kSyn | flag::kAck, rcv_nxt_, options, {}, false)))
    return false;
  ++snd_nxt_;
  while (Clock::now() < deadline) {
    std::optional<TcpSegment> seg = Next(timeout);
    if (!seg) break;
    // The handshake's ACK; it may already carry data, which the test
    // reads later from wherever the fd's packets go.
    if ((seg->flags & flag::kAck) != 0 && seg->ack == snd_nxt_) return true;
  }
  ADD_FAILURE() << "no ACK of the SYN-ACK from the kernel";
  return false;
}

std::vector<uint8_t> TcpPeer::Data(std::span<const uint8_t> payload,
                                   uint8_t extra_flags, bool partial) {
  std::vector<uint8_t> p =
      Build(flag::kAck | extra_flags, rcv_nxt_, {}, payload, partial);
  snd_nxt_ += static_cast<uint32_t>(payload.size());
  return p;
}

std::vector<uint8_t> TcpPeer::Ack(uint32_t ack) {
  return Build(flag::kAck, ack == 0 ? rcv_nxt_ : ack, {}, {}, false);
}

PacketBufferPtr OutboundPacket(std::span<const uint8_t> packet,
                               const GSOOptions& gso) {
  PacketBufferPtr p = PacketBuffer::Create({.payload = packet});
  p->set_network_protocol(kIPv4ProtocolNumber);
  p->set_gso_options(gso);
  return p;
}

GSOOptions TcpGso(uint16_t mss) {
  return GSOOptions{.type = GSOType::kTCPv4,
                    .needs_csum = true,
                    .csum_offset = header::kTcpChecksumOffset,
                    .mss = mss,
                    .l3_header_len = kIpHeader,
                    .l4_header_len = kTcpHeader};
}

}  // namespace fdlink::testing
