// LiveCounter: a count of live objects (packets, chunks) that many threads
// change at once. Each thread keeps its own share, bumped with a plain load
// and store, so counting costs no locked instruction on the packet path.
#ifndef FDLINK_SRC_BUFFER_LIVE_COUNTER_H_
#define FDLINK_SRC_BUFFER_LIVE_COUNTER_H_

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace fdlink {

// LiveCounter counts up and down from any thread; an object may be counted
// up on one thread and down on another (the shares then go negative; the
// sum stays right). Get() sums the shares of live threads and what exited
// threads left behind: exact once the threads that changed it are
// quiescent, which is when tests read it. At most kMaxCounters exist, as
// namespace-scope objects of this library.
class LiveCounter {
 public:
  static constexpr size_t kMaxCounters = 4;

  LiveCounter();
  LiveCounter(const LiveCounter&) = delete;
  LiveCounter& operator=(const LiveCounter&) = delete;

  void Add(int64_t n) {
    std::atomic<int64_t>* shares = tls_shares_;
    if (shares == nullptr) [[unlikely]] {
      AddSlow(n);
      return;
    }
    std::atomic<int64_t>& share = shares[id_];
    share.store(share.load(std::memory_order_relaxed) + n,
                std::memory_order_relaxed);
  }
  int64_t Get() const;

  // ForgetThreadShares clears the calling thread's pointer to its shares;
  // only live_counter.cc calls it, when the thread exits.
  static void ForgetThreadShares() { tls_shares_ = nullptr; }

 private:
  // AddSlow is Add on a thread without shares: the first time, it makes
  // them; once they were folded away at the thread's exit, it adds to the
  // registry instead.
  void AddSlow(int64_t n);

  // tls_shares_ is the calling thread's kMaxCounters shares, null until
  // made and after thread exit. constinit and initial-exec: reading it on
  // the packet path is one thread-pointer-relative load, with no TLS
  // wrapper call and no __tls_get_addr (the library is position-independent
  // but linked into the program, or loaded with it).
  __attribute__((tls_model(
      "initial-exec"))) static constinit thread_local std::atomic<int64_t>*
      tls_shares_;

  const size_t id_;
};

}  // namespace fdlink

#endif  // FDLINK_SRC_BUFFER_LIVE_COUNTER_H_
