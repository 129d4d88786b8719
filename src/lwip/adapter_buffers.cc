// NetifAdapter::RaiseBuffers: per-connection send buffer and receive
// window beyond what Debian's lwIP build fixes (64 KiB each), set on the
// accepted pcb. lwIP keeps both as 32-bit counts (LWIP_WND_SCALE), so
// raising them once at accept is all it takes; what lwIP does not know,
// Connection handles (its receive-window returns and its close).
#include "fdlink/lwip/netif_adapter.h"
#include "lwip/lwip_headers.h"

namespace fdlink::lwip {

static_assert(kMaxReceiveWindow == (0xffffu << TCP_RCV_SCALE),
              "kMaxReceiveWindow is what lwIP's build can announce");

void NetifAdapter::RaiseBuffers(Connection& c) const {
  tcp_pcb* pcb = c.pcb_;
  if (config_.send_buffer > TCP_SND_BUF) {
    // lwIP counts snd_buf down by what tcp_write takes and up by what the
    // peer acknowledges, without clamping it to TCP_SND_BUF, so raising
    // it by the difference (keeping whatever is accounted already) makes
    // the buffer larger for the pcb's life. tcp_sndbuf() still reports at
    // most 65,535 at a time, which keeps Connection::Write's length
    // 16-bit. The initial slow-start threshold is lwIP's TCP_SND_BUF too.
    pcb->snd_buf += config_.send_buffer - TCP_SND_BUF;
    if (pcb->ssthresh < config_.send_buffer) {
      pcb->ssthresh = config_.send_buffer;
    }
  }
  // Without window scaling the 16-bit field says at most 65,535.
  if (config_.receive_window > TCP_WND && (pcb->flags & TF_WND_SCALE) != 0) {
    // lwIP's tcp_recved would clamp the window back to TCP_WND:
    // Connection returns consumed bytes itself up to receive_window_.
    c.receive_window_ = config_.receive_window;
    pcb->rcv_wnd += config_.receive_window - TCP_WND;
    (void)tcp_update_rcv_ann_wnd(pcb);  // The next segment announces it.
  }
}

}  // namespace fdlink::lwip
