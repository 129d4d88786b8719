// Wrong: calls a REQUIRES(mu_) helper without taking mu_.
#include "toy_endpoint.h"

namespace fdlink::tsa {

void ToyEndpoint::SetLinkAddress(int addr) {
  SetAddressLocked(addr);  // expected-tsa-error
}

}  // namespace fdlink::tsa
