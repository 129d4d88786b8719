// CloseOnce: the closed flag and the on-close action of a closable object.
#ifndef FDLINK_BASE_CLOSE_ONCE_H_
#define FDLINK_BASE_CLOSE_ONCE_H_

#include <functional>
#include <utility>

namespace fdlink {

// CloseOnce records whether its owner was closed and holds the action to
// run when it is, so that the action runs exactly once however often and
// from however many threads Close is called.
//
// Threading: not synchronised itself; the owner declares it GUARDED_BY its
// own mutex and calls every method under that mutex. The action is handed
// back rather than run, so that the owner runs it after unlocking.
class CloseOnce {
 public:
  // Closed reports whether MarkClosed has been called.
  bool Closed() const { return closed_; }
  // SetAction replaces the action (an empty function: none). After the
  // owner is closed it is dropped, never run.
  void SetAction(std::function<void()> action) {
    if (!closed_) action_ = std::move(action);
  }
  // MarkClosed marks the owner closed. The first call returns the action
  // (possibly empty) for the caller to run once it has unlocked; every
  // later call returns an empty function.
  [[nodiscard]] std::function<void()> MarkClosed() {
    if (closed_) return nullptr;
    closed_ = true;
    return std::exchange(action_, nullptr);
  }

 private:
  bool closed_ = false;
  std::function<void()> action_;
};

}  // namespace fdlink

#endif  // FDLINK_BASE_CLOSE_ONCE_H_
