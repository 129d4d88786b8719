// `fdlink tun2socks`: registers the subcommand and its flags.
#include <memory>
#include <string>

#include "common/cli.h"
#include "tun2socks/run.h"

namespace fdlink::tool {

void AddTun2socks(CLI::App& app, int* exit_code) {
  auto opts = std::make_shared<Tun2socksOptions>();
  CLI::App* sub = app.add_subcommand(
      "tun2socks",
      "Terminate every TCP connection and UDP flow the kernel routes into a "
      "TUN device in lwIP, and carry it to its destination through a SOCKS5 "
      "server or directly, until SIGINT or SIGTERM. ICMP echo requests to "
      "any address are answered by fdlink itself (not forwarded).");
  sub->add_option("--tun", opts->tun,
                  "TUN device to serve (created if missing, brought up; no "
                  "address needed on it)");
  sub->add_option("--socks5", opts->socks5,
                  "SOCKS5 server HOST:PORT to dial every connection through "
                  "(CONNECT; [v6]:PORT for IPv6)");
  sub->add_option("--socks5-user", opts->socks5_user,
                  "With --socks5: RFC 1929 user name");
  sub->add_option("--socks5-pass", opts->socks5_pass,
                  "With --socks5: RFC 1929 password");
  sub->add_flag("--direct", opts->direct,
                "Dial each destination directly (needs --fwmark or "
                "--bind-device so the dials do not route into the TUN)");
  sub->add_option("--fwmark", opts->fwmark,
                  "With --direct: SO_MARK for the outbound sockets; add a "
                  "policy rule (ip rule add fwmark N lookup TABLE) that "
                  "routes it around the TUN");
  sub->add_option("--bind-device", opts->bind_device,
                  "With --direct: SO_BINDTODEVICE the outbound sockets to "
                  "this interface");
  sub->add_option("--mtu", opts->mtu, "MTU to set on the TUN and use in lwIP")
      ->check(CLI::Range(1280, 65535));
  sub->add_option("--queues", opts->queues, "TUN queues (multi-queue)")
      ->check(CLI::Range(1, 64));
  sub->add_option("--txqueuelen", opts->txqueuelen,
                  "Packets the kernel holds for the TUN's reader before it "
                  "drops (default 4096; a TUN's own is 500; 0 keeps the "
                  "device's)")
      ->check(CLI::Range(0, 1048576));
  auto mode =
      std::make_shared<std::string>(fdbased::DispatchModeName(opts->mode));
  sub->add_option("--mode", *mode, "Receive mode (default readv)")
      ->check(ModeNames());
  sub->add_option("--pcap", opts->pcap,
                  "Write every packet in and out of the TUN to this pcap file "
                  "(tcpdump -r and tshark -r read it)");
  sub->add_option("--pcap-filter", opts->pcap_filter,
                  "With --pcap: capture only packets this tcpdump-syntax "
                  "filter takes (e.g. 'tcp port 80')");
  sub->add_flag("--json", opts->json,
                "stdout is JSON Lines: a ready event, stats events (with "
                "--stats-interval), then a stopped event with the counters");
  sub->add_option("--stats-interval", opts->stats_interval_ms,
                  "Print the counters every MS milliseconds (a stats event "
                  "with --json)")
      ->check(CLI::Range(10, 3600000));
  sub->add_option("--dial-timeout", opts->dial_timeout_ms,
                  "MS to connect (and finish the SOCKS5 handshake) before "
                  "the client gets a reset (default 5000)")
      ->check(CLI::Range(100, 600000));
  sub->add_option("--idle-timeout", opts->idle_timeout_s,
                  "Seconds an established connection may carry no bytes "
                  "before both sides are reset (default 300)")
      ->check(CLI::Range(1, 86400));
  sub->add_option("--udp-timeout", opts->udp_timeout_s,
                  "Seconds a UDP flow may be idle before its socket closes "
                  "(default 60)")
      ->check(CLI::Range(1, 86400));
  sub->add_option("--max-connections", opts->max_connections,
                  "TCP connections at once; more are refused (default 4096)")
      ->check(CLI::Range(1, 60000));
  sub->add_option("--max-udp-flows", opts->max_udp_flows,
                  "UDP flows at once; datagrams of more are dropped "
                  "(default 1024)")
      ->check(CLI::Range(1, 60000));
  sub->add_option("--send-buffer", opts->send_buffer_kib,
                  "KiB of server bytes lwIP holds per TCP connection until "
                  "the client acknowledges them (default 1024; lwIP's own "
                  "is 64)")
      ->check(CLI::Range(64, 16384));
  AddOffloadFlags(sub, &opts->offload);
  sub->callback([opts, mode, exit_code] {
    opts->mode = *fdbased::ParseDispatchMode(*mode);
    *exit_code = RunTun2socks(*opts);
  });
}

}  // namespace fdlink::tool
