#include "testing/tun2socks_fixture.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <system_error>

#ifndef FDLINK_TOOL_PATH
#error "tun2socks_fixture.cc needs FDLINK_TOOL_PATH (the fdlink tool)"
#endif

namespace fdlink::testing {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kTool[] = FDLINK_TOOL_PATH;
constexpr size_t kChunk = 256 * 1024;

std::chrono::milliseconds Since(Clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() -
                                                               t0);
}

void SetTimeouts(int fd, std::chrono::seconds limit) {
  const timeval tv{static_cast<time_t>(limit.count()), 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

void SetBlocking(int fd, bool blocking) {
  const int flags = ::fcntl(fd, F_GETFL);
  ::fcntl(fd, F_SETFL, blocking ? flags & ~O_NONBLOCK : flags | O_NONBLOCK);
}

// RaiseFdLimit lifts RLIMIT_NOFILE to `want`, or to the hard limit when
// that cannot be raised (no CAP_SYS_RESOURCE); children inherit it. The
// leak tests need `need` (two sockets per connection in this process).
void RaiseFdLimit(rlim_t want, rlim_t need) {
  rlimit r{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &r), 0) << std::strerror(errno);
  if (r.rlim_cur >= want) return;
  rlimit raised{want, std::max(want, r.rlim_max)};
  if (::setrlimit(RLIMIT_NOFILE, &raised) != 0) {
    raised = {r.rlim_max, r.rlim_max};
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &raised), 0) << std::strerror(errno);
  }
  ASSERT_GE(raised.rlim_cur, need)
      << "the open-file limit cannot be raised to " << need;
}

bool CounterAt(const nlohmann::json& j, std::vector<std::string>& keys,
               const std::vector<std::string>& path, int64_t* out) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      keys.push_back(it.key());
      const bool found = CounterAt(it.value(), keys, path, out);
      keys.pop_back();
      if (found) return true;
    }
    return false;
  }
  if (!j.is_number() || keys.size() < path.size()) return false;
  if (!std::equal(path.rbegin(), path.rend(), keys.rbegin())) return false;
  *out = j.is_number_float() ? static_cast<int64_t>(j.get<double>())
                             : j.get<int64_t>();
  return true;
}

}  // namespace

