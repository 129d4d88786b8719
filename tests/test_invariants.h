// End-of-test invariants shared by every test binary.
#ifndef FDLINK_TESTS_TEST_INVARIANTS_H_
#define FDLINK_TESTS_TEST_INVARIANTS_H_

namespace fdlink::testing {

// CheckEndOfTestInvariants adds a test failure if the test left live packets
// behind. `test_name` is used in the message.
void CheckEndOfTestInvariants(const char* test_name);

}  // namespace fdlink::testing

#endif  // FDLINK_TESTS_TEST_INVARIANTS_H_
