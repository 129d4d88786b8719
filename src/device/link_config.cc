#include "fdlink/device/link_config.h"

#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "fdlink/sys/netlink_sys.h"

namespace fdlink::device {
namespace {

using sys::RtnlReply;
using sys::RtnlRequest;

// kMaxNameLen is the longest interface name the kernel accepts.
constexpr size_t kMaxNameLen = IFNAMSIZ - 1;
// kDumpRetries bounds restarts of a dump the kernel flagged as interrupted
// (NLM_F_DUMP_INTR: the address list changed while being read).
constexpr int kDumpRetries = 3;

Result<void> CheckName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLen)
    return Error{Errc::kInvalidArgument, EINVAL,
                 "interface name must be 1 to 15 bytes"};
  return Ok();
}

// Send opens a netlink socket in the calling thread's namespace and runs
// one request on it.
Result<std::vector<RtnlReply>> Send(RtnlRequest& request, const char* op) {
  Result<sys::RtnlSocket> sock = sys::RtnlSocket::Open();
  if (!sock) return sock.error();
  return sock->Transact(request, op);
}

// SendForAck runs a request whose only answer is the ACK.
Result<void> SendForAck(RtnlRequest& request, const char* op) {
  Result<std::vector<RtnlReply>> replies = Send(request, op);
  if (!replies) return replies.error();
  return Ok();
}

ifinfomsg LinkHeader(int ifindex) {
  ifinfomsg header;
  std::memset(&header, 0, sizeof(header));
  header.ifi_family = AF_UNSPEC;
  header.ifi_index = ifindex;
  return header;
}

uint32_t AttrU32(const sys::NetlinkAttr* attr) {
  uint32_t value = 0;
  if (attr != nullptr && attr->data.size() >= sizeof(value))
    std::memcpy(&value, attr->data.data(), sizeof(value));
  return value;
}

// FirstLink decodes the RTM_NEWLINK message among `replies`.
Result<LinkInfo> FirstLink(const std::vector<RtnlReply>& replies) {
  for (const RtnlReply& reply : replies) {
    if (reply.type != RTM_NEWLINK) continue;
    auto header = reply.Header<ifinfomsg>();
    LinkInfo info;
    info.ifindex = header.ifi_index;
    info.flags = header.ifi_flags;
    info.mtu = AttrU32(reply.Find(IFLA_MTU));
    info.tx_queue_len = AttrU32(reply.Find(IFLA_TXQLEN));
    if (const sys::NetlinkAttr* name = reply.Find(IFLA_IFNAME)) {
      info.name.assign(name->data.begin(), name->data.end());
      info.name.resize(std::strlen(info.name.c_str()));  // Drop the NUL.
    }
    if (const sys::NetlinkAttr* addr = reply.Find(IFLA_ADDRESS))
      info.hardware_address = addr->data;
    return info;
  }
  return Error{Errc::kMalformed, 0, "RTM_GETLINK: no link in the reply"};
}

// NotFoundAs rewrites ENODEV (the kernel's "no such interface") as
// Errc::kNotFound with a clearer static message.
Error NotFoundAs(const Error& error, const char* what) {
  if (error.sys_errno == ENODEV) return Error{Errc::kNotFound, ENODEV, what};
  return error;
}

Result<void> CheckCidr(const Cidr& cidr) {
  size_t len = cidr.AddressLength();
  if (len == 0 || cidr.prefix_len < 0 ||
      cidr.prefix_len > static_cast<int>(len * 8))
    return Error{Errc::kInvalidArgument, EINVAL, "bad CIDR for AddAddress"};
  return Ok();
}

