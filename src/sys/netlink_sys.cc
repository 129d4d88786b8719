#include "fdlink/sys/netlink_sys.h"

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <string>
#include <utility>

namespace fdlink::sys {
namespace {

// kRequestBufferSize bounds one request; link and address requests are a
// few hundred bytes at most.
constexpr size_t kRequestBufferSize = 4096;
// kReceiveBufferSize holds one datagram of replies; a link message with
// statistics is a few KiB, and the kernel sizes dump skbs to fit 32 KiB.
constexpr size_t kReceiveBufferSize = 32768;
// kReceiveTimeoutSec bounds the wait for an answer the kernel owes us.
constexpr time_t kReceiveTimeoutSec = 5;

nlmsghdr* MessageIn(std::vector<uint8_t>& buf) {
  return reinterpret_cast<nlmsghdr*>(buf.data());
}

// FamilyHeaderLen is the size of the fixed header after nlmsghdr for the
// message types fdlink reads.
size_t FamilyHeaderLen(uint16_t type) {
  switch (type) {
    case RTM_NEWLINK:
    case RTM_DELLINK:
    case RTM_GETLINK:
    case RTM_SETLINK:
      return sizeof(ifinfomsg);
    case RTM_NEWADDR:
    case RTM_DELADDR:
    case RTM_GETADDR:
      return sizeof(ifaddrmsg);
    default:
      return 0;
  }
}

int CopyAttr(const nlattr* attr, void* data) {
  auto* reply = static_cast<RtnlReply*>(data);
  const auto* payload = static_cast<const uint8_t*>(mnl_attr_get_payload(attr));
  NetlinkAttr out;
  out.type = mnl_attr_get_type(attr);
  out.data.assign(payload, payload + mnl_attr_get_payload_len(attr));
  reply->attrs.push_back(std::move(out));
  return MNL_CB_OK;
}

int CopyMessage(const nlmsghdr* nlh, void* data) {
  auto* replies = static_cast<std::vector<RtnlReply>*>(data);
  RtnlReply reply;
  reply.type = nlh->nlmsg_type;
  size_t header_len = FamilyHeaderLen(reply.type);
  size_t payload_len = mnl_nlmsg_get_payload_len(nlh);
  const auto* payload = static_cast<const uint8_t*>(mnl_nlmsg_get_payload(nlh));
  if (payload_len < header_len) {
    errno = EBADMSG;
    return MNL_CB_ERROR;
  }
  reply.header.assign(payload, payload + header_len);
  if (header_len != 0 && mnl_attr_parse(nlh, static_cast<unsigned>(header_len),
                                        CopyAttr, &reply) < 0) {
    errno = EBADMSG;
    return MNL_CB_ERROR;
  }
  replies->push_back(std::move(reply));
  return MNL_CB_OK;
}

}  // namespace

const NetlinkAttr* RtnlReply::Find(uint16_t type) const {
  for (const NetlinkAttr& attr : attrs) {
    if (attr.type == type) return &attr;
  }
  return nullptr;
}

RtnlRequest::RtnlRequest(uint16_t type, uint16_t flags)
    : buf_(kRequestBufferSize) {
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf_.data());
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = flags | NLM_F_REQUEST;
  if ((flags & NLM_F_DUMP) != NLM_F_DUMP) nlh->nlmsg_flags |= NLM_F_ACK;
}

void RtnlRequest::PutHeaderBytes(const void* data, size_t len) {
  nlmsghdr* nlh = MessageIn(buf_);
  if (nlh->nlmsg_len + MNL_ALIGN(len) > buf_.size()) {
    overflowed_ = true;
    return;
  }
  std::memcpy(mnl_nlmsg_put_extra_header(nlh, len), data, len);
}

void RtnlRequest::PutAttr(uint16_t type, std::span<const uint8_t> data) {
  if (!mnl_attr_put_check(MessageIn(buf_), buf_.size(), type, data.size(),
                          data.data()))
    overflowed_ = true;
}

void RtnlRequest::PutU32(uint16_t type, uint32_t value) {
  if (!mnl_attr_put_u32_check(MessageIn(buf_), buf_.size(), type, value))
    overflowed_ = true;
}

void RtnlRequest::PutString(uint16_t type, std::string_view value) {
  std::string copy(value);  // libmnl wants a NUL-terminated string.
  if (!mnl_attr_put_strz_check(MessageIn(buf_), buf_.size(), type,
                               copy.c_str()))
    overflowed_ = true;
}

size_t RtnlRequest::BeginNest(uint16_t type) {
  nlattr* nest = mnl_attr_nest_start_check(MessageIn(buf_), buf_.size(), type);
  if (nest == nullptr) {
    overflowed_ = true;
    return 0;
  }
  return static_cast<size_t>(reinterpret_cast<uint8_t*>(nest) - buf_.data());
}

void RtnlRequest::EndNest(size_t token) {
  if (token == 0) return;  // BeginNest overflowed; already marked.
  mnl_attr_nest_end(MessageIn(buf_),
                    reinterpret_cast<nlattr*>(buf_.data() + token));
}

RtnlSocket::RtnlSocket(mnl_socket* nl) : nl_(nl) {}

RtnlSocket::RtnlSocket(RtnlSocket&& other) noexcept
    : nl_(std::exchange(other.nl_, nullptr)), seq_(other.seq_) {}

RtnlSocket& RtnlSocket::operator=(RtnlSocket&& other) noexcept {
  if (this != &other) {
    if (nl_ != nullptr) mnl_socket_close(nl_);
    nl_ = std::exchange(other.nl_, nullptr);
    seq_ = other.seq_;
  }
  return *this;
}

RtnlSocket::~RtnlSocket() {
  if (nl_ != nullptr) mnl_socket_close(nl_);
}

Result<RtnlSocket> RtnlSocket::Open() {
  mnl_socket* nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
  if (nl == nullptr) return Error::FromErrno(errno, "socket(NETLINK_ROUTE)");
  RtnlSocket sock(nl);
  if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
    return Error::FromErrno(errno, "bind(NETLINK_ROUTE)");
  timeval tv{kReceiveTimeoutSec, 0};
  if (::setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv,
                   sizeof(tv)) < 0)
    return Error::FromErrno(errno, "setsockopt(SO_RCVTIMEO)");
  return sock;
}

Result<std::vector<RtnlReply>> RtnlSocket::Transact(RtnlRequest& request,
                                                    const char* op) {
  if (request.overflowed())
    return Error{Errc::kInvalidArgument, 0, "netlink request too large"};
  nlmsghdr* nlh = MessageIn(request.buf_);
  uint32_t seq = ++seq_;
  nlh->nlmsg_seq = seq;
  if (mnl_socket_sendto(nl_, nlh, nlh->nlmsg_len) < 0)
    return Error::FromErrno(errno, op);

  unsigned portid = mnl_socket_get_portid(nl_);
  std::vector<uint8_t> rx(kReceiveBufferSize);
  std::vector<RtnlReply> replies;
  for (;;) {
    ssize_t n = mnl_socket_recvfrom(nl_, rx.data(), rx.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        return Error{Errc::kTimedOut, errno, "netlink: no answer"};
      return Error::FromErrno(errno, op);
    }
    int ret = mnl_cb_run(rx.data(), static_cast<size_t>(n), seq, portid,
                         CopyMessage, &replies);
    if (ret == MNL_CB_ERROR) {
      if (errno == EBADMSG)
        return Error{Errc::kMalformed, EBADMSG, "netlink: bad reply"};
      return Error::FromErrno(errno, op);
    }
    if (ret == MNL_CB_STOP) return replies;
  }
}

}  // namespace fdlink::sys
