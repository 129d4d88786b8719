// JSON output of the fdlink tool's --json mode: one object per line, built
// with nlohmann-json, keys in insertion order (the order the text output
// reads).
#ifndef FDLINK_TOOLS_FDLINK_COMMON_JSON_H_
#define FDLINK_TOOLS_FDLINK_COMMON_JSON_H_

#include <nlohmann/json.hpp>
#include <string_view>

namespace fdlink::tool {

// Json is an object whose keys keep the order they were added in.
using Json = nlohmann::ordered_json;

// Rounded is `v` rounded to `decimals` places, so a figure prints as briefly
// as a printf "%.Nf" would (nlohmann prints a double's every digit).
double Rounded(double v, int decimals);

// ParsedJson is the value of JSON text that a library call rendered (e.g.
// ResponderCounters::Json()), to nest it in an object.
Json ParsedJson(std::string_view text);

// PrintJsonLine prints `j` as one line on stdout and flushes it.
void PrintJsonLine(const Json& j);

}  // namespace fdlink::tool

#endif  // FDLINK_TOOLS_FDLINK_COMMON_JSON_H_
