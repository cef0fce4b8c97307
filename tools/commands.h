// Entry points of the reprobe verbs. Each returns the process exit code:
// 0 analysis done, 1 condition requested by a --fail-if-* flag, 2 bad input/usage.
#pragma once

#include <string>
#include <vector>

namespace reprobe {

int cmd_replay(const std::vector<std::string>& args);
int cmd_record(const std::vector<std::string>& args);
int cmd_import(const std::vector<std::string>& args);
int cmd_report(const std::vector<std::string>& args);
int cmd_export(const std::vector<std::string>& args);
int cmd_preload(const std::vector<std::string>& args);
int cmd_boot(const std::vector<std::string>& args);
int cmd_explore(const std::vector<std::string>& args);

}  // namespace reprobe
