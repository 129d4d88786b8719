#include "common/cli_status.h"

#include <cstdio>

#include "common/json.h"

namespace fdlink::tool {

int ReportError(std::string_view command, int status, std::string_view message,
                bool json) {
  const std::string who =
      command.empty() ? "fdlink" : "fdlink " + std::string(command);
  std::fprintf(stderr, "%s: %.*s\n", who.c_str(),
               static_cast<int>(message.size()), message.data());
  std::fflush(stderr);
  if (json) {
    PrintJsonLine(Json{{"event", "error"},
                       {"command", command},
                       {"exit_status", status},
                       {"error", message}});
  }
  return status;
}

}  // namespace fdlink::tool
