#include "tun2socks/args.h"

#include <charconv>

#include "serve/args.h"

namespace fdlink::tool::tun2socks {

std::string ParseFwmark(std::string_view text, uint32_t* mark) {
  std::string_view digits = text;
  int base = 10;
  if (digits.size() > 2 && digits[0] == '0' &&
      (digits[1] == 'x' || digits[1] == 'X')) {
    digits.remove_prefix(2);
    base = 16;
  }
  uint64_t v = 0;
  const auto [end, ec] =
      std::from_chars(digits.data(), digits.data() + digits.size(), v, base);
  if (digits.empty() || ec != std::errc() ||
      end != digits.data() + digits.size() || v == 0 || v > 0xffffffffu) {
    return "--fwmark " + std::string(text) +
           ": expected a mark from 1 to 4294967295 (decimal, or hex with 0x), "
           "the one your policy rule matches (ip rule add fwmark N lookup "
           "TABLE)";
  }
  *mark = static_cast<uint32_t>(v);
  return "";
}

std::string CheckTun2socksOptions(const Tun2socksOptions& o, uint32_t* mark) {
  *mark = 0;
  if (o.tun.empty())
    return "--tun NAME is required (the TUN device to serve; created if "
           "missing)";
  if (std::string err = CheckInterfaceName("--tun", o.tun); !err.empty())
    return err;
  const bool socks = !o.socks5.empty();
  if (socks && o.direct)
    return "--socks5 and --direct cannot be combined; use one";
  if (!socks && !o.direct)
    return "one of --socks5 HOST:PORT or --direct is required (where "
           "connections go)";
  const bool has_mark = !o.fwmark.empty();
  const bool has_dev = !o.bind_device.empty();
  if (!o.direct && (has_mark || has_dev))
    return std::string(has_mark ? "--fwmark" : "--bind-device") +
           " only applies to --direct (the SOCKS5 server is reached by the "
           "normal routes)";
  if (socks && o.socks5_user.empty() != o.socks5_pass.empty())
    return "--socks5-user and --socks5-pass go together; give both or "
           "neither";
  if (!socks && (!o.socks5_user.empty() || !o.socks5_pass.empty()))
    return "--socks5-user and --socks5-pass need --socks5 HOST:PORT";
  if (o.direct) {
    if (has_mark && has_dev)
      return "--fwmark and --bind-device cannot be combined; use one";
    if (!has_mark && !has_dev)
      return "--direct needs --fwmark N (with a policy rule that routes the "
             "mark around the TUN) or --bind-device DEV; without either its "
             "own connections would route back into the TUN";
    if (has_mark) {
      if (std::string err = ParseFwmark(o.fwmark, mark); !err.empty())
        return err;
    } else {
      if (std::string err = CheckInterfaceName("--bind-device", o.bind_device);
          !err.empty())
        return err;
      if (o.bind_device == o.tun)
        return "--bind-device " + o.bind_device +
               " is the TUN itself: connections would loop back into it; "
               "name the interface that reaches the destinations";
    }
  }
  if (!o.pcap_filter.empty() && o.pcap.empty())
    return "--pcap-filter needs --pcap FILE";
  return CheckOffloadSwitches(o.offload);
}

}  // namespace fdlink::tool::tun2socks
