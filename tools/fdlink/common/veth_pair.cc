#include "common/veth_pair.h"

#include <net/if.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "fdlink/device/link_config.h"

namespace fdlink::tool {

Result<std::pair<int, int>> MakeQuietVethPair(std::string_view a,
                                              std::string_view b) {
  Result<std::pair<int, int>> pair = device::CreateVethPair(a, b);
  if (!pair) return pair.error();
  for (std::string_view dev : {a, b}) {
    std::ofstream("/proc/sys/net/ipv6/conf/" + std::string(dev) +
                  "/disable_ipv6")
        << "1";
  }
  for (int index : {pair->first, pair->second}) {
    if (Result<void> r = device::SetUp(index, true); !r) return r.error();
  }
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(2);
  for (int index : {pair->first, pair->second}) {
    for (;;) {
      Result<device::LinkInfo> info = device::GetLink(index);
      if (info && (info->flags & IFF_RUNNING) != 0) break;
      if (std::chrono::steady_clock::now() > deadline) {
        return Error{Errc::kTimedOut, 0,
                     "the veth pair did not come up within 2 s"};
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  return pair;
}

}  // namespace fdlink::tool
