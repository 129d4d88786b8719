// LiveCounter: a count of live objects (packets, chunks) that many threads
// change at once. Each thread keeps its own share, bumped with a plain load
// and store, so counting costs no locked instruction on the packet path.
#ifndef FDLINK_SRC_BUFFER_LIVE_COUNTER_H_
#define FDLINK_SRC_BUFFER_LIVE_COUNTER_H_

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

  void Add(int64_t n);
  int64_t Get() const;

 private:
  const size_t id_;
};

}  // namespace fdlink

#endif  // FDLINK_SRC_BUFFER_LIVE_COUNTER_H_
