// ToyEndpoint: the locking shape of the fd-based endpoint in miniature,
// annotated for Clang's thread-safety analysis. good.cc implements it
// correctly (and toy_endpoint_test.cc runs that implementation); each other
// .cc file here is one wrong implementation of one method, which the
// analysis must reject (see CMakeLists.txt and expect_diag.cmake).
#ifndef FDLINK_TESTS_TSA_TOY_ENDPOINT_H_
#define FDLINK_TESTS_TSA_TOY_ENDPOINT_H_

#include <atomic>
#include <thread>
#include <vector>

#include "fdlink/base/mutex.h"
#include "fdlink/base/thread_annotations.h"
#include "fdlink/base/thread_group.h"

namespace fdlink::tsa {

// ToyEndpoint runs loop threads that read a link address under a shared
// lock. Threading: Attach() and Detach() are called by one owner thread;
// LinkAddress() and SetLinkAddress() from any thread.
class ToyEndpoint {
 public:
  ToyEndpoint() = default;
  // ~ToyEndpoint detaches if still attached.
  ~ToyEndpoint();
  ToyEndpoint(const ToyEndpoint&) = delete;
  ToyEndpoint& operator=(const ToyEndpoint&) = delete;

  // Attach starts `loops` loop threads. Call at most once.
  void Attach(int loops) EXCLUDES(mu_);
  // Detach stops the loops and returns once they have exited. It waits for
  // the loops, so it must not run with mu_ held nor on a loop thread.
  void Detach() EXCLUDES(mu_, loops_);
  // LinkAddress returns the current address.
  int LinkAddress() EXCLUDES(mu_);
  // SetLinkAddress replaces the address.
  void SetLinkAddress(int addr) EXCLUDES(mu_);
  // reads is how many times the loops read the address.
  int reads() const { return reads_.load(std::memory_order_relaxed); }

 private:
  void Loop();
  // LoopBody runs one iteration on a loop thread (a member of loops_);
  // returns false once detached.
  bool LoopBody() REQUIRES_SHARED(loops_) EXCLUDES(mu_);
  void SetAddressLocked(int addr) REQUIRES(mu_);
  // WaitLoops waits for every loop thread to exit.
  void WaitLoops() EXCLUDES(mu_, loops_);

  RwMutex mu_{"tsa.ToyEndpoint.mu"};
  int addr_ GUARDED_BY(mu_) = 0;
  bool attached_ GUARDED_BY(mu_) = false;
  ThreadGroup loops_{"tsa.ToyEndpoint.loops"};
  std::atomic<int> reads_{0};
  std::vector<std::thread> threads_;  // Owner thread only.
};

}  // namespace fdlink::tsa

#endif  // FDLINK_TESTS_TSA_TOY_ENDPOINT_H_
