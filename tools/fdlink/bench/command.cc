// `fdlink bench`: the endpoint's receive throughput next to the system-call
// limit on the same descriptors, with CPU cost, allocations and detach
// latency.
#include <memory>
#include <string>
#include <vector>

#include "bench/run.h"
#include "common/cli.h"

namespace fdlink::tool {
void AddBench(CLI::App& app, int* exit_code) {
  auto opts = std::make_shared<BenchOptions>();
  CLI::App* sub = app.add_subcommand(
      "bench",
      "Measure the endpoint's receive path against the bare system-call loop "
      "(the limit) on socketpairs and, as root, a TUN device");
  // Kinds and modes are read as text so --help and errors list the names.
  auto kinds = std::make_shared<std::vector<std::string>>();
  auto modes = std::make_shared<std::vector<std::string>>();
  sub->add_option("--kind", *kinds,
                  "Descriptor kinds (default: all but veth; the tun kinds and "
                  "veth need root; veth: AF_PACKET on a veth pair, packet_mmap "
                  "against recvmmsg and the bare recvmmsg loop)")
      ->check(CLI::IsMember({"seqpacket", "dgram", "gro", "tun", "tun-offload",
                             "tun-tx", "veth"}));
  sub->add_option("--mode", *modes, "Receive modes (default: both)")
      ->check(ModeNames());
  sub->add_option("--size", opts->sizes,
                  "IPv4 packet sizes in bytes (default: 64 1400)")
      ->check(CLI::Range(28, 1500));
  sub->add_option("--processors", opts->processors,
                  "Endpoint processor counts (default: 1 2)")
      ->check(CLI::Range(1, 16));
  sub->add_option("--seconds", opts->seconds, "Measured seconds per run")
      ->check(CLI::Range(0.01, 600.0));
  sub->add_option("--rounds", opts->rounds,
                  "Rounds per case, each running the limit and fdlink in turn "
                  "(rates summed; ratio: median of the rounds' ratios)")
      ->check(CLI::Range(1, 100));
  sub->add_option("--detach-cycles", opts->detach_cycles,
                  "Detaches timed under flood per case and processor count "
                  "(0: skip)")
      ->check(CLI::Range(0, 100000));
  sub->add_flag("--count-allocs,!--no-count-allocs", opts->count_allocs,
                "Count heap allocations (default on)");
  sub->add_flag("--pin,!--no-pin", opts->pin,
                "Run the sender on the first CPU and the receiver's threads "
                "on the others (default on; needs 2 CPUs)");
  sub->add_flag("--sniffer", opts->sniffer,
                "Add an fdlink row through the capture wrapper with capture "
                "off (delivery \"sniffed\"), with its ratio to the unwrapped "
                "row (seqpacket, dgram, tun)");
  sub->add_flag("--json", opts->json, "Print one JSON object per line");
  sub->callback([opts, kinds, modes, exit_code] {
    for (const std::string& k : *kinds) {
      opts->kinds.push_back(k == "tun"           ? BenchKind::kTun
                            : k == "tun-offload" ? BenchKind::kTunOffload
                            : k == "tun-tx"      ? BenchKind::kTunTx
                            : k == "gro"         ? BenchKind::kGro
                            : k == "veth"        ? BenchKind::kVeth
                            : k == "dgram"       ? BenchKind::kDgram
                                                 : BenchKind::kSeqpacket);
    }
    for (const std::string& m : *modes)
      opts->modes.push_back(*fdbased::ParseDispatchMode(m));
    *exit_code = RunBench(*opts);
  });
}

}  // namespace fdlink::tool
