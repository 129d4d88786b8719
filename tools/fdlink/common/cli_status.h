// The fdlink tool's exit statuses and its one way of reporting an error:
// one line on stderr, and with --json also one JSON object on stdout, so
// that stdout stays JSON Lines.
#ifndef FDLINK_TOOLS_FDLINK_COMMON_CLI_STATUS_H_
#define FDLINK_TOOLS_FDLINK_COMMON_CLI_STATUS_H_

#include <string>
#include <string_view>

namespace fdlink::tool {

// Exit statuses of every command, listed in `fdlink --help`.
inline constexpr int kExitOk = 0;       // Success.
inline constexpr int kExitFailure = 1;  // Runtime failure.
inline constexpr int kExitUsage = 2;    // Bad arguments (usage error).

// kExitStatusHelp documents the statuses for --help footers.
inline constexpr char kExitStatusHelp[] =
    "Exit status: 0 success, 1 runtime failure (the link, the kernel or a "
    "check failed), 2 usage error (bad arguments; one line says which).";

// ReportError prints "fdlink COMMAND: MESSAGE" on stderr (COMMAND may be
// empty) and, when `json` is set, {"event":"error","command":...,
// "exit_status":STATUS,"error":MESSAGE} on stdout. Returns `status`.
int ReportError(std::string_view command, int status, std::string_view message,
                bool json);

}  // namespace fdlink::tool

#endif  // FDLINK_TOOLS_FDLINK_COMMON_CLI_STATUS_H_
