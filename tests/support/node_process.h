// NodeProcess: a real kyoso-node started by a test, on a free loopback port, with its
// data directory under a temp dir. Stopped (SIGTERM) or killed (SIGKILL) on request,
// and always killed when the object goes away, so no test leaves a server behind.
// Not thread-safe: one test thread drives it.
#pragma once

#include <grpcpp/grpcpp.h>
#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace kyoso::testing {

// A fresh directory under the system temp dir, removed with everything in it at the end.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

class NodeProcess {
 public:
  // `data_dir` is kept across Start calls, so a restart reopens the same ledger.
  explicit NodeProcess(std::filesystem::path data_dir, std::vector<std::string> extra_args = {});
  ~NodeProcess();

  // The credentials of channel() (insecure unless set; set before Start).
  void set_channel_credentials(std::shared_ptr<grpc::ChannelCredentials> credentials) {
    channel_credentials_ = std::move(credentials);
  }
  // From the next Start on, the node's wall clock runs `offset` ahead ("+35d"), through
  // libfaketime (ops/install-deps installs it); false, changing nothing, without it.
  bool set_clock_ahead(const std::string& offset);
  // Sets an environment variable ("NAME=value") for the node from the next Start on
  // (after set_clock_ahead, which replaces the node's environment).
  void add_environment(std::string variable) { environment_.push_back(std::move(variable)); }
  // Starts the node and waits until it serves (its ready file appears); false on a
  // timeout or an early exit, with the node's log in `log()`.
  bool Start();
  // SIGTERM, then waits for the exit; returns the exit status (-1 if it had to be killed).
  int Stop();
  // SIGKILL: a crash, nothing flushed beyond what was synced.
  void Kill();
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  // Whether the process still runs (false once it exited on its own).
  bool Alive();

  const std::string& address() const { return address_; }
  // The HTTP gateway's address ("" unless started with --http-listen).
  const std::string& http_address() const { return http_address_; }
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  std::string log() const;
  const std::filesystem::path& data_dir() const { return data_dir_; }

 private:
  std::filesystem::path data_dir_;
  std::vector<std::string> extra_args_;
  std::vector<std::string> environment_;
  std::filesystem::path ready_file_;
  std::filesystem::path log_file_;
  pid_t pid_ = -1;
  std::string address_;
  std::string http_address_;
  std::shared_ptr<grpc::Channel> channel_;
  std::shared_ptr<grpc::ChannelCredentials> channel_credentials_ =
      grpc::InsecureChannelCredentials();
};

// Runs a program to completion with `args`, returning its exit code and capturing its
// standard output and error.
struct ProgramResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
// A loopback TCP port that was free a moment ago (for nodes that must know theirs).
int FreePort();

ProgramResult RunProgram(const std::string& program, const std::vector<std::string>& args,
                         const std::vector<std::string>& env = {});

// A development node (no TLS: every caller trusted) in `dir`, not started, with its HTTP
// gateway on a free loopback port, no ticks (ledger time moves only with transfers, so
// what a test reads twice stays the same), and disclosure rules under which a town of
// three residents shows figures: three payers and one payee a cell, no dominance rule,
// today's flows served today (running_periods = "live", unless `running_periods` says).
std::unique_ptr<NodeProcess> SmallTownNode(const std::filesystem::path& dir,
                                           const std::string& running_periods = "live");

// What a GET through curl got: the HTTP status and body, or status 0 and curl's exit code
// when no response came (a refused TLS handshake, say).
struct HttpAnswer {
  int status = 0;
  int curl_exit = 0;
  std::string body;
};
// GET `url` with curl and `extra` flags (--cacert, --cert, --key, -X ...).
HttpAnswer HttpGet(const std::string& url, const std::vector<std::string>& extra = {});

}  // namespace kyoso::testing
