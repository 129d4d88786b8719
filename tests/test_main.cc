// Shared GoogleTest main: after every test it checks the invariants every
// fdlink test must leave behind (no live packets, no lockdep report).
#include <gtest/gtest.h>

#include "fdlink/base/lockdep.h"
#include "test_invariants.h"

namespace {

class InvariantListener : public testing::EmptyTestEventListener {
  void OnTestStart(const testing::TestInfo&) override {
    reports_ = fdlink::lockdep::ReportCount();
  }
  void OnTestEnd(const testing::TestInfo& info) override {
    if (info.result()->Failed()) return;
    EXPECT_EQ(fdlink::lockdep::ReportCount(), reports_)
        << "lockdep reported a lock-order cycle during " << info.name();
    fdlink::testing::CheckEndOfTestInvariants(info.name());
  }
  size_t reports_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  testing::UnitTest::GetInstance()->listeners().Append(new InvariantListener);
  return RUN_ALL_TESTS();
}
