// The node's restart with huge-page malloc (node/huge_page_malloc.h): the tunable it
// sets, and a real kyoso-node process's environment and name.
#include "node/huge_page_malloc.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>

#include "support/node_process.h"
#include "support/town_client.h"

namespace kyoso::testing {
namespace {

// The environment a process started with (after any restart), one "NAME=value" each.
std::vector<std::string> EnvironmentOf(pid_t pid) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/environ", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  std::vector<std::string> variables;
  for (size_t begin = 0; begin < bytes.size();) {
    size_t end = bytes.find('\0', begin);
    if (end == std::string::npos) end = bytes.size();
    variables.push_back(bytes.substr(begin, end - begin));
    begin = end + 1;
  }
  return variables;
}

TEST(HugePageMallocTest, AddsTheTunableAndKeepsTheOperatorsOthers) {
  EXPECT_EQ(node::HugePageTunables(nullptr), "glibc.malloc.hugetlb=1");
  EXPECT_EQ(node::HugePageTunables(""), "glibc.malloc.hugetlb=1");
  EXPECT_EQ(node::HugePageTunables("glibc.malloc.tcache_count=0"),
            "glibc.malloc.tcache_count=0:glibc.malloc.hugetlb=1");
  // Only the exact name counts as set.
  EXPECT_EQ(node::HugePageTunables("glibc.malloc.hugetlbx=0"),
            "glibc.malloc.hugetlbx=0:glibc.malloc.hugetlb=1");
}

TEST(HugePageMallocTest, AnOperatorsOwnSettingIsKept) {
  EXPECT_EQ(node::HugePageTunables("glibc.malloc.hugetlb=0"), "");
  EXPECT_EQ(node::HugePageTunables("glibc.malloc.tcache_count=0:glibc.malloc.hugetlb=1"), "");
  EXPECT_EQ(node::HugePageTunables("glibc.malloc.hugetlb=2:glibc.malloc.tcache_count=0"), "");
}

// The node restarts itself in place (same process, so a supervisor's pid stays right)
// with the tunable set, and serves. (glibc cuts the environment's copy of GLIBC_TUNABLES
// after its first tunable when it reads them, so the tests give it one.)
TEST(HugePageMallocTest, TheNodeRunsWithHugePageMalloc) {
  TempDir temp;
  NodeProcess node(temp.path() / "node");
  ASSERT_TRUE(node.Start()) << node.log();
  std::vector<std::string> environment = EnvironmentOf(node.pid());
  EXPECT_NE(
      std::find(environment.begin(), environment.end(), "GLIBC_TUNABLES=glibc.malloc.hugetlb=1"),
      environment.end());
  // Still named after its program, as ps, top and pgrep show it.
  std::ifstream comm("/proc/" + std::to_string(node.pid()) + "/comm");
  std::string name;
  std::getline(comm, name);
  EXPECT_EQ(name, "kyoso-node");
  TownClient town(node.channel());
  EXPECT_TRUE(town.Status().status.ok());
  EXPECT_EQ(node.Stop(), 0) << node.log();
}

TEST(HugePageMallocTest, AnOperatorCanTurnItOff) {
  TempDir temp;
  NodeProcess node(temp.path() / "node");
  node.add_environment("GLIBC_TUNABLES=glibc.malloc.hugetlb=0");
  ASSERT_TRUE(node.Start()) << node.log();
  std::vector<std::string> environment = EnvironmentOf(node.pid());
  EXPECT_NE(
      std::find(environment.begin(), environment.end(), "GLIBC_TUNABLES=glibc.malloc.hugetlb=0"),
      environment.end());
  EXPECT_EQ(node.Stop(), 0) << node.log();
}

}  // namespace
}  // namespace kyoso::testing
