#include "tun2socks/udp_relay.h"

#include "fdlink/sys/epoll_sys.h"
#include "fdlink/sys/socket_sys.h"
#include "fdlink/sys/syscalls.h"

namespace fdlink::tool::tun2socks {

using Clock = std::chrono::steady_clock;

Result<size_t> UdpUpstream::Send(int fd, std::span<const uint8_t> payload) {
  return sys::Send(fd, payload);
}

Result<size_t> UdpUpstream::Receive(int fd, std::span<uint8_t> buf) {
  return sys::Read(fd, buf);
}

UdpRelay::UdpRelay(lwip::NetifAdapter* adapter, UdpUpstream* upstream,
                   const UdpRelayConfig& config, int epfd)
    : adapter_(adapter), upstream_(upstream), config_(config), epfd_(epfd) {}

void UdpRelay::OnDatagram(const lwip::FlowAddr& src, const lwip::FlowAddr& dst,
                          std::span<const uint8_t> payload) {
  const lwip::FlowKey key{17, src, dst};
  Flow* flow = nullptr;
  if (auto it = by_key_.find(key); it != by_key_.end()) {
    flow = flows_[it->second].get();
  } else {
    if (flows_.size() >= config_.max_flows) {
      ++counters_.dropped_cap;
      return;
    }
    Result<UniqueFd> fd = upstream_->Open(dst);
    if (!fd) {
      ++counters_.dropped_open;
      return;
    }
    const uint64_t tag = kUdpTagBit | next_tag_++;
    if (!sys::EpollWatch(epfd_, fd->get(), sys::kEpollIn, tag)) {
      ++counters_.dropped_open;
      return;
    }
    auto f = std::make_unique<Flow>();
    f->tag = tag;
    f->src = src;
    f->dst = dst;
    f->fd = std::move(*fd);
    flow = f.get();
    flows_.emplace(tag, std::move(f));
    by_key_.emplace(key, tag);
    ++counters_.total;
  }
  flow->last = Clock::now();
  if (upstream_->Send(flow->fd.get(), payload)) {
    ++counters_.datagrams_up;
  } else {
    ++counters_.dropped_send;
  }
}

void UdpRelay::OnReadable(uint64_t tag) {
  // A bounded batch per wake-up keeps one busy flow from starving others.
  for (int i = 0; i < 32; ++i) {
    lwip::FlowAddr from, to;
    size_t n = 0;
    {
      lwip::CoreLockGuard g;
      auto it = flows_.find(tag);
      if (it == flows_.end()) return;
      Flow& f = *it->second;
      Result<size_t> r = upstream_->Receive(f.fd.get(), buf_);
      if (!r) {
        if (r.error().code == Errc::kWouldBlock) return;
        // ICMP errors (port unreachable) surface as a read error once.
        ++counters_.upstream_errors;
        continue;
      }
      n = *r;
      from = f.dst;
      to = f.src;
      f.last = Clock::now();
      ++counters_.datagrams_down;
    }
    if (!adapter_->SendUdp(from, to,
                           std::span<const uint8_t>(buf_.data(), n))) {
      lwip::CoreLockGuard g;
      ++counters_.dropped_down;
    }
  }
}

void UdpRelay::Sweep(Clock::time_point now) {
  expired_.clear();
  for (const auto& [tag, f] : flows_) {
    if (now - f->last >= config_.idle_timeout) expired_.push_back(tag);
  }
  for (uint64_t tag : expired_) {
    Erase(tag);
    ++counters_.expired;
  }
}

void UdpRelay::CloseAll() {
  expired_.clear();
  for (const auto& [tag, f] : flows_) expired_.push_back(tag);
  for (uint64_t tag : expired_) Erase(tag);
}

UdpCounters UdpRelay::Counters() const {
  UdpCounters c = counters_;
  c.open = flows_.size();
  return c;
}

void UdpRelay::Erase(uint64_t tag) {
  auto it = flows_.find(tag);
  if (it == flows_.end()) return;
  by_key_.erase(lwip::FlowKey{17, it->second->src, it->second->dst});
  const int fd = it->second->fd.get();
  // Closing the socket takes it out of the epoll set.
  flows_.erase(it);
  upstream_->Closed(fd);
}

}  // namespace fdlink::tool::tun2socks
