#include "fdlink/buffer/packet_buffer.h"

#include <cstring>

#include "buffer/free_list.h"
#include "buffer/live_counter.h"

namespace fdlink {
namespace {
LiveCounter g_live_packets;
}  // namespace

// PacketBufferPool recycles PacketBuffer objects (and their view vectors).
class PacketBufferPool {
 public:
  static FreeList<PacketBuffer>& List() {
    static auto* list = new FreeList<PacketBuffer>;  // Leaked on purpose.
    return *list;
  }
  static PacketBuffer* Get() {
    PacketBuffer* p = List().Pop();
    if (p == nullptr) {
      p = new PacketBuffer;
      p->views_.reserve(4);
    }
    return p;
  }
  static void Put(PacketBuffer* p) { List().Push(p); }
};

int64_t PacketBuffer::LiveCount() { return g_live_packets.Get(); }

PacketBufferPtr PacketBuffer::Allocate() {
  PacketBuffer* p = PacketBufferPool::Get();
  p->refs_.store(1, std::memory_order_relaxed);
  g_live_packets.Add(1);
  return PacketBufferPtr(p);
}

void PacketBuffer::DecRef() {
  // The sole owner skips the atomic decrement: nobody else holds a
  // reference, so nobody can add one.
  if (refs_.load(std::memory_order_acquire) != 1 &&
      refs_.fetch_sub(1, std::memory_order_acq_rel) != 1) {
    return;
  }
  ResetForReuse();
  g_live_packets.Add(-1);
  PacketBufferPool::Put(this);
}

void PacketBuffer::ResetForReuse() {
  views_.clear();  // Drops chunk references; keeps capacity.
  size_ = reserved_ = 0;
  link_len_ = network_len_ = transport_len_ = 0;
  network_protocol_ = 0;
  hash_ = 0;
  rx_checksum_validated_ = false;
  egress_route_ = EgressRoute{};
  gso_ = GSOOptions{};
}

PacketBufferPtr PacketBuffer::Create(const PacketBufferOptions& opts) {
  size_t total = opts.reserve_header_bytes + opts.payload.size();
  ChunkRef c = ChunkRef::Allocate(total);
  if (!opts.payload.empty()) {
    std::memcpy(c->data() + opts.reserve_header_bytes, opts.payload.data(),
                opts.payload.size());
  }
  return FromView(View(std::move(c), 0, static_cast<uint32_t>(total)),
                  static_cast<uint32_t>(opts.reserve_header_bytes));
}

PacketBufferPtr PacketBuffer::FromView(View data, uint32_t reserved) {
  PacketBufferPtr p = Allocate();
  p->size_ = data.size();
  p->reserved_ = reserved;
  p->views_.push_back(std::move(data));
  return p;
}

PacketBufferPtr PacketBuffer::IncRef() {
  refs_.fetch_add(1, std::memory_order_relaxed);
  return PacketBufferPtr(this);
}

PacketBufferPtr PacketBuffer::Clone() const {
  PacketBufferPtr p = Allocate();
  // Headroom and headers get a private copy; the data stays shared.
  const uint32_t front = reserved_ + static_cast<uint32_t>(HeaderSize());
  View head = View::CopyOf(views_.empty() ? std::span<const uint8_t>()
                                          : views_[0].bytes().first(front));
  p->views_.push_back(std::move(head));
  View rest = views_[0];
  rest.TrimFront(front);
  if (!rest.empty()) p->views_.push_back(std::move(rest));
  for (size_t i = 1; i < views_.size(); ++i) p->views_.push_back(views_[i]);
  p->size_ = size_;
  p->reserved_ = reserved_;
  p->link_len_ = link_len_;
  p->network_len_ = network_len_;
  p->transport_len_ = transport_len_;
  p->network_protocol_ = network_protocol_;
  p->hash_ = hash_;
  p->rx_checksum_validated_ = rx_checksum_validated_;
  p->egress_route_ = egress_route_;
  p->gso_ = gso_;
  return p;
}

std::span<uint8_t> PacketBuffer::HeaderAt(size_t off, size_t n) {
  if (n == 0 || views_.empty()) return {};
  return views_[0].bytes().subspan(reserved_ + off, n);
}

std::span<uint8_t> PacketBuffer::Push(size_t n, uint16_t* len_field) {
  if (n > reserved_ || views_.empty() || *len_field + n > kMaxHeaderLength)
    return {};
  reserved_ -= static_cast<uint32_t>(n);
  *len_field = static_cast<uint16_t>(*len_field + n);
  return views_[0].bytes().subspan(reserved_, n);
}

std::span<uint8_t> PacketBuffer::PushTransportHeader(size_t n) {
  return Push(n, &transport_len_);
}
std::span<uint8_t> PacketBuffer::PushNetworkHeader(size_t n) {
  return Push(n, &network_len_);
}
std::span<uint8_t> PacketBuffer::PushLinkHeader(size_t n) {
  return Push(n, &link_len_);
}

bool PacketBuffer::PullUp(size_t n) {
  // Make the first reserved_ + n bytes contiguous by copying them (and the
  // headroom) into a fresh chunk. Rare: received packets are one view.
  if (reserved_ + n > size_) return false;
  View merged(ChunkRef::Allocate(reserved_ + n), 0,
              static_cast<uint32_t>(reserved_ + n));
  size_t copied = 0;
  std::vector<View> rest;
  for (View& v : views_) {
    size_t want = reserved_ + n - copied;
    size_t take = want < v.size() ? want : v.size();
    if (take > 0) std::memcpy(merged.data() + copied, v.data(), take);
    copied += take;
    if (take < v.size()) {
      View tail = v;
      tail.TrimFront(static_cast<uint32_t>(take));
      rest.push_back(std::move(tail));
    }
  }
  views_.clear();
  views_.push_back(std::move(merged));
  for (View& v : rest) views_.push_back(std::move(v));
  return true;
}

std::span<uint8_t> PacketBuffer::Consume(size_t n, uint16_t* len_field) {
  const size_t start = HeaderSize();
  if (start + n > Size() || *len_field + n > kMaxHeaderLength) return {};
  if (reserved_ + start + n > views_[0].size() && !PullUp(start + n)) return {};
  *len_field = static_cast<uint16_t>(*len_field + n);
  return views_[0].bytes().subspan(reserved_ + start, n);
}

std::span<uint8_t> PacketBuffer::ConsumeLinkHeader(size_t n) {
  return Consume(n, &link_len_);
}
std::span<uint8_t> PacketBuffer::ConsumeNetworkHeader(size_t n) {
  return Consume(n, &network_len_);
}
std::span<uint8_t> PacketBuffer::ConsumeTransportHeader(size_t n) {
  return Consume(n, &transport_len_);
}

size_t PacketBuffer::SliceCount() const {
  size_t n = 0;
  ForEachSlice([&n](std::span<const uint8_t> s) { n += s.empty() ? 0 : 1; });
  return n;
}

std::vector<uint8_t> PacketBuffer::ToBytes() const {
  std::vector<uint8_t> out;
  out.reserve(Size());
  ForEachSlice([&out](std::span<const uint8_t> s) {
    out.insert(out.end(), s.begin(), s.end());
  });
  return out;
}

std::vector<uint8_t> PacketBuffer::DataBytes() const {
  std::vector<uint8_t> all = ToBytes();
  return std::vector<uint8_t>(all.begin() + static_cast<long>(HeaderSize()),
                              all.end());
}

std::span<uint8_t> PacketBuffer::Contiguous() {
  if (views_.size() != 1) return {};
  return views_[0].bytes().subspan(reserved_);
}

std::span<uint8_t> PacketBuffer::NetworkPacket() {
  if (views_.size() != 1) return {};
  return views_[0].bytes().subspan(reserved_ + link_len_);
}

void PacketBuffer::AppendView(View v) {
  size_ += v.size();
  views_.push_back(std::move(v));
}

bool PacketBuffer::AppendRangeOf(const PacketBuffer& src, size_t offset,
                                 size_t length) {
  if (&src == this || offset > src.Size() || length > src.Size() - offset) {
    return false;
  }
  size_t skip = src.reserved_ + offset;
  for (const View& v : src.views_) {
    if (length == 0) break;
    if (skip >= v.size()) {
      skip -= v.size();
      continue;
    }
    View piece = v;
    piece.TrimFront(static_cast<uint32_t>(skip));
    piece.CapLength(static_cast<uint32_t>(length));
    skip = 0;
    length -= piece.size();
    AppendView(std::move(piece));
  }
  return true;
}

}  // namespace fdlink
