#include "fdlink/device/tun.h"

#include <linux/if.h>
#include <linux/if_tun.h>

#include <cerrno>
#include <cstdio>
#include <string>

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
  if ((options.offloads & ~kTunAllOffloads) != 0)
    return Error{Errc::kInvalidArgument, EINVAL,
                 "TunOptions.offloads has bits fdlink does not know"};
  return Ok();
}

// Takeable trims `bits` to what the kernel can accept together: TSO and
// USO only with CSUM, USO only as both halves.
uint32_t Takeable(uint32_t bits) {
  constexpr uint32_t kUso = offload::kTunFUso4 | offload::kTunFUso6;
  if ((bits & offload::kTunFCsum) == 0) return 0;
  if ((bits & kUso) != kUso) bits &= ~kUso;
  return bits;
}

// Negotiate tries offload::kTunOffloadTries on `fd`, each limited to
// `mask`, largest first, and returns the first set the kernel accepts.
Result<uint32_t> Negotiate(int fd, uint32_t mask) {
  for (uint32_t wanted : offload::kTunOffloadTries) {
    const uint32_t bits = Takeable(wanted & mask);
    Result<void> set = sys::TunSetOffload(fd, bits);
    if (set) return bits;
    if (set.error().sys_errno != EINVAL || bits == 0) return set.error();
  }
  // Unreachable while kTunOffloadTries ends with 0, which always takes.
  return Error{Errc::kNotSupported, EINVAL, "TUNSETOFFLOAD"};
}

// CheckVnetHdr makes sure IFF_VNET_HDR is among the flags fd's interface
// was attached with.
Result<void> CheckVnetHdr(int fd) {
  Result<uint16_t> flags = sys::TunGetIff(fd);
  if (!flags) return flags.error();
  if ((*flags & IFF_VNET_HDR) == 0)
    return Error{Errc::kNotSupported, EINVAL,
                 "TUNGETIFF: IFF_VNET_HDR did not take"};
  return Ok();
}

// SetOffloads negotiates on the first queue and gives every later queue
// the same set; any disagreement fails the whole device.
Result<uint32_t> SetOffloads(const std::vector<UniqueFd>& fds, uint32_t mask) {
  Result<uint32_t> bits = Negotiate(fds.front().get(), mask);
  if (!bits) return bits.error();
  for (size_t i = 1; i < fds.size(); ++i) {
    if (Result<void> set = sys::TunSetOffload(fds[i].get(), *bits); !set)
      return Error{set.error().code, set.error().sys_errno,
                   "TUNSETOFFLOAD: a later queue refused the offloads the "
                   "first took"};
  }
  return bits;
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
      if (Result<void> ok = CheckVnetHdr(fd->get()); !ok) return ok.error();
      if (Result<void> ok = sys::TunSetVnetHdrSize(
              fd->get(), static_cast<int>(header::kVirtioNetHeaderSize));
          !ok)
        return ok.error();
    }
    device.name_ = std::move(*name);
    device.fds_.push_back(std::move(*fd));
  }
  if (options.vnet_hdr) {
    Result<uint32_t> offloads = SetOffloads(device.fds_, options.offloads);
    if (!offloads) return offloads.error();
    device.offloads_ = *offloads;
  }
  Result<int> ifindex = InterfaceIndex(device.name_);
  if (!ifindex) return ifindex.error();
  device.ifindex_ = *ifindex;
  return device;
}

std::string DescribeTunOffloads(uint32_t bits) {
  static constexpr struct {
    uint32_t bit;
    const char* name;
  } kNames[] = {{offload::kTunFCsum, "csum"},
                {offload::kTunFTso4, "tso4"},
                {offload::kTunFTso6, "tso6"},
                {offload::kTunFUso4, "uso4"},
                {offload::kTunFUso6, "uso6"}};
  if (bits == 0) return "none";
  std::string out;
  for (const auto& [bit, name] : kNames) {
    if ((bits & bit) == 0) continue;
    if (!out.empty()) out += ',';
    out += name;
    bits &= ~bit;
  }
  if (bits != 0) {
    char rest[16];
    std::snprintf(rest, sizeof(rest), "0x%x", bits);
    if (!out.empty()) out += ',';
    out += rest;
  }
  return out;
}

}  // namespace fdlink::device
