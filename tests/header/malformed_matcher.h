// Test helper for the header layer: IsMalformed(result, what) checks that a
// checked constructor rejected its input with Errc::kMalformed and the
// expected `what`.
#ifndef FDLINK_TESTS_HEADER_MALFORMED_MATCHER_H_
#define FDLINK_TESTS_HEADER_MALFORMED_MATCHER_H_

#include <gtest/gtest.h>

#include <string_view>

#include "fdlink/base/result.h"

namespace fdlink::header::testing {

template <typename T>
::testing::AssertionResult IsMalformed(const Result<T>& r,
                                       std::string_view what) {
  if (r.has_value()) {
    return ::testing::AssertionFailure() << "parsed, expected " << what;
  }
  if (r.error().code != Errc::kMalformed) {
    return ::testing::AssertionFailure() << "error " << r.error().ToString();
  }
  if (std::string_view(r.error().what) != what) {
    return ::testing::AssertionFailure() << "what is \"" << r.error().what
                                         << "\", expected \"" << what << "\"";
  }
  return ::testing::AssertionSuccess();
}

}  // namespace fdlink::header::testing

#endif  // FDLINK_TESTS_HEADER_MALFORMED_MATCHER_H_
