// PacketBuffer: one packet's bytes (shared, pooled views) plus the metadata a
// link endpoint and a stack exchange, and PacketBufferPtr, its owner.
#ifndef FDLINK_BUFFER_PACKET_BUFFER_H_
#define FDLINK_BUFFER_PACKET_BUFFER_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "fdlink/buffer/chunk.h"
#include "fdlink/header/mac_address.h"

namespace fdlink {

class PacketBuffer;

// PacketBufferPtr owns one reference to a PacketBuffer. It is move-only; when
// it is destroyed or reset, the reference is dropped and the last one returns
// the packet (and its chunk references) to the pools. Null means "no packet".
class PacketBufferPtr {
 public:
  PacketBufferPtr() = default;
  PacketBufferPtr(PacketBufferPtr&& o) noexcept
      : p_(std::exchange(o.p_, nullptr)) {}
  PacketBufferPtr& operator=(PacketBufferPtr&& o) noexcept {
    if (this != &o) {
      reset();
      p_ = std::exchange(o.p_, nullptr);
    }
    return *this;
  }
  PacketBufferPtr(const PacketBufferPtr&) = delete;
  PacketBufferPtr& operator=(const PacketBufferPtr&) = delete;
  ~PacketBufferPtr() { reset(); }

  PacketBuffer* get() const { return p_; }
  PacketBuffer* operator->() const { return p_; }
  PacketBuffer& operator*() const { return *p_; }
  explicit operator bool() const { return p_ != nullptr; }
  void reset();

 private:
  friend class PacketBuffer;
  explicit PacketBufferPtr(PacketBuffer* p) : p_(p) {}
  PacketBuffer* p_ = nullptr;
};

// GSOType names how a super-packet (one IP packet carrying several wire
// packets' payload) is segmented: TCP over IPv4 or IPv6, or UDP (each
// segment one datagram, virtio's UDP_L4). kNone is an ordinary packet.
enum class GSOType : uint8_t { kNone, kTCPv4, kTCPv6, kUDPL4 };

// GSOOptions is a packet's segmentation and checksum metadata, both ways: on
// an outbound packet it tells the link what to segment and checksum (host
// GSO writes it as a virtio-net header, otherwise the endpoint splits in
// software); on an inbound one it describes what the kernel (virtio-net
// header) or the endpoint's GRO handed over. Offsets count from the network
// header.
struct GSOOptions {
  GSOType type = GSOType::kNone;
  // NeedsCsum: the L4 checksum is partial (the field holds only the
  // pseudo-header sum); the full checksum covers [l3_header_len, end) and is
  // stored at l3_header_len + csum_offset.
  bool needs_csum = false;
  uint16_t csum_offset = 0;    // Checksum field offset within the L4 header.
  uint16_t mss = 0;            // Segment payload size (virtio gso_size).
  uint16_t l3_header_len = 0;  // IP header(s) length: where L4 starts.
  uint16_t l4_header_len = 0;  // TCP header (data offset x 4) or 8 (UDP).
};

// EgressRoute is the part of a route the link layer needs to add a header.
struct EgressRoute {
  MacAddress local_link_address;
  MacAddress remote_link_address;
};

// PacketBufferOptions say how to build a packet with PacketBuffer::Create.
struct PacketBufferOptions {
  // ReserveHeaderBytes is headroom for headers pushed later.
  size_t reserve_header_bytes = 0;
  // Payload is copied in after the headroom.
  std::span<const uint8_t> payload;
};

// PacketBuffer is one packet: an ordered list of shared byte views whose
// first `reserved` bytes are headroom, followed by the link, network and
// transport headers (pushed on the way out, consumed on the way in) and the
// data. It is reference-counted like gVisor's PacketBuffer: IncRef() hands out
// another owner of the same packet, Clone() a new packet sharing the payload.
//
// Threading: a packet may be handed between threads, but one packet is used
// by one thread at a time; the reference count itself is thread-safe.
class PacketBuffer {
 public:
  // Create builds a packet with `reserve_header_bytes` of headroom and a copy
  // of `payload`, from one pooled chunk.
  static PacketBufferPtr Create(const PacketBufferOptions& opts);
  // FromView builds a packet whose bytes are `data` (shared, not copied) and
  // whose headroom is `reserved` bytes at the view's front.
  static PacketBufferPtr FromView(View data, uint32_t reserved = 0);

  // LiveCount is the number of packets not yet returned to the pool. Tests
  // check it is zero at the end.
  static int64_t LiveCount();

  // IncRef returns a new owner of this same packet.
  PacketBufferPtr IncRef();
  // Clone returns a new packet that shares the payload bytes but has its own
  // copy of the headroom and headers (so either may push headers) and of the
  // metadata.
  PacketBufferPtr Clone() const;

  // Size is the packet length: headers plus data, excluding headroom.
  size_t Size() const { return size_ - reserved_; }
  size_t AvailableHeaderBytes() const { return reserved_; }
  size_t HeaderSize() const {
    return link_len_ + network_len_ + transport_len_;
  }
  size_t DataSize() const { return Size() - HeaderSize(); }

  // LinkHeaderSize is the length of the pushed or consumed link header (0
  // when there is none).
  size_t LinkHeaderSize() const { return link_len_; }

  // kMaxHeaderLength is the most bytes one header (link, network or
  // transport) may span.
  static constexpr size_t kMaxHeaderLength = 65535;

