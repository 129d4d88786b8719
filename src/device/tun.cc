#include "fdlink/device/tun.h"

#include <linux/if.h>
#include <linux/if_tun.h>

#include <cerrno>

#include "fdlink/device/link_config.h"
#include "fdlink/sys/tun_sys.h"

namespace fdlink::device {
namespace {

// OpenError explains why the clone device could not be opened.
Error OpenError(const Error& error) {
  switch (error.sys_errno) {
    case EPERM:
    case EACCES:
      return Error{Errc::kPermissionDenied, error.sys_errno,
                   "open /dev/net/tun: needs root or CAP_NET_ADMIN"};
    case ENOENT:
    case ENODEV:
    case ENXIO:
      return Error{Errc::kNotFound, error.sys_errno,
                   "/dev/net/tun missing: modprobe tun"};
    default:
      return Error{error.code, error.sys_errno, "open /dev/net/tun"};
  }
}

// SetIffError explains why TUNSETIFF refused to attach.
Error SetIffError(const Error& error) {
  switch (error.sys_errno) {
    case EPERM:
    case EACCES:
      return Error{Errc::kPermissionDenied, error.sys_errno,
                   "TUNSETIFF: needs root or CAP_NET_ADMIN"};
    case EBUSY:
      return Error{Errc::kBusy, EBUSY,
                   "TUNSETIFF: device busy (another process holds it or its "
                   "flags differ)"};
    case EINVAL:
      return Error{Errc::kInvalidArgument, EINVAL,
                   "TUNSETIFF: the name belongs to an interface of another "
                   "kind or queue mode"};
    default:
      return error;
  }
}

Result<void> CheckOptions(const TunOptions& options) {
  if (options.name.size() >= IFNAMSIZ)
    return Error{Errc::kInvalidArgument, EINVAL,
                 "TunOptions.name is longer than 15 bytes"};
  if (options.queues < 1)
    return Error{Errc::kInvalidArgument, EINVAL,
                 "TunOptions.queues must be at least 1"};
  return Ok();
}

uint16_t TunFlags(const TunOptions& options) {
  int flags = (options.tap ? IFF_TAP : IFF_TUN) | IFF_NO_PI;
  if (options.vnet_hdr) flags |= IFF_VNET_HDR;
  if (options.queues > 1) flags |= IFF_MULTI_QUEUE;
  return static_cast<uint16_t>(flags);
}

}  // namespace

std::vector<int> TunDevice::borrowed_fds() const {
  std::vector<int> out;
  out.reserve(fds_.size());
  for (const UniqueFd& fd : fds_) out.push_back(fd.get());
  return out;
}

std::vector<UniqueFd> TunDevice::TakeFds() { return std::move(fds_); }

Result<TunDevice> OpenTun(const TunOptions& options) {
  return OpenTunAt(sys::kTunDevicePath, options);
}

Result<TunDevice> OpenTunAt(const char* device_path,
                            const TunOptions& options) {
  if (Result<void> ok = CheckOptions(options); !ok) return ok.error();
  const uint16_t flags = TunFlags(options);
  TunDevice device;
  device.name_ = options.name;
  device.tap_ = options.tap;
  device.vnet_hdr_ = options.vnet_hdr;
  for (int queue = 0; queue < options.queues; ++queue) {
    Result<UniqueFd> fd = sys::OpenTunDevice(device_path);
    if (!fd) return OpenError(fd.error());
    // Every queue after the first attaches to the name the kernel settled
    // on, so an empty or "%d" name yields one multi-queue device.
    Result<std::string> name = sys::TunSetIff(fd->get(), device.name_, flags);
    if (!name) return SetIffError(name.error());
    if (options.vnet_hdr) {
      if (Result<void> ok = sys::TunSetVnetHdrSize(
              fd->get(), static_cast<int>(header::kVirtioNetHeaderSize));
          !ok)
        return ok.error();
    }
    device.name_ = std::move(*name);
    device.fds_.push_back(std::move(*fd));
  }
  Result<int> ifindex = InterfaceIndex(device.name_);
  if (!ifindex) return ifindex.error();
  device.ifindex_ = *ifindex;
  return device;
}

}  // namespace fdlink::device
