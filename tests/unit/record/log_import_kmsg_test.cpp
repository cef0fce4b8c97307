// The kmsg backend's dynamic-debug session: the control-file parser, the
// queries written through a real file path, and (against a fake control that
// applies queries like the kernel) a restore that turns off exactly the sites
// the session turned on and leaves sites that were already printing alone.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>

#include <gtest/gtest.h>

#include "tracer/record/kmsg_backend.h"

namespace reprobe {
namespace {

namespace fs = std::filesystem;

const char* kBefore =
    "# filename:lineno [module]function flags format\n"
    "drivers/base/dd.c:104 [dd]deferred_probe_work_func =_ \"Retrying from deferred list\\n\"\n"
    "drivers/base/dd.c:135 [dd]driver_deferred_probe_add =_ \"Added to deferred list\\n\"\n"
    "drivers/base/dd.c:590 [dd]really_probe =p \"bus: '%s': %s: probing driver %s with device %s\\n\"\n"
    "drivers/base/core.c:4920 [core]dev_err_probe =_ \"error %pe: %pV\"\n"
    "sound/soc/soc-core.c:880 [snd_soc_core]soc_dai_link_sanity_check =_ \"ASoC: %s component %s not found for link "
    "%s\\n\"\n";

TEST(DyndbgControl, ParsesSites) {
  auto sites = parse_dyndbg_control(kBefore);
  ASSERT_EQ(sites.size(), 5u);
  EXPECT_EQ(sites[0].file, "drivers/base/dd.c");
  EXPECT_EQ(sites[0].line, 104u);
  EXPECT_EQ(sites[0].module, "dd");
  EXPECT_EQ(sites[0].function, "deferred_probe_work_func");
  EXPECT_FALSE(sites[0].printing());
  EXPECT_TRUE(sites[2].printing());
}

// Applies "file F [line N] [format "S"] +p|-p" and "module M [format "S"] +p|-p" like the kernel.
class FakeKernelControl final : public DyndbgControl {
 public:
  explicit FakeKernelControl(std::string table) : table_(std::move(table)) {}
  Result<std::string> read() override { return table_; }
  Result<bool> write(const std::string& q) override {
    writes.push_back(q);
    std::istringstream in(q);
    std::string key, file, module, format, op;
    unsigned line = 0;
    while (in >> key) {
      if (key == "file")
        in >> file;
      else if (key == "module")
        in >> module;
      else if (key == "line")
        in >> line;
      else if (key == "format") {
        in >> std::quoted(format);
      } else
        op = key;
    }
    bool matched = false;
    std::istringstream tin(table_);
    std::string out, l;
    while (std::getline(tin, l)) {
      if (!l.empty() && l[0] != '#') {
        const auto s = parse_dyndbg_control(l).at(0);
        const bool hit = (file.empty() || s.file == file) && (module.empty() || s.module == module) &&
                         (line == 0 || s.line == line) && (format.empty() || l.find(format) != std::string::npos);
        if (hit) {
          matched = true;
          const auto eq = l.find(" =");
          const auto sp = l.find(' ', eq + 1);
          l = l.substr(0, eq) + (op == "+p" ? " =p" : " =_") + l.substr(sp);
        }
      }
      out += l + "\n";
    }
    table_ = out;
    if (!matched) return Error{"control", 0, "no matches for query"};
    return true;
  }
  std::string table_;
  std::vector<std::string> writes;
};

TEST(DyndbgSession, RestoreTurnsOffExactlyTheSitesItTurnedOn) {
  auto fake = std::make_shared<FakeKernelControl>(kBefore);
  {
    auto s = DyndbgSession::enable(fake, default_dyndbg_queries());
    ASSERT_TRUE(s.ok()) << s.error().str();
    // dd.c:104, dd.c:135, core.c dev_err_probe, soc-core sanity check; dd.c:590 was already on.
    ASSERT_EQ(s->changed().size(), 4u);
    for (const auto& c : s->changed()) EXPECT_NE(c.line, 590u);
    EXPECT_EQ(parse_dyndbg_control(fake->table_).size(), 5u);
    for (const auto& site : parse_dyndbg_control(fake->table_))
      EXPECT_TRUE(site.printing()) << site.file << ":" << site.line;
    ASSERT_TRUE(s->restore().ok());
    EXPECT_EQ(fake->table_, kBefore);  // byte-identical to the state before
    ASSERT_TRUE(s->restore().ok());    // idempotent
  }
  // "module snd_sof" matched nothing (module not loaded): tolerated, never restored.
  for (const auto& w : fake->writes) EXPECT_EQ(w.find("line 590"), std::string::npos) << w;
}

TEST(DyndbgSession, DestructorRestoresOnEarlyExit) {
  auto fake = std::make_shared<FakeKernelControl>(kBefore);
  {
    auto s = DyndbgSession::enable(fake, {"file drivers/base/dd.c +p"});
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s->changed().size(), 2u);
  }
  EXPECT_EQ(fake->table_, kBefore);
}

TEST(DyndbgSession, FailsWhenNoQueryIsAccepted) {
  auto fake = std::make_shared<FakeKernelControl>(kBefore);
  auto s = DyndbgSession::enable(fake, {"module not_loaded +p"});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().str().find("no dynamic-debug query was accepted"), std::string::npos);
}

TEST(DyndbgSession, ControlFilePathWritesOneQueryPerWrite) {
  const fs::path dir = fs::temp_directory_path() / ("reprobe-dyndbg-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path control = dir / "control";
  std::ofstream(control) << kBefore;
  {
    auto s =
        DyndbgSession::enable(control, {"file drivers/base/dd.c +p", "module snd_soc_core format \"not found\" +p"});
    ASSERT_TRUE(s.ok()) << s.error().str();
    EXPECT_TRUE(s->changed().empty());  // a plain file does not apply queries
  }
  std::ifstream in(control);
  std::ostringstream os;
  os << in.rdbuf();
  EXPECT_EQ(os.str(),
            std::string(kBefore) + "file drivers/base/dd.c +p\nmodule snd_soc_core format \"not found\" +p\n");
  EXPECT_EQ(find_dyndbg_control(dir / "nonexistent", dir / "nonexistent"), std::nullopt);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace reprobe
