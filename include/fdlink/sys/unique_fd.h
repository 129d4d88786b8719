// UniqueFd: sole ownership of a file descriptor.
#ifndef FDLINK_SYS_UNIQUE_FD_H_
#define FDLINK_SYS_UNIQUE_FD_H_

#include <utility>

namespace fdlink {

// UniqueFd owns one descriptor and closes it when destroyed or reset. It is
// move-only; -1 means "no descriptor". A plain `int` elsewhere in fdlink is a
// borrowed descriptor whose owner promises it outlives the borrower.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) reset(o.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  // get returns the descriptor, still owned by this object.
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  explicit operator bool() const { return valid(); }
  // release gives up ownership and returns the descriptor.
  int release() { return std::exchange(fd_, -1); }
  // reset closes the owned descriptor (if any) and takes `fd`.
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

}  // namespace fdlink

#endif  // FDLINK_SYS_UNIQUE_FD_H_
