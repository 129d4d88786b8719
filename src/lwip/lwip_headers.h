// The lwIP headers the lwip layer uses (Debian's liblwip-dev, through
// pkg-config's include path). Only src/lwip includes them: the public
// headers under include/fdlink/lwip do not expose lwIP's types. Debian's
// lwipopts.h declares sys_lock_tcpip_core and friends outside lwIP's own
// extern "C" blocks, hence the block around every include.
#ifndef FDLINK_SRC_LWIP_LWIP_HEADERS_H_
#define FDLINK_SRC_LWIP_LWIP_HEADERS_H_

extern "C" {
#include <lwip/err.h>
#include <lwip/init.h>
#include <lwip/ip.h>
#include <lwip/ip_addr.h>
#include <lwip/netif.h>
#include <lwip/pbuf.h>
#include <lwip/priv/tcp_priv.h>
#include <lwip/sys.h>
#include <lwip/tcp.h>
#include <lwip/tcpip.h>
#include <lwip/timeouts.h>
}

#endif  // FDLINK_SRC_LWIP_LWIP_HEADERS_H_
