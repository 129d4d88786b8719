// `fdlink demo`: shows the endpoint moving real packets. As root it uses a
// TUN device in a private network namespace with the kernel as the peer;
// otherwise socketpairs and a built-in traffic generator.
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>

#include "common/cli.h"
#include "common/cli_status.h"
#include "demo/run.h"
#include "fdlink/sys/self_sys.h"

namespace fdlink::tool {
void AddDemo(CLI::App& app, int* exit_code) {
  auto opts = std::make_shared<DemoOptions>();
  CLI::App* sub = app.add_subcommand(
      "demo", "Run the responder on a real link and drive traffic through it");
  sub->add_option("--seconds", opts->seconds, "How long to drive traffic")
      ->check(CLI::Range(0.2, 600.0));
  sub->add_option("--cycles", opts->cycles,
                  "Detach/re-attach cycles during the traffic")
      ->check(CLI::Range(0, 1000));
  auto mode =
      std::make_shared<std::string>(fdbased::DispatchModeName(opts->mode));
  sub->add_option("--mode", *mode, "Receive mode")
      ->check(ModeNames())
      ->capture_default_str();
  sub->add_flag("--socketpair", opts->socketpair,
                "Use socketpairs even when running as root");
  sub->add_flag("--json", opts->json, "Print one JSON object instead");
  AddOffloadFlags(sub, &opts->offload);
  sub->callback([opts, mode, exit_code] {
    opts->mode = *fdbased::ParseDispatchMode(*mode);
    if (std::string err = CheckOffloadSwitches(opts->offload); !err.empty()) {
      *exit_code = ReportError("demo", kExitUsage, err, opts->json);
      return;
    }
    *exit_code = sys::IsRoot() && !opts->socketpair ? RunTunDemo(*opts)
                                                    : RunSocketpairDemo(*opts);
  });
}

}  // namespace fdlink::tool
