// Result<T>: value() on an error and error() on a value fail loudly (message
// and abort) in every build type.
#include "fdlink/base/result.h"

#include <gtest/gtest.h>

#include <string>

namespace fdlink {
namespace {

Result<int> Failing() { return Error{Errc::kBadFd, 9, "test: reading the fd"}; }
Result<void> FailingVoid() { return Errc::kClosed; }

TEST(ResultDeathTest, ValueOnErrorAbortsWithTheError) {
  EXPECT_DEATH((void)Failing().value(),
               "Result::value\\(\\) on an error: test: reading the fd: bad_fd");
  EXPECT_DEATH((void)*Failing(), "Result::value\\(\\) on an error");
  EXPECT_DEATH(FailingVoid().value(),
               "Result::value\\(\\) on an error: closed");
}

TEST(ResultDeathTest, ErrorOnValueAborts) {
  Result<int> ok = 3;
  EXPECT_DEATH((void)ok.error(), "Result::error\\(\\) on a value");
  Result<void> ok_void = Ok();
  EXPECT_DEATH((void)ok_void.error(), "Result::error\\(\\) on a value");
}

TEST(Result, ValueAndErrorWhenUsedRight) {
  Result<std::string> s = std::string("x");
  EXPECT_EQ(s.value(), "x");
  EXPECT_EQ(Failing().error().code, Errc::kBadFd);
  EXPECT_EQ(FailingVoid().error().code, Errc::kClosed);
}

}  // namespace
}  // namespace fdlink
