// Watchdog: turns a hang in a test into a failure with a message.
#ifndef FDLINK_TESTS_TESTING_WATCHDOG_H_
#define FDLINK_TESTS_TESTING_WATCHDOG_H_

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace fdlink::testing {

// Watchdog ends the test process with exit code 124 and a one-line message
// naming `what` if it is not destroyed within `limit`: a deadlock fails the
// test instead of hanging it (the process cannot be recovered once its
// threads deadlocked, so the whole binary ends). Owns one thread.
class Watchdog {
 public:
  Watchdog(std::chrono::seconds limit, std::string what);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

}  // namespace fdlink::testing

#endif  // FDLINK_TESTS_TESTING_WATCHDOG_H_
