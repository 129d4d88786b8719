// The lockdep checker. See include/fdlink/base/lockdep.h for the contract.
//
// Design: every lock class (the class_name string) is interned to a small
// integer. Each thread keeps a stack of the locks it holds. On every
// acquisition the checker adds the edges class(held) -> class(new) to one
// global graph; before adding an edge A->B it searches for a path B->...->A,
// and if there is one the new edge closes a cycle and is reported. The graph
// is protected by a plain std::mutex (never an fdlink::Mutex, which would
// recurse into the checker). Reports are built under that mutex and handed
// to the handler after it is released.
#include "fdlink/base/lockdep.h"

#if FDLINK_LOCKDEP
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <optional>
#include <ostream>
#include <sstream>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>
#endif

namespace fdlink::lockdep {

#if FDLINK_LOCKDEP
namespace {

using ClassId = uint32_t;

// Held is one entry of a thread's held stack.
struct Held {
  const void* lock;
  ClassId cls;
  Mode mode;
  SrcLoc loc;
};

// EdgeInfo is the first sighting of "held `from`, then took `to`".
struct EdgeInfo {
  Mode from_mode;
  SrcLoc from_loc;
  Mode to_mode;
  SrcLoc to_loc;
  std::thread::id thread;
};

uint64_t EdgeKey(ClassId from, ClassId to) {
  return (static_cast<uint64_t>(from) << 32) | to;
}

const char* ModeName(Mode mode) {
  switch (mode) {
    case Mode::kExclusive:
      return "exclusive";
    case Mode::kShared:
      return "shared";
    case Mode::kWait:
      return "wait for";
  }
  return "?";
}

// Graph is the global lock-order graph and the class table.
struct Graph {
  std::mutex mu;
  // Class table: never shrinks, so ids held in thread stacks stay valid.
  std::unordered_map<std::string, ClassId> ids;
  std::vector<std::string> names;
  // Edges: adjacency lists plus a hash map for the known-edge fast path.
  std::vector<std::vector<ClassId>> out;
  std::unordered_map<uint64_t, EdgeInfo> edges;
  // Recursion reports already made, keyed by class (EdgeKey(c, c)).
  std::unordered_set<uint64_t> reported_recursion;
  std::function<void(const std::string&)> handler;
};

Graph& G() {
  static Graph* g = new Graph;  // Never destroyed: used by exiting threads.
  return *g;
}

std::atomic<size_t> report_count{0};

// Set when the calling thread's ThreadState has been destroyed (thread
// exit). Trivially destructible, so it stays readable until the very end.
thread_local bool tls_state_gone = false;

// ThreadState is the calling thread's view.
struct ThreadState {
  ~ThreadState() { tls_state_gone = true; }
  std::vector<Held> held;
  // class_name pointer -> id; ids never change, so this never goes stale.
  std::unordered_map<const char*, ClassId> class_cache;
};

// Self is the calling thread's state, or nullptr once the thread is exiting
// and its state is gone (locks taken by later thread-exit code are not
// tracked).
ThreadState* Self() {
  if (tls_state_gone) return nullptr;
  thread_local ThreadState state;
  return &state;
}

ClassId InternLocked(Graph& g, const char* class_name) {
  auto [it, inserted] =
      g.ids.try_emplace(class_name, static_cast<ClassId>(g.names.size()));
  if (inserted) {
    g.names.emplace_back(class_name);
    g.out.emplace_back();
  }
  return it->second;
}

ClassId Intern(ThreadState& self, const char* class_name) {
  auto it = self.class_cache.find(class_name);
  if (it != self.class_cache.end()) return it->second;
  Graph& g = G();
  ClassId id;
  {
    std::lock_guard<std::mutex> l(g.mu);
    id = InternLocked(g, class_name);
  }
  self.class_cache.emplace(class_name, id);
  return id;
}

std::ostream& operator<<(std::ostream& os, const SrcLoc& loc) {
  return os << loc.file << ":" << loc.line;
}

// FindPathLocked returns the classes of a path from -> ... -> to (both
// included), or nothing if `to` is unreachable. Breadth-first, so the path
// reported is a shortest one.
std::optional<std::vector<ClassId>> FindPathLocked(const Graph& g, ClassId from,
                                                   ClassId to) {
  std::vector<ClassId> parent(g.names.size(), UINT32_MAX);
  std::deque<ClassId> queue{from};
  parent[from] = from;
  while (!queue.empty()) {
    ClassId c = queue.front();
    queue.pop_front();
    if (c == to) {
      std::vector<ClassId> path{to};
      while (path.back() != from) path.push_back(parent[path.back()]);
      return std::vector<ClassId>(path.rbegin(), path.rend());
    }
    for (ClassId next : g.out[c]) {
      if (parent[next] != UINT32_MAX) continue;
      parent[next] = c;
      queue.push_back(next);
    }
  }
  return std::nullopt;
}

std::string CycleReportLocked(const Graph& g, const Held& held,
                              const Held& taken,
                              const std::vector<ClassId>& path) {
  const std::string& a = g.names[held.cls];
  const std::string& b = g.names[taken.cls];
  std::ostringstream os;
  os << "lockdep: lock order cycle (possible deadlock) between " << a << " and "
     << b << "\n"
     << "  new order, on thread " << std::this_thread::get_id() << ":\n"
     << "    held " << a << " (" << ModeName(held.mode) << ") at " << held.loc
     << "\n"
     << "    then " << b << " (" << ModeName(taken.mode) << ") at " << taken.loc
     << "\n"
     << "  but the opposite order " << b;
  for (size_t i = 1; i < path.size(); ++i) os << " -> " << g.names[path[i]];
  os << " was seen before:\n";
  bool waits = held.mode == Mode::kWait || taken.mode == Mode::kWait;
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    const EdgeInfo& e = g.edges.at(EdgeKey(path[i], path[i + 1]));
    os << "    held " << g.names[path[i]] << " (" << ModeName(e.from_mode)
       << ") at " << e.from_loc << ", then " << g.names[path[i + 1]] << " ("
       << ModeName(e.to_mode) << ") at " << e.to_loc << ", on thread "
       << e.thread << "\n";
    waits = waits || e.from_mode == Mode::kWait || e.to_mode == Mode::kWait;
  }
  if (waits) {
    os << "  (a thread group is held by its running members: waiting for it "
          "while holding a lock its members take can deadlock)\n";
  }
  return os.str();
}

std::string RecursionReportLocked(const Graph& g, const Held& first,
                                  const Held& again) {
  std::ostringstream os;
  os << "lockdep: recursive acquisition of " << g.names[again.cls]
     << " (instance " << again.lock << ") on thread "
     << std::this_thread::get_id() << " (self-deadlock)\n"
     << "    held (" << ModeName(first.mode) << ") at " << first.loc << "\n"
     << "    then again (" << ModeName(again.mode) << ") at " << again.loc
     << "\n";
  return os.str();
}

// CheckLocked adds the edges from every held lock to `taken` and returns
// the reports they cause.
std::vector<std::string> CheckLocked(Graph& g, const std::vector<Held>& held,
                                     const Held& taken) {
  std::vector<std::string> reports;
  for (const Held& h : held) {
    if (h.lock == taken.lock) {
      if (g.reported_recursion.insert(EdgeKey(h.cls, h.cls)).second) {
        reports.push_back(RecursionReportLocked(g, h, taken));
      }
      continue;
    }
    // Two instances of one class nested: allowed (no self edges).
    if (h.cls == taken.cls) continue;
    const uint64_t key = EdgeKey(h.cls, taken.cls);
    if (g.edges.contains(key)) continue;  // The common case.
    std::optional<std::vector<ClassId>> back =
        FindPathLocked(g, taken.cls, h.cls);
    // Record the edge even when it closes a cycle, so that each distinct
    // edge is reported once.
    g.edges.emplace(key, EdgeInfo{h.mode, h.loc, taken.mode, taken.loc,
                                  std::this_thread::get_id()});
    g.out[h.cls].push_back(taken.cls);
    if (back) reports.push_back(CycleReportLocked(g, h, taken, *back));
  }
  return reports;
}

void DefaultHandler(const std::string& report) {
  std::fputs(report.c_str(), stderr);
  std::fflush(stderr);
  std::abort();
}

void Report(const std::string& text) {
  report_count.fetch_add(1, std::memory_order_relaxed);
  Graph& g = G();
  std::function<void(const std::string&)> handler;
  {
    std::lock_guard<std::mutex> l(g.mu);
    handler = g.handler;
  }
  if (handler) {
    handler(text);
  } else {
    DefaultHandler(text);
  }
}

}  // namespace

