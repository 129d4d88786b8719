// `--socks5 HOST:PORT` parsing and Socks5Upstream::Create's checks: every
// refusal is kInvalidArgument (or kNotFound) with one line that says what
// to give instead.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "testing/netns_fixture.h"
#include "tun2socks/socks5.h"

namespace fdlink::tool::tun2socks {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(Socks5ConfigTest, ParsesIpv4Ipv6AndNames) {
  Result<Socks5Config> v4 = ParseSocks5Server("198.18.1.2:1080");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->host, "198.18.1.2");
  EXPECT_EQ(v4->port, 1080);
  EXPECT_FALSE(v4->user);
  Result<Socks5Config> v6 = ParseSocks5Server("[2001:db8:1::2]:65535");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "2001:db8:1::2");
  EXPECT_EQ(v6->port, 65535);
  Result<Socks5Config> name = ParseSocks5Server("proxy.example:1");
  ASSERT_TRUE(name);
  EXPECT_EQ(name->host, "proxy.example");
  EXPECT_EQ(name->port, 1);
}

TEST(Socks5ConfigTest, BadServersGetOneLineSayingWhatToGive) {
  for (const char* bad :
       {"", "198.18.1.2", ":1080", "198.18.1.2:", "198.18.1.2:0",
        "198.18.1.2:65536", "198.18.1.2:10x", "198.18.1.2:-1",
        "2001:db8::2:1080", "[2001:db8::2]", "[2001:db8::2]1080",
        "[198.18.1.2]:1080", "[2001:db8::2:1080"}) {
    Result<Socks5Config> r = ParseSocks5Server(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, Errc::kInvalidArgument) << bad;
    const std::string what = r.error().what;
    EXPECT_THAT(what, HasSubstr("--socks5")) << bad;
    EXPECT_THAT(what, HasSubstr("e.g. ")) << bad;
    EXPECT_THAT(what, Not(HasSubstr("\n"))) << bad;
  }
  EXPECT_STREQ(ParseSocks5Server("198.18.1.2").error().what,
               "--socks5 wants HOST:PORT, e.g. 198.18.1.2:1080");
}

Socks5Config Config(std::optional<std::string> user,
                    std::optional<std::string> pass) {
  Socks5Config c = *ParseSocks5Server("198.18.1.2:1080");
  c.user = std::move(user);
  c.pass = std::move(pass);
  return c;
}

TEST(Socks5ConfigTest, CredentialsAreBothOrNeitherOfOneTo255Bytes) {
  struct Case {
    std::optional<std::string> user, pass;
    const char* flag;
  };
  const Case bad[] = {
      {"u", std::nullopt, "--socks5-pass"},
      {std::nullopt, "p", "--socks5-user"},
      {"", "p", "--socks5-user"},
      {std::string(256, 'u'), "p", "--socks5-user"},
      {"u", "", "--socks5-pass"},
      {"u", std::string(256, 'p'), "--socks5-pass"},
  };
  for (const Case& c : bad) {
    Result<std::unique_ptr<Upstream>> u =
        MakeSocks5Upstream(Config(c.user, c.pass));
    ASSERT_FALSE(u) << c.flag;
    EXPECT_EQ(u.error().code, Errc::kInvalidArgument);
    EXPECT_THAT(u.error().what, HasSubstr(c.flag));
  }
  Result<std::unique_ptr<Upstream>> ok =
      MakeSocks5Upstream(Config(std::string(255, 'u'), std::string(255, 'p')));
  ASSERT_TRUE(ok);
  EXPECT_STREQ((*ok)->Name(), "socks5 198.18.1.2:1080");
  ASSERT_TRUE(MakeSocks5Upstream(Config(std::nullopt, std::nullopt)));
}

// Resolution runs inside a private namespace with only `lo`: names come
// from /etc/hosts and a DNS query fails at once, whatever the machine's
// network.
void CheckResolution();

class Socks5ResolveTest : public ::fdlink::testing::NetNsFixture {};

TEST_F(Socks5ResolveTest, ServerIsResolvedOnceAtCreate) {
  ASSERT_TRUE(ns_->Run([] { CheckResolution(); }));
}

void CheckResolution() {
  Result<std::unique_ptr<Socks5Upstream>> v6 =
      Socks5Upstream::Create(*ParseSocks5Server("[2001:db8:1::2]:1080"));
  ASSERT_TRUE(v6);
  EXPECT_STREQ((*v6)->Name(), "socks5 [2001:db8:1::2]:1080");
  EXPECT_EQ((*v6)->server().ToString(), "[2001:db8:1::2]:1080");
  Result<std::unique_ptr<Socks5Upstream>> local =
      Socks5Upstream::Create(*ParseSocks5Server("localhost:1080"));
  ASSERT_TRUE(local);
  const std::string s = (*local)->server().ToString();
  EXPECT_TRUE(s == "127.0.0.1:1080" || s == "[::1]:1080") << s;
  Result<std::unique_ptr<Socks5Upstream>> nowhere =
      Socks5Upstream::Create(*ParseSocks5Server("no-such-host.invalid:1080"));
  ASSERT_FALSE(nowhere);
  EXPECT_EQ(nowhere.error().code, Errc::kNotFound);
  EXPECT_THAT(nowhere.error().what, HasSubstr("--socks5"));
}

}  // namespace
}  // namespace fdlink::tool::tun2socks
