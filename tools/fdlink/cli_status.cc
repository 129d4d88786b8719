#include "cli_status.h"

#include <cstdio>

namespace fdlink::tool {

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

int ReportError(std::string_view command, int status, std::string_view message,
                bool json) {
  const std::string who =
      command.empty() ? "fdlink" : "fdlink " + std::string(command);
  std::fprintf(stderr, "%s: %.*s\n", who.c_str(),
               static_cast<int>(message.size()), message.data());
  std::fflush(stderr);
  if (json) {
    std::printf(
        "{\"event\":\"error\",\"command\":%s,\"exit_status\":%d,"
        "\"error\":%s}\n",
        JsonString(command).c_str(), status, JsonString(message).c_str());
    std::fflush(stdout);
  }
  return status;
}

}  // namespace fdlink::tool
