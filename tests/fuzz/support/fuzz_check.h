// FUZZ_CHECK, the assertion of the fuzz harnesses, and FuzzInput, a reader
// that splits a fuzzer input into the choices a harness makes.
#ifndef FDLINK_TESTS_FUZZ_SUPPORT_FUZZ_CHECK_H_
#define FDLINK_TESTS_FUZZ_SUPPORT_FUZZ_CHECK_H_

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

// FUZZ_CHECK aborts with a one-line message naming the failed condition when
// `cond` is false, so libFuzzer saves the input as a crash.
#define FUZZ_CHECK(cond)                                               \
  do {                                                                 \
    if (!(cond)) {                                                     \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, \
                   __LINE__, #cond);                                   \
      std::abort();                                                    \
    }                                                                  \
  } while (0)

namespace fdlink::fuzz {

// FuzzInput hands out the bytes of one input front to back. Reads past the
// end yield zeros, so every input is usable. Borrows the bytes.
class FuzzInput {
 public:
  explicit FuzzInput(std::span<const uint8_t> b) : b_(b) {}
  // U8 and U16 take the next byte / two bytes (big-endian).
  uint8_t U8() {
    if (b_.empty()) return 0;
    uint8_t v = b_[0];
    b_ = b_.subspan(1);
    return v;
  }
  uint16_t U16() { return static_cast<uint16_t>((U8() << 8) | U8()); }
  // Take returns the next min(n, remaining) bytes.
  std::span<const uint8_t> Take(size_t n) {
    n = n < b_.size() ? n : b_.size();
    std::span<const uint8_t> r = b_.first(n);
    b_ = b_.subspan(n);
    return r;
  }
  // Rest returns every byte not taken yet.
  std::span<const uint8_t> Rest() { return Take(b_.size()); }

 private:
  std::span<const uint8_t> b_;
};

}  // namespace fdlink::fuzz

#endif  // FDLINK_TESTS_FUZZ_SUPPORT_FUZZ_CHECK_H_
