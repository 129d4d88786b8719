#include "demo/tun_kernel.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdlib>

#include "fdlink/device/cidr.h"
#include "fdlink/device/link_config.h"
#include "fdlink/sys/self_sys.h"
#include "fdlink/sys/syscalls.h"

namespace fdlink::tool {
namespace {

// EchoSocket is a kernel UDP socket of `family` connected to the
// responder's echo port at `ip`.
Result<UniqueFd> EchoSocket(int family, const char* ip) {
  sockaddr_storage ss{};
  socklen_t len;
  if (family == AF_INET) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(kEchoPort);
    ::inet_pton(AF_INET, ip, &sin->sin_addr);
    len = sizeof(sockaddr_in);
  } else {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(kEchoPort);
    ::inet_pton(AF_INET6, ip, &sin6->sin6_addr);
    len = sizeof(sockaddr_in6);
  }
  return sys::ConnectedUdp(reinterpret_cast<const sockaddr*>(&ss), len);
}

}  // namespace

bool FindInPath(const std::string& prog) {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
  size_t begin = 0;
  while (begin <= dirs.size()) {
    size_t end = dirs.find(':', begin);
    if (end == std::string::npos) end = dirs.size();
    const std::string candidate = dirs.substr(begin, end - begin) + "/" + prog;
    if (sys::IsExecutable(candidate.c_str())) return true;
    begin = end + 1;
  }
  return false;
}

Result<void> SetUpKernelSide(KernelSide* k, bool vnet_hdr, uint32_t offloads) {
  device::TunOptions to;
  to.name = kDevice;
  to.vnet_hdr = vnet_hdr;
  to.offloads = offloads;
  Result<device::TunDevice> tun = device::OpenTun(to);
  if (!tun) return tun.error();
  const int ifindex = tun->ifindex();
  k->tun.emplace(std::move(*tun));
  if (Result<void> r = device::SetMtu(ifindex, kMtu); !r) return r;
  for (const char* text : {kKernel4, kKernel6}) {
    Result<device::Cidr> cidr = device::Cidr::Parse(text);
    if (!cidr) return cidr.error();
    if (Result<void> r = device::AddAddress(ifindex, *cidr); !r) return r;
  }
  if (Result<void> r = device::SetUp(ifindex, true); !r) return r;
  for (int i = 0; i < 2; ++i) {
    Result<UniqueFd> s =
        EchoSocket(i == 0 ? AF_INET : AF_INET6, i == 0 ? kOurs4 : kOurs6);
    if (!s) return s.error();
    k->udp[i] = std::move(*s);
  }
  return Ok();
}

}  // namespace fdlink::tool
