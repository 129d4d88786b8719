// CountedRef: a counted reference to an object that frees itself when its
// last reference goes (a receive ring whose memory packets point into).
#ifndef FDLINK_SRC_LINK_FDBASED_COUNTED_REF_H_
#define FDLINK_SRC_LINK_FDBASED_COUNTED_REF_H_

#include <utility>

namespace fdlink::fdbased {

// CountedRef<T> holds one reference to a T (copy adds one, the destructor
// drops one). T provides Ref() and Unref() (the last Unref frees it) and
// makes CountedRef<T> a friend if they are private. Threading: copies may
// be made and dropped on any threads at once; one CountedRef object is not
// itself thread-safe.
template <typename T>
class CountedRef {
 public:
  CountedRef() = default;
  // Adopt takes over the one reference a freshly made `t` starts with.
  static CountedRef Adopt(T* t) { return CountedRef(t); }
  CountedRef(const CountedRef& o) : r_(o.r_) {
    if (r_ != nullptr) r_->Ref();
  }
  CountedRef(CountedRef&& o) noexcept : r_(std::exchange(o.r_, nullptr)) {}
  CountedRef& operator=(CountedRef o) noexcept {
    std::swap(r_, o.r_);
    return *this;
  }
  ~CountedRef() {
    if (r_ != nullptr) r_->Unref();
  }

  T* get() const { return r_; }
  T* operator->() const { return r_; }
  explicit operator bool() const { return r_ != nullptr; }

 private:
  explicit CountedRef(T* r) : r_(r) {}
  T* r_ = nullptr;
};

}  // namespace fdlink::fdbased

#endif  // FDLINK_SRC_LINK_FDBASED_COUNTED_REF_H_
