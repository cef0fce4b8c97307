// tracer/ebpf/kallsyms: /proc/kallsyms and available_filter_functions parsing,
// clone resolution, address symbolisation (fixture text, no kernel needed).
#include "tracer/ebpf/kallsyms.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <optional>
#include <string>

using namespace reprobe;

namespace {

// Shaped like Debian 6.1's /proc/kallsyms (addresses invented).
constexpr const char* kFixture =
    "ffffffff81000000 T _stext\n"
    "ffffffff8123a000 t really_probe.cold\n"
    "ffffffff81d566a0 t driver_deferred_probe_trigger.part.0\n"
    "ffffffff81d567c0 t driver_deferred_probe_add.part.0\n"
    "ffffffff81d56a00 T driver_deferred_probe_add\n"
    "ffffffff81d56b00 t deferred_probe_work_func\n"
    "ffffffff81d56bf0 t really_probe\n"
    "ffffffff81d57680 T driver_deferred_probe_trigger\n"
    "ffffffff81d58000 t foo.isra.0\n"
    "ffffffff81d58100 t foo.constprop.0.isra.0\n"
    "ffffffff81d58200 t foo_bar\n"
    "ffffffff81d58300 t foo.cold\n"
    "ffffffff82a00000 d deferred_probe_timeout_work\n"
    "ffffffff82a00040 b deferred_trigger_count\n"
    "ffffffffc0a01000 t snd_soc_add_component\t[snd_soc_core]\n"
    "ffffffffc0a02000 t sof_probe_work\t[snd_sof]\n"
    "ffffffffc0b00000 t really_probe\t[fake_mod]\n"
    "garbage line\n"
    "\n";

TEST(Clones, BaseAndKinds) {
  EXPECT_EQ(clone_base("driver_deferred_probe_add.part.0"), "driver_deferred_probe_add");
  EXPECT_EQ(clone_base("foo.constprop.0.isra.0"), "foo");
  EXPECT_EQ(clone_base("foo.isra.12"), "foo");
  EXPECT_EQ(clone_base("foo.llvm.1234567"), "foo");
  EXPECT_FALSE(clone_base("really_probe.cold").has_value());
  EXPECT_FALSE(clone_base("really_probe").has_value());
  EXPECT_FALSE(clone_base("foo.part.x").has_value());
  EXPECT_FALSE(clone_base(".part.0").has_value());
  EXPECT_TRUE(is_clone_of("driver_deferred_probe_trigger.part.0", "driver_deferred_probe_trigger"));
  EXPECT_FALSE(is_clone_of("driver_deferred_probe_trigger", "driver_deferred_probe_trigger"));
  EXPECT_FALSE(is_clone_of("foo_bar", "foo"));
  EXPECT_TRUE(is_part_clone("x.part.1"));
  EXPECT_TRUE(is_part_clone("x.isra.0.part.1"));
  EXPECT_FALSE(is_part_clone("x.isra.0"));
  EXPECT_FALSE(is_part_clone("x.cold"));
}

TEST(Kallsyms, ParsesNamesModulesAndBadLines) {
  Kallsyms k = Kallsyms::parse(kFixture);
  EXPECT_EQ(k.size(), 17u);
  EXPECT_EQ(k.malformed_lines(), 1u);
  EXPECT_TRUE(k.addresses_visible());
  EXPECT_TRUE(k.has("really_probe"));
  EXPECT_FALSE(k.has("nope"));
  const KSym* s = k.find("snd_soc_add_component");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->module, "snd_soc_core");
  EXPECT_EQ(s->type, 't');
  EXPECT_EQ(s->addr, 0xffffffffc0a01000ull);
  // module filter
  EXPECT_EQ(k.find("really_probe", "vmlinux")->addr, 0xffffffff81d56bf0ull);
  EXPECT_EQ(k.find("really_probe", "fake_mod")->addr, 0xffffffffc0b00000ull);
  EXPECT_EQ(k.find("really_probe")->addr, 0xffffffff81d56bf0ull);  // first in file order
  EXPECT_EQ(k.find("snd_soc_add_component", "vmlinux"), nullptr);
  EXPECT_EQ(k.address("deferred_trigger_count"), 0xffffffff82a00040ull);
  EXPECT_FALSE(k.address("missing").has_value());
}

TEST(Kallsyms, Clones) {
  Kallsyms k = Kallsyms::parse(kFixture);
  EXPECT_EQ(k.clones("driver_deferred_probe_add"), std::vector<std::string>{"driver_deferred_probe_add.part.0"});
  EXPECT_EQ(k.clones("driver_deferred_probe_trigger"),
            std::vector<std::string>{"driver_deferred_probe_trigger.part.0"});
  EXPECT_EQ(k.clones("foo"), (std::vector<std::string>{"foo.constprop.0.isra.0", "foo.isra.0"}));
  EXPECT_TRUE(k.clones("really_probe").empty());  // .cold is not a clone
  EXPECT_TRUE(k.clones("deferred_probe_work_func").empty());
}

