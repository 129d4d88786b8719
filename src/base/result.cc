#include "fdlink/base/result.h"

#include <cstdio>
#include <cstdlib>
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

namespace internal {

void DieOnValueOfError(const Error& e) {
  std::fprintf(stderr, "fdlink: Result::value() on an error: %s\n",
               e.ToString().c_str());
  std::abort();
}

void DieOnErrorOfValue() {
  std::fprintf(stderr, "fdlink: Result::error() on a value\n");
  std::abort();
}

}  // namespace internal

}  // namespace fdlink
