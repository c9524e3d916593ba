#include "node/huge_page_malloc.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string_view>

namespace kyoso::node {
namespace {

constexpr std::string_view kTunable = "glibc.malloc.hugetlb";

// Whether the colon-separated `tunables` set `name` (to any value).
bool Sets(std::string_view tunables, std::string_view name) {
  while (!tunables.empty()) {
    const size_t end = tunables.find(':');
    const std::string_view item = tunables.substr(0, end);
    if (item.substr(0, item.find('=')) == name) return true;
    if (end == std::string_view::npos) break;
    tunables.remove_prefix(end + 1);
  }
  return false;
}

}  // namespace

std::string HugePageTunables(const char* current) {
  const std::string_view tunables = current == nullptr ? "" : current;
  if (Sets(tunables, kTunable)) return "";
  std::string wanted(tunables);
  if (!wanted.empty()) wanted += ':';
  return wanted.append(kTunable).append("=1");
}

void RestartWithHugePageMalloc(char** argv) {
  const std::string tunables = HugePageTunables(std::getenv("GLIBC_TUNABLES"));
  if (tunables.empty()) return;
  // The program's own path, not /proc/self/exe: the kernel names a process after the
  // file it runs, and operators look for "kyoso-node" (ps, top, pgrep).
  std::error_code error;
  const std::filesystem::path program = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) return;
  if (::setenv("GLIBC_TUNABLES", tunables.c_str(), /*overwrite=*/1) != 0) return;
  ::execv(program.c_str(), argv);
  // The restart failed: run on with the default pages. The variable stays set, which
  // changes nothing for this process.
}

}  // namespace kyoso::node
