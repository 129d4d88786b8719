#include "fdlink/lwip/stack.h"

#include <future>
#include <mutex>

#include "lwip/lwip_headers.h"

namespace fdlink::lwip {

namespace {

void InitDone(void* arg) { static_cast<std::promise<void>*>(arg)->set_value(); }

template <typename Pcb>
size_t CountList(Pcb* head) {
  size_t n = 0;
  for (Pcb* p = head; p != nullptr; p = p->next) ++n;
  return n;
}

}  // namespace

Stack& Stack::Get() {
  static Stack* stack = nullptr;
  static std::once_flag once;
  std::call_once(once, [] {
    std::promise<void> done;
    std::future<void> ready = done.get_future();
    tcpip_init(InitDone, &done);
    ready.wait();
    stack = new Stack();  // Lives as long as lwIP: the whole process.
  });
  return *stack;
}

size_t Stack::ActiveTcpPcbs() const { return CountList(tcp_active_pcbs); }

size_t Stack::ListenTcpPcbs() const {
  return CountList(tcp_listen_pcbs.listen_pcbs);
}

size_t Stack::TimeWaitTcpPcbs() const { return CountList(tcp_tw_pcbs); }

}  // namespace fdlink::lwip
