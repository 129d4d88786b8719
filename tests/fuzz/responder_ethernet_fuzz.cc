// Fuzz target responder_ethernet: the responder on an Ethernet (TAP-like)
// endpoint with MAC 02:00:00:00:00:01 fed arbitrary frames. Input: one
// RigFlags byte, then the frame (Ethernet header first). Every reply must
// pass CheckReply (support/reply_oracle.h).
#include <cstddef>
#include <cstdint>

#include "support/responder_rig.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static fdlink::fuzz::ResponderRig* rig =
      new fdlink::fuzz::ResponderRig(/*ethernet=*/true);
  rig->Run({data, size});
  return 0;
}
