#include "fdlink/sys/self_sys.h"

#include <unistd.h>

namespace fdlink::sys {

bool IsRoot() { return ::geteuid() == 0; }

bool IsExecutable(const char* path) { return ::access(path, X_OK) == 0; }

void ExitNow(int status) { ::_exit(status); }

}  // namespace fdlink::sys
