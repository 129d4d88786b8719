// Finds who already serves a TUN/TAP device or an interface through
// AF_PACKET sockets, so that a second `fdlink serve` on it is refused
// instead of silently joining its queues (or answering every frame twice).
#ifndef FDLINK_TOOLS_FDLINK_SERVE_HOLDER_H_
#define FDLINK_TOOLS_FDLINK_SERVE_HOLDER_H_

#include <string>
#include <vector>

namespace fdlink::tool {

// DeviceHolder is a process with a TUN/TAP fd attached to the device.
struct DeviceHolder {
  int pid = 0;
  std::string command;  // /proc/PID/comm, e.g. "fdlink".

  // ToString renders "pid 1234 (fdlink)".
  std::string ToString() const;
};

// FindTunHolders lists the other processes in this process's network
// namespace that hold a TUN/TAP fd attached to interface `name`: their
// /proc/PID/fdinfo/N has the line "iff:\tNAME". Processes that cannot be
// read (gone, or not ours without root) are skipped. Empty when none.
std::vector<DeviceHolder> FindTunHolders(const std::string& name);

// FindPacketSocketHolders lists the other instances of this program (same
// /proc/PID/exe) that hold an AF_PACKET socket bound to interface
// `ifindex` of this network namespace (/proc/net/packet, matched to
// /proc/PID/fd by socket inode). Other packet readers (tcpdump, DHCP
// clients) are not serving the link and are not listed.
std::vector<DeviceHolder> FindPacketSocketHolders(int ifindex);

}  // namespace fdlink::tool

#endif  // FDLINK_TOOLS_FDLINK_SERVE_HOLDER_H_
