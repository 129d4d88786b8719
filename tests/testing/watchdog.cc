#include "testing/watchdog.h"

#include <unistd.h>

#include <cstdio>

namespace fdlink::testing {

Watchdog::Watchdog(std::chrono::seconds limit, std::string what) {
  thread_ = std::thread([this, limit, what = std::move(what)] {
    std::unique_lock<std::mutex> l(mu_);
    if (!cv_.wait_for(l, limit, [this] { return done_; })) {
      std::fprintf(stderr, "WATCHDOG: %s did not finish within %lld s (hang)\n",
                   what.c_str(), static_cast<long long>(limit.count()));
      std::fflush(stderr);
      _exit(124);
    }
  });
}

Watchdog::~Watchdog() {
  {
    std::lock_guard<std::mutex> l(mu_);
    done_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

}  // namespace fdlink::testing
