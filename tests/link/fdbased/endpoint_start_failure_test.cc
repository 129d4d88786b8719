// Attach when a receive thread cannot be started (issue 9, section 1): the
// threads already started are stopped and waited for after mu_ is released,
// the caller gets the error, nothing is left behind and a later Attach
// works. Failures come from the StartThread test hook at chosen positions,
// and once from a real RLIMIT_NPROC in a child process run as nobody.
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>

#include "fdlink/base/lockdep.h"
#include "fdlink/base/thread_start.h"
#include "fdlink/link/fdbased/endpoint.h"
#include "testing/dispatcher.h"
#include "testing/endpoints.h"
#include "testing/packets.h"
#include "testing/socketpairs.h"
#include "testing/watchdog.h"

namespace fdlink::fdbased {
namespace {

using namespace std::chrono_literals;
using testing::RecordingDispatcher;
using testing::SocketPairs;

constexpr size_t kFds = 8;
constexpr uid_t kNobody = 65534;

// Entries of a /proc directory (tasks or fds), minus "." and "..".
std::vector<std::string> ProcEntries(const char* dir) {
  std::vector<std::string> out;
  DIR* d = opendir(dir);
  if (d == nullptr) return out;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] != '.') out.push_back(e->d_name);
  }
  closedir(d);
  return out;
}

size_t ThreadCount() { return ProcEntries("/proc/self/task").size(); }

size_t EventFdCount() {
  size_t n = 0;
  for (const std::string& fd : ProcEntries("/proc/self/fd")) {
    char target[128] = {};
    const std::string path = "/proc/self/fd/" + fd;
    if (readlink(path.c_str(), target, sizeof(target) - 1) > 0 &&
        std::strstr(target, "eventfd") != nullptr) {
      ++n;
    }
  }
  return n;
}

