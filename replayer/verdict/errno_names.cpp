// Kernel error numbers in words (see errno_names.h).
#include "replayer/verdict/errno_names.h"

#include <array>

#include <fmt/format.h>

namespace reprobe {

std::string errno_with_name(int64_t err) {
  struct E {
    int64_t v;
    const char* name;
  };
  static constexpr std::array<E, 22> kNames = {
      {{-1, "EPERM"},       {-2, "ENOENT"},      {-5, "EIO"},         {-6, "ENXIO"},          {-11, "EAGAIN"},
       {-12, "ENOMEM"},     {-16, "EBUSY"},      {-19, "ENODEV"},     {-22, "EINVAL"},        {-28, "ENOSPC"},
       {-32, "EPIPE"},      {-38, "ENOSYS"},     {-61, "ENODATA"},    {-71, "EPROTO"},        {-75, "EOVERFLOW"},
       {-95, "EOPNOTSUPP"}, {-110, "ETIMEDOUT"}, {-121, "EREMOTEIO"}, {-517, "EPROBE_DEFER"}, {-524, "ENOTSUPP"},
       {-14, "EFAULT"},     {-17, "EEXIST"}}};
  for (const auto& e : kNames)
    if (e.v == err) return fmt::format("{} ({})", err, e.name);
  return fmt::format("{}", err);
}

}  // namespace reprobe
