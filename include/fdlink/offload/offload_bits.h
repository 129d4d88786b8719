// The kernel's TUN offload bits (TUNSETOFFLOAD), named once. Debian 12's
// <linux/if_tun.h> predates the USO bits (Linux 6.2), so they are spelled
// out here rather than taken from the system header.
#ifndef FDLINK_OFFLOAD_OFFLOAD_BITS_H_
#define FDLINK_OFFLOAD_OFFLOAD_BITS_H_

#include <cstdint>

namespace fdlink::offload {

inline constexpr uint32_t kTunFCsum = 0x01;  // TUN_F_CSUM
inline constexpr uint32_t kTunFTso4 = 0x02;  // TUN_F_TSO4
inline constexpr uint32_t kTunFTso6 = 0x04;  // TUN_F_TSO6
inline constexpr uint32_t kTunFUso4 = 0x20;  // TUN_F_USO4 (Linux >= 6.2)
inline constexpr uint32_t kTunFUso6 = 0x40;  // TUN_F_USO6 (with USO4 only)

// kTunOffloadTries is the order TUNSETOFFLOAD is tried in: the largest set
// first, then without USO, then none (an unknown bit fails the whole call
// with EINVAL, so probing by trying is the kernel's intended API).
inline constexpr uint32_t kTunOffloadTries[] = {
    kTunFCsum | kTunFTso4 | kTunFTso6 | kTunFUso4 | kTunFUso6,
    kTunFCsum | kTunFTso4 | kTunFTso6,
    0,
};

}  // namespace fdlink::offload

#endif  // FDLINK_OFFLOAD_OFFLOAD_BITS_H_
