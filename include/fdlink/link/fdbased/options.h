// Options for the fd-based link endpoint.
#ifndef FDLINK_LINK_FDBASED_OPTIONS_H_
#define FDLINK_LINK_FDBASED_OPTIONS_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "fdlink/base/result.h"
#include "fdlink/header/mac_address.h"

namespace fdlink::fdbased {

// PacketDispatchMode selects how a receive loop reads from its fd. Each mode
// is one reader implementation behind the same loop; a non-socket fd always
// uses kReadv. kReadv keeps gVisor's name (its Readv dispatcher), though it
// reads with read(2) or recv(2), one packet per call, never readv(2).
enum class PacketDispatchMode : uint8_t {
  kReadv,     // One packet per read()/recv() into a carved pooled buffer.
  kRecvMMsg,  // Up to max_msgs_per_recv packets per recvmmsg() (sockets).
  // Frames of a TPACKET_V2 PACKET_RX_RING, handed to the stack where they
  // lie (no copy); AF_PACKET sockets only.
  kPacketMmap,
  // io_uring: multishot reads (recv on sockets) into a provided buffer
  // ring, handed to the stack without a copy, and batched writes (one
  // io_uring_enter per WritePackets) on fds without sendmmsg. Needs
  // Linux >= 6.7 (multishot read; 6.4 for non-blocking TUN reads); on an
  // older kernel the endpoint reads with kReadv and says why
  // (Endpoint::DispatchModeFallback). AF_PACKET sockets also read with
  // kReadv in this mode: their checksum status (PACKET_AUXDATA) does not
  // come through multishot recv; packet_mmap is their zero-copy mode.
  kIoUring,
};

// DispatchModeName is the mode's lower-case name: "readv", "recvmmsg",
// "packet_mmap" or "io_uring".
const char* DispatchModeName(PacketDispatchMode mode);

// kDispatchModeNames lists every mode's name, in enum order.
inline constexpr const char* kDispatchModeNames[] = {"readv", "recvmmsg",
                                                     "packet_mmap", "io_uring"};

// ParseDispatchMode is DispatchModeName's inverse: "readv", "recvmmsg",
// "packet_mmap" or "io_uring"; any other text is Errc::kInvalidArgument.
Result<PacketDispatchMode> ParseDispatchMode(std::string_view name);

// kMaxMsgsPerRecv is the default recvmmsg batch (gVisor's MaxMsgsPerRecv).
inline constexpr size_t kMaxMsgsPerRecv = 8;
// kPacketMmapFrames is the default number of receive ring frames per fd in
// packet_mmap mode (kPacketMmapJumboFrames with virtio-net headers, whose
// frames hold 64 KiB each: about 35 MiB); kMaxPacketMmapFrames the most
// Options accept.
inline constexpr size_t kPacketMmapFrames = 4096;
inline constexpr size_t kPacketMmapJumboFrames = 512;
inline constexpr size_t kMaxPacketMmapFrames = size_t{1} << 18;
// kIoUringBuffers is the default number of provided receive buffers per fd
// in io_uring mode (kIoUringJumboBuffers with virtio-net headers, whose
// buffers hold 64 KiB each: 16 MiB); kMaxIoUringBuffers the most (the
// kernel's buffer ring limit).
inline constexpr size_t kIoUringBuffers = 1024;
inline constexpr size_t kIoUringJumboBuffers = 256;
inline constexpr size_t kMaxIoUringBuffers = 32768;

// kBatchSize is the most packets one sendmmsg() carries (gVisor's BatchSize:
// a 64 KiB TCP segment split into 1420-byte packets is 47 of them).
inline constexpr size_t kBatchSize = 47;
// kMaxIovs is the most iovecs one packet may use in a write.
inline constexpr size_t kMaxIovs = 1024;

// ClosedFunc is told why one fd's receive loop ended: Errc::kPeerClosed when
// the peer hung up (EOF, POLLHUP, ECONNRESET, EPIPE; a zero-length
// SOCK_SEQPACKET record is EOF only when the socket also reports a hang-up,
// otherwise it is an empty frame, dropped as DropReason::kEmpty) and
// Errc::kIoError for
// any other failure of the fd (sys_errno holds the errno when there is one).
// It runs on that fd's loop thread, once per fd per attachment, and never
// because of a detach.
using ClosedFunc = std::function<void(const Error&)>;

// OffloadOptions say whether the fds carry virtio-net headers, what the
// kernel accepted on them, and which of the endpoint's own offloads are
// switched on. Each switch exists because kernels and drivers in the field
// break that offload; all default to on, and take effect only where the fds
// allow it (the Endpoint's accessors report what is in effect).
struct OffloadOptions {
  // VnetHeader: every fd carries a 10-byte virtio-net header in front of
  // each frame, both ways (a TUN/TAP opened with IFF_VNET_HDR, an AF_PACKET
  // socket with PACKET_VNET_HDR). It must match the fds: a wrong value
  // garbles every frame.
  bool vnet_header = false;
  // KernelOffloads: the TUN_F_* bits the device accepted (TUNSETOFFLOAD;
  // device::TunDevice::offloads()), or kPacketSocketOffloads for packet
  // sockets with PACKET_VNET_HDR. Needs vnet_header; only the bits of
  // fdlink/offload/offload_bits.h are accepted, TSO/USO bits only with
  // TUN_F_CSUM and USO4 only with USO6 (as the kernel does). With TUN_F_CSUM
  // the kernel may hand over partial checksums, which the endpoint completes;
  // with TSO/USO bits it hands over and accepts TCP/UDP super-packets.
  uint32_t kernel_offloads = 0;
  // TcpGro / UdpGro: coalesce inbound TCP / UDP wire packets within one read
  // batch into super-packets, for dispatchers that take them.
  bool tcp_gro = true;
  bool udp_gro = true;
  // Gso: outbound super-packets are written whole with a virtio-net header
  // (when the kernel accepted the matching TSO/USO bit) and runs of one
  // flow's packets within a WritePackets call are coalesced into one write;
  // off, every super-packet is split in software and nothing is coalesced.
  bool gso = true;
  // ChecksumOffload: leave checksums partial where the kernel completes or
  // accepts them (TUN_F_CSUM); off, the endpoint completes every checksum.
  bool checksum_offload = true;
};

// kPacketSocketOffloads is OffloadOptions::kernel_offloads for an AF_PACKET
// socket with PACKET_VNET_HDR: it hands over and accepts partial checksums
// and TCP super-packets (TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6).
inline constexpr uint32_t kPacketSocketOffloads = 0x01 | 0x02 | 0x04;

// OffloadsInEffect is what Options.offload resolves to on an endpoint
// (Endpoint::Offloads() reports it; the receive loops and the writer read
// the same value). Every field is false/0 unless its option asked for it and
// the fds allow it. A plain value, immutable once the endpoint exists.
struct OffloadsInEffect {
  // VnetHeader: a 10-byte virtio-net header precedes every frame both ways
  // (exactly Options.offload.vnet_header).
  bool vnet_header = false;
  // KernelOffloads: Options.offload.kernel_offloads (0 without vnet_header).
  uint32_t kernel_offloads = 0;
  // RxGroTcp / RxGroUdp: inbound TCP / UDP wire packets of one read batch
  // may be coalesced for a dispatcher that takes super-packets
  // (Options.offload.tcp_gro / udp_gro).
  bool rx_gro_tcp = false;
  bool rx_gro_udp = false;
  // TxGsoTcp4 / TxGsoTcp6 / TxGsoUdp: an outbound TCPv4 / TCPv6 / UDP
  // super-packet is written whole with a virtio-net header (offload.gso, a
  // vnet header, and the kernel accepted TUN_F_CSUM with TSO4 / TSO6 /
  // USO4|USO6). A super-packet whose kind is off is split in software by the
  // writer.
  bool tx_gso_tcp4 = false;
  bool tx_gso_tcp6 = false;
  bool tx_gso_udp = false;
  // ChecksumOffload: the writer may leave an outbound L4 checksum partial
  // with NEEDS_CSUM (offload.checksum_offload, a vnet header and TUN_F_CSUM).
  // Inbound partial checksums are completed whatever this says.
  bool checksum_offload = false;
};

// Options configure an Endpoint. Create() validates them and returns a clear
// error for any invalid combination; nothing is built in that case.
struct Options {
  // Fds are the descriptors, one receive loop each (>= 1). Borrowed: they
  // must stay open until the endpoint is destroyed. Create() makes them
  // non-blocking.
  std::vector<int> fds;
  // MTU is the link MTU reported by MTU() (1..65535).
  uint32_t mtu = 1500;
  // EthernetHeader: frames carry a 14-byte Ethernet header (TAP, AF_PACKET).
  // Without it the network protocol comes from the IP version nibble.
  bool ethernet_header = false;
  // Address is the link's MAC address (Ethernet only): inbound frames must be
  // addressed to it or to a group address. With ethernet_header it must be
  // set to a unicast address; Create() refuses an all-zero one.
  MacAddress address;
  // ClosedFunc may be empty.
  ClosedFunc closed_func;
  // DispatchMode is the requested mode; kRecvMMsg takes effect only when
  // every fd is a socket, kPacketMmap only when every fd is an AF_PACKET
  // socket, kIoUring only when the running kernel has what it needs for
  // every fd (multishot read, Linux 6.7, for TUN/TAP and other non-socket
  // fds; multishot recv, 6.0, for sockets; provided-buffer rings) and the
  // rings can be set up; otherwise the endpoint reads with kReadv
  // (Endpoint::DispatchModeInUse says what is used).
  PacketDispatchMode dispatch_mode = PacketDispatchMode::kReadv;
  // MaxMsgsPerRecv is the recvmmsg batch (1..64).
  size_t max_msgs_per_recv = kMaxMsgsPerRecv;
  // PacketMmapFrames is the receive ring's frame count per fd in
  // packet_mmap mode (16..kMaxPacketMmapFrames, rounded up to whole ring
  // blocks; 0: kPacketMmapFrames, or kPacketMmapJumboFrames with
  // offload.vnet_header). Each frame holds the link's largest
  // frame: MTU plus link header, or 64 KiB with a virtio-net header (the
  // kernel may then hand over super-packets). A larger frame (a GRO'd one
  // without virtio-net headers) arrives cut short and is dropped, counted
  // as DropReason::kOversized. The ring is set up once per fd, in Create,
  // and kept until the endpoint and every packet from it are gone; the
  // socket then receives through recv(2) again.
  size_t packet_mmap_frames = 0;
  // IoUringBuffers is the provided-buffer count per fd in io_uring mode (a
  // power of two, 16..kMaxIoUringBuffers; 0: kIoUringBuffers, or
  // kIoUringJumboBuffers with offload.vnet_header). Each buffer holds the
  // link's largest frame, sized like packet_mmap frames; a larger one is
  // dropped, counted as DropReason::kOversized. The ring is set up once per
  // fd, in Create, and kept until the endpoint and every packet from it
  // are gone. When the stack holds every buffer the fd's reads pause
  // (FdCounters::rx_ring_dry) until one is released.
  size_t io_uring_buffers = 0;
  // ProcessorsPerChannel: 0 means max(1, cores / fds). With 1, packets are
  // delivered on the loop thread; with N > 1, on N processor threads per fd,
  // spread by a seeded flow hash (at most 64).
  uint32_t processors_per_channel = 0;
  // Capability bits.
  bool tx_checksum_offload = false;
  bool rx_checksum_offload = false;
  bool save_restore = false;
  // MaxSyscallHeaderBytes caps mmsghdr + iovec bytes per write syscall
  // (0: no cap beyond kBatchSize). Must not be negative.
  int max_syscall_header_bytes = 0;
  // GSOMaxSize: 0 disables GSO; otherwise the largest packet the stack may
  // hand over (<= 65536). Host GSO (software_gso false) writes super-packets
  // with a virtio-net header, so it needs offload.vnet_header (Create refuses
  // it otherwise) and then works on any fd kind. SoftwareGSO selects
  // segmentation in the stack (gVisor's GSO), which needs every fd to be a
  // socket; otherwise it stays off (Endpoint::GSOMaxSize() is then 0).
  uint32_t gso_max_size = 0;
  bool software_gso = false;
  // IsPacketSocket, when not empty, says for each fd whether it is an
  // AF_PACKET socket (skipping the getsockname probe); it must cover every fd.
  std::vector<bool> is_packet_socket;
  // Offload: virtio-net headers, GRO, GSO and checksum offload.
  OffloadOptions offload;
};

// ValidateOptions returns the first problem with `opts`, or success.
Result<void> ValidateOptions(const Options& opts);

}  // namespace fdlink::fdbased

#endif  // FDLINK_LINK_FDBASED_OPTIONS_H_
