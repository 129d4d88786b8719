// Wrong: calls the raw-API wrapper without lwIP's core lock.
#include "fdlink/lwip/connection.h"

namespace fdlink::tsa {

void WriteUnlocked(lwip::Connection& c, std::span<const uint8_t> data) {
  (void)c.Write(data);  // expected-tsa-error
}

}  // namespace fdlink::tsa
