// Fuzz target responder_raw_ip: the responder on a raw-IP (TUN-like)
// endpoint fed arbitrary frames. Input: one RigFlags byte, then the frame
// (an IP packet). Every reply must pass CheckReply (support/reply_oracle.h).
#include <cstddef>
#include <cstdint>

#include "support/responder_rig.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fdlink::fuzz::ResponderRig* rig =
      new fdlink::fuzz::ResponderRig(/*ethernet=*/false);
  rig->Run({data, size});
  return 0;
}
