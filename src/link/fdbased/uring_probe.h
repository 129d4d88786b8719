// uring_probe: whether the io_uring dispatch mode can run on an endpoint's
// fds with the running kernel, and setting up its rings, or falling back to
// readv with a one-line reason (Endpoint::DispatchModeFallback).
#ifndef FDLINK_SRC_LINK_FDBASED_URING_PROBE_H_
#define FDLINK_SRC_LINK_FDBASED_URING_PROBE_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "fdlink/sys/mapping_sys.h"
#include "fdlink/sys/uring_sys.h"
#include "link/fdbased/fd_state.h"
#include "link/fdbased/link_config.h"

namespace fdlink::fdbased {

// UringRxMissing names what the kernel (`support`, `kernel`) lacks for
// io_uring receive on fds that include a non-socket (`non_socket`:
// multishot read) and/or a socket (`socket`: multishot recv): a static
// one-line reason, or nullptr when nothing is missing.
const char* UringRxMissing(const sys::UringSupport& support,
                           sys::KernelVersion kernel, bool non_socket,
                           bool socket);

// UringSupportInEffect is sys::ProbeUring(), unless a test replaced it.
const sys::UringSupport& UringSupportInEffect();
// SetUringSupportForTesting makes endpoints created afterwards see
// `support` (borrowed; it must outlive its use) instead of the kernel's
// answer, so a test can take the real fallback path on a kernel that has
// everything; nullptr restores the probe. Not for concurrent use with
// Endpoint::Create.
void SetUringSupportForTesting(const sys::UringSupport* support);

// SetUpUringMode, for a link whose rx.mode is kIoUring, probes the kernel
// and gives every fd its UringRx (buffers sized from `mtu`, the link
// header and a virtio-net header, or 64 KiB packets with one). When
// something is missing or a ring cannot be set up, it drops the rings
// made, sets link.rx.mode to kReadv and link.mode_fallback to the reason.
void SetUpUringMode(LinkConfig& link, uint32_t mtu,
                    std::vector<std::unique_ptr<FdState>>& fds);

}  // namespace fdlink::fdbased

#endif  // FDLINK_SRC_LINK_FDBASED_URING_PROBE_H_