// WaitThreadCount waits (up to 5 s) for joined threads to disappear from
// /proc: the kernel releases a task just after its join returns.
size_t WaitThreadCount(size_t want) {
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (ThreadCount() != want && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  return ThreadCount();
}

std::unique_ptr<Endpoint> MakeEndpoint(const SocketPairs& sp,
                                       uint32_t processors) {
  Options o;
  o.fds = sp.ours();
  o.processors_per_channel = processors;
  return testing::MustCreateEndpoint(std::move(o));
}

void QueueOnEveryFd(const SocketPairs& sp, int per_fd) {
  for (const UniqueFd& p : sp.peers) {
    for (int i = 0; i < per_fd; ++i) {
      testing::Send(p.get(),
                    testing::Ipv4Udp("198.18.0.1", "198.18.0.2",
                                     static_cast<uint16_t>(1000 + i), 7, 64));
    }
  }
}

// CallBackInto makes `d` call the endpoint's control and transmit methods
// from every delivery (and, with `detach`, Attach(nullptr) itself), as a
// stack does. `entered` counts deliveries that started.
void CallBackInto(RecordingDispatcher& d, Endpoint& ep, bool detach,
                  std::atomic<int>& entered) {
  d.hook = [&ep, &entered, detach](NetworkProtocolNumber, PacketBuffer&) {
    entered.fetch_add(1);
    (void)ep.IsAttached();
    EXPECT_GT(ep.MTU(), 0u);
    (void)ep.LinkAddress();
    std::vector<uint8_t> payload = testing::Pattern(40, 1);
    PacketBufferPtr p = PacketBuffer::Create({.payload = payload});
    p->set_network_protocol(kIPv4ProtocolNumber);
    (void)ep.WritePackets(std::span(&p, 1));
    if (detach) ep.Attach(nullptr);
  };
}

struct Case {
  uint32_t processors;
  const char* position;  // "first", "middle" or "last" thread.
  bool detach_in_callback;
};

class StartFailure : public ::testing::TestWithParam<Case> {
 protected:
  void TearDown() override { SetThreadStartHookForTest(nullptr); }
};

// The thread at the chosen position fails to start while the threads
// started before it deliver into a dispatcher that calls back into the
// endpoint (so they block on mu_ if Attach still holds it).
TEST_P(StartFailure, AttachFailsCleanlyAndLaterAttachWorks) {
  const Case c = GetParam();
  testing::Watchdog watchdog(60s, "start failure case");
  SocketPairs sp(kFds);
  auto ep = MakeEndpoint(sp, c.processors);
  const int per_channel = c.processors > 1 ? static_cast<int>(c.processors) + 1
                                           : 1;  // Processors, then the loop.
  const int total = per_channel * static_cast<int>(kFds);
  const int fail_at = std::strcmp(c.position, "first") == 0    ? 0
                      : std::strcmp(c.position, "middle") == 0 ? total / 2
                                                               : total - 1;
  QueueOnEveryFd(sp, 4);
  RecordingDispatcher d;
  std::atomic<int> entered{0};
  CallBackInto(d, *ep, c.detach_in_callback, entered);

  std::atomic<int> starts{0};
  std::atomic<bool> delivered_before_failure{false};
  SetThreadStartHookForTest([&] {
    const int i = starts.fetch_add(1);
    if (i != fail_at) return true;
    if (i / per_channel > 0) {
      // A loop is running: fail only once it is inside a delivery (and
      // about to call back into the endpoint).
      auto deadline = std::chrono::steady_clock::now() + 5s;
      while (entered.load() == 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(1ms);
      delivered_before_failure = entered.load() > 0;
    }
    return false;
  });
  const size_t threads_before = ThreadCount();
  const size_t eventfds_before = EventFdCount();

  Result<void> r = ep->TryAttach(&d);
  SetThreadStartHookForTest(nullptr);

  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kNoBufferSpace);
  EXPECT_EQ(starts.load(), fail_at + 1);
  if (fail_at / per_channel > 0) {
    EXPECT_TRUE(delivered_before_failure)
        << "no started loop delivered before the failure";
  }
  EXPECT_FALSE(ep->IsAttached());
  EXPECT_EQ(ep->AttachFailures(), 1u);
  EXPECT_EQ(WaitThreadCount(threads_before), threads_before)
      << "a thread of the failed attach is still running";
  EXPECT_EQ(EventFdCount(), eventfds_before) << "an eventfd was not freed";

  // The same endpoint attaches again, and every fd delivers.
  RecordingDispatcher d2;
  ASSERT_TRUE(ep->TryAttach(&d2).has_value());
  EXPECT_TRUE(ep->IsAttached());
  const size_t before = d2.Count();
  QueueOnEveryFd(sp, 1);
  EXPECT_TRUE(d2.WaitForCount(before + kFds));
  ep->Attach(nullptr);
  EXPECT_FALSE(ep->IsAttached());
  ep->Close();
  EXPECT_EQ(WaitThreadCount(threads_before), threads_before);
  EXPECT_EQ(EventFdCount(), eventfds_before);
}

std::string CaseName(const ::testing::TestParamInfo<Case>& info) {
  return std::string(info.param.position) + "_processors" +
         std::to_string(info.param.processors) +
         (info.param.detach_in_callback ? "_callback_detaches" : "_queries");
}

INSTANTIATE_TEST_SUITE_P(
    Positions, StartFailure,
    ::testing::Values(Case{1, "first", false}, Case{1, "middle", false},
                      Case{1, "last", false}, Case{3, "first", false},
                      Case{3, "middle", false}, Case{3, "last", false},
                      Case{1, "middle", true}, Case{1, "last", true},
                      Case{3, "middle", true}, Case{3, "last", true}),
    CaseName);

// TasksOfUid counts the tasks (threads) owned by `uid`: RLIMIT_NPROC counts
// them per real user.
int TasksOfUid(uid_t uid) {
  int n = 0;
  for (const std::string& pid : ProcEntries("/proc")) {
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::string task_dir = "/proc/" + pid + "/task";
    for (const std::string& tid : ProcEntries(task_dir.c_str())) {
      const std::string status = task_dir + "/" + tid + "/status";
      FILE* f = std::fopen(status.c_str(), "r");
      if (f == nullptr) continue;
      char line[256];
      while (std::fgets(line, sizeof(line), f) != nullptr) {
        unsigned real = 0;
        if (std::sscanf(line, "Uid: %u", &real) == 1) {
          if (real == uid) ++n;
          break;
        }
      }
      std::fclose(f);
    }
  }
  return n;
}

// RlimitChild runs in the forked child: as nobody, with RLIMIT_NPROC set so
// that only `allowed` more threads start, it attaches an 8-fd endpoint with
// packets queued on every fd. Returns 0 or the number of the failed check.
int RlimitChild(int others, int allowed, int report_fd) {
  auto say = [report_fd](const char* msg) {
    (void)!write(report_fd, msg, std::strlen(msg));
  };
  SocketPairs sp(kFds);
  auto ep = MakeEndpoint(sp, 1);
  QueueOnEveryFd(sp, 4);
  RecordingDispatcher d;
  std::atomic<int> entered{0};
  CallBackInto(d, *ep, /*detach=*/false, entered);
  // A sanitizer may start a thread of its own at the first thread
  // creation (TSan's background thread): let it, before counting.
  std::thread([] {}).join();
  const size_t threads_before = ThreadCount();
  const size_t eventfds_before = EventFdCount();
  rlimit old{};
  if (getrlimit(RLIMIT_NPROC, &old) != 0) return say("getrlimit"), 10;
  if (setgroups(0, nullptr) != 0 || setgid(kNobody) != 0 ||
      setuid(kNobody) != 0) {
    return say("cannot become nobody"), 11;
  }
  // This process is one task of nobody's; `allowed` threads may join it.
  rlimit low{static_cast<rlim_t>(others + 1 + allowed), old.rlim_max};
  if (setrlimit(RLIMIT_NPROC, &low) != 0) return say("setrlimit"), 12;
  Result<void> r = ep->TryAttach(&d);
  if (r.has_value()) return say("attach succeeded despite the limit"), 13;
  if (r.error().code != Errc::kNoBufferSpace) return say("wrong error"), 14;
  if (ep->IsAttached()) return say("attached after a failed attach"), 15;
  if (ep->AttachFailures() != 1) return say("failure not counted"), 16;
  if (WaitThreadCount(threads_before) != threads_before)
    return say("threads left behind"), 17;
  if (EventFdCount() != eventfds_before) return say("eventfd left open"), 18;
  if (setrlimit(RLIMIT_NPROC, &old) != 0) return say("restore limit"), 19;
  RecordingDispatcher d2;
  if (!ep->TryAttach(&d2).has_value()) return say("re-attach failed"), 20;
  QueueOnEveryFd(sp, 1);
  if (!d2.WaitForCount(kFds)) return say("re-attached endpoint silent"), 21;
  ep->Close();
  if (lockdep::ReportCount() != 0) return say("lockdep reported"), 22;
  say("ok");
  return 0;
}

// The same failure through the kernel's own limit. The child is forked
// before any thread of this test exists and is bounded by a deadline.
TEST(EndpointStartFailureRlimit, NprocLimitAsNobodyFailsCleanly) {
  ASSERT_EQ(geteuid(), 0u) << "needs root to become nobody";
  const int others = TasksOfUid(kNobody);
  int pipefd[2];
  ASSERT_EQ(pipe2(pipefd, O_CLOEXEC), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(pipefd[0]);
    _exit(RlimitChild(others, /*allowed=*/3, pipefd[1]));
  }
  close(pipefd[1]);
  int status = 0;
  bool exited = false;
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(pid, &status, WNOHANG) == pid) {
      exited = true;
      break;
    }
    std::this_thread::sleep_for(5ms);
  }
  if (!exited) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  }
  char msg[256] = {};
  (void)!read(pipefd[0], msg, sizeof(msg) - 1);
  close(pipefd[0]);
  ASSERT_TRUE(exited) << "the child hung (deadlock in Attach?)";
  ASSERT_TRUE(WIFEXITED(status)) << "child died by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0) << msg;
  EXPECT_STREQ(msg, "ok");
}

}  // namespace
}  // namespace fdlink::fdbased
