// Helpers for the transmit-offload tests: outbound super-packets and wire
// packet runs as a stack hands them to WritePackets, and what a peer reads
// back (a virtio-net header and a frame) turned into a packet again.
#ifndef FDLINK_TESTS_TESTING_TX_OFFLOAD_H_
#define FDLINK_TESTS_TESTING_TX_OFFLOAD_H_

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "fdlink/buffer/packet_buffer.h"
#include "fdlink/link/fdbased/options.h"
#include "testing/super_packets.h"

namespace fdlink::testing {

// kAllTunOffloads is every TUN_F_* bit (CSUM, TSO4, TSO6, USO4, USO6).
inline constexpr uint32_t kAllTunOffloads = 0x01 | 0x02 | 0x04 | 0x20 | 0x40;

// VnetOptions are endpoint options for `fds` carrying virtio-net headers
// with `kernel_offloads` accepted (raw IP frames, or Ethernet ones).
fdbased::Options VnetOptions(std::vector<int> fds, uint32_t kernel_offloads,
                             bool ethernet = false);

// Outbound returns sp as a stack would hand it over: its bytes after a
// `link_header`-byte link header (zero-filled, pushed), protocol and GSO
// metadata set.
PacketBufferPtr Outbound(const SuperPacket& sp, uint16_t link_header = 0);

// WireRun returns the wire packets sp stands for (split in software, full
// checksums, consecutive IPv4 ids and TCP sequence numbers), each with a
// pushed `link_header`-byte link header.
std::vector<PacketBufferPtr> WireRun(const SuperPacket& sp,
                                     uint16_t link_header = 0);

// FromFrame turns what a peer read from a virtio-net fd (10-byte header,
// then the frame) back into a packet: the frame's bytes with the header's
// GSO metadata (relative to the network header after `link_header`
// bytes, which are marked consumed). Null when the header is malformed.
PacketBufferPtr FromFrame(std::span<const uint8_t> read,
                          uint16_t link_header = 0);

// VnetBytes is one virtio-net header's bytes; VnetHead the first ten
// bytes of what a peer read.
using VnetBytes = std::array<uint8_t, 10>;
VnetBytes VnetHead(std::span<const uint8_t> read);

// Bytes is pkt's bytes.
std::vector<uint8_t> Bytes(const PacketBufferPtr& pkt);

// RecvAll reads every datagram waiting on fd (the first within a second,
// then until 100 ms pass without one).
std::vector<std::vector<uint8_t>> RecvAll(int fd);

// SetSmallSendBuffer shrinks fd's SO_SNDBUF to the kernel's minimum and
// returns the size in effect: a datagram longer than that (less 32 bytes
// on AF_UNIX) fails with EMSGSIZE, a natural "kernel rejects large
// writes".
int SetSmallSendBuffer(int fd);

}  // namespace fdlink::testing

#endif  // FDLINK_TESTS_TESTING_TX_OFFLOAD_H_
