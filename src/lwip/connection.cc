#include "fdlink/lwip/connection.h"

#include <algorithm>

#include "lwip/connection_callbacks.h"
#include "lwip/lwip_headers.h"

namespace fdlink::lwip {

Connection::Connection(tcp_pcb* pcb, const FlowAddr& src, const FlowAddr& dst)
    : pcb_(pcb), original_src_(src), original_dst_(dst) {}

Connection::~Connection() = default;

void Connection::Unhook() {
  if (pcb_ == nullptr) return;
  tcp_arg(pcb_, nullptr);
  tcp_recv(pcb_, nullptr);
  tcp_sent(pcb_, nullptr);
  tcp_err(pcb_, nullptr);
  pcb_ = nullptr;
}

Result<size_t> Connection::Write(std::span<const uint8_t> data) {
  if (pcb_ == nullptr || write_shut_) {
    return Error{Errc::kClosed, 0, "lwip: write on a closed connection"};
  }
  const size_t n = std::min<size_t>(data.size(), tcp_sndbuf(pcb_));
  if (n == 0) return size_t{0};
  // tcp_sndbuf() is at most 0xFFFF (even with a larger send_buffer), so n
  // fits the u16_t length.
  const err_t e =
      tcp_write(pcb_, data.data(), static_cast<u16_t>(n), TCP_WRITE_FLAG_COPY);
  if (e == ERR_MEM) return size_t{0};  // Out of queue slots: like full.
  if (e != ERR_OK) return Error{Errc::kNoBufferSpace, 0, "lwip: tcp_write"};
  tcp_output(pcb_);
  return n;
}

size_t Connection::SendSpace() const {
  if (pcb_ == nullptr || write_shut_) return 0;
  return tcp_sndbuf(pcb_);
}

void Connection::Consumed(size_t n) {
  if (pcb_ == nullptr) return;
  unconsumed_ -= std::min(unconsumed_, n);
  ReturnWindow(n);
}

void Connection::ReturnWindow(size_t n) {
  if (receive_window_ == 0) {
    while (n > 0) {
      const u16_t chunk = static_cast<u16_t>(std::min<size_t>(n, 0xffff));
      tcp_recved(pcb_, chunk);
      n -= chunk;
    }
    return;
  }
  // tcp_recved with receive_window_ as the clamp instead of TCP_WND: grow
  // the window, and send the update now if it grew by enough.
  pcb_->rcv_wnd = static_cast<tcpwnd_size_t>(
      std::min<uint64_t>(uint64_t{pcb_->rcv_wnd} + n, receive_window_));
  if (tcp_update_rcv_ann_wnd(pcb_) >= TCP_WND_UPDATE_THRESHOLD) {
    tcp_ack_now(pcb_);
    tcp_output(pcb_);
  }
}

void Connection::SettleWindowForClose() {
  if (receive_window_ == 0) return;
  if (unconsumed_ == 0) {
    pcb_->rcv_wnd = TCP_WND_MAX(pcb_);
  } else if (pcb_->rcv_wnd == TCP_WND_MAX(pcb_)) {
    --pcb_->rcv_wnd;  // Bytes are unconsumed: it must not read as none.
  }
}

Result<void> Connection::ShutdownWrite() {
  if (pcb_ == nullptr) return Error{Errc::kClosed, 0, "lwip: shutdown"};
  if (write_shut_) return {};
  if (tcp_shutdown(pcb_, 0, 1) != ERR_OK) {
    return Error{Errc::kNoBufferSpace, 0, "lwip: tcp_shutdown"};
  }
  write_shut_ = true;
  return {};
}

void Connection::Close() {
  if (pcb_ == nullptr) return;
  SettleWindowForClose();
  tcp_pcb* pcb = pcb_;
  Unhook();
  if (tcp_close(pcb) != ERR_OK) {
    tcp_abort(pcb);  // Out of memory for the FIN: reset instead.
    aborted_in_callback_ = true;
  }
}

void Connection::Abort() {
  if (pcb_ == nullptr) return;
  tcp_pcb* pcb = pcb_;
  Unhook();
  tcp_abort(pcb);
  aborted_in_callback_ = true;
}

err_t ConnectionCallbacks::Recv(void* arg, tcp_pcb* pcb, pbuf* p, err_t err) {
  core_lock.AssertHeld();
  auto* c = static_cast<Connection*>(arg);
  if (c == nullptr) {  // Unhooked: behave like lwIP's tcp_recv_null.
    if (p != nullptr) {
      tcp_recved(pcb, p->tot_len);
      pbuf_free(p);
    } else if (err == ERR_OK) {
      tcp_close(pcb);
    }
    return ERR_OK;
  }
  c->aborted_in_callback_ = false;
  if (p == nullptr) {
    if (c->on_recv_) c->on_recv_(*c, {});
    return c->aborted_in_callback_ ? ERR_ABRT : ERR_OK;
  }
  if (!c->on_recv_) {
    c->ReturnWindow(p->tot_len);
    pbuf_free(p);
    return ERR_OK;
  }
  for (pbuf* q = p; q != nullptr && c->pcb_ != nullptr; q = q->next) {
    c->unconsumed_ += q->len;
    c->on_recv_(*c, std::span<const uint8_t>(
                        static_cast<const uint8_t*>(q->payload), q->len));
  }
  pbuf_free(p);
  return c->aborted_in_callback_ ? ERR_ABRT : ERR_OK;
}

err_t ConnectionCallbacks::Sent(void* arg, tcp_pcb*, u16_t len) {
  core_lock.AssertHeld();
  auto* c = static_cast<Connection*>(arg);
  if (c == nullptr) return ERR_OK;
  c->aborted_in_callback_ = false;
  if (c->on_sent_) c->on_sent_(*c, len);
  return c->aborted_in_callback_ ? ERR_ABRT : ERR_OK;
}

void ConnectionCallbacks::Err(void* arg, err_t) {
  core_lock.AssertHeld();
  auto* c = static_cast<Connection*>(arg);
  if (c == nullptr) return;
  c->pcb_ = nullptr;  // lwIP has freed it already.
  Connection::ErrorFn fn = std::move(c->on_error_);
  c->on_recv_ = nullptr;
  c->on_sent_ = nullptr;
  if (fn) fn(*c);
}

void ConnectionCallbacks::Hook(Connection* c) {
  core_lock.AssertHeld();
  tcp_arg(c->pcb_, c);
  tcp_recv(c->pcb_, &ConnectionCallbacks::Recv);
  tcp_sent(c->pcb_, &ConnectionCallbacks::Sent);
  tcp_err(c->pcb_, &ConnectionCallbacks::Err);
}

}  // namespace fdlink::lwip
