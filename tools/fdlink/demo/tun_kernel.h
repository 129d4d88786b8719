// The TUN demo's kernel side: the addresses on both sides of the device,
// and what lives in the private network namespace (the TUN device and the
// kernel's UDP sockets to the responder's echo port).
#ifndef FDLINK_TOOLS_FDLINK_DEMO_TUN_KERNEL_H_
#define FDLINK_TOOLS_FDLINK_DEMO_TUN_KERNEL_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "fdlink/base/result.h"
#include "fdlink/device/tun.h"
#include "fdlink/sys/unique_fd.h"

namespace fdlink::tool {

inline constexpr char kDevice[] = "fdl0";
inline constexpr uint32_t kMtu = 1500;
inline constexpr char kKernel4[] = "198.18.0.1/24";
inline constexpr char kKernel6[] = "2001:db8::1/64";
inline constexpr char kOurs4[] = "198.18.0.2";
inline constexpr char kOurs6[] = "2001:db8::2";
inline constexpr uint16_t kEchoPort = 7;

// FindInPath reports whether `prog` is an executable in $PATH.
bool FindInPath(const std::string& prog);

// KernelSide is what lives in the namespace: the TUN device and two kernel
// UDP sockets connected to the responder's echo port.
struct KernelSide {
  std::optional<device::TunDevice> tun;
  std::array<UniqueFd, 2> udp;  // [0] IPv4, [1] IPv6.
};

// SetUpKernelSide opens TUN kDevice (with a virtio-net header and the
// TUN_F_* `offloads` negotiated when `vnet_hdr`), gives it kMtu and the
// kernel's addresses, sets it up and connects the UDP sockets; call it on
// a thread inside the namespace.
Result<void> SetUpKernelSide(KernelSide* k, bool vnet_hdr, uint32_t offloads);

}  // namespace fdlink::tool

#endif  // FDLINK_TOOLS_FDLINK_DEMO_TUN_KERNEL_H_
