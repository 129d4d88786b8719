#include "responder/context.h"

#include <algorithm>

namespace fdlink::responder {
namespace {

template <typename T>
bool Contains(const std::vector<T>& v, const T& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

bool Context::IsOurs(const header::Ipv4Address& a) const {
  return Contains(config.ipv4, a);
}

bool Context::IsOurs(const header::Ipv6Address& a) const {
  return Contains(config.ipv6, a);
}

bool Context::IsJoinedGroup(const header::Ipv6Address& a) const {
  if (a == kAllNodesAddress) return true;
  return std::any_of(config.ipv6.begin(), config.ipv6.end(),
                     [&a](const header::Ipv6Address& ours) {
                       return ours.SolicitedNodeMulticast() == a;
                     });
}

bool Context::ServesUdpPort(uint16_t port) const {
  return Contains(config.udp_echo_ports, port);
}

}  // namespace fdlink::responder
