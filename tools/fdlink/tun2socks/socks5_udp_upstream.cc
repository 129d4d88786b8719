#include "tun2socks/socks5_udp_upstream.h"

#include <algorithm>
#include <utility>

#include "fdlink/sys/epoll_sys.h"

namespace fdlink::tool::tun2socks {
namespace {

constexpr uint64_t kControlTag = 1;
constexpr uint64_t kUdpTag = 2;

uint32_t InterestOf(Handshake::Want w) {
  return w == Handshake::Want::kWrite ? sys::kEpollOut : sys::kEpollIn;
}

}  // namespace

Socks5UdpUpstream::Flow* Socks5UdpUpstream::Find(int fd) {
  auto it = flows_.find(fd);
  return it == flows_.end() ? nullptr : &it->second;
}

Result<UniqueFd> Socks5UdpUpstream::Open(const lwip::FlowAddr& dst) {
  Result<std::unique_ptr<Socks5UdpAssociation>> assoc =
      socks_->StartUdpAssociation();
  if (!assoc) return assoc.error();
  Result<UniqueFd> ep = sys::EpollCreate();
  if (!ep) return ep.error();
  // Until the connect completes the control socket is watched for
  // writability; each Step then says what it waits for.
  const uint32_t first =
      (*assoc)->connected() ? sys::kEpollIn | sys::kEpollOut : sys::kEpollOut;
  if (Result<void> w = sys::EpollWatch(ep->get(), (*assoc)->control_fd(), first,
                                       kControlTag);
      !w)
    return w.error();
  Flow f;
  f.dst = dst;
  f.assoc = std::move(*assoc);
  f.epfd = ep->get();
  flows_.erase(ep->get());  // A stale flow whose descriptor was reused.
  flows_.emplace(ep->get(), std::move(f));
  return std::move(*ep);
}

void Socks5UdpUpstream::Forget(int fd) { flows_.erase(fd); }

void Socks5UdpUpstream::Fail(Flow& f) {
  f.failed = true;
  f.pending.clear();
  (void)sys::EpollRemove(f.epfd, f.assoc->control_fd());
  (void)sys::EpollRemove(f.epfd, f.assoc->udp_fd());
}

void Socks5UdpUpstream::Advance(Flow& f) {
  Result<Handshake::Want> w = f.assoc->Step();
  if (!w) return Fail(f);
  if (*w != Handshake::Want::kDone) {
    if (!sys::EpollModify(f.epfd, f.assoc->control_fd(), InterestOf(*w),
                          kControlTag))
      Fail(f);
    return;
  }
  if (!sys::EpollModify(f.epfd, f.assoc->control_fd(), sys::kEpollIn,
                        kControlTag) ||
      !sys::EpollWatch(f.epfd, f.assoc->udp_fd(), sys::kEpollIn, kUdpTag))
    return Fail(f);
  for (const std::vector<uint8_t>& d : f.pending) (void)f.assoc->Send(f.dst, d);
  f.pending.clear();
}

Result<size_t> Socks5UdpUpstream::Send(int fd,
                                       std::span<const uint8_t> payload) {
  Flow* f = Find(fd);
  if (f == nullptr || f->failed)
    return Error{Errc::kClosed, 0, "socks5: UDP association failed"};
  if (!f->assoc->done()) {
    if (f->pending.size() >= kMaxPending) return Errc::kWouldBlock;
    f->pending.emplace_back(payload.begin(), payload.end());
    return payload.size();
  }
  if (Result<void> s = f->assoc->Send(f->dst, payload); !s) return s.error();
  return payload.size();
}

Result<size_t> Socks5UdpUpstream::Receive(int fd, std::span<uint8_t> buf) {
  Flow* f = Find(fd);
  // A failed flow's descriptor is never ready again: nothing to read.
  if (f == nullptr || f->failed) return Errc::kWouldBlock;
  if (!f->assoc->done()) {
    Advance(*f);
    if (f->failed)
      return Error{Errc::kClosed, 0, "socks5: UDP association failed"};
    return Errc::kWouldBlock;
  }
  Result<Socks5Datagram> d = f->assoc->Receive(buf);
  if (d) {
    const size_t n = d->payload.size();
    std::copy(d->payload.begin(), d->payload.end(), buf.begin());
    return n;
  }
  if (d.error().code != Errc::kWouldBlock) return d.error();
  if (Result<void> c = f->assoc->CheckControl(); !c) {
    Fail(*f);
    return c.error();
  }
  return Errc::kWouldBlock;
}

}  // namespace fdlink::tool::tun2socks
