// ByteQueue: the relay's per-connection buffer of bytes one side produced
// and the other has not taken yet.
#ifndef FDLINK_TOOLS_FDLINK_TUN2SOCKS_BYTE_QUEUE_H_
#define FDLINK_TOOLS_FDLINK_TUN2SOCKS_BYTE_QUEUE_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace fdlink::tool::tun2socks {

// ByteQueue is a FIFO of bytes. It allocates only when it first holds
// more than it ever did (its storage is kept), so a connection's steady
// state allocates nothing. Not thread-safe (the relay keeps each one under
// lwIP's core lock).
class ByteQueue {
 public:
  bool empty() const { return head_ == buf_.size(); }
  size_t size() const { return buf_.size() - head_; }
  // Front is every queued byte, oldest first (valid until the next
  // Append or Pop).
  std::span<const uint8_t> Front() const {
    return std::span<const uint8_t>(buf_).subspan(head_);
  }
  // Append adds `data` at the back.
  void Append(std::span<const uint8_t> data) {
    if (head_ > 0 && head_ == buf_.size()) {
      buf_.clear();
      head_ = 0;
    } else if (head_ > 0 && head_ >= buf_.capacity() / 2) {
      buf_.erase(buf_.begin(), buf_.begin() + static_cast<ptrdiff_t>(head_));
      head_ = 0;
    }
    buf_.insert(buf_.end(), data.begin(), data.end());
  }
  // Pop drops the `n` oldest bytes (n <= size()).
  void Pop(size_t n) {
    head_ += n;
    if (head_ == buf_.size()) {
      buf_.clear();
      head_ = 0;
    }
  }

 private:
  std::vector<uint8_t> buf_;
  size_t head_ = 0;
};

}  // namespace fdlink::tool::tun2socks

#endif  // FDLINK_TOOLS_FDLINK_TUN2SOCKS_BYTE_QUEUE_H_
