// Hostile traces against the preload testbed (issue 15): names that would become paths outside
// the testbed or extra lines of its umockdev records, and snapshot numbers of the wrong type or
// out of range, are refused with the trace's name before any testbed exists. Each case failed
// before the check (files created outside the testbed, an injected udev property, an uncaught
// json type_error, a signed overflow in the minor numbers).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "replayer/trace/trace_reader.h"
#include "tools/preload/sound_card.h"
#include "tools/preload/testbed_names.h"
#include "tools/preload/testbed_records.h"

namespace reprobe {
namespace {

const std::filesystem::path kRoot = REPROBE_SOURCE_ROOT;

std::string file_text(const std::string& rel) {
  std::ifstream in(kRoot / rel);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  for (size_t p = text.find(from); p != std::string::npos; p = text.find(from, p + to.size()))
    text.replace(p, from.size(), to);
  return text;
}

// The 6.12 timeout-rescue capture: its end snapshot lists ALSA card 0 below reprobe-machine.
// `edit` changes that card (JSON) before the trace is read.
template <typename Edit>
std::string with_snapshot_card(Edit edit) {
  std::istringstream in(file_text("tests/data/captures/6.12/timeout-rescue.trace"));
  std::string out, line;
  while (std::getline(in, line)) {
    auto j = nlohmann::ordered_json::parse(line);
    if (j.value("ev", "") == "end" && j.contains("snapshot")) {
      edit(j["snapshot"]["alsa"]["cards"][0]);
      line = j.dump();
    }
    out += line + "\n";
  }
  return out;
}

Result<SoundCard> card_of(const std::string& text, const std::string& target = "reprobe-machine",
                          const std::string& driver = "reprobe-machine") {
  auto trace = read_trace_text(text, "hostile.trace");
  EXPECT_TRUE(trace.ok()) << (trace.ok() ? "" : trace.error().str());
  if (!trace) return trace.take_error();
  auto dev = trace->find_device(target);
  EXPECT_TRUE(dev.has_value()) << target;
  if (!dev) return Error{"", 0, "no target"};
  return describe_sound_card(*trace, *dev, driver);
}

void expect_refused(const Result<SoundCard>& card, const std::string& words) {
  ASSERT_FALSE(card.ok()) << "accepted";
  EXPECT_NE(card.error().str().find("hostile.trace: "), std::string::npos) << card.error().str();
  EXPECT_NE(card.error().str().find(words), std::string::npos) << card.error().str();
}

TEST(TestbedNames, TheRealCapturesBuildTheirCards) {
  auto card = card_of(file_text("tests/data/captures/6.12/timeout-rescue.trace"));
  ASSERT_TRUE(card.ok()) << card.error().str();
  EXPECT_FALSE(card->synthesized);
  EXPECT_EQ(card->id, "reprobe");
}

TEST(TestbedNames, ADeviceNameThatLeavesSysIsRefused) {
  const std::string capture = file_text("tests/data/captures/sof-late-component.trace");
  for (const std::string name : {"../../../../../../tmp/reprobe-escaped", "..", "a/b"}) {
    auto card = card_of(replaced(capture, "\"reprobe-machine\"", nlohmann::json(name).dump()), name);
    expect_refused(card, "cannot be a sysfs directory");
  }
}

TEST(TestbedNames, ABusOrDriverNameThatLeavesSysIsRefused) {
  // umockdev makes /sys/bus/BUS and the driver's directory too: "../../tmp/x" created /tmp/x.
  const std::string capture = file_text("tests/data/captures/sof-late-component.trace");
  expect_refused(card_of(replaced(capture, "\"bus\":\"platform\"", "\"bus\":\"../../../../tmp/reprobe-bus\"")),
                 "the bus of device reprobe-machine, '../../../../tmp/reprobe-bus' cannot be a sysfs directory");
  // The driver the replay binds (reprobe preload passes the trace's driver of the target).
  expect_refused(
      card_of(replaced(capture, "\"drv\":\"reprobe-machine\"", "\"drv\":\"../x\""), "reprobe-machine", "../x"),
      "the driver of device reprobe-machine, '../x' cannot be a sysfs directory");
}

TEST(TestbedNames, ALineBreakInANameOrIdIsRefused) {
  const std::string capture = file_text("tests/data/captures/sof-late-component.trace");
  expect_refused(card_of(replaced(capture, "\"reprobe-machine\"", "\"m\\nE: EVIL=1\""), "m\nE: EVIL=1"),
                 "holds a control character");
  expect_refused(card_of(with_snapshot_card([](auto& c) { c["id"] = "x\nE: EVIL=1"; })),
                 "the id of sound card 0 'x\\nE: EVIL=1' holds a control character");
  expect_refused(card_of(with_snapshot_card([](auto& c) { c["longname"] = "x\x1b]0;owned\x07"; })),
                 "holds a control character");
  expect_refused(card_of(with_snapshot_card([](auto& c) { c["pcms"][0]["name"] = "dmic\r"; })),
                 "holds a control character");
}

TEST(TestbedNames, SnapshotNumbersOfAnotherTypeOrOutOfRangeAreRefused) {
  expect_refused(card_of(with_snapshot_card([](auto& c) { c["index"] = "0"; })), "'index' is not an integer (\"0\")");
  expect_refused(card_of(with_snapshot_card([](auto& c) { c["pcms"][0]["device"] = "x"; })),
                 "'device' is not an integer");
  expect_refused(card_of(with_snapshot_card([](auto& c) { c["pcms"][0]["device"] = 2147483647; })),
                 "'device' 2147483647 is outside 0-255");
  expect_refused(card_of(with_snapshot_card([](auto& c) { c["pcms"][0]["device"] = -1; })), "is outside 0-255");
}

TEST(TestbedNames, ACardIndexOutsideAlsasRangeIsRefused) {
  // A snapshot card is matched to the target through its udev name (cardN), so both change.
  std::string text = with_snapshot_card([](auto& c) { c["index"] = 2147483647; });
  text = replaced(text, "{\"name\":\"card0\"", "{\"name\":\"card2147483647\"");
  expect_refused(card_of(text), "'index' 2147483647 is outside 0-255");
  // A synthesized card takes its index from snd_card_register (sof-late-component has none: the
  // stock run never registers; a crafted one does).
  const std::string capture = file_text("tests/data/captures/sof-late-component.trace");
  const auto end = capture.find("\n{\"ev\":\"end\"");
  ASSERT_NE(end, std::string::npos);
  std::string crafted = capture.substr(0, end + 1) +
                        "{\"t\":18390000000,\"cpu\":0,\"tid\":1,\"comm\":\"modprobe\",\"ev\":\"snd_card_register\","
                        "\"dev\":\"reprobe-machine\",\"index\":4096,\"id\":\"reprobe\"}" +
                        capture.substr(end);
  expect_refused(card_of(crafted), "card index 4096 is outside ALSA's range 0-255");
}

TEST(TestbedNames, SysfsNames) {
  EXPECT_EQ(sysfs_name_problem("0000:00:1f.3"), "");
  EXPECT_EQ(sysfs_name_problem("skl_hda_dsp_generic"), "");
  EXPECT_EQ(sysfs_name_problem(std::string(255, 'a')), "");
  EXPECT_NE(sysfs_name_problem(std::string(256, 'a')), "");
  EXPECT_NE(sysfs_name_problem(""), "");
  EXPECT_NE(sysfs_name_problem("."), "");
  EXPECT_NE(sysfs_name_problem(".."), "");
  EXPECT_NE(sysfs_name_problem("a/b"), "");
  EXPECT_NE(sysfs_name_problem("a\tb"), "");
}

}  // namespace
}  // namespace reprobe
