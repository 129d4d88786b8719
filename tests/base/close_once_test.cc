#include "fdlink/base/close_once.h"

#include <gtest/gtest.h>

namespace fdlink {
namespace {

TEST(CloseOnce, ActionIsHandedOutOnceAndDroppedAfterClose) {
  CloseOnce c;
  int runs = 0;
  c.SetAction([&runs] { ++runs; });
  EXPECT_FALSE(c.Closed());
  std::function<void()> first = c.MarkClosed();
  EXPECT_TRUE(c.Closed());
  ASSERT_TRUE(first);
  first();
  EXPECT_EQ(runs, 1);
  EXPECT_FALSE(c.MarkClosed()) << "a second close must not run it again";
  c.SetAction([&runs] { runs += 10; });
  EXPECT_FALSE(c.MarkClosed()) << "an action set after close never runs";
  EXPECT_EQ(runs, 1);
}

TEST(CloseOnce, CloseWithoutActionReturnsNone) {
  CloseOnce c;
  EXPECT_FALSE(c.MarkClosed());
  EXPECT_TRUE(c.Closed());
}

}  // namespace
}  // namespace fdlink
