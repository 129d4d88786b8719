// A user of the installed library: builds an endpoint on a socketpair,
// writes one packet through it and reads it back on the peer.
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>

#include "fdlink/link/fdbased/endpoint.h"

int main() {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) != 0) return 1;
  fdlink::fdbased::Options opts;
  opts.fds = {sv[0]};
  auto ep = fdlink::fdbased::Endpoint::Create(opts);
  if (!ep) return 2;
  const uint8_t payload[] = {0x45, 0, 0, 20};
  fdlink::PacketBufferPtr p = fdlink::PacketBuffer::Create(
      {.reserve_header_bytes = 0, .payload = payload});
  auto n = (*ep)->WritePackets(std::span(&p, 1));
  if (!n || *n != 1) return 3;
  uint8_t buf[64];
  if (read(sv[1], buf, sizeof(buf)) != 4) return 4;
  p.reset();
  ep->reset();
  close(sv[0]);
  close(sv[1]);
  std::puts("consumer: ok");
  return 0;
}
