// ConnectionCallbacks: the lwIP raw-API callbacks that drive a Connection.
#ifndef FDLINK_SRC_LWIP_CONNECTION_CALLBACKS_H_
#define FDLINK_SRC_LWIP_CONNECTION_CALLBACKS_H_

#include "fdlink/lwip/connection.h"
#include "lwip/lwip_headers.h"

namespace fdlink::lwip {

// ConnectionCallbacks holds the functions lwIP calls for a Connection's
// pcb (tcp_arg is the Connection, or null once it is unhooked). lwIP calls
// them with core_lock held.
struct ConnectionCallbacks {
  // Hook points `c`'s pcb's callbacks at these functions.
  static void Hook(Connection* c) REQUIRES(core_lock);
  static err_t Recv(void* arg, tcp_pcb* pcb, pbuf* p, err_t err);
  static err_t Sent(void* arg, tcp_pcb* pcb, u16_t len);
  static void Err(void* arg, err_t err);
};

}  // namespace fdlink::lwip

#endif  // FDLINK_SRC_LWIP_CONNECTION_CALLBACKS_H_
