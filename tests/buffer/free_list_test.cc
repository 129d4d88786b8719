#include "buffer/free_list.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <set>
#include <thread>
#include <vector>

namespace fdlink {
namespace {

struct Item {
  int id = 0;
};

// Drain pops every object `list` can give this thread.
std::vector<Item*> Drain(FreeList<Item>& list) {
  std::vector<Item*> out;
  while (Item* it = list.Pop()) out.push_back(it);
  return out;
}

// Ids returns the ids of items, checking none appears twice.
std::set<int> Ids(const std::vector<Item*>& items) {
  std::set<int> ids;
  for (const Item* it : items) {
    EXPECT_TRUE(ids.insert(it->id).second) << "item " << it->id << " twice";
  }
  return ids;
}

std::set<int> Range(int n) {
  std::set<int> s;
  for (int i = 0; i < n; ++i) s.insert(i);
  return s;
}

void DeleteAll(const std::vector<Item*>& items) {
  for (Item* it : items) delete it;
}

// Lists are process-lifetime singletons (FreeList has a fixed number of
// slots), one per test so that tests do not see each other's objects.
FreeList<Item>& CrossThreadList() {
  static auto* list = new FreeList<Item>;
  return *list;
}
FreeList<Item>& StressList() {
  static auto* list = new FreeList<Item>;
  return *list;
}
FreeList<Item>& LocalList() {
  static auto* list = new FreeList<Item>;
  return *list;
}

TEST(FreeListTest, EmptyListPopsNull) {
  FreeList<Item>& list = LocalList();
  ASSERT_TRUE(Drain(list).empty());
  EXPECT_EQ(list.Pop(), nullptr);
}

TEST(FreeListTest, SameThreadGetsEveryObjectBack) {
  FreeList<Item>& list = LocalList();
  std::vector<Item*> items;
  // More than a magazine, so some go through the global list.
  for (int i = 0; i < 3 * FreeListBase::kMagazine; ++i) {
    items.push_back(new Item{i});
  }
  for (Item* it : items) list.Push(it);
  Item* one = list.Pop();
  ASSERT_NE(one, nullptr);
  list.Push(one);
  std::vector<Item*> back = Drain(list);
  EXPECT_EQ(back.size(), items.size());
  EXPECT_EQ(Ids(back), Range(static_cast<int>(items.size())));
  DeleteAll(back);
}

TEST(FreeListTest, ObjectsReleasedOnAnExitedThreadComeBack) {
  FreeList<Item>& list = CrossThreadList();
  constexpr int kCount = 1000;
  std::vector<Item*> made;
  // Allocated on one thread...
  std::thread producer([&made] {
    for (int i = 0; i < kCount; ++i) made.push_back(new Item{i});
  });
  producer.join();
  // ...released on another, which then exits with them in its magazine.
  std::thread releaser([&list, &made] {
    for (Item* it : made) list.Push(it);
  });
  releaser.join();
  // ...and all of them reach this thread.
  std::vector<Item*> back = Drain(list);
  EXPECT_EQ(back.size(), static_cast<size_t>(kCount));
  EXPECT_EQ(Ids(back), Range(kCount));
  DeleteAll(back);
}

TEST(FreeListTest, FewObjectsReleasedOnAnExitedThreadComeBack) {
  // Fewer than half a magazine: they only leave the thread at its exit.
  FreeList<Item>& list = CrossThreadList();
  std::thread releaser([&list] {
    for (int i = 0; i < 5; ++i) list.Push(new Item{i});
  });
  releaser.join();
  std::vector<Item*> back = Drain(list);
  EXPECT_EQ(Ids(back), Range(5));
  DeleteAll(back);
}

TEST(FreeListTest, NoLossUnderConcurrentPushAndPop) {
  FreeList<Item>& list = StressList();
  constexpr int kItems = 5000;
  constexpr int kThreads = 4;
  constexpr int kRounds = 200;
  for (int i = 0; i < kItems; ++i) list.Push(new Item{i});

  std::atomic<int64_t> pops{0};
  std::atomic<int64_t> pushes{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&list, &pops, &pushes, t] {
      std::vector<Item*> held;
      for (int r = 0; r < kRounds; ++r) {
        // Take a varying batch, then give it back.
        const int want = 1 + (r * 7 + t * 13) % 150;
        for (int i = 0; i < want; ++i) {
          Item* it = list.Pop();
          if (it == nullptr) break;
          held.push_back(it);
        }
        pops.fetch_add(static_cast<int64_t>(held.size()));
        for (Item* it : held) list.Push(it);
        pushes.fetch_add(static_cast<int64_t>(held.size()));
        held.clear();
      }
    });
  }
  for (std::thread& th : threads) th.join();

  EXPECT_EQ(pops.load(), pushes.load());
  EXPECT_GT(pops.load(), 0);
  std::vector<Item*> back = Drain(list);
  EXPECT_EQ(back.size(), static_cast<size_t>(kItems));
  EXPECT_EQ(Ids(back), Range(kItems));
  DeleteAll(back);
}

}  // namespace
}  // namespace fdlink
