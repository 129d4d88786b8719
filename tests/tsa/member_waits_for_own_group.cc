// Wrong: a loop thread (holding its group) tears the endpoint down itself,
// so Detach() would wait for the very thread that runs it.
#include "toy_endpoint.h"

namespace fdlink::tsa {

bool ToyEndpoint::LoopBody() {
  Detach();  // expected-tsa-error
  return false;
}

}  // namespace fdlink::tsa
