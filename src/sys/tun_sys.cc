#include "fdlink/sys/tun_sys.h"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <cstring>

#include "sys/retry_on_eintr.h"

namespace fdlink::sys {

Result<UniqueFd> OpenTunDevice(const char* path) {
  const int fd = RetryOnEintr(
      [&] { return ::open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC); });
  if (fd < 0) return Error::FromErrno(errno, "open");
  return UniqueFd(fd);
}

Result<std::string> TunSetIff(int fd, std::string_view name, uint16_t flags) {
  ifreq ifr;
  std::memset(&ifr, 0, sizeof(ifr));
  if (name.size() >= sizeof(ifr.ifr_name))
    return Error{Errc::kInvalidArgument, EINVAL, "TUNSETIFF"};
  std::memcpy(ifr.ifr_name, name.data(), name.size());
  ifr.ifr_flags = static_cast<short>(flags);
  if (::ioctl(fd, TUNSETIFF, &ifr) < 0)
    return Error::FromErrno(errno, "TUNSETIFF");
  ifr.ifr_name[sizeof(ifr.ifr_name) - 1] = '\0';
  return std::string(ifr.ifr_name);
}

Result<void> TunSetVnetHdrSize(int fd, int size) {
  if (::ioctl(fd, TUNSETVNETHDRSZ, &size) < 0)
    return Error::FromErrno(errno, "TUNSETVNETHDRSZ");
  return Ok();
}

Result<uint16_t> TunGetIff(int fd) {
  ifreq ifr;
  std::memset(&ifr, 0, sizeof(ifr));
  if (::ioctl(fd, TUNGETIFF, &ifr) < 0)
    return Error::FromErrno(errno, "TUNGETIFF");
  return static_cast<uint16_t>(ifr.ifr_flags);
}

Result<void> TunSetOffload(int fd, uint32_t bits) {
  if (::ioctl(fd, TUNSETOFFLOAD, static_cast<unsigned long>(bits)) < 0)
    return Error::FromErrno(errno, "TUNSETOFFLOAD");
  return Ok();
}

}  // namespace fdlink::sys
