#include "tracer/record/init_root_follower.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace reprobe {

Result<InitRootFollower> InitRootFollower::open(const std::string& proc, int init) {
  const int fd = ::open(proc.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Error{proc, 0, fmt::format("cannot open: {}", std::strerror(errno))};
  std::string root = fmt::format("{}/root", init);
  struct stat st {};
  if (fstatat(fd, root.c_str(), &st, 0) != 0) {
    const int e = errno;
    ::close(fd);
    return Error{proc, 0, fmt::format("cannot see the root of PID {} ({}): {}", init, root, std::strerror(e))};
  }
  return InitRootFollower(fd, std::move(root));
}

InitRootFollower::InitRootFollower(InitRootFollower&& other) noexcept
    : proc_fd_(other.proc_fd_), init_root_(std::move(other.init_root_)), moves_(other.moves_) {
  other.proc_fd_ = -1;
}

InitRootFollower::~InitRootFollower() {
  if (proc_fd_ >= 0) ::close(proc_fd_);
}

Result<bool> InitRootFollower::follow() {
  struct stat init_root {};
  struct stat own_root {};
  if (fstatat(proc_fd_, init_root_.c_str(), &init_root, 0) != 0)
    return Error{"/proc/" + init_root_, 0, fmt::format("cannot stat: {}", std::strerror(errno))};
  if (stat("/", &own_root) != 0) return Error{"/", 0, fmt::format("cannot stat: {}", std::strerror(errno))};
  if (init_root.st_dev == own_root.st_dev && init_root.st_ino == own_root.st_ino) return false;
  const int dir = openat(proc_fd_, init_root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return Error{"/proc/" + init_root_, 0, fmt::format("cannot open: {}", std::strerror(errno))};
  const bool ok = fchdir(dir) == 0 && chroot(".") == 0 && chdir("/") == 0;
  const int e = errno;
  ::close(dir);
  if (!ok) return Error{"/proc/" + init_root_, 0, fmt::format("cannot move into that root: {}", std::strerror(e))};
  ++moves_;
  return true;
}

}  // namespace reprobe
