#include "testing/endpoints.h"

#include <gtest/gtest.h>

#include <utility>

namespace fdlink::testing {

std::unique_ptr<fdbased::Endpoint> MustCreateEndpoint(fdbased::Options o) {
  Result<std::unique_ptr<fdbased::Endpoint>> ep =
      fdbased::Endpoint::Create(std::move(o));
  EXPECT_TRUE(ep.has_value()) << (ep ? "" : ep.error().ToString());
  return std::move(ep).value();
}

}  // namespace fdlink::testing
