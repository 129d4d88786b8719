// netlink_sys: a small rtnetlink client over libmnl. It builds requests,
// sends them on a NETLINK_ROUTE socket and copies the kernel's answers out
// as plain values, so that callers never touch raw message bytes.
#ifndef FDLINK_SYS_NETLINK_SYS_H_
#define FDLINK_SYS_NETLINK_SYS_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include "fdlink/base/result.h"

struct mnl_socket;

namespace fdlink::sys {

// NetlinkAttr is one top-level attribute of a reply, copied out of the
// receive buffer: its type (NLA_TYPE_MASK applied) and payload.
struct NetlinkAttr {
  uint16_t type = 0;
  std::vector<uint8_t> data;
};

// RtnlReply is one message the kernel answered with (not the final ACK or
// DONE): its nlmsg_type, its family header (ifinfomsg for links, ifaddrmsg
// for addresses; empty for other types) and its top-level attributes.
struct RtnlReply {
  uint16_t type = 0;
  std::vector<uint8_t> header;
  std::vector<NetlinkAttr> attrs;

  // Header copies the family header into a T (e.g. ifinfomsg); bytes the
  // kernel did not send read as zero.
  template <typename T>
  T Header() const {
    static_assert(std::is_trivially_copyable_v<T>);
    T out{};
    std::memcpy(&out, header.data(), std::min(sizeof(T), header.size()));
    return out;
  }
  // Find returns the first attribute of `type`, or nullptr if absent. The
  // pointer lives as long as this reply.
  const NetlinkAttr* Find(uint16_t type) const;
};

// RtnlRequest builds one rtnetlink request message in a buffer it owns.
// Build order: constructor, PutHeader once, then attributes and nests.
// A request that outgrows its buffer is marked overflowed and is refused
// by RtnlSocket::Transact. Not thread-safe; move-only by value semantics.
class RtnlRequest {
 public:
  // RtnlRequest starts a message of `type` (RTM_NEWLINK...) with `flags`
  // (NLM_F_CREATE, NLM_F_DUMP...); NLM_F_REQUEST is always added, and
  // NLM_F_ACK too unless NLM_F_DUMP is set.
  RtnlRequest(uint16_t type, uint16_t flags);

  // PutHeader appends the family header (ifinfomsg, ifaddrmsg), or a nested
  // one inside an open nest (VETH_INFO_PEER carries an ifinfomsg).
  template <typename T>
  void PutHeader(const T& header) {
    static_assert(std::is_trivially_copyable_v<T>);
    PutHeaderBytes(&header, sizeof(T));
  }
  // PutAttr appends attribute `type` with `data` as its payload.
  void PutAttr(uint16_t type, std::span<const uint8_t> data);
  // PutU32 appends a native-endian 32-bit attribute.
  void PutU32(uint16_t type, uint32_t value);
  // PutString appends a NUL-terminated string attribute.
  void PutString(uint16_t type, std::string_view value);
  // BeginNest opens a nested attribute and returns a token for EndNest.
  size_t BeginNest(uint16_t type);
  // EndNest closes the nest opened by BeginNest (innermost first).
  void EndNest(size_t token);

  // overflowed reports whether some Put did not fit.
  bool overflowed() const { return overflowed_; }

 private:
  friend class RtnlSocket;
  void PutHeaderBytes(const void* data, size_t len);

  std::vector<uint8_t> buf_;
  bool overflowed_ = false;
};

// RtnlSocket is an open NETLINK_ROUTE socket (close-on-exec) in the network
// namespace of the thread that opened it; it keeps that namespace for its
// whole life, whichever thread uses it later. Move-only; one user at a time.
class RtnlSocket {
 public:
  // Open opens and binds the socket. Errors: the socket/bind errno.
  static Result<RtnlSocket> Open();

  RtnlSocket(RtnlSocket&& other) noexcept;
  RtnlSocket& operator=(RtnlSocket&& other) noexcept;
  RtnlSocket(const RtnlSocket&) = delete;
  RtnlSocket& operator=(const RtnlSocket&) = delete;
  ~RtnlSocket();

  // Transact sends `request` and collects every reply until the kernel's
  // ACK (or DONE for a dump). A negative ACK becomes
  // Error::FromErrno(err, op); `op` must be a static string naming the
  // request ("RTM_NEWLINK"). A missing answer after a few seconds is
  // Errc::kTimedOut.
  Result<std::vector<RtnlReply>> Transact(RtnlRequest& request, const char* op);

 private:
  explicit RtnlSocket(mnl_socket* nl);

  mnl_socket* nl_ = nullptr;  // Owned; closed by the destructor.
  uint32_t seq_ = 0;
};

}  // namespace fdlink::sys

#endif  // FDLINK_SYS_NETLINK_SYS_H_
