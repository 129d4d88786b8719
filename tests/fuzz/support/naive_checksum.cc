#include "support/naive_checksum.h"

namespace fdlink::fuzz {

uint16_t NaiveSum(std::span<const uint8_t> b, uint32_t initial) {
  uint64_t acc = initial;
  for (size_t i = 0; i < b.size(); i += 2) {
    uint32_t hi = b[i];
    uint32_t lo = i + 1 < b.size() ? b[i + 1] : 0;
    acc += (hi << 8) | lo;
  }
  while (acc > 0xffff) acc = (acc & 0xffff) + (acc >> 16);
  return static_cast<uint16_t>(acc);
}

std::vector<uint8_t> NaivePseudoHeader4(std::span<const uint8_t, 4> src,
                                        std::span<const uint8_t, 4> dst,
                                        uint8_t protocol, uint16_t length) {
  std::vector<uint8_t> p(src.begin(), src.end());
  p.insert(p.end(), dst.begin(), dst.end());
  p.push_back(0);
  p.push_back(protocol);
  p.push_back(static_cast<uint8_t>(length >> 8));
  p.push_back(static_cast<uint8_t>(length));
  return p;
}

std::vector<uint8_t> NaivePseudoHeader6(std::span<const uint8_t, 16> src,
                                        std::span<const uint8_t, 16> dst,
                                        uint8_t next_header, uint32_t length) {
  std::vector<uint8_t> p(src.begin(), src.end());
  p.insert(p.end(), dst.begin(), dst.end());
  for (int shift = 24; shift >= 0; shift -= 8) {
    p.push_back(static_cast<uint8_t>(length >> shift));
  }
  p.insert(p.end(), {0, 0, 0, next_header});
  return p;
}

uint16_t NaiveTransportSum(const std::vector<uint8_t>& pseudo,
                           std::span<const uint8_t> segment) {
  std::vector<uint8_t> all = pseudo;
  all.insert(all.end(), segment.begin(), segment.end());
  return NaiveSum(all);
}

}  // namespace fdlink::fuzz
