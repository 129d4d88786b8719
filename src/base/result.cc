#include "fdlink/base/result.h"

#include <cstring>

namespace fdlink {

std::string Error::ToString() const {
  std::string s;
  if (what != nullptr && what[0] != '\0') {
    s += what;
    s += ": ";
  }
  s += ErrcName(code);
  if (sys_errno != 0) {
    s += " (";
    s += std::strerror(sys_errno);
    s += ")";
  }
  return s;
}

}  // namespace fdlink
