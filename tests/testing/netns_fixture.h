// NetNsFixture: the GoogleTest fixture of every test that needs a private
// network namespace.
#ifndef FDLINK_TESTS_TESTING_NETNS_FIXTURE_H_
#define FDLINK_TESTS_TESTING_NETNS_FIXTURE_H_

#include <gtest/gtest.h>

#include <optional>

#include "fdlink/device/netns.h"

namespace fdlink::testing {

// NetNsFixture's SetUp creates a fresh network namespace in ns_ (the test
// fails if it cannot: the tests run as root). The namespace lives as long
// as the fixture; being a base-class member, it outlives every member of
// a derived fixture (devices, endpoints) and is destroyed last.
class NetNsFixture : public ::testing::Test {
 protected:
  void SetUp() override;

  std::optional<device::NetNs> ns_;
};

}  // namespace fdlink::testing

#endif  // FDLINK_TESTS_TESTING_NETNS_FIXTURE_H_
