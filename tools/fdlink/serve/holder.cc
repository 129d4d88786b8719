#include "serve/holder.h"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string_view>
#include <system_error>

namespace fdlink::tool {
namespace {

namespace fs = std::filesystem;

// PidOf reads a /proc entry's name as a pid; 0 if it is not one.
int PidOf(const fs::path& entry) {
  const std::string name = entry.filename().string();
  int pid = 0;
  const auto [end, ec] =
      std::from_chars(name.data(), name.data() + name.size(), pid);
  return ec == std::errc() && end == name.data() + name.size() ? pid : 0;
}

// NetNsOf is the target of /proc/PID/ns/net ("net:[4026531840]"), or ""
// when it cannot be read.
std::string NetNsOf(const fs::path& proc_pid) {
  std::error_code ec;
  const fs::path target = fs::read_symlink(proc_pid / "ns" / "net", ec);
  return ec ? "" : target.string();
}

// HoldsTun reports whether one of the process's fds is a TUN/TAP fd
// attached to `name`.
bool HoldsTun(const fs::path& proc_pid, const std::string& name) {
  const std::string want = "iff:\t" + name;
  std::error_code ec;
  for (fs::directory_iterator it(proc_pid / "fdinfo", ec), end;
       !ec && it != end; it.increment(ec)) {
    std::ifstream in(it->path());
    for (std::string line; std::getline(in, line);) {
      if (line == want) return true;
    }
  }
  return false;
}

// PacketInodes returns the inodes of the AF_PACKET sockets bound to
// `ifindex`; /proc/net/packet's columns are sk RefCnt Type Proto Iface R
// Rmem User Inode.
std::set<std::string> PacketInodes(int ifindex) {
  std::set<std::string> inodes;
  std::ifstream in("/proc/net/packet");
  std::string line;
  std::getline(in, line);  // The header.
  while (std::getline(in, line)) {
    std::istringstream cols(line);
    std::string sk, refcnt, type, proto, rmem, user, inode;
    int iface = 0, running = 0;
    if (cols >> sk >> refcnt >> type >> proto >> iface >> running >> rmem >>
            user >> inode &&
        iface == ifindex)
      inodes.insert("socket:[" + inode + "]");
  }
  return inodes;
}

// HoldsSocket reports whether one of the process's fds is one of `links`
// ("socket:[INODE]").
bool HoldsSocket(const fs::path& proc_pid, const std::set<std::string>& links) {
  std::error_code ec;
  for (fs::directory_iterator it(proc_pid / "fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    std::error_code rec;
    const fs::path target = fs::read_symlink(it->path(), rec);
    if (!rec && links.count(target.string()) > 0) return true;
  }
  return false;
}

std::string CommandOf(const fs::path& proc_pid) {
  std::ifstream in(proc_pid / "comm");
  std::string comm;
  std::getline(in, comm);
  return comm.empty() ? "?" : comm;
}

// OthersThat calls `holds(proc_pid)` for every other process in this
// network namespace and lists those for which it returns true.
template <typename Holds>
std::vector<DeviceHolder> OthersThat(Holds holds) {
  std::vector<DeviceHolder> holders;
  const fs::path self = fs::path("/proc") / "self";
  const std::string our_ns = NetNsOf(self);
  std::error_code ec;
  const fs::path self_pid_dir = fs::read_symlink(self, ec);
  const int self_pid = ec ? 0 : PidOf(self_pid_dir);
  for (fs::directory_iterator it("/proc", ec), end; !ec && it != end;
       it.increment(ec)) {
    const int pid = PidOf(it->path());
    if (pid == 0 || pid == self_pid) continue;
    if (NetNsOf(it->path()) != our_ns) continue;
    if (holds(it->path())) holders.push_back({pid, CommandOf(it->path())});
  }
  return holders;
}

}  // namespace

std::string DeviceHolder::ToString() const {
  return "pid " + std::to_string(pid) + " (" + command + ")";
}

std::vector<DeviceHolder> FindTunHolders(const std::string& name) {
  return OthersThat(
      [&name](const fs::path& proc_pid) { return HoldsTun(proc_pid, name); });
}

std::vector<DeviceHolder> FindPacketSocketHolders(int ifindex) {
  const std::set<std::string> links = PacketInodes(ifindex);
  if (links.empty()) return {};
  std::error_code ec;
  const fs::path our_exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  return OthersThat([&](const fs::path& proc_pid) {
    std::error_code xec;
    return fs::read_symlink(proc_pid / "exe", xec) == our_exe && !xec &&
           HoldsSocket(proc_pid, links);
  });
}

}  // namespace fdlink::tool
