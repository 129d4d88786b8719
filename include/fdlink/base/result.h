// Error and Result<T>: fdlink's error-or-value type, shaped like std::expected.
#ifndef FDLINK_BASE_RESULT_H_
#define FDLINK_BASE_RESULT_H_

#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "fdlink/base/errc.h"

namespace fdlink {

// Error is a small value: an Errc, the errno it came from (0 if none) and a
// static description of the operation that failed ("readv", "TUNSETIFF").
// `what` must point at a string with static storage duration; Error never
// owns memory, so returning one never allocates.
struct Error {
  Errc code = Errc::kUnknown;
  int sys_errno = 0;
  const char* what = "";

  // FromErrno builds an Error for a failed call named `op` from `err`.
  static Error FromErrno(int err, const char* op) {
    return Error{ErrcFromErrno(err), err, op};
  }
  // ToString renders "op: code (strerror)" for logs and CLI messages.
  std::string ToString() const;

  friend bool operator==(const Error& a, const Error& b) {
    return a.code == b.code;
  }
};

namespace internal {
// DieOnValueOfError prints "fdlink: Result::value() on an error: <error>" to
// stderr and aborts; DieOnErrorOfValue does the same for error() on a value.
// Both fire in every build type, release included.
[[noreturn]] void DieOnValueOfError(const Error& e);
[[noreturn]] void DieOnErrorOfValue();
}  // namespace internal

// Result<T> holds either a T or an Error. Like std::expected it has
// has_value(), value(), error(), operator bool, * and ->. Calling value() (or
// *, ->) on an error, or error() on a value, is a programming error: it
// prints the error and aborts the process in every build type.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(const T& v) : v_(v) {}            // NOLINT: implicit by design
  Result(T&& v) : v_(std::move(v)) {}      // NOLINT
  Result(Error e) : v_(std::move(e)) {}    // NOLINT
  Result(Errc c) : v_(Error{c, 0, ""}) {}  // NOLINT

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & {
    CheckValue();
    return *std::get_if<0>(&v_);
  }
  const T& value() const& {
    CheckValue();
    return *std::get_if<0>(&v_);
  }
  T&& value() && {
    CheckValue();
    return std::move(*std::get_if<0>(&v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const {
    if (has_value()) [[unlikely]]
      internal::DieOnErrorOfValue();
    return *std::get_if<1>(&v_);
  }

 private:
  void CheckValue() const {
    if (!has_value()) [[unlikely]]
      internal::DieOnValueOfError(*std::get_if<1>(&v_));
  }

  std::variant<T, Error> v_;
};

// Result<void> is success or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error e) : err_(e), ok_(false) {}        // NOLINT
  Result(Errc c) : err_{c, 0, ""}, ok_(false) {}  // NOLINT

  bool has_value() const { return ok_; }
  explicit operator bool() const { return ok_; }
  void value() const {
    if (!ok_) [[unlikely]]
      internal::DieOnValueOfError(err_);
  }
  const Error& error() const {
    if (ok_) [[unlikely]]
      internal::DieOnErrorOfValue();
    return err_;
  }

 private:
  Error err_;
  bool ok_ = true;
};

// Ok() is the success value of Result<void>.
inline Result<void> Ok() { return Result<void>(); }

}  // namespace fdlink

#endif  // FDLINK_BASE_RESULT_H_
