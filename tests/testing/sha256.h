// Sha256: the SHA-256 digest (FIPS 180-4) for tests that check a transfer
// by hash: each side hashes the bytes it sent or received, in pieces of
// any size, and the test compares the digests.
#ifndef FDLINK_TESTS_TESTING_SHA256_H_
#define FDLINK_TESTS_TESTING_SHA256_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace fdlink::testing {

// Sha256 hashes a stream fed by Update; Final returns the digest and
// resets the object for another stream. One thread at a time.
class Sha256 {
 public:
  using Digest = std::array<uint8_t, 32>;

  Sha256() { Reset(); }
  // Update appends `bytes` to the hashed stream.
  void Update(std::span<const uint8_t> bytes);
  // Final pads the stream, returns its digest and starts a new stream.
  Digest Final();
  // Hex is `digest` as 64 lowercase hex digits.
  static std::string Hex(const Digest& digest);

 private:
  void Reset();
  void Block(const uint8_t* block);

  std::array<uint32_t, 8> state_{};
  std::array<uint8_t, 64> pending_{};
  size_t pending_size_ = 0;
  uint64_t total_ = 0;
};

// StreamBytes fills `out` with the bytes at `offset` of a pseudo-random
// stream seeded with `seed` (splitmix64 per 8-byte word): a sender and a
// checker can produce the same stream in pieces of any size.
void StreamBytes(uint64_t seed, uint64_t offset, std::span<uint8_t> out);

}  // namespace fdlink::testing

#endif  // FDLINK_TESTS_TESTING_SHA256_H_