Dialed DialTcp(const device::NetNs& ns, const std::string& ip, uint16_t port,
               std::chrono::milliseconds timeout, int mark) {
  Dialed d;
  const auto t0 = Clock::now();
  const e2e::SockAddr to = e2e::MakeSockAddr(ip, port);
  UniqueFd s;
  Result<void> ran = ns.Run([&] {
    s.reset(::socket(to.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  });
  if (!ran || !s.valid()) {
    ADD_FAILURE() << "socket in the namespace: "
                  << (ran ? std::strerror(errno) : ran.error().ToString());
    d.error = EBADF;
    return d;
  }
  if (mark != 0 &&
      ::setsockopt(s.get(), SOL_SOCKET, SO_MARK, &mark, sizeof mark) != 0) {
    ADD_FAILURE() << "SO_MARK: " << std::strerror(errno);
  }
  if (::connect(s.get(), to.get(), to.len) != 0 && errno != EINPROGRESS) {
    d.error = errno;
    d.took = Since(t0);
    return d;
  }
  pollfd p{s.get(), POLLOUT, 0};
  const int ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
  d.took = Since(t0);
  if (ready <= 0) {
    d.error = ETIMEDOUT;
    return d;
  }
  int err = 0;
  socklen_t len = sizeof err;
  ::getsockopt(s.get(), SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) {
    d.error = err;
    return d;
  }
  SetBlocking(s.get(), true);
  SetTimeouts(s.get(), 30s);
  d.fd = std::move(s);
  return d;
}

UniqueFd ListenTcp(const device::NetNs& ns, const std::string& ip,
                   uint16_t port) {
  const e2e::SockAddr at = e2e::MakeSockAddr(ip, port);
  UniqueFd s;
  std::string error;
  Result<void> ran = ns.Run([&] {
    UniqueFd l(
        ::socket(at.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    const int one = 1;
    if (!l.valid() ||
        ::setsockopt(l.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) !=
            0 ||
        ::bind(l.get(), at.get(), at.len) != 0 || ::listen(l.get(), 4096)) {
      error = std::strerror(errno);
      return;
    }
    s = std::move(l);
  });
  EXPECT_TRUE(ran) << ran.error().ToString();
  EXPECT_TRUE(s.valid()) << "listen on " << ip << " port " << port << ": "
                         << error;
  return s;
}

uint16_t BoundPort(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return 0;
  if (ss.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  }
  return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
}

bool WriteAll(int fd, std::span<const uint8_t> bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes = bytes.subspan(static_cast<size_t>(n));
  }
  return true;
}

bool ReadExactly(int fd, std::span<uint8_t> out) {
  while (!out.empty()) {
    const ssize_t n = ::recv(fd, out.data(), out.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    out = out.subspan(static_cast<size_t>(n));
  }
  return true;
}

bool SendStream(int fd, uint64_t seed, uint64_t size) {
  std::vector<uint8_t> buf(kChunk);
  for (uint64_t at = 0; at < size;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(kChunk, size - at));
    StreamBytes(seed, at, std::span(buf.data(), n));
    if (!WriteAll(fd, std::span(buf.data(), n))) {
      ADD_FAILURE() << "send failed after " << at << " of " << size
                    << " bytes: " << std::strerror(errno);
      return false;
    }
    at += n;
  }
  return true;
}

Sha256::Digest StreamDigest(uint64_t seed, uint64_t size) {
  Sha256 h;
  std::vector<uint8_t> buf(kChunk);
  for (uint64_t at = 0; at < size;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(kChunk, size - at));
    StreamBytes(seed, at, std::span(buf.data(), n));
    h.Update(std::span(buf.data(), n));
    at += n;
  }
  return h.Final();
}

Received ReceiveAll(int fd) {
  Received r;
  Sha256 h;
  std::vector<uint8_t> buf(kChunk);
  for (;;) {
    const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) r.error = errno;
    if (n <= 0) break;
    h.Update(std::span(buf.data(), static_cast<size_t>(n)));
    r.bytes += static_cast<uint64_t>(n);
  }
  r.digest = h.Final();
  return r;
}

// TcpServer.

std::unique_ptr<TcpServer> TcpServer::Start(const device::NetNs& ns,
                                            const std::string& ip,
                                            uint16_t port, Handler handler) {
  UniqueFd l = ListenTcp(ns, ip, port);
  if (!l.valid()) return nullptr;
  return std::unique_ptr<TcpServer>(
      new TcpServer(std::move(l), std::move(handler)));
}

TcpServer::TcpServer(UniqueFd listener, Handler handler)
    : listener_(std::move(listener)),
      port_(BoundPort(listener_.get())),
      handler_(std::move(handler)),
      acceptor_([this] { AcceptLoop(); }) {}

void TcpServer::AcceptLoop() {
  while (!stop_.load()) {
    pollfd p{listener_.get(), POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    const int fd = ::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    SetTimeouts(fd, 30s);
    accepted_.fetch_add(1);
    std::lock_guard<std::mutex> lock(mu_);
    live_.insert(fd);
    handlers_.emplace_back([this, fd] {
      handler_(fd);
      std::lock_guard<std::mutex> lock(mu_);
      live_.erase(fd);
      ::close(fd);
    });
  }
}

TcpServer::~TcpServer() {
  stop_.store(true);
  acceptor_.join();
  std::vector<std::thread> handlers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (int fd : live_) ::shutdown(fd, SHUT_RDWR);
    handlers.swap(handlers_);
  }
  for (std::thread& t : handlers) t.join();
}

// EchoServer.

std::unique_ptr<EchoServer> EchoServer::Start(const device::NetNs& ns,
                                              const std::string& ip,
                                              uint16_t port) {
  UniqueFd l = ListenTcp(ns, ip, port);
  if (!l.valid()) return nullptr;
  return std::unique_ptr<EchoServer>(new EchoServer(std::move(l)));
}

EchoServer::EchoServer(UniqueFd listener)
    : listener_(std::move(listener)),
      epoll_(::epoll_create1(EPOLL_CLOEXEC)),
      wake_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
      port_(BoundPort(listener_.get())) {
  for (int fd : {listener_.get(), wake_.get()}) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    EXPECT_EQ(::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev), 0)
        << std::strerror(errno);
  }
  thread_ = std::thread([this] { Loop(); });
}

