// Runs the ToyEndpoint that tsa.good proves correct to the compile-time
// analysis: it must also work and be clean for the runtime lockdep checker.
#include "toy_endpoint.h"

#include <gtest/gtest.h>

#include <thread>

#include "fdlink/base/lockdep.h"

namespace fdlink::tsa {
namespace {

TEST(TsaToyEndpointTest, AnnotatedDesignRunsWithoutLockdepReports) {
  const size_t reports_before = lockdep::ReportCount();
  {
    ToyEndpoint ep;
    ep.SetLinkAddress(0x0a0b);
    ep.Attach(/*loops=*/2);
    while (ep.reads() == 0) std::this_thread::yield();
    ep.SetLinkAddress(0x0c0d);
    EXPECT_EQ(ep.LinkAddress(), 0x0c0d);
    ep.Detach();  // Returns only once both loops have exited.
    const int reads = ep.reads();
    std::this_thread::yield();
    EXPECT_EQ(ep.reads(), reads);
  }
  EXPECT_EQ(lockdep::ReportCount(), reports_before);
  EXPECT_EQ(lockdep::OrderSeen("tsa.ToyEndpoint.loops", "tsa.ToyEndpoint.mu"),
            lockdep::Enabled());
}

}  // namespace
}  // namespace fdlink::tsa
