// `fdlink serve`: registers the subcommand and its flags (see serve.h).
#include <memory>
#include <string>

#include "common/cli.h"
#include "serve/run.h"

namespace fdlink::tool {
void AddServe(CLI::App& app, int* exit_code) {
  auto opts = std::make_shared<ServeOptions>();
  CLI::App* sub = app.add_subcommand(
      "serve",
      "Run the reference responder (ARP, ICMP/ICMPv6 echo, NDP, UDP echo) on "
      "a TUN/TAP device, AF_PACKET sockets or an inherited fd until SIGINT "
      "or SIGTERM");
  sub->add_option("--tun", opts->tun,
                  "TUN device (raw IP) to open, created if missing");
  sub->add_option("--tap", opts->tap,
                  "TAP device (Ethernet, our MAC 02:fd:00:00:00:01) to open, "
                  "created if missing");
  sub->add_option("--packet-socket", opts->packet_socket,
                  "Interface to serve on with AF_PACKET sockets (Ethernet, "
                  "the interface's MAC)");
  sub->add_option("--fd", opts->fd,
                  "Inherited descriptor to serve on (raw IP unless "
                  "--ethernet)")
      ->check(CLI::Validator(
          [](const std::string& s) -> std::string {
            const bool digits =
                !s.empty() && s.size() <= 9 &&
                s.find_first_not_of("0123456789") == std::string::npos;
            return digits ? ""
                          : "expected a descriptor number (0 or more), "
                            "not '" +
                                s + "'";
          },
          "FD"));
  sub->add_option("--addr", opts->addrs,
                  "Address the responder answers for (IPv4 or IPv6, "
                  "optionally /PREFIX); repeatable")
      ->take_all();
  sub->add_option("--device-addr", opts->device_addrs,
                  "CIDR assigned to the kernel's side of the device, which "
                  "is then brought up; repeatable")
      ->take_all();
  auto mode =
      std::make_shared<std::string>(fdbased::DispatchModeName(opts->mode));
  sub->add_option("--mode", *mode, "Receive mode (default readv)")
      ->check(ModeNames());
  sub->add_option("--queues", opts->queues,
                  "TUN/TAP queues, or AF_PACKET sockets in a fanout group")
      ->check(CLI::Range(1, 64));
  sub->add_option("--processors", opts->processors,
                  "Processor threads per fd (0: the endpoint chooses)")
      ->check(CLI::Range(0, 64));
  sub->add_option("--mtu", opts->mtu,
                  "MTU to set on the device and use on the endpoint")
      ->check(CLI::Range(68, 65535));
  sub->add_option("--udp-echo", opts->udp_echo_ports,
                  "UDP port to echo on; repeatable (default 7)")
      ->take_all()
      ->check(CLI::Range(1, 65535));
  sub->add_flag("--ethernet", opts->ethernet,
                "With --fd: frames carry an Ethernet header");
  sub->add_flag("--join", opts->join,
                "Serve a TUN/TAP device (adding queues to it) or an interface "
                "that another fdlink already serves; without --join that is "
                "refused");
  sub->add_flag("--json", opts->json,
                "stdout is JSON Lines: a ready event, then a stopped event "
                "with the counters; an error is a JSON object too");
  AddOffloadFlags(sub, &opts->offload);
  sub->callback([opts, mode, exit_code] {
    opts->mode = *fdbased::ParseDispatchMode(*mode);
    *exit_code = RunServe(*opts);
  });
}

}  // namespace fdlink::tool