void EchoServer::Loop() {
  std::set<int> conns;
  std::vector<uint8_t> buf(65536);
  std::array<epoll_event, 256> events;
  bool stop = false;
  auto close_conn = [&](int fd) {
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
    ::close(fd);
    conns.erase(fd);
    open_.fetch_sub(1);
  };
  while (!stop) {
    const int n = ::epoll_wait(epoll_.get(), events.data(),
                               static_cast<int>(events.size()), 1000);
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (fd == wake_.get()) {
        stop = true;
      } else if (fd == listener_.get()) {
        for (;;) {
          const int c = ::accept4(listener_.get(), nullptr, nullptr,
                                  SOCK_CLOEXEC | SOCK_NONBLOCK);
          if (c < 0) break;
          accepted_.fetch_add(1);
          open_.fetch_add(1);
          conns.insert(c);
          epoll_event ev{};
          ev.events = EPOLLIN;
          ev.data.fd = c;
          ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, c, &ev);
        }
      } else {
        const ssize_t got = ::recv(fd, buf.data(), buf.size(), 0);
        if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (got <= 0) {
          close_conn(fd);
          continue;
        }
        // Few bytes per exchange: the socket buffer takes them; a client
        // that stops reading just loses its echo.
        (void)::send(fd, buf.data(), static_cast<size_t>(got),
                     MSG_NOSIGNAL | MSG_DONTWAIT);
      }
    }
  }
  for (int fd : std::set<int>(conns)) close_conn(fd);
}

EchoServer::~EchoServer() {
  const uint64_t one = 1;
  (void)::write(wake_.get(), &one, sizeof one);
  thread_.join();
}

// Counter.

std::optional<int64_t> Counter(const nlohmann::json& event,
                               std::string_view path) {
  std::vector<std::string> parts;
  for (size_t at = 0;;) {
    const size_t dot = path.find('.', at);
    parts.emplace_back(path.substr(at, dot - at));
    if (dot == std::string_view::npos) break;
    at = dot + 1;
  }
  std::vector<std::string> keys;
  int64_t value = 0;
  if (!CounterAt(event, keys, parts, &value)) return std::nullopt;
  return value;
}

// Tun2SocksFixture.

int Tun2SocksFixture::Run(const device::NetNs& ns,
                          const std::vector<std::string>& argv,
                          std::string* out, int timeout_ms) {
  std::string text;
  Result<int> st = device::RunCommandIn(ns, argv, &text, timeout_ms);
  if (out != nullptr) *out = text;
  if (!st) return -1;
  return *st;
}

