#include "demo/tun_traffic.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "fdlink/sys/syscalls.h"

namespace fdlink::tool {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr size_t kUdpWindow = 8;        // Datagrams in flight per family.
constexpr auto kUdpRetryAfter = 500ms;  // Resend a missing echo after.
constexpr auto kUdpGiveUp = 5s;         // A window failing this long.

// Datagram builds datagram `seq`: the sequence number, then a pattern; its
// length varies with seq (12..1211 bytes).
std::vector<uint8_t> Datagram(uint32_t seq) {
  std::vector<uint8_t> d(12 + (seq * 37u) % 1200u);
  for (size_t i = 0; i < d.size(); ++i)
    d[i] = static_cast<uint8_t>(seq * 7u + i);
  std::memcpy(d.data(), &seq, sizeof(seq));
  return d;
}

// RunPing runs one burst of iputils ping inside `ns` and adds its "N
// packets transmitted, M received" to *t; false on an error. The deadline
// (-w) makes ping wait for every reply: without it ping gives up two round
// trips after the last request, missing a reply that a detach or a busy
// CPU delayed.
bool RunPing(const device::NetNs& ns, int family, const std::string& target,
             PingTotals* t) {
  std::string out;
  Result<int> status = device::RunCommandIn(
      ns,
      {"ping", family == 0 ? "-4" : "-6", "-n", "-q", "-c",
       std::to_string(kPingRun), "-i", "0.01", "-W", "2", "-w", "5", target},
      &out, 20000);
  unsigned long long sent = 0, received = 0;
  const size_t at = out.find(" packets transmitted, ");
  size_t line = at == std::string::npos ? 0 : out.rfind('\n', at);
  line = line == std::string::npos ? 0 : line + 1;
  if (!status || at == std::string::npos ||
      std::sscanf(out.c_str() + line, "%llu packets transmitted, %llu received",
                  &sent, &received) != 2) {
    if (t->first_error.empty()) {
      t->first_error = "ping: " + (status ? out : status.error().ToString());
      while (!t->first_error.empty() && t->first_error.back() == '\n')
        t->first_error.pop_back();
    }
    return false;
  }
  t->expected[family] += kPingRun;
  t->sent[family] += sent;
  t->received[family] += received;
  return true;
}

}  // namespace

bool UdpEcho::Window(size_t per_family) {
  std::array<Pending, 2> pending;
  for (int f = 0; f < 2; ++f) {
    for (size_t i = 0; i < per_family; ++i) {
      const uint32_t seq = next_seq_++;
      pending[f][seq] = Datagram(seq);
      if (!Send(f, pending[f][seq])) return false;
    }
  }
  const auto give_up = Clock::now() + kUdpGiveUp;
  auto resend_at = Clock::now() + kUdpRetryAfter;
  while (!pending[0].empty() || !pending[1].empty()) {
    const auto now = Clock::now();
    if (now >= give_up) return Fail("no echo within 5 s");
    if (now >= resend_at) {
      for (int f = 0; f < 2; ++f) {
        for (const auto& [seq, d] : pending[f]) {
          ++r_.resent;
          if (!Send(f, d)) return false;
        }
      }
      resend_at = now + kUdpRetryAfter;
    }
    std::array<pollfd, 2> pfds = {pollfd{socks_[0].get(), POLLIN, 0},
                                  pollfd{socks_[1].get(), POLLIN, 0}};
    if (!sys::Poll(pfds, 50)) return Fail("poll failed");
    for (int f = 0; f < 2; ++f) {
      if ((pfds[f].revents & POLLIN) && !Receive(f, &pending[f])) return false;
    }
  }
  return true;
}

bool UdpEcho::Fail(const std::string& what) {
  if (r_.first_error.empty()) r_.first_error = what;
  return false;
}

bool UdpEcho::Send(int family, const std::vector<uint8_t>& d) {
  ++r_.sent;
  const Result<size_t> n = sys::Write(socks_[family].get(), d);
  if (n && *n == d.size()) return true;
  // A full socket buffer is no error: the datagram counts as lost and is
  // resent with the others.
  const int err = n ? 0 : n.error().sys_errno;
  if (err == EAGAIN || err == ENOBUFS) return true;
  return Fail(std::string("send: ") + std::strerror(err));
}

bool UdpEcho::Receive(int family, Pending* pending) {
  for (;;) {
    const Result<size_t> got = sys::Read(socks_[family].get(), buf_);
    if (!got) {
      if (got.error().sys_errno == EAGAIN) return true;
      // ECONNREFUSED: the kernel got an ICMP error for an earlier
      // datagram; the responder never sends one, so it is a failure.
      return Fail(std::string("recv: ") + std::strerror(got.error().sys_errno));
    }
    const auto n = static_cast<ssize_t>(*got);
    uint32_t seq = 0;
    if (n < static_cast<ssize_t>(sizeof(seq)))
      return Fail("echo shorter than 4 bytes");
    std::memcpy(&seq, buf_.data(), sizeof(seq));
    auto it = pending->find(seq);
    if (it == pending->end()) {
      ++r_.duplicates;  // The echo of a datagram that was resent.
      continue;
    }
    if (!std::equal(it->second.begin(), it->second.end(), buf_.begin(),
                    buf_.begin() + n))
      return Fail("echo differs from the datagram sent");
    ++r_.verified;
    ++r_.by_family[family];
    pending->erase(it);
  }
}

KernelTraffic::KernelTraffic(const device::NetNs& ns,
                             const std::array<UniqueFd, 2>& socks,
                             std::array<std::string, 2> targets)
    : targets_(std::move(targets)), udp_(socks) {
  udp_thread_ = std::thread([this] {
    while (!stop_.load()) {
      if (!udp_.Window(kUdpWindow)) {
        failed_ = true;
        return;
      }
    }
  });
  ping_thread_ = std::thread([this, &ns] {
    // Both families get at least one run, however early the stop comes: a
    // short or slowed demo (one run waits for late replies) must not end
    // before IPv6 was pinged at all.
    for (int f = 0; !stop_.load() || ping_.expected[1] == 0; f ^= 1) {
      if (!RunPing(ns, f, targets_[f], &ping_)) {
        failed_ = true;
        return;
      }
    }
  });
}

void KernelTraffic::Stop() {
  stop_ = true;
  if (udp_thread_.joinable()) udp_thread_.join();
  if (ping_thread_.joinable()) ping_thread_.join();
}

}  // namespace fdlink::tool