void OnAcquire(const void* lock, const char* class_name, Mode mode,
               SrcLoc loc) {
  ThreadState* self = Self();
  if (self == nullptr) return;
  Held taken{lock, Intern(*self, class_name), mode, loc};
  if (!self->held.empty()) {
    std::vector<std::string> reports;
    {
      Graph& g = G();
      std::lock_guard<std::mutex> l(g.mu);
      reports = CheckLocked(g, self->held, taken);
    }
    for (const std::string& r : reports) Report(r);
  }
  self->held.push_back(taken);
}

void OnRelease(const void* lock) {
  ThreadState* self = Self();
  if (self == nullptr) return;
  std::vector<Held>& held = self->held;
  for (auto it = held.rbegin(); it != held.rend(); ++it) {
    if (it->lock == lock) {
      held.erase(std::next(it).base());
      return;
    }
  }
}

size_t ReportCount() { return report_count.load(std::memory_order_relaxed); }

void SetReportHandler(std::function<void(const std::string&)> handler) {
  Graph& g = G();
  std::lock_guard<std::mutex> l(g.mu);
  g.handler = std::move(handler);
}

bool OrderSeen(const char* before_class, const char* after_class) {
  Graph& g = G();
  std::lock_guard<std::mutex> l(g.mu);
  auto from = g.ids.find(before_class);
  auto to = g.ids.find(after_class);
  if (from == g.ids.end() || to == g.ids.end()) return false;
  return g.edges.contains(EdgeKey(from->second, to->second));
}

void ResetForTest() {
  Graph& g = G();
  std::lock_guard<std::mutex> l(g.mu);
  for (std::vector<ClassId>& out : g.out) out.clear();
  g.edges.clear();
  g.reported_recursion.clear();
  report_count.store(0, std::memory_order_relaxed);
}

#else  // !FDLINK_LOCKDEP

size_t ReportCount() { return 0; }
void SetReportHandler(std::function<void(const std::string&)>) {}
bool OrderSeen(const char*, const char*) { return false; }
void ResetForTest() {}

#endif  // FDLINK_LOCKDEP

}  // namespace fdlink::lockdep