void Tun2SocksFixture::SetUp() {
  NetNsFixture::SetUp();
  if (HasFatalFailure()) return;
  RaiseFdLimit(65536, 8192);
  if (HasFatalFailure()) return;
  Result<device::NetNs> server = device::NetNs::Create();
  ASSERT_TRUE(server) << server.error().ToString();
  server_ns_.emplace(std::move(*server));
  // No reverse-path filter: the replies to the tool's own (marked)
  // connections come in on v-cli from addresses the main table routes
  // into the TUN. No duplicate address detection: addresses work at once.
  for (const device::NetNs* ns : {&*ns_, &*server_ns_}) {
    Result<void> ran = ns->Run([] {
      for (const char* c : {"default", "all"}) {
        e2e::WriteProcFile(
            std::string("/proc/sys/net/ipv4/conf/") + c + "/rp_filter", "0");
        e2e::WriteProcFile(
            std::string("/proc/sys/net/ipv6/conf/") + c + "/accept_dad", "0");
      }
    });
    ASSERT_TRUE(ran) << ran.error().ToString();
  }
  const std::string table = "100";
  const std::string mark = std::to_string(kT2sMark);
  const std::vector<std::vector<std::string>> client_cmds = {
      {"ip", "link", "add", "v-cli", "type", "veth", "peer", "name", "v-srv",
       "netns", server_ns_->path()},
      {"ip", "addr", "add", std::string(kClientVeth4) + "/24", "dev", "v-cli"},
      {"ip", "-6", "addr", "add", std::string(kClientVeth6) + "/64", "dev",
       "v-cli", "nodad"},
      {"ip", "link", "set", "v-cli", "up"},
      {"ip", "rule", "add", "fwmark", mark, "lookup", table},
      {"ip", "-6", "rule", "add", "fwmark", mark, "lookup", table},
      {"ip", "route", "add", "198.18.2.0/24", "via", kServerVeth4, "dev",
       "v-cli", "table", table},
      {"ip", "-6", "route", "add", "2001:db8:2::/64", "via", kServerVeth6,
       "dev", "v-cli", "table", table},
  };
  const std::vector<std::vector<std::string>> server_cmds = {
      {"ip", "addr", "add", std::string(kServerVeth4) + "/24", "dev", "v-srv"},
      {"ip", "-6", "addr", "add", std::string(kServerVeth6) + "/64", "dev",
       "v-srv", "nodad"},
      {"ip", "link", "set", "v-srv", "up"},
      {"ip", "addr", "add", std::string(kDest4) + "/32", "dev", "lo"},
      {"ip", "-6", "addr", "add", std::string(kDest6) + "/128", "dev", "lo"},
  };
  for (const auto& cmd : client_cmds) {
    std::string out;
    ASSERT_EQ(Run(*ns_, cmd, &out), 0)
        << cmd[0] << " " << cmd[1] << " " << cmd[2] << ": " << out;
  }
  for (const auto& cmd : server_cmds) {
    std::string out;
    ASSERT_EQ(Run(*server_ns_, cmd, &out), 0)
        << cmd[0] << " " << cmd[1] << " " << cmd[2] << ": " << out;
  }
  // A fresh veth delays the first IPv6 connect by about a second: wait it
  // out here (a ping each way, which also resolves the neighbours) rather
  // than in the tests' timed connects.
  for (const auto& [ns, peer] : {std::pair{&*ns_, kServerVeth6},
                                 std::pair{&*server_ns_, kClientVeth6}}) {
    std::string out;
    ASSERT_EQ(Run(*ns, {"ping", "-6", "-n", "-c", "1", "-w", "5", peer}, &out),
              0)
        << out;
  }
}

void Tun2SocksFixture::TearDown() {
  if (t2s_ && !t2s_->WaitExit(0ms)) {
    t2s_->Signal(SIGKILL);
    (void)t2s_->WaitExit(5s);
  }
  t2s_.reset();
  server_processes_.clear();
}

bool Tun2SocksFixture::AddBindDeviceRoutes() {
  const std::vector<std::vector<std::string>> cmds = {
      {"ip", "route", "add", "198.18.2.0/24", "via", kServerVeth4, "dev",
       "v-cli", "metric", "1000"},
      {"ip", "-6", "route", "add", "2001:db8:2::/64", "via", kServerVeth6,
       "dev", "v-cli", "metric", "2000"},
  };
  for (const auto& cmd : cmds) {
    std::string out;
    if (Run(*ns_, cmd, &out) != 0) {
      ADD_FAILURE() << "ip route add ... dev v-cli: " << out;
      return false;
    }
  }
  return true;
}

std::vector<std::string> Tun2SocksFixture::DirectArgs() {
  return {"--direct", "--fwmark", std::to_string(kT2sMark)};
}

std::vector<std::string> Tun2SocksFixture::Socks5Args(uint16_t port) {
  return {"--socks5", std::string(kServerVeth4) + ":" + std::to_string(port)};
}

bool Tun2SocksFixture::StartTun2Socks(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"tun2socks",        "--tun", kT2sTun, "--json",
                                "--stats-interval", "100"};
  argv.insert(argv.end(), args.begin(), args.end());
  t2s_ = e2e::ToolProcess::Start(*ns_, kTool, argv);
  if (!t2s_) return false;
  if (!t2s_->WaitForOutput("\"event\":\"ready\"", 30s)) {
    ADD_FAILURE() << "no ready event from fdlink tun2socks:\n"
                  << t2s_->output();
    return false;
  }
  const std::vector<std::vector<std::string>> cmds = {
      {"ip", "link", "set", kT2sTun, "up"},
      {"ip", "route", "replace", "198.18.2.0/24", "dev", kT2sTun},
      {"ip", "-6", "route", "replace", "2001:db8:2::/64", "dev", kT2sTun,
       "metric", "1"},
  };
  for (const auto& cmd : cmds) {
    std::string out;
    if (Run(*ns_, cmd, &out) != 0) {
      ADD_FAILURE() << cmd[0] << " " << cmd[1] << " " << cmd[2] << ": " << out;
      return false;
    }
  }
  return true;
}

