// Socketpairs for endpoint tests: our ends go to the endpoint, the peers
// play the other side of the link.
#ifndef FDLINK_TESTS_TESTING_SOCKETPAIRS_H_
#define FDLINK_TESTS_TESTING_SOCKETPAIRS_H_

#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <span>
#include <vector>

#include "fdlink/sys/unique_fd.h"

namespace fdlink::testing {

// SocketPairs owns n connected pairs of `type`.
struct SocketPairs {
  explicit SocketPairs(size_t n, int type = SOCK_SEQPACKET);
  std::vector<int> ours() const;  // Borrowed fds for Options::fds.
  std::vector<UniqueFd> ends;     // Our ends.
  std::vector<UniqueFd> peers;    // The other ends.
};

// SendAll writes one datagram on fd; aborts the test on failure.
void Send(int fd, std::span<const uint8_t> bytes);
// RecvOne reads one datagram from fd, waiting up to `timeout`; empty vector
// on timeout (also for a real empty datagram; tests avoid sending those).
std::vector<uint8_t> RecvOne(
    int fd, std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace fdlink::testing

#endif  // FDLINK_TESTS_TESTING_SOCKETPAIRS_H_
