// tun_sys: thin wrappers over the /dev/net/tun character device and its
// ioctls. Errors carry the raw errno; the device layer turns them into
// friendlier messages. Descriptor arguments are borrowed for the call.
#ifndef FDLINK_SYS_TUN_SYS_H_
#define FDLINK_SYS_TUN_SYS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "fdlink/base/result.h"
#include "fdlink/sys/unique_fd.h"

namespace fdlink::sys {

// kTunDevicePath is where the tun/tap clone device normally lives.
inline constexpr const char* kTunDevicePath = "/dev/net/tun";

// OpenTunDevice opens the tun clone device at `path` (normally
// kTunDevicePath) read-write, non-blocking and close-on-exec. The new file
// belongs to the calling thread's network namespace: a device attached to it
// later is created there. Errors: the open(2) errno, what = "open".
Result<UniqueFd> OpenTunDevice(const char* path);

// TunSetIff attaches fd to the interface `name` (empty: let the kernel pick
// one) with IFF_* `flags`, creating the interface if it does not exist.
// Returns the kernel's final interface name. Errors: the ioctl errno,
// what = "TUNSETIFF". `name` must be shorter than IFNAMSIZ.
Result<std::string> TunSetIff(int fd, std::string_view name, uint16_t flags);

// TunSetVnetHdrSize sets the virtio-net header size (TUNSETVNETHDRSZ) that
// precedes every packet read from or written to a IFF_VNET_HDR device.
Result<void> TunSetVnetHdrSize(int fd, int size);

// TunGetIff reads back the IFF_* flags of the interface fd is attached to
// (TUNGETIFF), e.g. to check that IFF_VNET_HDR took. Errors: the ioctl
// errno, what = "TUNGETIFF".
Result<uint16_t> TunGetIff(int fd);

// TunSetOffload asks the device fd is attached to for the TUN_F_* offload
// `bits` (TUNSETOFFLOAD; offloads are per device, not per queue). EINVAL
// means the kernel does not know or refuses one of the bits (the whole set
// is refused then). Errors: the ioctl errno, what = "TUNSETOFFLOAD".
Result<void> TunSetOffload(int fd, uint32_t bits);

}  // namespace fdlink::sys

#endif  // FDLINK_SYS_TUN_SYS_H_
