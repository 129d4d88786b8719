#include "testing/holding.h"

#include <dirent.h>
#include <gtest/gtest.h>

#include <ctime>
#include <fstream>
#include <thread>

namespace fdlink::testing {

void HoldingDispatcher::DeliverNetworkPacket(NetworkProtocolNumber,
                                             PacketBufferPtr pkt) {
  MutexLock l(&mu_);
  held_.push_back(std::move(pkt));
  count_.fetch_add(1);
}

bool HoldingDispatcher::WaitForCount(size_t n,
                                     std::chrono::milliseconds wait) const {
  const auto end = std::chrono::steady_clock::now() + wait;
  while (Count() < n && std::chrono::steady_clock::now() < end)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return Count() >= n;
}

std::vector<PacketBufferPtr> HoldingDispatcher::Take() {
  MutexLock l(&mu_);
  return std::move(held_);
}

void ExpectHeldThenRelease(std::vector<PacketBufferPtr> first,
                           std::vector<PacketBufferPtr> second,
                           const std::vector<std::vector<uint8_t>>& sent) {
  ASSERT_EQ(first.size() + second.size(), sent.size());
  for (size_t i = 0; i < first.size(); ++i)
    EXPECT_EQ(first[i]->ToBytes(), sent[i]) << i;
  for (size_t i = 0; i < second.size(); ++i)
    EXPECT_EQ(second[i]->ToBytes(), sent[first.size() + i]) << i;
  std::thread([&] {
    while (!second.empty()) second.pop_back();
    while (!first.empty()) first.pop_back();
  }).join();
  EXPECT_EQ(Chunk::LiveCount(), 0);
}

size_t MapsLines(const std::string& only) {
  std::ifstream in("/proc/self/maps");
  size_t n = 0;
  for (std::string line; std::getline(in, line);) {
    if (only.empty() || line.find(only) != std::string::npos) ++n;
  }
  return n;
}

std::string MappingOf(const void* p) {
  const auto addr = reinterpret_cast<uintptr_t>(p);
  std::ifstream in("/proc/self/maps");
  for (std::string line; std::getline(in, line);) {
    const size_t dash = line.find('-');
    const uintptr_t lo = std::stoull(line.substr(0, dash), nullptr, 16);
    const uintptr_t hi = std::stoull(line.substr(dash + 1), nullptr, 16);
    if (addr >= lo && addr < hi) return line;
  }
  return "";
}

size_t OpenFds() {
  size_t n = 0;
  if (DIR* d = ::opendir("/proc/self/fd"); d != nullptr) {
    while (::readdir(d) != nullptr) ++n;
    ::closedir(d);
  }
  return n;
}

double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec * 1e-9;
}

}  // namespace fdlink::testing
