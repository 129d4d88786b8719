// `fdlink torture`: floods an fd-based endpoint while threads attach,
// detach, reconfigure, write and hang up on it, and checks that every detach
// is prompt and final.
#include <memory>
#include <string>

#include "common/cli.h"
#include "torture/run.h"

namespace fdlink::tool {
void AddTorture(CLI::App& app, int* exit_code) {
  auto opts = std::make_shared<TortureOptions>();
  CLI::App* sub = app.add_subcommand(
      "torture",
      "Attach/detach an fd-based endpoint in a loop under a packet flood and "
      "fail on any hang, late delivery, lockdep report or leaked packet");
  sub->add_option("--seconds", opts->seconds, "How long to run")
      ->check(CLI::Range(0.05, 86400.0))
      ->capture_default_str();
  sub->add_option("--cycles", opts->cycles,
                  "Stop after this many attach/detach cycles (0: no limit)");
  sub->add_option("--fds", opts->fds, "Socketpairs per endpoint")
      ->check(CLI::Range(1, 16))
      ->capture_default_str();
  sub->add_option("--processors", opts->processors,
                  "Processor threads per fd (1: deliver on the loop thread)")
      ->check(CLI::Range(1, 16))
      ->capture_default_str();
  // Strings, converted in the callback, so --help lists the names.
  auto mode =
      std::make_shared<std::string>(fdbased::DispatchModeName(opts->mode));
  auto socket = std::make_shared<std::string>("seqpacket");
  auto link = std::make_shared<std::string>("auto");
  sub->add_option("--mode", *mode,
                  "Receive mode; packet_mmap runs on a veth pair (see --link), "
                  "io_uring on the socketpairs")
      ->check(ModeNames())
      ->capture_default_str();
  sub->add_option("--socket", *socket,
                  "Socketpair type: with seqpacket a peer close reaches the "
                  "endpoint as a hang-up; with dgram Linux does not signal it")
      ->check(CLI::IsMember({"seqpacket", "dgram"}))
      ->capture_default_str();
  sub->add_option("--link", *link,
                  "What the endpoint reads: socketpairs, or veth (AF_PACKET "
                  "sockets in a fanout group on a veth pair in a private "
                  "network namespace, needs root); auto picks veth for "
                  "--mode packet_mmap and socketpairs otherwise")
      ->check(CLI::IsMember({"auto", "socketpair", "veth"}))
      ->capture_default_str();
  sub->add_option("--max-pause-us", opts->max_pause_us,
                  "Longest random pause between an attach and its detach")
      ->check(CLI::Range(0, 1000000))
      ->capture_default_str();
  sub->add_option("--hang-ms", opts->hang_ms, "Watchdog limit for any one call")
      ->check(CLI::Range(1, 600000))
      ->capture_default_str();
  sub->add_option("--seed", opts->seed, "Random seed (0: pick one)");
  sub->add_flag("--json", opts->json,
                "Print one JSON object (on the last line) instead");
  sub->callback([opts, mode, socket, link, exit_code] {
    opts->mode = *fdbased::ParseDispatchMode(*mode);
    opts->socket_type = *socket == "dgram" ? SOCK_DGRAM : SOCK_SEQPACKET;
    opts->link = *link == "veth"         ? TortureLink::kVeth
                 : *link == "socketpair" ? TortureLink::kSocketpair
                                         : TortureLink::kAuto;
    *exit_code = RunTorture(*opts);
  });
}

}  // namespace fdlink::tool
