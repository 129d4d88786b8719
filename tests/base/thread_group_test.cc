// Tests for ThreadGroup: counting members and waiting for them, from outside
// the group and from member threads.
#include "fdlink/base/thread_group.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "fdlink/base/mutex.h"

namespace fdlink {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Gate blocks threads in Pass() until Open() is called.
class Gate {
 public:
  void Open() {
    MutexLock l(&mu_);
    open_ = true;
    cv_.NotifyAll();
  }
  void Pass() {
    MutexLock l(&mu_);
    while (!open_) cv_.Wait(&mu_);
  }

 private:
  Mutex mu_{"test.Gate.mu"};
  CondVar cv_;
  bool open_ GUARDED_BY(mu_) = false;
};

// WaitUntil polls `pred` until it holds or `timeout` passes.
template <typename Pred>
bool WaitUntil(Pred pred, std::chrono::steady_clock::duration timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(1));
  }
  return true;
}

void WaitFor(ThreadGroup* g) {
  ThreadGroup* groups[] = {g};
  ThreadGroup::WaitIdle(groups);
}

// StartMember adds a member to `g` and starts it running `body` between
// Bind() and Leave().
template <typename Body>
std::thread StartMember(ThreadGroup* g, Body body) {
  g->Add();
  return std::thread([g, body] {
    g->Bind();
    body();
    g->Leave();
  });
}

TEST(ThreadGroupTest, WaitOnEmptyGroupReturnsAtOnce) {
  ThreadGroup g{"test.tg.Empty"};
  EXPECT_EQ(g.Live(), 0);
  const auto start = std::chrono::steady_clock::now();
  WaitFor(&g);
  ThreadGroup::WaitIdle({});
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(5));
}

TEST(ThreadGroupTest, LiveCountsMembersUntilTheyLeave) {
  constexpr int kMembers = 3;
  ThreadGroup g{"test.tg.Live"};
  Gate gate;
  std::vector<std::thread> members;
  for (int i = 0; i < kMembers; ++i) {
    members.push_back(StartMember(&g, [&gate] { gate.Pass(); }));
    // Add() counts the member before it has even started.
    EXPECT_EQ(g.Live(), i + 1);
  }
  gate.Open();
  for (std::thread& t : members) t.join();
  EXPECT_EQ(g.Live(), 0);
}

TEST(ThreadGroupTest, CurrentIsTheGroupOfTheCallingMember) {
  ThreadGroup g{"test.tg.Current"};
  EXPECT_EQ(ThreadGroup::Current(), nullptr);
  ThreadGroup* seen = nullptr;
  StartMember(&g, [&seen] { seen = ThreadGroup::Current(); }).join();
  EXPECT_EQ(seen, &g);
}

TEST(ThreadGroupTest, NonMemberWaitsForEveryMember) {
  constexpr int kMembers = 4;
  ThreadGroup a{"test.tg.WaitA"};
  ThreadGroup b{"test.tg.WaitB"};
  Gate gate;
  std::atomic<int> finished{0};
  std::vector<std::thread> members;
  for (int i = 0; i < kMembers; ++i) {
    members.push_back(StartMember(i % 2 ? &a : &b, [&] {
      gate.Pass();
      finished.fetch_add(1);
    }));
  }
  std::atomic<bool> returned{false};
  int finished_at_return = -1;
  std::thread waiter([&] {
    ThreadGroup* groups[] = {&a, &b};
    ThreadGroup::WaitIdle(groups);
    finished_at_return = finished.load();
    returned = true;
  });
  std::this_thread::sleep_for(milliseconds(50));
  EXPECT_FALSE(returned.load()) << "WaitIdle returned while members ran";
  gate.Open();
  waiter.join();
  EXPECT_EQ(finished_at_return, kMembers);
  for (std::thread& t : members) t.join();
}

TEST(ThreadGroupTest, MemberWaitWaitsForOtherRunningMembers) {
  ThreadGroup g{"test.tg.MemberWait"};
  Gate gate;
  std::atomic<bool> other_done{false};
  std::atomic<bool> returned{false};
  bool other_done_at_return = false;
  std::thread other = StartMember(&g, [&] {
    gate.Pass();
    other_done = true;
  });
  std::thread waiter = StartMember(&g, [&] {
    WaitFor(&g);  // Must not wait for itself, only for `other`.
    other_done_at_return = other_done.load();
    returned = true;
  });
  std::this_thread::sleep_for(milliseconds(50));
  EXPECT_FALSE(returned.load());
  gate.Open();
  waiter.join();
  other.join();
  EXPECT_TRUE(other_done_at_return);
}

TEST(ThreadGroupTest, TwoMembersWaitingOnTheirOwnGroupBothReturn) {
  ThreadGroup g{"test.tg.BothWait"};
  std::atomic<int> returned{0};
  std::vector<std::thread> members;
  for (int i = 0; i < 2; ++i) {
    members.push_back(StartMember(&g, [&] {
      WaitFor(&g);
      returned.fetch_add(1);
    }));
  }
  // If the members waited for each other this would time out (and the
  // joinable threads would then end the process rather than hang it).
  ASSERT_TRUE(WaitUntil([&] { return returned.load() == 2; }, seconds(10)))
      << "members waiting on their own group deadlocked";
  for (std::thread& t : members) t.join();
  EXPECT_EQ(g.Live(), 0);
}

}  // namespace
}  // namespace fdlink
