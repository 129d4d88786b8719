#include "torture/veth.h"

#include <utility>

#include "common/veth_pair.h"
#include "fdlink/device/packet_socket.h"

namespace fdlink::tool {
namespace {

constexpr char kOurEnd[] = "fdltor0";
constexpr char kPeerEnd[] = "fdltor1";

Result<void> SetUpPair() {
  Result<std::pair<int, int>> pair = MakeQuietVethPair(kOurEnd, kPeerEnd);
  if (!pair) return pair.error();
  return Ok();
}

// MoveFds appends the sockets' fds to *out.
void MoveFds(device::PacketSockets& s, std::vector<UniqueFd>* out) {
  for (UniqueFd& f : s.fds) out->push_back(std::move(f));
}

}  // namespace

Result<std::unique_ptr<TortureVeth>> TortureVeth::Create() {
  Result<device::NetNs> ns = device::NetNs::Create();
  if (!ns) return ns.error();
  Result<void> inside = Ok();
  if (Result<void> r = ns->Run([&] { inside = SetUpPair(); }); !r)
    return r.error();
  if (!inside) return inside.error();
  return std::unique_ptr<TortureVeth>(new TortureVeth(std::move(*ns)));
}

Result<void> TortureVeth::OpenSockets(uint32_t n, std::vector<UniqueFd>* ours,
                                      std::vector<UniqueFd>* peers) const {
  ours->clear();
  peers->clear();
  Result<void> inside = Ok();
  Result<void> ran = ns_.Run([&] {
    Result<device::PacketSockets> o =
        device::OpenPacketSockets(kOurEnd, static_cast<int>(n));
    if (!o) {
      inside = o.error();
      return;
    }
    MoveFds(*o, ours);
    for (uint32_t i = 0; i < n; ++i) {
      Result<device::PacketSockets> p = device::OpenPacketSockets(kPeerEnd, 1);
      if (!p) {
        inside = p.error();
        return;
      }
      MoveFds(*p, peers);
    }
  });
  if (!ran) return ran;
  return inside;
}

}  // namespace fdlink::tool
