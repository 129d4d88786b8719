// SrcLoc: a call site (file and line), captured by default arguments.
#ifndef FDLINK_BASE_SRC_LOC_H_
#define FDLINK_BASE_SRC_LOC_H_

namespace fdlink {

// SrcLoc names a source location. Current() used as a default argument
// captures the caller's location (std::source_location is not usable with
// clang 14 and libstdc++ 12, so the builtins are used directly).
struct SrcLoc {
  const char* file = "";
  int line = 0;
  static constexpr SrcLoc Current(const char* file = __builtin_FILE(),
                                  int line = __builtin_LINE()) {
    return SrcLoc{file, line};
  }
};

}  // namespace fdlink

#endif  // FDLINK_BASE_SRC_LOC_H_
