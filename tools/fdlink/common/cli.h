// CLI helpers the fdlink tool's subcommands share, and the five commands
// that main() adds explicitly, in this order.
#ifndef FDLINK_TOOLS_FDLINK_COMMON_CLI_H_
#define FDLINK_TOOLS_FDLINK_COMMON_CLI_H_

#include <CLI/CLI.hpp>
#include <iterator>
#include <string>
#include <vector>

#include "fdlink/link/fdbased/options.h"

namespace fdlink::tool {

// Each AddX registers one subcommand on `app`; its callback runs the command
// and stores the process exit status in *exit_code. Defined in X/command.cc.
void AddDemo(CLI::App& app, int* exit_code);
void AddServe(CLI::App& app, int* exit_code);
void AddTorture(CLI::App& app, int* exit_code);
void AddBench(CLI::App& app, int* exit_code);
void AddTun2socks(CLI::App& app, int* exit_code);

// ModeNames checks a --mode value against fdbased::kDispatchModeNames. Modes
// are read as text and converted with fdbased::ParseDispatchMode, so --help
// and the error message list the names (CLI11 prints a uint8_t enum as a
// character).
inline CLI::IsMember ModeNames() {
  return CLI::IsMember(
      std::vector<std::string>(std::begin(fdbased::kDispatchModeNames),
                               std::end(fdbased::kDispatchModeNames)));
}

}  // namespace fdlink::tool

#endif  // FDLINK_TOOLS_FDLINK_COMMON_CLI_H_
