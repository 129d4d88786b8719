// The fdlink tool's subcommands register themselves here: each command's
// file defines one `RegisterCommand` object, and main() adds them all.
#ifndef FDLINK_TOOLS_FDLINK_COMMANDS_H_
#define FDLINK_TOOLS_FDLINK_COMMANDS_H_

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "fdlink/link/fdbased/options.h"

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

// ModeNames checks a --mode value: "readv" or "recvmmsg". Modes are read
// as text and converted with ModeFromName, so --help and the error message
// list the names (CLI11 prints a uint8_t enum as a character).
inline CLI::IsMember ModeNames() {
  return CLI::IsMember({"readv", "recvmmsg"});
}

// ModeFromName maps a name that ModeNames accepted to its mode.
inline fdbased::PacketDispatchMode ModeFromName(const std::string& name) {
  return name == "recvmmsg" ? fdbased::PacketDispatchMode::kRecvMMsg
                            : fdbased::PacketDispatchMode::kReadv;
}

}  // namespace fdlink::tool

#endif  // FDLINK_TOOLS_FDLINK_COMMANDS_H_
