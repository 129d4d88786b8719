#include "e2e/e2e_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "device/device_test_util.h"
#include "fdlink/device/cidr.h"
#include "fdlink/device/link_config.h"
#include "fdlink/header/ip_address.h"
#include "fdlink/sys/process.h"

namespace fdlink::e2e {

using Clock = std::chrono::steady_clock;

const sockaddr* SockAddr::get() const {
  return reinterpret_cast<const sockaddr*>(&ss);
}

SockAddr MakeSockAddr(const std::string& ip, uint16_t port) {
  SockAddr a;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&a.ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.ss);
  if (::inet_pton(AF_INET, ip.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = a.family = AF_INET;
    v4->sin_port = htons(port);
    a.len = sizeof(sockaddr_in);
  } else {
    EXPECT_EQ(::inet_pton(AF_INET6, ip.c_str(), &v6->sin6_addr), 1) << ip;
    v6->sin6_family = a.family = AF_INET6;
    v6->sin6_port = htons(port);
    a.len = sizeof(sockaddr_in6);
  }
  return a;
}

UniqueFd OpenUdpIn(const device::NetNs& ns, int family) {
  UniqueFd s;
  Result<void> ran = ns.Run([&] {
    s.reset(::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  });
  EXPECT_TRUE(ran) << ran.error().ToString();
  EXPECT_TRUE(s.valid()) << "socket: " << std::strerror(errno);
  return s;
}

bool UdpEcho(int fd, const SockAddr& to, std::span<const uint8_t> payload,
             std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::vector<uint8_t> buf(70000);
  while (Clock::now() < deadline) {
    const ssize_t sent =
        ::sendto(fd, payload.data(), payload.size(), 0, to.get(), to.len);
    if (sent < 0 && errno != EAGAIN && errno != ENOBUFS) {
      ADD_FAILURE() << "sendto: " << std::strerror(errno);
      return false;
    }
    const auto resend = std::min(deadline, Clock::now() + 300ms);
    while (Clock::now() < resend) {
      pollfd p{fd, POLLIN, 0};
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          resend - Clock::now());
      if (::poll(&p, 1, static_cast<int>(left.count()) + 1) <= 0) continue;
      const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
      if (n == static_cast<ssize_t>(payload.size()) &&
          std::equal(payload.begin(), payload.end(), buf.begin()))
        return true;
    }
  }
  return false;
}

PingResult Ping(const device::NetNs& ns, const std::string& ip, int count) {
  PingResult r;
  const bool v6 = ip.find(':') != std::string::npos;
  Result<int> status = device::RunCommandIn(
      ns,
      {"ping", v6 ? "-6" : "-4", "-n", "-c", std::to_string(count), "-i",
       "0.05", "-W", "2", "-w", "20", ip},
      &r.output, 30000);
  if (!status) {
    r.output += "\n(" + status.error().ToString() + ")";
    return r;
  }
  r.exit_status = *status;
  const size_t at = r.output.find(" packets transmitted, ");
  if (at != std::string::npos) {
    size_t line = r.output.rfind('\n', at);
    line = line == std::string::npos ? 0 : line + 1;
    std::sscanf(r.output.c_str() + line, "%d packets transmitted, %d received",
                &r.transmitted, &r.received);
  }
  return r;
}

bool WriteProcFile(const std::string& path, const std::string& value) {
  std::ofstream f(path);
  f << value;
  f.close();
  return f.good();
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::vector<uint8_t> Payload(size_t n, uint32_t seed) {
  std::vector<uint8_t> p(n);
  for (size_t i = 0; i < n; ++i)
    p[i] = static_cast<uint8_t>(seed * 31u + i * 7u + (i >> 8));
  return p;
}

void E2eTest::TearDown() {
  if (ep_) ep_->Attach(nullptr);
  ep_.reset();
  responder_.reset();
  tun_.reset();
}

void E2eTest::Inside(const std::function<void()>& fn) {
  device::testing::RunInside(*ns_, fn);
}

bool E2eTest::OpenDevice(const std::string& name, bool tap, int queues,
                         bool vnet_hdr) {
  Inside([&] {
    Result<device::TunDevice> d = device::OpenTun(
        {.name = name, .tap = tap, .vnet_hdr = vnet_hdr, .queues = queues});
    ASSERT_TRUE(d) << d.error().ToString();
    const int index = d->ifindex();
    for (const char* cidr : {kKernel4, kKernel6}) {
      Result<void> added =
          device::AddAddress(index, device::Cidr::Parse(cidr).value());
      ASSERT_TRUE(added) << cidr << ": " << added.error().ToString();
    }
    ASSERT_TRUE(device::SetUp(index, true));
    tun_.emplace(std::move(*d));
  });
  return tun_.has_value();
}

void E2eTest::StartResponder(const std::vector<int>& fds, fdbased::Options o) {
  o.fds = fds;
  const fdbased::PacketDispatchMode requested = o.dispatch_mode;
  Result<std::unique_ptr<fdbased::Endpoint>> ep =
      fdbased::Endpoint::Create(std::move(o));
  ASSERT_TRUE(ep) << ep.error().ToString();
  ep_ = std::move(*ep);
  EXPECT_TRUE(fdlink::testing::ModeInEffect(*ep_, requested));
  responder::ResponderConfig rc;
  rc.ipv4 = {header::Ipv4Address::Parse(kOurs4).value()};
  rc.ipv6 = {header::Ipv6Address::Parse(kOurs6).value()};
  responder_ = std::make_unique<responder::Responder>(ep_.get(), rc);
  ep_->Attach(responder_.get());
}

void E2eTest::ExpectKernelTalks(int pings) {
  const UniqueFd s4 = OpenUdpIn(*ns_, AF_INET);
  const UniqueFd s6 = OpenUdpIn(*ns_, AF_INET6);
  const SockAddr to4 = MakeSockAddr(kOurs4, 7);
  const SockAddr to6 = MakeSockAddr(kOurs6, 7);
  ASSERT_TRUE(UdpEcho(s4.get(), to4, Payload(64, 4)))
      << "no UDP echo over IPv4";
  ASSERT_TRUE(UdpEcho(s6.get(), to6, Payload(64, 6)))
      << "no UDP echo over IPv6";
  for (const char* ip : {kOurs4, kOurs6}) {
    const PingResult p = Ping(*ns_, ip, pings);
    // With a deadline ping may send more than `pings` requests while a
    // reply is late; it must get `pings` replies.
    EXPECT_EQ(p.exit_status, 0) << p.output;
    EXPECT_GE(p.transmitted, pings) << p.output;
    EXPECT_EQ(p.received, pings) << p.output;
  }
  for (size_t size : {1, 100, 1000, 1400}) {
    EXPECT_TRUE(UdpEcho(s4.get(), to4, Payload(size, size)))
        << size << "-byte datagram over IPv4";
    EXPECT_TRUE(UdpEcho(s6.get(), to6, Payload(size, size + 1)))
        << size << "-byte datagram over IPv6";
  }
}

responder::ResponderCounters E2eTest::SettledCounters() {
  const auto deadline = Clock::now() + 5s;
  responder::ResponderCounters c = responder_->Counters();
  while (c.received != c.replies() + c.tx_failed + c.total_drops() &&
         Clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
    c = responder_->Counters();
  }
  return c;
}

std::unique_ptr<ToolProcess> ToolProcess::Start(
    const device::NetNs& ns, const std::string& tool_path,
    const std::vector<std::string>& args) {
  UniqueFd out_read, out_write;
  Result<void> piped = sys::Pipe(&out_read, &out_write);
  EXPECT_TRUE(piped) << piped.error().ToString();
  if (!piped) return nullptr;
  std::vector<std::string> argv{tool_path};
  argv.insert(argv.end(), args.begin(), args.end());
  Result<int> pid = sys::SpawnInNetNs(ns.fd(), argv, out_write.get());
  EXPECT_TRUE(pid) << tool_path << ": " << pid.error().ToString();
  if (!pid) return nullptr;
  return std::unique_ptr<ToolProcess>(
      new ToolProcess(*pid, std::move(out_read)));
}

ToolProcess::~ToolProcess() {
  if (status_) return;
  (void)sys::KillProcessGroup(pid_);
  (void)sys::WaitChild(pid_, /*block=*/true);
}

void ToolProcess::Drain() {
  std::array<char, 4096> buf;
  for (;;) {
    const ssize_t n = ::read(out_.get(), buf.data(), buf.size());
    if (n == 0) eof_ = true;
    if (n <= 0) return;
    output_.append(buf.data(), static_cast<size_t>(n));
  }
}

bool ToolProcess::WaitForOutput(const std::string& text,
                                std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    Drain();
    if (output_.find(text) != std::string::npos) return true;
    if (status_ || Clock::now() >= deadline) return false;
    if (WaitExit(0ms)) continue;  // Exited: one last look at its output.
    WaitForData(10ms);
  }
}

void ToolProcess::WaitForData(std::chrono::milliseconds timeout) {
  if (eof_) {
    std::this_thread::sleep_for(timeout);
  } else {
    (void)sys::WaitReadable(out_.get(), static_cast<int>(timeout.count()));
  }
}

void ToolProcess::Signal(int sig) {
  if (!status_) ::kill(pid_, sig);
}

std::optional<int> ToolProcess::WaitExit(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!status_) {
    Drain();
    Result<std::optional<int>> st = sys::WaitChild(pid_, /*block=*/false);
    if (!st) {
      ADD_FAILURE() << "waitpid: " << st.error().ToString();
      status_ = -1;
      break;
    }
    if (st->has_value()) {
      status_ = **st;
      break;
    }
    if (Clock::now() >= deadline) return std::nullopt;
    WaitForData(5ms);
  }
  Drain();
  return status_;
}

}  // namespace fdlink::e2e