// CidrFromReply decodes one RTM_NEWADDR message.
Cidr CidrFromReply(const RtnlReply& reply, const ifaddrmsg& header) {
  Cidr cidr;
  cidr.family = header.ifa_family;
  cidr.prefix_len = header.ifa_prefixlen;
  const sys::NetlinkAttr* attr = nullptr;
  if (header.ifa_family == AF_INET) attr = reply.Find(IFA_LOCAL);
  if (attr == nullptr) attr = reply.Find(IFA_ADDRESS);
  if (attr != nullptr && attr->data.size() == cidr.AddressLength())
    std::memcpy(cidr.addr.data(), attr->data.data(), attr->data.size());
  return cidr;
}

Result<std::vector<Cidr>> ListAddressesOnce(int ifindex) {
  RtnlRequest request(RTM_GETADDR, NLM_F_DUMP);
  ifaddrmsg header;
  std::memset(&header, 0, sizeof(header));
  header.ifa_family = AF_UNSPEC;
  request.PutHeader(header);
  Result<std::vector<RtnlReply>> replies = Send(request, "RTM_GETADDR");
  if (!replies) return replies.error();
  std::vector<Cidr> out;
  for (const RtnlReply& reply : *replies) {
    if (reply.type != RTM_NEWADDR) continue;
    auto addr_header = reply.Header<ifaddrmsg>();
    if (static_cast<int>(addr_header.ifa_index) != ifindex) continue;
    if (addr_header.ifa_family != AF_INET && addr_header.ifa_family != AF_INET6)
      continue;
    out.push_back(CidrFromReply(reply, addr_header));
  }
  return out;
}

}  // namespace

bool LinkInfo::up() const { return (flags & IFF_UP) != 0; }

Result<int> InterfaceIndex(std::string_view name) {
  if (Result<void> ok = CheckName(name); !ok) return ok.error();
  RtnlRequest request(RTM_GETLINK, 0);
  request.PutHeader(LinkHeader(0));
  request.PutString(IFLA_IFNAME, name);
  Result<std::vector<RtnlReply>> replies = Send(request, "RTM_GETLINK");
  if (!replies) return NotFoundAs(replies.error(), "unknown interface");
  Result<LinkInfo> info = FirstLink(*replies);
  if (!info) return info.error();
  return info->ifindex;
}

Result<LinkInfo> GetLink(int ifindex) {
  RtnlRequest request(RTM_GETLINK, 0);
  request.PutHeader(LinkHeader(ifindex));
  Result<std::vector<RtnlReply>> replies = Send(request, "RTM_GETLINK");
  if (!replies) return NotFoundAs(replies.error(), "unknown interface index");
  return FirstLink(*replies);
}

Result<void> SetMtu(int ifindex, int mtu) {
  if (mtu <= 0) return Error{Errc::kInvalidArgument, EINVAL, "MTU must be > 0"};
  RtnlRequest request(RTM_NEWLINK, 0);
  request.PutHeader(LinkHeader(ifindex));
  request.PutU32(IFLA_MTU, static_cast<uint32_t>(mtu));
  return SendForAck(request, "RTM_NEWLINK (mtu)");
}

Result<void> SetTxQueueLength(int ifindex, uint32_t len) {
  if (len == 0) {
    return Error{Errc::kInvalidArgument, EINVAL, "queue length must be > 0"};
  }
  RtnlRequest request(RTM_NEWLINK, 0);
  request.PutHeader(LinkHeader(ifindex));
  request.PutU32(IFLA_TXQLEN, len);
  return SendForAck(request, "RTM_NEWLINK (txqueuelen)");
}

Result<void> SetUp(int ifindex, bool up) {
  ifinfomsg header = LinkHeader(ifindex);
  header.ifi_change = IFF_UP;
  header.ifi_flags = up ? IFF_UP : 0;
  RtnlRequest request(RTM_NEWLINK, 0);
  request.PutHeader(header);
  return SendForAck(request, "RTM_NEWLINK (up/down)");
}

