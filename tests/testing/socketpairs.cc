#include "testing/socketpairs.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include "fdlink/sys/syscalls.h"

namespace fdlink::testing {

SocketPairs::SocketPairs(size_t n, int type) {
  for (size_t i = 0; i < n; ++i) {
    UniqueFd a, b;
    Result<void> r = sys::SocketPair(type, &a, &b);
    EXPECT_TRUE(r.has_value());
    ends.push_back(std::move(a));
    peers.push_back(std::move(b));
  }
}

std::vector<int> SocketPairs::ours() const {
  std::vector<int> v;
  for (const UniqueFd& f : ends) v.push_back(f.get());
  return v;
}

void Send(int fd, std::span<const uint8_t> bytes) {
  Result<size_t> n = sys::Write(fd, bytes);
  ASSERT_TRUE(n.has_value()) << n.error().ToString();
  ASSERT_EQ(*n, bytes.size());
}

std::vector<uint8_t> RecvOne(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return {};
  std::vector<uint8_t> buf(70000);
  Result<size_t> n = sys::Read(fd, buf);
  if (!n) return {};
  buf.resize(*n);
  return buf;
}

}  // namespace fdlink::testing
