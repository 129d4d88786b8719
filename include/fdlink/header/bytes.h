// Byte-order helpers and ByteView, the common base of every header view in
// fdlink::header. Views read and write multi-byte fields one byte at a time
// (never through casts or packed structs), so they work at any alignment.
#ifndef FDLINK_HEADER_BYTES_H_
#define FDLINK_HEADER_BYTES_H_

#include <algorithm>
#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

namespace fdlink::header {

// LoadBe16 reads the big-endian 16-bit value at b[off]; b must hold
// off + 2 bytes. Load/Store helpers below follow the same contract.
inline uint16_t LoadBe16(std::span<const uint8_t> b, size_t off) {
  return static_cast<uint16_t>((b[off] << 8) | b[off + 1]);
}
// LoadBe32 reads the big-endian 32-bit value at b[off].
inline uint32_t LoadBe32(std::span<const uint8_t> b, size_t off) {
  return (uint32_t{b[off]} << 24) | (uint32_t{b[off + 1]} << 16) |
         (uint32_t{b[off + 2]} << 8) | uint32_t{b[off + 3]};
}
// LoadLe16 reads the little-endian 16-bit value at b[off].
inline uint16_t LoadLe16(std::span<const uint8_t> b, size_t off) {
  return static_cast<uint16_t>(b[off] | (b[off + 1] << 8));
}
// StoreBe16 writes v big-endian at b[off].
inline void StoreBe16(std::span<uint8_t> b, size_t off, uint16_t v) {
  b[off] = static_cast<uint8_t>(v >> 8);
  b[off + 1] = static_cast<uint8_t>(v);
}
// StoreBe32 writes v big-endian at b[off].
inline void StoreBe32(std::span<uint8_t> b, size_t off, uint32_t v) {
  b[off] = static_cast<uint8_t>(v >> 24);
  b[off + 1] = static_cast<uint8_t>(v >> 16);
  b[off + 2] = static_cast<uint8_t>(v >> 8);
  b[off + 3] = static_cast<uint8_t>(v);
}
// StoreLe16 writes v little-endian at b[off].
inline void StoreLe16(std::span<uint8_t> b, size_t off, uint16_t v) {
  b[off] = static_cast<uint8_t>(v);
  b[off + 1] = static_cast<uint8_t>(v >> 8);
}

// WritableByte is satisfied by the byte type of mutable views; setters of
// every view are constrained on it, so read-only views have no setters.
template <typename Byte>
concept WritableByte = std::same_as<Byte, uint8_t>;

// ByteView is the base of the header views: a non-owning span of packet
// bytes. Byte is `const uint8_t` for a read-only view or `uint8_t` for a
// view with setters. Like std::span it is cheap to copy and the caller keeps
// the bytes alive for as long as any view (or span it returned) is used.
template <typename Byte>
class ByteView {
  static_assert(std::is_same_v<std::remove_const_t<Byte>, uint8_t>,
                "views are over uint8_t or const uint8_t");

 public:
  // bytes returns every byte the view was built on (which may extend past
  // the end of the packet, e.g. Ethernet padding).
  std::span<Byte> bytes() const { return b_; }
  // size returns bytes().size().
  size_t size() const { return b_.size(); }

 protected:
  explicit ByteView(std::span<Byte> b) : b_(b) {}

  uint8_t U8(size_t off) const { return b_[off]; }
  uint16_t Be16(size_t off) const { return LoadBe16(b_, off); }
  uint32_t Be32(size_t off) const { return LoadBe32(b_, off); }
  uint16_t Le16(size_t off) const { return LoadLe16(b_, off); }

  void SetU8(size_t off, uint8_t v) requires WritableByte<Byte> { b_[off] = v; }
  void SetBe16(size_t off, uint16_t v) requires WritableByte<Byte> {
    StoreBe16(b_, off, v);
  }
  void SetBe32(size_t off, uint32_t v) requires WritableByte<Byte> {
    StoreBe32(b_, off, v);
  }
  void SetLe16(size_t off, uint16_t v) requires WritableByte<Byte> {
    StoreLe16(b_, off, v);
  }
  // CopyIn copies src into the view starting at off.
  void CopyIn(size_t off,
              std::span<const uint8_t> src) requires WritableByte<Byte> {
    std::copy(src.begin(), src.end(), b_.begin() + off);
  }

  // Fixed returns the N bytes at off as a fixed-extent read-only span.
  template <size_t N>
  std::span<const uint8_t, N> Fixed(size_t off) const {
    return std::span<const uint8_t>(b_).subspan(off).template first<N>();
  }
  // CopyOut returns a copy of the N bytes at off.
  template <size_t N>
  std::array<uint8_t, N> CopyOut(size_t off) const {
    std::array<uint8_t, N> a;
    std::span<const uint8_t, N> src = Fixed<N>(off);
    std::copy(src.begin(), src.end(), a.begin());
    return a;
  }

  // Range returns bytes [begin, end) clamped to the buffer, so a view built
  // unchecked over bad lengths still never reads out of bounds.
  std::span<Byte> Range(size_t begin, size_t end) const {
    begin = std::min(begin, b_.size());
    end = std::clamp(end, begin, b_.size());
    return b_.subspan(begin, end - begin);
  }

 private:
  std::span<Byte> b_;
};

}  // namespace fdlink::header

#endif  // FDLINK_HEADER_BYTES_H_
