#include "node/data_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace kyoso::node {

ledger::StatusOr<std::unique_ptr<DataDir>> DataDir::Open(const std::string& path) {
  std::error_code error;
  std::filesystem::create_directories(path, error);
  if (error) {
    return ledger::Status::IOError("cannot create data directory " + path + ": " + error.message());
  }
  std::filesystem::permissions(path, std::filesystem::perms::owner_all, error);
  std::string lock_path = path + "/kyoso.lock";
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return ledger::Status::IOError("cannot open " + lock_path + ": " + std::strerror(errno));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char holder[32] = {};
    ssize_t n = ::pread(fd, holder, sizeof(holder) - 1, 0);
    ::close(fd);
    std::string pid = n > 0 ? std::string(holder, static_cast<size_t>(n)) : "unknown";
    while (!pid.empty() && pid.back() == '\n') pid.pop_back();
    return ledger::Status::FailedPrecondition("data directory " + path +
                                              " is in use by another kyoso-node (pid " + pid + ")");
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    ::close(fd);
    return ledger::Status::IOError("cannot write " + lock_path + ": " + std::strerror(errno));
  }
  return std::unique_ptr<DataDir>(new DataDir(path, fd));
}

DataDir::~DataDir() {
  ::close(lock_fd_);  // Releases the flock.
}

}  // namespace kyoso::node
