// Wrong: the pre-fix ordering of gVisor issue 11456 -- waits for the loops
// while holding mu_, which the loops need in order to exit.
#include "toy_endpoint.h"

namespace fdlink::tsa {

void ToyEndpoint::Detach() {
  WriterMutexLock l(&mu_);
  attached_ = false;
  WaitLoops();  // expected-tsa-error
}

}  // namespace fdlink::tsa
