#include "tools/output_guard.h"

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <csignal>
#include <cstring>
#include <iostream>

#include "replayer/trace/trace_writer.h"
#include "replayer/trace/visible.h"

namespace reprobe {
namespace {

// The message the handler writes, built before any signal can arrive (no allocation in the handler).
std::array<char, 4400> g_message{};
size_t g_message_len = 0;

void on_interrupt(int sig) {
  (void)remove_pending_temp_files();
  if (g_message_len > 0) (void)!::write(STDERR_FILENO, g_message.data(), g_message_len);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

}  // namespace

bool output_is_an_input(std::string_view verb, const std::string& output, const std::vector<std::string>& inputs) {
  if (output.empty() || output == "-") return false;
  struct stat out {};
  if (::stat(output.c_str(), &out) != 0) return false;  // does not exist yet: not an input
  for (const auto& in : inputs) {
    struct stat st {};
    const int r = in == "-" ? ::fstat(STDIN_FILENO, &st) : ::stat(in.c_str(), &st);
    if (r == 0 && st.st_dev == out.st_dev && st.st_ino == out.st_ino) {
      std::cerr << "reprobe " << verb << ": -o " << visible(output) << " is an input"
                << (in == output ? "" : " (" + (in == "-" ? std::string("stdin") : visible(in)) + ")")
                << "; write the output to another file\n";
      return true;
    }
  }
  return false;
}

void install_interrupt_cleanup(const std::string& output) {
  const std::string msg = output.empty() || output == "-"
                              ? std::string("reprobe: interrupted\n")
                              : "reprobe: interrupted: " + visible(output) + " was not written\n";
  g_message_len = std::min(msg.size(), g_message.size());
  std::memcpy(g_message.data(), msg.data(), g_message_len);
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND;
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
    struct sigaction old {};
    // An ignored signal stays ignored (nohup, background jobs of scripts).
    if (sigaction(sig, nullptr, &old) == 0 && old.sa_handler == SIG_IGN) continue;
    sigaction(sig, &sa, nullptr);
  }
}

}  // namespace reprobe
