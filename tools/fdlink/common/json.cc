#include "common/json.h"

#include <cmath>
#include <cstdio>
#include <string>

namespace fdlink::tool {

double Rounded(double v, int decimals) {
  const double scale = std::pow(10.0, decimals);
  return std::round(v * scale) / scale;
}

Json ParsedJson(std::string_view text) { return Json::parse(text); }

void PrintJsonLine(const Json& j) {
  // Invalid UTF-8 (from an argument) is replaced, not thrown about.
  const std::string line =
      j.dump(-1, ' ', false, Json::error_handler_t::replace);
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

}  // namespace fdlink::tool
