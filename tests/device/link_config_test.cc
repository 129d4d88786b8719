#include "fdlink/device/link_config.h"

#include <gtest/gtest.h>
#include <net/if.h>

#include <algorithm>
#include <optional>

#include "device_test_util.h"
#include "fdlink/device/netns.h"
#include "testing/netns_fixture.h"

namespace fdlink::device {
namespace {

using testing::MustParse;
using testing::RunInside;

using LinkConfigTest = ::fdlink::testing::NetNsFixture;

TEST_F(LinkConfigTest, UnknownInterfaceIsNotFound) {
  RunInside(*ns_, [] {
    Result<int> index = InterfaceIndex("fdl-nope0");
    ASSERT_FALSE(index);
    EXPECT_EQ(index.error().code, Errc::kNotFound);
    EXPECT_STREQ(index.error().what, "unknown interface");
    Result<LinkInfo> link = GetLink(999999);
    ASSERT_FALSE(link);
    EXPECT_EQ(link.error().code, Errc::kNotFound);
    Result<void> mtu = SetMtu(999999, 1400);
    ASSERT_FALSE(mtu);
    EXPECT_EQ(mtu.error().code, Errc::kNotFound);
  });
}

TEST_F(LinkConfigTest, BadNamesAreInvalid) {
  RunInside(*ns_, [] {
    for (const char* name : {"", "sixteen-chars-xx"}) {
      Result<int> index = InterfaceIndex(name);
      ASSERT_FALSE(index) << name;
      EXPECT_EQ(index.error().code, Errc::kInvalidArgument) << name;
    }
    Result<std::pair<int, int>> veth = CreateVethPair("fdlva0", "");
    ASSERT_FALSE(veth);
    EXPECT_EQ(veth.error().code, Errc::kInvalidArgument);
  });
}

TEST_F(LinkConfigTest, VethPairLifecycle) {
  RunInside(*ns_, [] {
    Result<std::pair<int, int>> veth = CreateVethPair("fdlva0", "fdlvb0");
    ASSERT_TRUE(veth) << veth.error().ToString();
    auto [a, b] = *veth;
    EXPECT_GT(a, 0);
    EXPECT_GT(b, 0);
    EXPECT_NE(a, b);
    EXPECT_EQ(*InterfaceIndex("fdlva0"), a);
    EXPECT_EQ(*InterfaceIndex("fdlvb0"), b);
    Result<LinkInfo> info = GetLink(b);
    ASSERT_TRUE(info) << info.error().ToString();
    EXPECT_EQ(info->name, "fdlvb0");
    EXPECT_EQ(info->ifindex, b);
    EXPECT_FALSE(info->up());

    Result<std::pair<int, int>> again = CreateVethPair("fdlva0", "fdlvc0");
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, Errc::kAlreadyExists);

    ASSERT_TRUE(DeleteLink(a));
    Result<int> gone = InterfaceIndex("fdlvb0");  // The peer goes too.
    ASSERT_FALSE(gone);
    EXPECT_EQ(gone.error().code, Errc::kNotFound);
    Result<void> twice = DeleteLink(a);
    ASSERT_FALSE(twice);
    EXPECT_EQ(twice.error().code, Errc::kNotFound);
  });
}

TEST_F(LinkConfigTest, MtuAndUpDown) {
  RunInside(*ns_, [] {
    Result<std::pair<int, int>> veth = CreateVethPair("fdlva0", "fdlvb0");
    ASSERT_TRUE(veth) << veth.error().ToString();
    const int a = veth->first;
    ASSERT_TRUE(SetMtu(a, 1400));
    EXPECT_EQ(GetLink(a)->mtu, 1400u);
    Result<void> tiny = SetMtu(a, 10);
    ASSERT_FALSE(tiny);
    EXPECT_EQ(tiny.error().code, Errc::kInvalidArgument);
    EXPECT_EQ(GetLink(a)->mtu, 1400u);
    Result<void> zero = SetMtu(a, 0);
    ASSERT_FALSE(zero);
    EXPECT_EQ(zero.error().code, Errc::kInvalidArgument);

    ASSERT_TRUE(device::SetUp(a, true));
    EXPECT_TRUE(GetLink(a)->up());
    EXPECT_FALSE(GetLink(veth->second)->up());
    ASSERT_TRUE(device::SetUp(a, false));
    EXPECT_FALSE(GetLink(a)->up());
  });
}

TEST_F(LinkConfigTest, AddressesIpv4AndIpv6) {
  RunInside(*ns_, [] {
    Result<std::pair<int, int>> veth = CreateVethPair("fdlva0", "fdlvb0");
    ASSERT_TRUE(veth) << veth.error().ToString();
    const int a = veth->first;
    const Cidr v4 = MustParse("198.18.0.1/24");
    const Cidr v6 = MustParse("2001:db8::1/64");
    ASSERT_TRUE(AddAddress(a, v4));
    ASSERT_TRUE(AddAddress(a, v6));
    Result<std::vector<Cidr>> listed = ListAddresses(a);
    ASSERT_TRUE(listed) << listed.error().ToString();
    EXPECT_NE(std::find(listed->begin(), listed->end(), v4), listed->end());
    EXPECT_NE(std::find(listed->begin(), listed->end(), v6), listed->end());
    Result<std::vector<Cidr>> peer = ListAddresses(veth->second);
    ASSERT_TRUE(peer);
    EXPECT_EQ(std::find(peer->begin(), peer->end(), v4), peer->end());

    Result<void> dup = AddAddress(a, v4);
    ASSERT_FALSE(dup);
    EXPECT_EQ(dup.error().code, Errc::kAlreadyExists);
    Result<void> empty = AddAddress(a, Cidr{});
    ASSERT_FALSE(empty);
    EXPECT_EQ(empty.error().code, Errc::kInvalidArgument);
  });
}

TEST_F(LinkConfigTest, HardwareAddressRoundTrip) {
  RunInside(*ns_, [] {
    Result<std::pair<int, int>> veth = CreateVethPair("fdlva0", "fdlvb0");
    ASSERT_TRUE(veth) << veth.error().ToString();
    const int a = veth->first;
    Result<MacAddress> initial = GetHardwareAddress(a);
    ASSERT_TRUE(initial) << initial.error().ToString();
    EXPECT_EQ(initial->bytes()[0] & 0x01, 0) << "random MAC must be unicast";

    const MacAddress mac({0x02, 0xfd, 0x11, 0x00, 0x00, 0x01});
    ASSERT_TRUE(SetHardwareAddress(a, mac));
    Result<MacAddress> now = GetHardwareAddress(a);
    ASSERT_TRUE(now);
    EXPECT_EQ(*now, mac);

    const MacAddress multicast({0x01, 0x00, 0x5e, 0x00, 0x00, 0x01});
    Result<void> bad = SetHardwareAddress(a, multicast);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, Errc::kInvalidArgument);
    EXPECT_EQ(*GetHardwareAddress(a), mac);
  });
}

}  // namespace
}  // namespace fdlink::device
