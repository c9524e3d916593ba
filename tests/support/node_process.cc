#include "support/node_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grpc/grpc.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

namespace kyoso::testing {
namespace {

using namespace std::chrono_literals;

constexpr auto kStartTimeout = 30s;
constexpr auto kStopTimeout = 30s;

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<char*> Argv(std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  return argv;
}

// Waits for `pid` up to `timeout`; its exit code, or nullopt if still running.
std::optional<int> WaitFor(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
    std::this_thread::sleep_for(10ms);
  }
}

}  // namespace

TempDir::TempDir() {
  std::random_device random;
  path_ = std::filesystem::temp_directory_path() /
          ("kyoso-test-" + std::to_string(::getpid()) + "-" + std::to_string(random()));
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::unique_ptr<NodeProcess> SmallTownNode(const std::filesystem::path& dir,
                                           const std::string& running_periods) {
  std::filesystem::create_directories(dir);
  std::filesystem::path config = dir / "node.toml";
  // Live: the town's flows of today are served today, not once today has ended.
  std::ofstream(config) << "[disclosure]\nmin_payers = 3\nmin_payees = 1\n"
                           "dominance_percent = 100\nrunning_periods = \""
                        << running_periods << "\"\n";
  return std::make_unique<NodeProcess>(
      dir / "node", std::vector<std::string>{"--config", config.string(), "--http-listen",
                                             "127.0.0.1:0", "--tick-interval-ms", "600000"});
}

NodeProcess::NodeProcess(std::filesystem::path data_dir, std::vector<std::string> extra_args)
    : data_dir_(std::move(data_dir)),
      extra_args_(std::move(extra_args)),
      ready_file_(data_dir_.string() + ".ready"),
      log_file_(data_dir_.string() + ".log") {}

NodeProcess::~NodeProcess() {
  if (running()) Kill();
}

bool NodeProcess::set_clock_ahead(const std::string& offset) {
  static constexpr char kFakeTime[] = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";
  if (!std::filesystem::exists(kFakeTime)) return false;
  const char* asan = std::getenv("ASAN_OPTIONS");
  environment_ = {std::string("LD_PRELOAD=") + kFakeTime, "FAKETIME=" + offset,
                  "FAKETIME_DONT_FAKE_MONOTONIC=1",
                  // A preloaded library comes before the sanitizer's runtime.
                  std::string("ASAN_OPTIONS=verify_asan_link_order=0:") + (asan ? asan : "")};
  return true;
}

bool NodeProcess::Start() {
  std::filesystem::remove(ready_file_);
  std::vector<std::string> args = {KYOSO_NODE_BINARY, "--data-dir", data_dir_.string(),
                                   "--ready-file", ready_file_.string()};
  auto given = [this](const char* flag) {
    return std::find(extra_args_.begin(), extra_args_.end(), flag) != extra_args_.end();
  };
  // Any free port, unless the test gave one (cluster nodes need to know theirs); ticks
  // often, so holds and lots expire within a test, unless the test says otherwise.
  if (!given("--listen")) args.insert(args.end(), {"--listen", "127.0.0.1:0"});
  if (!given("--tick-interval-ms")) args.insert(args.end(), {"--tick-interval-ms", "200"});
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  pid_ = ::fork();
  if (pid_ == 0) {
    int log = ::open(log_file_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    ::dup2(log, STDOUT_FILENO);
    ::dup2(log, STDERR_FILENO);
    for (const std::string& variable : environment_) ::putenv(const_cast<char*>(variable.c_str()));
    ::execv(args[0].c_str(), Argv(args).data());
    ::_exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (std::filesystem::exists(ready_file_)) {
      // The gRPC address, then "http ADDRESS" when the HTTP gateway is on.
      std::istringstream ready(ReadFile(ready_file_));
      std::getline(ready, address_);
      std::string http_line;
      if (std::getline(ready, http_line) && http_line.starts_with("http ")) {
        http_address_ = http_line.substr(5);
      }
      channel_ = grpc::CreateChannel(address_, channel_credentials_);
      return true;
    }
    if (WaitFor(pid_, 0ms)) {
      pid_ = -1;
      return false;
    }
    std::this_thread::sleep_for(10ms);
  }
  Kill();
  return false;
}

int NodeProcess::Stop() {
  if (!running()) return -1;
  ::kill(pid_, SIGTERM);
  std::optional<int> code = WaitFor(pid_, kStopTimeout);
  if (!code) {
    Kill();
    return -1;
  }
  pid_ = -1;
  return *code;
}

void NodeProcess::Kill() {
  if (!running()) return;
  ::kill(pid_, SIGKILL);
  WaitFor(pid_, kStopTimeout);
  pid_ = -1;
}

bool NodeProcess::Alive() {
  if (!running()) return false;
  if (WaitFor(pid_, 0ms)) {
    pid_ = -1;
    return false;
  }
  return true;
}

std::string NodeProcess::log() const {
  return ReadFile(log_file_);
}

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t size = sizeof address;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), size) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

ProgramResult RunProgram(const std::string& program, const std::vector<std::string>& args,
                         const std::vector<std::string>& env) {
  TempDir capture;
  auto out_path = capture.path() / "out";
  auto err_path = capture.path() / "err";
  pid_t pid = ::fork();
  if (pid == 0) {
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT, 0600);
    int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT, 0600);
    int none = ::open("/dev/null", O_RDONLY);
    ::dup2(none, STDIN_FILENO);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(err, STDERR_FILENO);
    for (const std::string& assignment : env) ::putenv(const_cast<char*>(assignment.c_str()));
    std::vector<std::string> all = {program};
    all.insert(all.end(), args.begin(), args.end());
    ::execv(program.c_str(), Argv(all).data());
    ::_exit(127);
  }
  ProgramResult result;
  std::optional<int> code = WaitFor(pid, std::chrono::minutes(2));
  if (!code) {
    ::kill(pid, SIGKILL);  // A hung program must not outlive the test.
    ::waitpid(pid, nullptr, 0);
  }
  result.exit_code = code.value_or(-1);
  result.out = ReadFile(out_path);
  result.err = ReadFile(err_path);
  return result;
}

HttpAnswer HttpGet(const std::string& url, const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"-sS", "-o", "-", "-w", "\n%{http_code}", url};
  args.insert(args.end(), extra.begin(), extra.end());
  ProgramResult run = RunProgram("/usr/bin/curl", args);
  HttpAnswer answer;
  answer.curl_exit = run.exit_code;
  size_t last = run.out.rfind('\n');
  if (run.exit_code != 0 || last == std::string::npos) return answer;
  answer.status = std::stoi(run.out.substr(last + 1));
  answer.body = run.out.substr(0, last);
  return answer;
}

namespace {

// gRPC may finish shutting down on a thread of its own after the last channel goes; a
// test binary that exits meanwhile races OpenSSL's clean-up at exit (a TLS session left
// to neither, which LeakSanitizer reports). Wait for it once every test has run.
class AwaitGrpcShutdown : public ::testing::Environment {
 public:
  void TearDown() override {
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (grpc_is_initialized() != 0 && std::chrono::steady_clock::now() < end) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
};

[[maybe_unused]] ::testing::Environment* const kAwaitGrpcShutdown =
    ::testing::AddGlobalTestEnvironment(new AwaitGrpcShutdown);

}  // namespace

}  // namespace kyoso::testing