Result<void> AddAddress(int ifindex, const Cidr& cidr) {
  if (Result<void> ok = CheckCidr(cidr); !ok) return ok;
  std::span<const uint8_t> addr(cidr.addr.data(), cidr.AddressLength());
  ifaddrmsg header;
  std::memset(&header, 0, sizeof(header));
  header.ifa_family = static_cast<uint8_t>(cidr.family);
  header.ifa_prefixlen = static_cast<uint8_t>(cidr.prefix_len);
  header.ifa_scope = RT_SCOPE_UNIVERSE;
  header.ifa_index = static_cast<uint32_t>(ifindex);
  if (cidr.family == AF_INET6) header.ifa_flags = IFA_F_NODAD;

  RtnlRequest request(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
  request.PutHeader(header);
  if (cidr.family == AF_INET) {
    request.PutAttr(IFA_LOCAL, addr);
  } else {
    request.PutU32(IFA_FLAGS, IFA_F_NODAD);
  }
  request.PutAttr(IFA_ADDRESS, addr);
  return SendForAck(request, "RTM_NEWADDR");
}

Result<std::vector<Cidr>> ListAddresses(int ifindex) {
  Result<std::vector<Cidr>> result = ListAddressesOnce(ifindex);
  for (int i = 1;
       i < kDumpRetries && !result && result.error().code == Errc::kInterrupted;
       ++i) {
    result = ListAddressesOnce(ifindex);
  }
  return result;
}

Result<MacAddress> GetHardwareAddress(int ifindex) {
  Result<LinkInfo> info = GetLink(ifindex);
  if (!info) return info.error();
  std::array<uint8_t, 6> mac;
  if (info->hardware_address.size() != mac.size())
    return Error{Errc::kNotSupported, 0,
                 "interface has no Ethernet hardware address"};
  std::memcpy(mac.data(), info->hardware_address.data(), mac.size());
  return MacAddress(mac);
}

Result<void> SetHardwareAddress(int ifindex, const MacAddress& mac) {
  RtnlRequest request(RTM_NEWLINK, 0);
  request.PutHeader(LinkHeader(ifindex));
  request.PutAttr(IFLA_ADDRESS, mac.bytes());
  Result<void> result = SendForAck(request, "RTM_NEWLINK (address)");
  if (!result && result.error().sys_errno == EADDRNOTAVAIL)
    return Error{Errc::kInvalidArgument, EADDRNOTAVAIL,
                 "hardware address must be unicast and non-zero"};
  return result;
}

Result<std::pair<int, int>> CreateVethPair(std::string_view name_a,
                                           std::string_view name_b) {
  if (Result<void> ok = CheckName(name_a); !ok) return ok.error();
  if (Result<void> ok = CheckName(name_b); !ok) return ok.error();
  RtnlRequest request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  request.PutHeader(LinkHeader(0));
  request.PutString(IFLA_IFNAME, name_a);
  size_t linkinfo = request.BeginNest(IFLA_LINKINFO);
  request.PutString(IFLA_INFO_KIND, "veth");
  size_t data = request.BeginNest(IFLA_INFO_DATA);
  size_t peer = request.BeginNest(VETH_INFO_PEER);
  request.PutHeader(LinkHeader(0));  // The peer's own ifinfomsg.
  request.PutString(IFLA_IFNAME, name_b);
  request.EndNest(peer);
  request.EndNest(data);
  request.EndNest(linkinfo);
  if (Result<void> ok = SendForAck(request, "RTM_NEWLINK (veth)"); !ok)
    return ok.error();

  Result<int> index_a = InterfaceIndex(name_a);
  if (!index_a) return index_a.error();
  Result<int> index_b = InterfaceIndex(name_b);
  if (!index_b) return index_b.error();
  return std::make_pair(*index_a, *index_b);
}

Result<void> DeleteLink(int ifindex) {
  RtnlRequest request(RTM_DELLINK, 0);
  request.PutHeader(LinkHeader(ifindex));
  Result<void> result = SendForAck(request, "RTM_DELLINK");
  if (!result) return NotFoundAs(result.error(), "unknown interface index");
  return result;
}

}  // namespace fdlink::device
