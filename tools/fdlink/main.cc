// fdlink: demo, serve, torture, bench and tun2socks for the fdlink library.
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>

#include "common/cli.h"
#include "common/cli_status.h"

namespace fdlink::tool {

namespace {

// WantsJson reports whether --json is among the arguments, so that an
// argument error is reported as JSON too.
bool WantsJson(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--json") return true;
  }
  return false;
}

// UnknownCommand is the message for a first argument that is neither an
// option nor a command ("frobnicate"), or "" when it is fine.
std::string UnknownCommand(CLI::App& app, int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') return "";
  std::string names;
  for (CLI::App* sub : app.get_subcommands({})) {
    if (sub->get_name() == argv[1]) return "";
    names += (names.empty() ? "" : ", ") + sub->get_name();
  }
  return std::string(argv[1]) + " is not a command (commands: " + names +
         "; see fdlink --help)";
}

// ParsedCommand names the subcommand being parsed when an error came, or
// "" before one was named.
std::string ParsedCommand(CLI::App& app) {
  const std::vector<CLI::App*> subs = app.get_subcommands();
  return subs.empty() ? "" : subs.front()->get_name();
}

}  // namespace
}  // namespace fdlink::tool

int main(int argc, char** argv) {
  using namespace fdlink::tool;
  CLI::App app{
      "fdlink moves packets between Linux file descriptors (TUN/TAP, "
      "AF_PACKET, socketpairs) and a user-space network stack."};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("fdlink ") + FDLINK_VERSION,
                       "Print the version and exit");
  app.footer(kExitStatusHelp);
  int exit_code = kExitOk;
  AddDemo(app, &exit_code);
  AddServe(app, &exit_code);
  AddTorture(app, &exit_code);
  AddBench(app, &exit_code);
  AddTun2socks(app, &exit_code);
  for (CLI::App* sub : app.get_subcommands({})) sub->footer(kExitStatusHelp);
  if (const std::string err = UnknownCommand(app, argc, argv); !err.empty())
    return ReportError("", kExitUsage, err, WantsJson(argc, argv));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version end parsing with status 0 and print as usual.
    if (e.get_exit_code() == 0) return app.exit(e);
    const std::string command = ParsedCommand(app);
    const std::string help =
        command.empty() ? "fdlink --help" : "fdlink " + command + " --help";
    return ReportError(command, kExitUsage,
                       std::string(e.what()) + " (see " + help + ")",
                       WantsJson(argc, argv));
  } catch (const std::exception& e) {
    return ReportError(ParsedCommand(app), kExitFailure, e.what(),
                       WantsJson(argc, argv));
  }
  return exit_code;
}
