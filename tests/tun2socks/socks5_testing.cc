#include "tun2socks/socks5_testing.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "fdlink/header/ip_address.h"
#include "fdlink/sys/socket_sys.h"
#include "fdlink/sys/syscalls.h"

namespace fdlink::tool::tun2socks::testing {

using namespace std::chrono_literals;

lwip::FlowAddr Flow(const char* ip, uint16_t port) {
  if (std::strchr(ip, ':') != nullptr)
    return lwip::FlowAddr::FromV6(*header::Ipv6Address::Parse(ip), port);
  return lwip::FlowAddr::FromV4(*header::Ipv4Address::Parse(ip), port);
}

namespace {

bool Readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 50) > 0;
}

}  // namespace

Echo::Echo(const device::NetNs& ns, const char* ip, uint16_t port, int type) {
  const e2e::SockAddr a = e2e::MakeSockAddr(ip, port);
  EXPECT_TRUE(ns.Run([&] {
    fd_ = UniqueFd(::socket(a.family, type | SOCK_CLOEXEC, 0));
    const int one = 1;
    ::setsockopt(fd_.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    EXPECT_EQ(::bind(fd_.get(), a.get(), a.len), 0)
        << ip << ": " << std::strerror(errno);
    if (type == SOCK_STREAM) {
      EXPECT_EQ(::listen(fd_.get(), 64), 0);
    }
  }));
  thread_ = std::thread(
      [this, type] { type == SOCK_STREAM ? ServeTcp() : ServeUdp(); });
}

Echo::~Echo() {
  stop_ = true;
  thread_.join();
}

void Echo::ServeTcp() {
  std::vector<uint8_t> buf(65536);
  while (!stop_) {
    if (!Readable(fd_.get())) continue;
    const UniqueFd c(::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!c.valid()) continue;
    while (!stop_) {
      if (!Readable(c.get())) continue;
      const ssize_t n = ::read(c.get(), buf.data(), buf.size());
      if (n <= 0) break;
      for (ssize_t off = 0; off < n;) {
        const ssize_t w =
            ::send(c.get(), buf.data() + off, n - off, MSG_NOSIGNAL);
        if (w <= 0) break;
        off += w;
      }
    }
  }
}

void Echo::ServeUdp() {
  std::vector<uint8_t> buf(65536);
  while (!stop_) {
    if (!Readable(fd_.get())) continue;
    sockaddr_storage from{};
    socklen_t len = sizeof(from);
    const ssize_t n = ::recvfrom(fd_.get(), buf.data(), buf.size(), 0,
                                 reinterpret_cast<sockaddr*>(&from), &len);
    if (n >= 0)
      ::sendto(fd_.get(), buf.data(), n, 0, reinterpret_cast<sockaddr*>(&from),
               len);
  }
}

bool WaitFor(int fd, short events, Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - Clock::now());
  if (left <= 0ms) return false;
  pollfd p{fd, events, 0};
  Result<size_t> n =
      sys::Poll(std::span(&p, 1), static_cast<int>(left.count()));
  return n && *n > 0;
}

std::vector<uint8_t> EchoThrough(int fd, std::span<const uint8_t> leftover,
                                 std::span<const uint8_t> data) {
  std::vector<uint8_t> got(leftover.begin(), leftover.end());
  std::vector<uint8_t> buf(65536);
  size_t sent = 0;
  const auto deadline = Clock::now() + 30s;
  while (got.size() < data.size() && Clock::now() < deadline) {
    const short events =
        static_cast<short>(POLLIN | (sent < data.size() ? POLLOUT : 0));
    pollfd p{fd, events, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    if ((p.revents & POLLOUT) && sent < data.size()) {
      Result<size_t> w = sys::Send(
          fd, data.subspan(sent, std::min<size_t>(data.size() - sent, 65536)));
      if (w) sent += *w;
    }
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      Result<size_t> r = sys::Read(fd, buf);
      if (!r && r.error().code != Errc::kWouldBlock) break;
      if (r && *r == 0) break;
      if (r) got.insert(got.end(), buf.begin(), buf.begin() + *r);
    }
  }
  return got;
}

uint64_t Fnv1a(std::span<const uint8_t> b) {
  uint64_t h = 14695981039346656037ull;
  for (uint8_t v : b) {
    h ^= v;
    h *= 1099511628211ull;
  }
  return h;
}

bool WaitListening(const device::NetNs& ns, const char* ip, uint16_t port) {
  const e2e::SockAddr a = e2e::MakeSockAddr(ip, port);
  const auto deadline = Clock::now() + 10s;
  while (Clock::now() < deadline) {
    bool ok = false;
    EXPECT_TRUE(ns.Run([&] {
      const UniqueFd s(::socket(a.family, SOCK_STREAM | SOCK_CLOEXEC, 0));
      ok = ::connect(s.get(), a.get(), a.len) == 0;
    }));
    if (ok) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

std::unique_ptr<e2e::ToolProcess> StartMicrosocks(const device::NetNs& ns,
                                                  const char* ip, uint16_t port,
                                                  const std::string& user,
                                                  const std::string& pass) {
  std::vector<std::string> args{"-i", ip, "-p", std::to_string(port)};
  if (!user.empty()) args.insert(args.end(), {"-u", user, "-P", pass});
  std::unique_ptr<e2e::ToolProcess> p =
      e2e::ToolProcess::Start(ns, "/usr/bin/microsocks", args);
  if (!p) return nullptr;
  if (!WaitListening(ns, ip, port)) {
    ADD_FAILURE() << "microsocks does not listen on " << ip << ":" << port
                  << ": " << p->output();
    return nullptr;
  }
  return p;
}

std::unique_ptr<e2e::ToolProcess> StartDante(
    const device::NetNs& ns, const std::string& dir,
    const std::vector<const char*>& ips, uint16_t port,
    const std::string& external) {
  const std::string conf = dir + "/danted.conf";
  {
    std::ofstream f(conf);
    f << "logoutput: stderr\n";
    for (const char* ip : ips)
      f << "internal: " << ip << " port = " << port << "\n";
    f << "external: " << external << "\n"
      << "clientmethod: none\n"
      << "socksmethod: none\n"
      << "user.privileged: root\n"
      << "user.unprivileged: nobody\n"
      << "client pass { from: 0/0 to: 0/0 }\n"
      << "socks pass { from: 0/0 to: 0/0 command: connect udpassociate "
         "udpreply }\n";
  }
  std::unique_ptr<e2e::ToolProcess> p = e2e::ToolProcess::Start(
      ns, "/usr/sbin/danted",
      {"-f", conf, "-p", dir + "/danted.pid", "-N", "1"});
  if (!p) return nullptr;
  for (const char* ip : ips) {
    if (!WaitListening(ns, ip, port)) {
      ADD_FAILURE() << "danted does not listen on " << ip << ":" << port << ": "
                    << p->output();
      return nullptr;
    }
  }
  return p;
}

}  // namespace fdlink::tool::tun2socks::testing
