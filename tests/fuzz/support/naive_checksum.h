// The reference the fuzz oracles check checksums against: the Internet
// checksum (RFC 1071) written the slow, obvious way, one 16-bit word at a
// time, and the pseudo headers (RFC 768, RFC 8200 8.1) laid out as bytes.
// It shares no code with fdlink/header/checksum.h.
#ifndef FDLINK_TESTS_FUZZ_SUPPORT_NAIVE_CHECKSUM_H_
#define FDLINK_TESTS_FUZZ_SUPPORT_NAIVE_CHECKSUM_H_

#include <cstdint>
#include <span>
#include <vector>

namespace fdlink::fuzz {

// NaiveSum returns the folded one's-complement sum of b's big-endian 16-bit
// words (an odd last byte is the high byte of a zero-padded word), plus
// `initial`. Like header::Checksum it is 0 only for all-zero input.
uint16_t NaiveSum(std::span<const uint8_t> b, uint32_t initial = 0);

// NaivePseudoHeader4 and NaivePseudoHeader6 return the pseudo header bytes
// for a transport segment of `length` bytes; src and dst are 4 and 16 bytes.
std::vector<uint8_t> NaivePseudoHeader4(std::span<const uint8_t, 4> src,
                                        std::span<const uint8_t, 4> dst,
                                        uint8_t protocol, uint16_t length);
std::vector<uint8_t> NaivePseudoHeader6(std::span<const uint8_t, 16> src,
                                        std::span<const uint8_t, 16> dst,
                                        uint8_t next_header, uint32_t length);

// NaiveTransportSum returns NaiveSum over pseudo + segment (concatenated);
// a stored checksum is correct when it is 0xffff.
uint16_t NaiveTransportSum(const std::vector<uint8_t>& pseudo,
                           std::span<const uint8_t> segment);

}  // namespace fdlink::fuzz

#endif  // FDLINK_TESTS_FUZZ_SUPPORT_NAIVE_CHECKSUM_H_
