// tun: open (creating if needed) a TUN or TAP interface for the fd-based
// endpoint. A device created here is not persistent: it disappears when its
// last descriptor is closed.
#ifndef FDLINK_DEVICE_TUN_H_
#define FDLINK_DEVICE_TUN_H_

#include <cstdint>
#include <string>
#include <vector>

#include "fdlink/base/result.h"
#include "fdlink/header/virtio_net.h"
#include "fdlink/offload/offload_bits.h"
#include "fdlink/sys/unique_fd.h"

namespace fdlink::device {

// kTunAllOffloads is every TUN_F_* offload fdlink knows how to use
// (CSUM|TSO4|TSO6|USO4|USO6): TunOptions::offloads' default.
inline constexpr uint32_t kTunAllOffloads = offload::kTunOffloadTries[0];

// TunOptions selects the device OpenTun opens.
struct TunOptions {
  // name is the interface name (at most 15 bytes). Empty lets the kernel
  // pick one ("tun0", "tap0"); a "%d" in it is replaced by a number.
  std::string name;
  // tap opens a TAP (Ethernet frames) instead of a TUN (IP packets).
  bool tap = false;
  // vnet_hdr prefixes each packet with a header::kVirtioNetHeaderSize-byte
  // header.
  bool vnet_hdr = false;
  // queues > 1 makes a multi-queue device with one descriptor per queue.
  int queues = 1;
  // offloads caps the TUN_F_* bits negotiated with TUNSETOFFLOAD when
  // vnet_hdr is set (ignored without it: a device without virtio-net
  // headers gets no offloads). 0 asks for none. The kernel ties the bits
  // together: TSO/USO count only with offload::kTunFCsum, and USO only as
  // USO4 and USO6 both; a mask breaking those rules loses the bits that
  // cannot take. Bits fdlink does not know are refused by OpenTun.
  uint32_t offloads = kTunAllOffloads;
};

// TunDevice owns the descriptors of one open TUN/TAP interface, one per
// queue, each non-blocking and close-on-exec (no packet-info prefix:
// IFF_NO_PI). Move-only. Destroying it closes the descriptors, which
// deletes the interface unless something else still holds a queue.
class TunDevice {
 public:
  TunDevice(TunDevice&&) = default;
  TunDevice& operator=(TunDevice&&) = default;

  // name is the kernel's final interface name.
  const std::string& name() const { return name_; }
  // ifindex is the interface index in the namespace it was created in.
  int ifindex() const { return ifindex_; }
  // tap and vnet_hdr echo the options the device was opened with.
  bool tap() const { return tap_; }
  bool vnet_hdr() const { return vnet_hdr_; }
  // offloads is the TUN_F_* set the kernel accepted (TUNSETOFFLOAD), the
  // same on every queue: the value for
  // fdbased::OffloadOptions::kernel_offloads. 0 without vnet_hdr, when
  // TunOptions::offloads was 0, or when the kernel took none.
  uint32_t offloads() const { return offloads_; }

  // fds are the owned queue descriptors, in queue order.
  const std::vector<UniqueFd>& fds() const { return fds_; }
  // borrowed_fds returns the queue descriptors for handing to an endpoint;
  // they stay valid only while this TunDevice lives and keeps them.
  std::vector<int> borrowed_fds() const;
  // TakeFds transfers ownership of the queue descriptors to the caller;
  // afterwards fds() is empty and the device lives as long as they do.
  std::vector<UniqueFd> TakeFds();

 private:
  friend Result<TunDevice> OpenTunAt(const char*, const TunOptions&);
  TunDevice() = default;

  std::vector<UniqueFd> fds_;
  std::string name_;
  int ifindex_ = 0;
  bool tap_ = false;
  bool vnet_hdr_ = false;
  uint32_t offloads_ = 0;
};

// OpenTun opens /dev/net/tun `options.queues` times and attaches every
// descriptor to interface `options.name` (IFF_TUN or IFF_TAP, IFF_NO_PI,
// IFF_VNET_HDR with TUNSETVNETHDRSZ = header::kVirtioNetHeaderSize when asked,
// IFF_MULTI_QUEUE when queues > 1), creating the interface if it does not
// exist. The interface is created in the calling thread's network
// namespace and is left down and unconfigured.
//
// With vnet_hdr it checks (TUNGETIFF) that IFF_VNET_HDR took on every
// queue, then negotiates offloads on the first queue by trying
// offload::kTunOffloadTries, largest first, each limited to
// `options.offloads`, until the kernel accepts one (EINVAL moves on to the
// next; the last, 0, always takes), and sets that same set on every other
// queue. offloads() reports the result.
//
// Errors (all-or-nothing: on error every descriptor opened is closed):
//  - Errc::kPermissionDenied: "open /dev/net/tun: needs root or
//    CAP_NET_ADMIN" or "TUNSETIFF: needs root or CAP_NET_ADMIN";
//  - Errc::kNotFound: "/dev/net/tun missing: modprobe tun";
//  - Errc::kBusy: "TUNSETIFF: device busy (another process holds it or its
//    flags differ)";
//  - Errc::kInvalidArgument: a bad option (including offload bits fdlink
//    does not know), or the name belongs to an interface of another kind
//    or queue mode;
//  - Errc::kNotSupported: "TUNGETIFF: IFF_VNET_HDR did not take";
//  - "TUNSETOFFLOAD: a later queue refused the offloads the first took"
//    (code from its errno) when the queues disagree, or "TUNSETOFFLOAD"
//    with the errno of any failure other than EINVAL.
Result<TunDevice> OpenTun(const TunOptions& options);

// OpenTunAt is OpenTun with the clone device at `device_path` instead of
// /dev/net/tun (for tests and unusual systems).
Result<TunDevice> OpenTunAt(const char* device_path, const TunOptions& options);

// DescribeTunOffloads names TUN_F_* `bits` for people and logs, in bit
// order and comma-separated ("csum,tso4,tso6,uso4,uso6"); "none" for 0 and
// "0x.." for bits without a name.
std::string DescribeTunOffloads(uint32_t bits);

}  // namespace fdlink::device

#endif  // FDLINK_DEVICE_TUN_H_
