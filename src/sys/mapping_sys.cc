#include "fdlink/sys/mapping_sys.h"

#include <sys/mman.h>
#include <sys/utsname.h>

#include <cerrno>
#include <cstdio>

#include "fdlink/sys/syscalls.h"

namespace fdlink::sys {

Result<AnonMapping> AnonMapping::Map(size_t bytes) {
  const size_t page = PageSize();
  const size_t size = (bytes + page - 1) / page * page;
  void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return Error::FromErrno(errno, "mmap");
  return AnonMapping(static_cast<uint8_t*>(p), size);
}

AnonMapping::~AnonMapping() {
  if (data_ != nullptr) ::munmap(data_, size_);
}

KernelVersion RunningKernel() {
  static const KernelVersion v = [] {
    KernelVersion k;
    utsname u;
    if (::uname(&u) == 0 &&
        std::sscanf(u.release, "%d.%d", &k.major, &k.minor) != 2) {
      k = KernelVersion{};
    }
    return k;
  }();
  return v;
}

}  // namespace fdlink::sys
