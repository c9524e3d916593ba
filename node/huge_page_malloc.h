// Huge-page malloc: restarts the process once with glibc's malloc backing its heap with
// transparent huge pages (the tunable glibc.malloc.hugetlb=1).
//
// The ledger keeps every account, the day's flow records and the memory store's entries
// in memory that grows while it applies, and on a virtual machine each fresh 4 KiB page
// costs a trap of several microseconds. With 2 MiB pages there are 512 times fewer:
// docs/benchmarks.md has the measured difference. glibc reads its tunables only when a
// program starts, hence the restart (execve of the same program with the same arguments
// and process id), done first thing in main, before any thread or file exists.
//
// An operator's own glibc.malloc.hugetlb setting in GLIBC_TUNABLES is kept as it is
// (glibc.malloc.hugetlb=0 turns this off); other tunables there are kept too.
#pragma once

#include <string>

namespace kyoso::node {

// Returns only when nothing needs to change (the tunable is already set, by us or by the
// operator) or when the restart failed, in which case the program runs on as it was.
void RestartWithHugePageMalloc(char** argv);

// GLIBC_TUNABLES as it should be for the restart, given its current value (null when
// unset); empty when it already says what glibc.malloc.hugetlb should be.
std::string HugePageTunables(const char* current);

}  // namespace kyoso::node
