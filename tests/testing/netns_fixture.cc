#include "testing/netns_fixture.h"

#include <utility>

namespace fdlink::testing {

void NetNsFixture::SetUp() {
  Result<device::NetNs> ns = device::NetNs::Create();
  ASSERT_TRUE(ns) << ns.error().ToString();
  ns_.emplace(std::move(*ns));
}

}  // namespace fdlink::testing
