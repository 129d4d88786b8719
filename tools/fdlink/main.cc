// fdlink: demo, serve, torture and bench for the fdlink library.
#include <algorithm>
#include <cstdio>
#include <exception>

#include "commands.h"

namespace fdlink::tool {
std::vector<CommandEntry>& Commands() {
  static std::vector<CommandEntry> commands;
  return commands;
}
}  // namespace fdlink::tool

int main(int argc, char** argv) {
  CLI::App app{
      "fdlink moves packets between Linux file descriptors (TUN/TAP, "
      "AF_PACKET, socketpairs) and a user-space network stack."};
  app.require_subcommand(1);
  int exit_code = 0;
  auto& cmds = fdlink::tool::Commands();
  std::sort(cmds.begin(), cmds.end(),
            [](auto& a, auto& b) { return a.order < b.order; });
  for (auto& c : cmds) c.add(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // One line that says what to do; --help prints the full usage.
    return app.exit(e);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fdlink: %s\n", e.what());
    return 1;
  }
  return exit_code;
}