TEST(Kallsyms, Symbolize) {
  Kallsyms k = Kallsyms::parse(kFixture);
  EXPECT_EQ(k.symbolize(0xffffffff81d56b00ull), "deferred_probe_work_func");
  EXPECT_EQ(k.symbolize(0xffffffffc0a02000ull), "sof_probe_work");
  EXPECT_EQ(k.symbolize(0xffffffff81d56b10ull), "deferred_probe_work_func+0x10");
  EXPECT_EQ(k.module_of(0xffffffffc0a02000ull), "snd_sof");
  EXPECT_EQ(k.module_of(0xffffffff81d56b00ull), "");
  EXPECT_EQ(k.symbolize(0), "");
  EXPECT_EQ(k.symbolize(0x1000), "");  // below every symbol
  // data symbols are never used to name code
  EXPECT_EQ(k.symbolize(0xffffffff82a00040ull).find("deferred_trigger_count"), std::string::npos);
}

TEST(Kallsyms, HiddenAddresses) {
  Kallsyms k = Kallsyms::parse("0000000000000000 T _stext\n0000000000000000 t really_probe\n");
  EXPECT_FALSE(k.addresses_visible());
  EXPECT_TRUE(k.has("really_probe"));
  EXPECT_EQ(k.symbolize(0), "");
}

TEST(Kallsyms, CrLfAndTabs) {
  Kallsyms k = Kallsyms::parse("ffffffff81000000 T a\r\nffffffffc0000000 t b\t[m]\r\n");
  EXPECT_EQ(k.size(), 2u);
  EXPECT_EQ(k.find("b")->module, "m");
  EXPECT_EQ(k.find("a")->name, "a");
}

TEST(Kallsyms, CopiesOutliveTheOriginalAndManyDuplicatesResolve) {
  // Names are views into the parsed text, which copies share.
  std::string text;
  for (int i = 0; i < 5000; i++) {
    char line[96];
    std::snprintf(line, sizeof line, "ffffffffc%07x t dup\t[m%d]\nffffffff8%07x T sym_%d\n", i * 16, i, i * 16, i);
    text += line;
  }
  std::optional<Kallsyms> copy;
  {
    Kallsyms k = Kallsyms::parse(text);
    copy = k;
  }
  text.assign(text.size(), 'x');  // the caller's buffer is not referenced either
  ASSERT_EQ(copy->size(), 10000u);
  EXPECT_EQ(copy->find("sym_4321")->addr, 0xffffffff80000000ull + 4321 * 16);
  EXPECT_EQ(copy->find("dup")->module, "m0");  // first in file order
  EXPECT_EQ(copy->find("dup", "m4999")->addr, 0xffffffffc0000000ull + 4999 * 16);
  EXPECT_EQ(copy->find("dup", "nope"), nullptr);
  EXPECT_FALSE(copy->has("sym_5000"));
  EXPECT_EQ(copy->symbolize(0xffffffff80000000ull + 17 * 16 + 3), "sym_17+0x3");
}

TEST(Kallsyms, LoadMissingFile) {
  auto r = Kallsyms::load("/nonexistent/kallsyms");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().str().find("/nonexistent/kallsyms"), std::string::npos);
}

TEST(FilterFunctions, ParsesPlainModuleAndAddrsFormats) {
  FilterFunctions f = FilterFunctions::parse(
      "really_probe\n"
      "driver_deferred_probe_add.part.0\n"
      "driver_deferred_probe_add\n"
      "snd_soc_add_component [snd_soc_core]\n"
      "ffffffff81d56bf0 deferred_probe_work_func\n"
      "ffffffffc0a01000 snd_soc_register_card [snd_soc_core]\n"
      "\n");
  EXPECT_EQ(f.size(), 6u);
  EXPECT_TRUE(f.has("really_probe"));
  EXPECT_TRUE(f.has("snd_soc_add_component"));
  EXPECT_TRUE(f.has("deferred_probe_work_func"));
  EXPECT_TRUE(f.has("snd_soc_register_card"));
  EXPECT_FALSE(f.has("[snd_soc_core]"));
  EXPECT_EQ(f.clones("driver_deferred_probe_add"), std::vector<std::string>{"driver_deferred_probe_add.part.0"});
  EXPECT_TRUE(f.clones("really_probe").empty());
}

}  // namespace