Tun2SocksFixture::Stopped Tun2SocksFixture::StopTun2Socks(
    int sig, std::chrono::milliseconds wait) {
  Stopped s;
  if (!t2s_) return s;
  const auto t0 = Clock::now();
  t2s_->Signal(sig);
  s.status = t2s_->WaitExit(wait);
  s.took = Since(t0);
  if (!s.status) {
    t2s_->Signal(SIGKILL);
    (void)t2s_->WaitExit(5s);
  }
  s.output = t2s_->output();
  std::vector<nlohmann::json> stopped = Events("stopped");
  if (!stopped.empty()) s.event = stopped.back();
  return s;
}

std::vector<nlohmann::json> Tun2SocksFixture::Events(std::string_view name) {
  std::vector<nlohmann::json> events;
  if (!t2s_) return events;
  const std::string& out = t2s_->output();
  for (size_t at = 0; at < out.size();) {
    const size_t nl = out.find('\n', at);
    if (nl == std::string::npos) break;  // A line still being written.
    const std::string_view line(out.data() + at, nl - at);
    at = nl + 1;
    if (line.empty() || line.front() != '{') continue;
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) continue;
    auto ev = j.find("event");
    if (ev != j.end() && ev->is_string() && ev->get<std::string>() == name) {
      events.push_back(std::move(j));
    }
  }
  return events;
}

void Tun2SocksFixture::Pump(std::chrono::milliseconds ms) {
  const auto t0 = Clock::now();
  // No such text: WaitForOutput only drains the pipe until the timeout.
  if (t2s_) (void)t2s_->WaitForOutput(std::string(1, '\x01'), ms);
  const auto spent = Since(t0);
  if (spent < ms) std::this_thread::sleep_for(ms - spent);
}

nlohmann::json Tun2SocksFixture::WaitStats(
    const std::function<bool(const nlohmann::json&)>& pred,
    std::chrono::milliseconds timeout, bool* matched) {
  *matched = false;
  Pump(0ms);
  size_t seen = Events("stats").size();
  nlohmann::json last;
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    Pump(50ms);
    const std::vector<nlohmann::json> stats = Events("stats");
    for (; seen < stats.size(); ++seen) {
      last = stats[seen];
      if (pred(last)) {
        *matched = true;
        return last;
      }
    }
  }
  return last;
}

int Tun2SocksFixture::Tun2SocksFds() const {
  if (!t2s_) return -1;
  std::error_code ec;
  int n = 0;
  for (std::filesystem::directory_iterator
           it("/proc/" + std::to_string(t2s_->pid()) + "/fd", ec),
       end;
       !ec && it != end; it.increment(ec)) {
    ++n;
  }
  return ec ? -1 : n;
}

std::string Tun2SocksFixture::Tun2SocksOutput() const {
  return t2s_ ? t2s_->output() : std::string();
}

std::unique_ptr<e2e::ToolProcess> Tun2SocksFixture::StartServerProcess(
    const std::vector<std::string>& argv) {
  std::vector<std::string> args(argv.begin() + 1, argv.end());
  return e2e::ToolProcess::Start(*server_ns_, argv.front(), args);
}

bool Tun2SocksFixture::StartMicrosocks(uint16_t port) {
  std::unique_ptr<e2e::ToolProcess> p = StartServerProcess(
      {"microsocks", "-i", kServerVeth4, "-p", std::to_string(port)});
  if (!p) return false;
  server_processes_.push_back(std::move(p));
  if (!WaitListening(*ns_, kServerVeth4, port)) {
    ADD_FAILURE() << "microsocks does not accept on port " << port << ":\n"
                  << server_processes_.back()->output();
    return false;
  }
  return true;
}

bool Tun2SocksFixture::WaitListening(const device::NetNs& ns,
                                     const std::string& ip, uint16_t port,
                                     std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    Dialed d = DialTcp(ns, ip, port, 1s);
    if (d.fd.valid()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

}  // namespace fdlink::testing
