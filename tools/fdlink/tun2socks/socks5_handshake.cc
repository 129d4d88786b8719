#include "tun2socks/socks5_handshake.h"

#include <algorithm>
#include <utility>

#include "fdlink/sys/socket_sys.h"
#include "fdlink/sys/syscalls.h"

namespace fdlink::tool::tun2socks {

Socks5Handshake::Socks5Handshake(socks5::Command cmd,
                                 const socks5::Address& dst,
                                 std::optional<Socks5Credentials> credentials)
    : cmd_(cmd), dst_(dst), credentials_(std::move(credentials)) {}

std::span<const uint8_t> Socks5Handshake::Leftover() const {
  if (state_ != State::kDone) return {};
  return std::span<const uint8_t>(in_).first(in_len_);
}

Result<Handshake::Want> Socks5Handshake::Fail(const Error& e) {
  state_ = State::kFailed;
  return e;
}

Result<void> Socks5Handshake::Queue(State send_state) {
  Result<size_t> n = Error{Errc::kInvalidArgument, 0, ""};
  switch (send_state) {
    case State::kSendGreeting:
      n = socks5::EncodeGreeting(credentials_.has_value(), out_);
      break;
    case State::kSendAuth:
      n = socks5::EncodeAuth(credentials_->user, credentials_->pass, out_);
      break;
    default:
      n = socks5::EncodeRequest(cmd_, dst_, out_);
      break;
  }
  if (!n) return n.error();
  out_len_ = *n;
  out_sent_ = 0;
  state_ = send_state;
  return {};
}

Result<bool> Socks5Handshake::Flush(int fd) {
  while (out_sent_ < out_len_) {
    Result<size_t> n = sys::Send(fd, std::span<const uint8_t>(out_).subspan(
                                         out_sent_, out_len_ - out_sent_));
    if (!n) {
      if (n.error().code == Errc::kWouldBlock) return false;
      return n.error();
    }
    out_sent_ += *n;
  }
  return true;
}

Result<void> Socks5Handshake::Fill(int fd) {
  if (in_len_ == in_.size())
    return Error{Errc::kMalformed, 0, "socks5: reply too long"};
  Result<size_t> n = sys::Read(fd, std::span<uint8_t>(in_).subspan(in_len_));
  if (!n) return n.error();
  if (*n == 0)
    return Error{Errc::kPeerClosed, 0, "socks5: server closed the connection"};
  in_len_ += *n;
  return {};
}

void Socks5Handshake::Consume(size_t n) {
  std::copy(in_.begin() + static_cast<ptrdiff_t>(n),
            in_.begin() + static_cast<ptrdiff_t>(in_len_), in_.begin());
  in_len_ -= n;
}

Result<bool> Socks5Handshake::Parse() {
  const std::span<const uint8_t> in =
      std::span<const uint8_t>(in_).first(in_len_);
  switch (state_) {
    case State::kReadMethod: {
      Result<socks5::MethodSelection> m = socks5::MethodSelection::Parse(in);
      if (!m) {
        if (m.error().code == Errc::kWouldBlock) return false;
        return m.error();
      }
      const uint8_t method = m->method();
      Consume(socks5::MethodSelection::kSize);
      if (method == static_cast<uint8_t>(socks5::Method::kNoAcceptable))
        return Error{Errc::kPermissionDenied, 0,
                     "socks5: no acceptable method (the server wants "
                     "authentication we did not offer)"};
      if (method == static_cast<uint8_t>(socks5::Method::kNoAuth)) {
        if (Result<void> q = Queue(State::kSendRequest); !q) return q.error();
        return true;
      }
      if (method == static_cast<uint8_t>(socks5::Method::kUserPass) &&
          credentials_) {
        if (Result<void> q = Queue(State::kSendAuth); !q) return q.error();
        return true;
      }
      return Error{Errc::kMalformed, 0,
                   "socks5: the server chose a method we did not offer"};
    }
    case State::kReadAuth: {
      Result<socks5::AuthStatus> a = socks5::AuthStatus::Parse(in);
      if (!a) {
        if (a.error().code == Errc::kWouldBlock) return false;
        return a.error();
      }
      const uint8_t status = a->status();
      Consume(socks5::AuthStatus::kSize);
      if (status != 0)
        return Error{Errc::kPermissionDenied, 0,
                     "socks5: user name or password rejected"};
      if (Result<void> q = Queue(State::kSendRequest); !q) return q.error();
      return true;
    }
    case State::kReadReply: {
      Result<socks5::Reply> r = socks5::Reply::Parse(in);
      if (!r) {
        if (r.error().code == Errc::kWouldBlock) return false;
        return r.error();
      }
      if (r->reply() != socks5::kReplySucceeded)
        return socks5::ReplyError(r->reply());
      bound_ = r->bound();
      Consume(r->size());
      state_ = State::kDone;
      return true;
    }
    default:
      break;
  }
  return Error{Errc::kClosed, 0, "socks5: handshake not reading"};
}

Result<Handshake::Want> Socks5Handshake::Step(int fd) {
  if (state_ == State::kDone || state_ == State::kFailed)
    return Error{Errc::kClosed, 0, "socks5: handshake already ended"};
  if (state_ == State::kSendGreeting && out_len_ == 0) {
    if (Result<void> q = Queue(State::kSendGreeting); !q)
      return Fail(q.error());
  }
  for (;;) {
    switch (state_) {
      case State::kSendGreeting:
      case State::kSendAuth:
      case State::kSendRequest: {
        Result<bool> sent = Flush(fd);
        if (!sent) return Fail(sent.error());
        if (!*sent) return Want::kWrite;
        state_ = state_ == State::kSendGreeting ? State::kReadMethod
                 : state_ == State::kSendAuth   ? State::kReadAuth
                                                : State::kReadReply;
        break;
      }
      case State::kReadMethod:
      case State::kReadAuth:
      case State::kReadReply: {
        Result<bool> moved = Parse();
        if (!moved) return Fail(moved.error());
        if (*moved) break;
        Result<void> got = Fill(fd);
        if (!got) {
          if (got.error().code == Errc::kWouldBlock) return Want::kRead;
          return Fail(got.error());
        }
        break;
      }
      case State::kDone:
        return Want::kDone;
      case State::kFailed:
        return Error{Errc::kClosed, 0, "socks5: handshake already ended"};
    }
  }
}

}  // namespace fdlink::tool::tun2socks
