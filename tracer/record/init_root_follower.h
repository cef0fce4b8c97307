// Following PID 1 across the initramfs's switch_root. A process started from the initramfs
// (the boot capture's recorder, docs/boot-capture.md) keeps the initramfs as its root when
// init moves /proc, /sys, /dev and /run into the real root and execs the real init there: its
// open files stay valid, but every path it opens later (/proc/kallsyms, tracefs,
// /sys/kernel/btf/<module> for a module loaded after the switch, the output directory) would
// resolve in the emptied initramfs. follow() compares this process's root with PID 1's
// (through a /proc opened at the start, which stays reachable after it was moved) and, once
// they differ, chroots into PID 1's root, so the same paths name the real system again.
#pragma once

#include <string>
#include <utility>

#include "replayer/trace/error.h"

namespace reprobe {

class InitRootFollower {
 public:
  // Opens `proc` (the procfs this process sees now) and checks that the root of process `init`
  // (PID 1; tests give another) is readable there; the error says why not.
  static Result<InitRootFollower> open(const std::string& proc = "/proc", int init = 1);
  InitRootFollower(InitRootFollower&& other) noexcept;
  InitRootFollower& operator=(InitRootFollower&&) = delete;
  InitRootFollower(const InitRootFollower&) = delete;
  InitRootFollower& operator=(const InitRootFollower&) = delete;
  ~InitRootFollower();

  // When PID 1's root is no longer this process's root: chroot into it and chdir("/").
  // true when it moved now, false when there was nothing to do; an error when the move
  // failed (this process keeps its root then).
  Result<bool> follow();
  // How many times follow() moved this process.
  unsigned moves() const { return moves_; }

 private:
  InitRootFollower(int proc_fd, std::string init_root) : proc_fd_(proc_fd), init_root_(std::move(init_root)) {}
  int proc_fd_ = -1;
  std::string init_root_;  // "1/root", relative to proc_fd_
  unsigned moves_ = 0;
};

}  // namespace reprobe