  // Push*Header take n bytes of headroom in front of what is already pushed
  // and return them for the caller to fill; empty (and nothing changes) if
  // headroom < n or the header would grow past kMaxHeaderLength. Headers
  // are pushed innermost first: transport, network, then link.
  std::span<uint8_t> PushTransportHeader(size_t n);
  std::span<uint8_t> PushNetworkHeader(size_t n);
  std::span<uint8_t> PushLinkHeader(size_t n);
  // Consume*Header mark the next n bytes after the headers consumed so far as
  // that header and return them (contiguous). Empty if fewer than n bytes
  // remain or the header would grow past kMaxHeaderLength. Headers are
  // consumed outermost first: link, network, transport. Consuming marks
  // bytes, it does not remove them: a consumed link header stays at the
  // front of Contiguous(), ForEachSlice() and ToBytes(), and LinkHeader()
  // returns it; NetworkPacket() starts after it.
  std::span<uint8_t> ConsumeLinkHeader(size_t n);
  std::span<uint8_t> ConsumeNetworkHeader(size_t n);
  std::span<uint8_t> ConsumeTransportHeader(size_t n);

  std::span<uint8_t> LinkHeader() { return HeaderAt(0, link_len_); }
  std::span<uint8_t> NetworkHeader() {
    return HeaderAt(link_len_, network_len_);
  }
  std::span<uint8_t> TransportHeader() {
    return HeaderAt(link_len_ + network_len_, transport_len_);
  }

  // ForEachSlice calls fn(std::span<const uint8_t>) for each contiguous
  // piece of the packet (headers then data), in order, skipping empties.
  template <typename Fn>
  void ForEachSlice(Fn&& fn) const {
    uint32_t skip = reserved_;
    for (const View& v : views_) {
      if (skip >= v.size()) {
        skip -= v.size();
        continue;
      }
      fn(v.bytes().subspan(skip));
      skip = 0;
    }
  }
  // ForEachSliceFrom is ForEachSlice starting `offset` bytes into the
  // packet (counted from its first byte after the headroom): the first
  // piece it yields is cut at the offset; nothing when offset >= Size().
  template <typename Fn>
  void ForEachSliceFrom(size_t offset, Fn&& fn) const {
    size_t skip = offset;
    ForEachSlice([&](std::span<const uint8_t> s) {
      if (skip >= s.size()) {
        skip -= s.size();
        return;
      }
      fn(s.subspan(skip));
      skip = 0;
    });
  }
  // SliceCount is the number of pieces ForEachSlice yields.
  size_t SliceCount() const;
  // ToBytes copies the whole packet (headers and data) into a vector; for
  // tests and slow paths only.
  std::vector<uint8_t> ToBytes() const;
  // DataBytes copies the data after the headers; for tests and slow paths.
  std::vector<uint8_t> DataBytes() const;
  // Contiguous returns the whole packet (link header included) as one span
  // when it is in one view (always true for received packets), else empty.
  std::span<uint8_t> Contiguous();
  // NetworkPacket returns the packet from its network header on (after the
  // link header, pushed or consumed) without copying, when it is in one view
  // (always true for received packets), else empty.
  std::span<uint8_t> NetworkPacket();

  // AppendView adds `v` to the end of the data (shared, not copied).
  void AppendView(View v);
  // AppendRangeOf adds bytes [offset, offset + length) of `src`, counted as
  // in src.ToBytes() (from its first byte after the headroom), to the end
  // of the data as shared views (no copy). It returns false and appends
  // nothing when the range runs past src's end. `src` may not be *this.
  bool AppendRangeOf(const PacketBuffer& src, size_t offset, size_t length);

  // Metadata.
  NetworkProtocolNumber network_protocol() const { return network_protocol_; }
  void set_network_protocol(NetworkProtocolNumber p) { network_protocol_ = p; }
  uint32_t hash() const { return hash_; }
  void set_hash(uint32_t h) { hash_ = h; }
  const EgressRoute& egress_route() const { return egress_route_; }
  void set_egress_route(const EgressRoute& r) { egress_route_ = r; }
  const GSOOptions& gso_options() const { return gso_; }
  void set_gso_options(const GSOOptions& g) { gso_ = g; }
  bool rx_checksum_validated() const { return rx_checksum_validated_; }
  void set_rx_checksum_validated(bool v) { rx_checksum_validated_ = v; }
  // RefCount is the current number of owners (for tests).
  int32_t RefCount() const { return refs_.load(std::memory_order_relaxed); }

 private:
  friend class PacketBufferPtr;
  friend class PacketBufferPool;
  PacketBuffer() = default;
  ~PacketBuffer() = default;

  static PacketBufferPtr Allocate();
  void DecRef();
  void ResetForReuse();
  std::span<uint8_t> HeaderAt(size_t off, size_t n);
  std::span<uint8_t> Push(size_t n, uint16_t* len_field);
  std::span<uint8_t> Consume(size_t n, uint16_t* len_field);
  bool PullUp(size_t n);

  std::atomic<int32_t> refs_{0};
  // Views in order. The vector keeps its capacity while the packet sits in
  // the pool, so reusing a packet does not allocate.
  std::vector<View> views_;
  uint32_t size_ = 0;      // Sum of view sizes, headroom included.
  uint32_t reserved_ = 0;  // Headroom bytes at the front of views_[0].
  uint16_t link_len_ = 0;
  uint16_t network_len_ = 0;
  uint16_t transport_len_ = 0;
  NetworkProtocolNumber network_protocol_ = 0;
  uint32_t hash_ = 0;
  bool rx_checksum_validated_ = false;
  EgressRoute egress_route_;
  GSOOptions gso_;
};

inline void PacketBufferPtr::reset() {
  if (p_ != nullptr) std::exchange(p_, nullptr)->DecRef();
}

}  // namespace fdlink

#endif  // FDLINK_BUFFER_PACKET_BUFFER_H_
