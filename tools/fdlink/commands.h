// The fdlink tool's subcommands register themselves here: each command's
// file defines one `RegisterCommand` object, and main() adds them all.
#ifndef FDLINK_TOOLS_FDLINK_COMMANDS_H_
#define FDLINK_TOOLS_FDLINK_COMMANDS_H_

#include <CLI/CLI.hpp>
#include <vector>

namespace fdlink::tool {

// AddCommandFn registers one subcommand on `app`; its callback runs the
// command and stores the process exit status in *exit_code.
using AddCommandFn = void (*)(CLI::App& app, int* exit_code);

// Commands lists every registered subcommand (ordered by `order`).
struct CommandEntry {
  int order;
  AddCommandFn add;
};
std::vector<CommandEntry>& Commands();

// RegisterCommand adds a command at static-initialisation time.
struct RegisterCommand {
  RegisterCommand(int order, AddCommandFn add) {
    Commands().push_back({order, add});
  }
};

}  // namespace fdlink::tool

#endif  // FDLINK_TOOLS_FDLINK_COMMANDS_H_
