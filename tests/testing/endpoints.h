// Endpoints for tests: one way to build an fd-based endpoint from options.
#ifndef FDLINK_TESTS_TESTING_ENDPOINTS_H_
#define FDLINK_TESTS_TESTING_ENDPOINTS_H_

#include <memory>

#include "fdlink/link/fdbased/endpoint.h"

namespace fdlink::testing {

// MustCreateEndpoint returns Endpoint::Create(o). On error it records a
// test failure with the error's text, then aborts through Result::value().
std::unique_ptr<fdbased::Endpoint> MustCreateEndpoint(fdbased::Options o);

}  // namespace fdlink::testing

#endif  // FDLINK_TESTS_TESTING_ENDPOINTS_H_
