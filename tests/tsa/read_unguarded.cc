// Wrong: reads a GUARDED_BY field without its lock.
#include "toy_endpoint.h"

namespace fdlink::tsa {

int ToyEndpoint::LinkAddress() {
  return addr_;  // expected-tsa-error
}

}  // namespace fdlink::tsa
