#include "test_invariants.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "fdlink/buffer/packet_buffer.h"

namespace fdlink::testing {

void CheckEndOfTestInvariants(const char* test_name) {
  // Packets released by threads that are just finishing may take a moment.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (PacketBuffer::LiveCount() != 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(PacketBuffer::LiveCount(), 0)
      << test_name << " left live packets behind";
}

}  // namespace fdlink::testing
