// A strict JSON (RFC 8259) syntax checker for tests of the tool's --json
// output: stdout must be JSON Lines, one complete value per line.
#ifndef FDLINK_TESTS_TESTING_JSON_LINES_H_
#define FDLINK_TESTS_TESTING_JSON_LINES_H_

#include <string>
#include <string_view>

namespace fdlink::testing {

// IsJsonValue reports whether `text` is exactly one JSON value (objects,
// arrays, strings, numbers, true/false/null), surrounding spaces allowed.
bool IsJsonValue(std::string_view text);

// JsonLinesError checks that every line of `out` is one JSON value and
// that `out` is non-empty and ends with a newline; returns "" when it
// holds, else which line is not JSON.
std::string JsonLinesError(std::string_view out);

}  // namespace fdlink::testing

#endif  // FDLINK_TESTS_TESTING_JSON_LINES_H_
