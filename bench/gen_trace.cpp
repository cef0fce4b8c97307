// gen-bench-trace: writes a deterministic synthetic reprobe trace of about N
// events (default 1 000 000) for the benchmarks (docs/benchmarks.md).
//
//   usage: gen-bench-trace OUT [EVENTS] [--seed S] [--no-verify]
//
// EVENTS is approximate: the trace grows by whole chunks (a few thousand
// events each, more later as stranded devices accumulate).
//
// The trace is a long boot of a (very) large machine, built from "chunks"
// that follow each other in time. Every chunk has G sound groups and a stream
// of ordinary modules:
//
//   * a provider driver (pci, SOF-like) is loaded by modprobe and binds every
//     provider device of the chunk; its probe either queues a work item
//     (sof_probe_work) or requests firmware with request_firmware_nowait();
//   * the provider's work item (or firmware callback) loads the DSP firmware
//     (sync request, sometimes an optional one that fails with -ENOENT),
//     registers its platform component, adds the hdaudio codec device; the
//     first codec of the chunk request_module()s the codec driver, later ones
//     probe right from the work item; the codec registers its component with
//     the DAI the machine driver waits for; some codecs request their own
//     firmware with request_firmware_nowait();
//   * a machine driver module binds every machine device of the chunk: each
//     probe defers with "ASoC: CODEC DAI <dai> not registered" (or "CPU DAI"
//     for the firmware-callback flavour) and is retried by
//     deferred_probe_work_func after every trigger until the DAI appears;
//     some machine devices wait for a DAI nobody ever registers (stranded);
//   * ordinary modules (i2c, platform, pci devices) load throughout the chunk:
//     sync or async probing, a few -ENODEV rejections, and some probes that
//     defer on "supplier X not ready" until X binds (or forever when X was
//     rejected).
//
// The deferred worker is simulated here the way dd.c runs it: a trigger moves
// the pending list to the active list and queues the work, the work retries
// the active devices one by one, a bind triggers again, and a deferral that
// raced with a trigger re-triggers (deferred_trigger_count). At the end the
// one-shot deferred_probe_timeout fires 10 s after the last driver_register.
//
// Every event goes through reprobe's canonical TraceWriter; per-task nesting
// (probe_start/probe_end, work_start/work_end, fw_done/fw_cb_end,
// module_load/module_init_done) is valid and timestamps never go backwards.
// The result is read back with read_trace_file() unless --no-verify.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "replayer/trace/trace_reader.h"
#include "replayer/trace/trace_writer.h"

namespace {

// The generator's own events: a writer error is a bug here, reported as one.
void must(reprobe::Result<void> r) {
  if (!r) throw std::runtime_error("bench: the trace writer refused an event: " + r.error().str());
}

using json = nlohmann::ordered_json;

constexpr uint64_t kUs = 1'000, kMs = 1'000'000, kSec = 1'000'000'000;
constexpr uint64_t kNever = UINT64_MAX;

// splitmix64: small, fast, and the same sequence on every platform.
struct Rng {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  uint64_t range(uint64_t lo, uint64_t hi) { return lo + next() % (hi - lo + 1); }  // inclusive
  bool chance(double p) { return static_cast<double>(next() >> 11) * 0x1.0p-53 < p; }
  template <class T>
  const T& pick(const std::vector<T>& v) {
    return v[next() % v.size()];
  }
};

struct Task {
  int tid = -1;
  std::string comm;
  int cpu = 0;
};

struct Ev {
  uint64_t t;
  uint64_t seq;
  json j;
  bool trigger;  // "count" is assigned at write time, in trace order
};

// A device that sits on the deferred lists and is retried by the deferred worker.
struct Deferred {
  std::string dev, drv;
  std::string reason;
  bool card = false;
  std::string card_id;
  uint64_t avail = kNever;  // time its missing resource appears
};

// Something the deferred worker reacts to, produced by another task.
struct Ext {
  uint64_t t;
  uint64_t seq;
  bool trigger;  // else: defer_add of `deferred`
  uint32_t deferred;
};

struct BootDev {
  std::string dev, bus;
};

const std::vector<std::string> kPlatforms = {"tgl", "adl", "mtl", "cnl", "icl", "jsl", "ehl", "rpl", "lnl", "arl"};
const std::vector<std::string> kMachines = {"skl_hda_dsp_generic", "sof_rt5682", "sof_sdw",     "sof_nau8825",
                                            "sof_cs42l42",         "sof_da7219", "sof_ssp_amp", "sof_es8336"};
const std::vector<std::string> kCodecDrivers = {"hdac_hda_codec", "snd_hda_codec_realtek", "snd_hda_codec_hdmi",
                                                "snd_hda_codec_generic"};
struct PlainKind {
  const char* bus;
  std::vector<std::string> names;  // device base names
  std::vector<std::string> drivers;
};
const std::vector<PlainKind> kPlain = {
    {"i2c",
     {"ELAN0001", "SYNA3602", "10EC1308", "MAX98390", "INT33D5", "ACPI0011", "TXNW3643", "BOSC0200"},
     {"elan_i2c", "i2c_hid_acpi", "rt1308", "max98390", "intel_hid_i2c", "bmc150_accel", "tps6598x", "ucsi_acpi"}},
    {"platform",
     {"gpio-keys", "intel-spi", "serial8250", "acpi-fan", "intel_pmc_core", "pinctrl-tigerlake", "coretemp",
      "iTCO_wdt"},
     {"gpio-keys", "intel-spi", "serial8250", "acpi-fan", "intel_pmc_core", "tigerlake-pinctrl", "coretemp",
      "iTCO_wdt"}},
    {"pci", {}, {"e1000e", "nvme", "xhci_hcd", "iwlwifi", "i801_smbus", "intel-lpss", "thunderbolt", "mei_me"}},
};

// Drivers and modules of chunk c get a suffix so no driver is registered twice.
std::string suffix(uint32_t chunk) { return chunk == 0 ? std::string() : fmt::format(".{}", chunk); }

class Generator {
 public:
  Generator(uint64_t seed, uint64_t target_events) : rng_{seed}, target_(target_events) {}

  // Writes the whole trace; returns the number of events written.
  uint64_t write(const std::string& path);

 private:
  // --- emission -----------------------------------------------------------
  void emit(uint64_t t, const Task& task, const char* ev, json fields = json::object()) {
    json j = json::object();
    j["t"] = t;
    j["cpu"] = task.cpu;
    j["tid"] = task.tid;
    j["comm"] = task.comm;
    j["ev"] = ev;
    for (auto& [k, v] : fields.items()) j[k] = std::move(v);
    buf_.push_back(Ev{t, seq_++, std::move(j), false});
  }
  void trigger(uint64_t t, const Task& task, const char* cause) {
    emit(t, task, "trigger", {{"cause", cause}});
    buf_.back().trigger = true;
  }
  // A trigger raised outside the worker: also an input of the worker simulation.
  void ext_trigger(uint64_t t, const Task& task, const char* cause) {
    trigger(t, task, cause);
    ext_.push_back(Ext{t, seq_, true, 0});
  }
  void ext_defer(uint64_t t, uint32_t d) { ext_.push_back(Ext{t, seq_, false, d}); }

  void bind(uint64_t t, const Task& task, const std::string& dev, const std::string& drv) {
    emit(t, task, "probe_end", {{"dev", dev}, {"drv", drv}, {"ret", 0}, {"outcome", "bound"}});
    emit(t, task, "bound", {{"dev", dev}, {"drv", drv}});
    ext_trigger(t, task, "bound");
  }

  Task modprobe() { return Task{next_tid_++, "modprobe", static_cast<int>(rng_.range(0, 1))}; }
  void driver_register(uint64_t t, const Task& task, const std::string& drv, const char* bus, bool async = false,
                       const std::string& module = {}) {
    json f = {{"drv", drv}, {"bus", bus}};
    if (async) f["async"] = true;
    if (!module.empty()) f["module"] = module;
    emit(t, task, "driver_register", std::move(f));
    emit(t, task, "timeout_extended", {{"secs", 10}});  // 6.1: driver_register extends the timeout
    last_register_ = std::max(last_register_, t);
  }

  void boot_device(const std::string& dev, const char* bus) { boot_.push_back(BootDev{dev, bus}); }

  // --- chunk --------------------------------------------------------------
  uint64_t chunk(uint32_t c, uint64_t t0);
  void worker(uint64_t t0);
  uint64_t flush(reprobe::TraceWriter& w);

  // Deferred-worker state (persists across chunks: stranded devices stay pending).
  std::vector<Deferred> deferred_;
  std::vector<uint32_t> pending_;
  std::deque<uint32_t> active_;
  uint64_t worker_free_ = 0;
  const Task worker_task_{61, "kworker/u8:3", 1};

  Rng rng_;
  uint64_t target_;
  std::vector<Ev> buf_;
  std::vector<Ext> ext_;
  std::vector<BootDev> boot_;
  uint64_t seq_ = 0;
  uint64_t trigger_count_ = 0;
  int next_tid_ = 400;
  uint64_t next_work_ = 0x1000, next_fw_ = 1, next_req_ = 1;
  uint32_t next_card_ = 0, next_group_ = 0, next_plain_ = 0;
  uint64_t last_register_ = 0;
};

// One chunk starting at t0; returns the time of its last event.
// NOLINTNEXTLINE(readability-function-size): one synthetic scenario group, written as a script of events
uint64_t Generator::chunk(uint32_t c, uint64_t t0) {
  const uint32_t G = 16;
  const std::string sfx = suffix(c);
  const std::string& plat = kPlatforms[c % kPlatforms.size()];
  const std::string prov_drv = "sof-audio-pci-intel-" + plat + sfx;
  const std::string msfx = c == 0 ? std::string() : fmt::format("_{}", c);
  const std::string prov_mod = "snd_sof_pci_intel_" + plat + msfx;
  const std::string mach_drv = kMachines[c % kMachines.size()] + sfx;
  const std::string codec_drv = kCodecDrivers[c % kCodecDrivers.size()] + sfx;

  struct Group {
    uint32_t gi;
    std::string prov, mach, codec;
    bool fw_cb;        // provider uses request_firmware_nowait() instead of a work item
    bool stranded;     // machine waits for a DAI nobody registers
    bool optional_fw;  // work item first requests optional firmware that is missing
    bool codec_fw;     // codec requests its own firmware (nowait)
    uint64_t work, fw_id;
    uint64_t probe_t;  // provider probe_start
    uint64_t ready_t;  // work/callback start
    uint64_t codec_t;  // codec device_add
    uint64_t dai_t = kNever;
    uint32_t def = 0;  // index into deferred_
    std::string dai, reason;
    Task kworker;
  };
  std::vector<Group> groups(G);

  // Provider module: binds every provider device of the chunk.
  Task mp = modprobe();
  uint64_t t = t0 + rng_.range(0, 500) * kUs;
  emit(t, mp, "module_load", {{"module", prov_mod}});
  driver_register(t += 40 * kUs, mp, prov_drv, "pci", false, prov_mod);
  for (uint32_t g = 0; g < G; ++g) {
    Group& gr = groups[g];
    gr.gi = next_group_++;
    const uint32_t dom = gr.gi / (32 * 254), bus = 1 + (gr.gi / 32) % 254, dev = gr.gi % 32;
    gr.prov = fmt::format("{:04x}:{:02x}:{:02x}.3", dom, bus, dev);
    gr.mach = fmt::format("{}.{}", kMachines[c % kMachines.size()], gr.gi);
    gr.codec = fmt::format("ehdaudio{}D0", gr.gi);
    gr.fw_cb = rng_.chance(0.25);
    gr.stranded = gr.gi % 29 == 7;
    gr.optional_fw = rng_.chance(0.2);
    gr.codec_fw = rng_.chance(0.25);
    gr.kworker =
        gr.fw_cb ? Task{300 + static_cast<int>(g), fmt::format("kworker/{}:{}", g % 2, g + 2), static_cast<int>(g % 2)}
                 : Task{100 + static_cast<int>(g), fmt::format("kworker/u8:{}", g + 4), static_cast<int>(g % 2)};
    boot_device(gr.prov, "pci");
    boot_device(gr.mach, "platform");
    if (gr.stranded) {
      gr.dai = fmt::format("dmic-hifi.{}", gr.gi);
      gr.reason = fmt::format("ASoC: CODEC DAI {} not registered", gr.dai);
    } else if (gr.fw_cb) {
      gr.dai = fmt::format("SSP0 Pin.{}", gr.gi);
      gr.reason = fmt::format("ASoC: CPU DAI {} not registered", gr.dai);
    } else {
      gr.dai = fmt::format("Analog Codec DAI.{}", gr.gi);
      gr.reason = fmt::format("ASoC: CODEC DAI {} not registered", gr.dai);
    }
    t += rng_.range(20, 80) * kUs;
    gr.probe_t = t;
    emit(t, mp, "probe_start", {{"dev", gr.prov}, {"drv", prov_drv}});
    t += rng_.range(100, 400) * kUs;
    if (gr.fw_cb) {
      gr.fw_id = next_fw_++;
      emit(t, mp, "fw_request",
           {{"id", gr.fw_id},
            {"mode", "nowait"},
            {"name", fmt::format("intel/sof/sof-{}.ri", plat)},
            {"dev", gr.prov},
            {"cb", "sof_fw_ready_cb"}});
    } else {
      gr.work = next_work_++;
      emit(t, mp, "work_queue", {{"work", gr.work}, {"func", "sof_probe_work"}});
    }
    gr.ready_t = t + rng_.range(50, 2000) * kUs;
    bind(t += rng_.range(30, 100) * kUs, mp, gr.prov, prov_drv);
  }
  emit(t += 200 * kUs, mp, "module_init_done", {{"module", prov_mod}, {"ret", 0}});

  // Machine module: every machine device defers.
  Task mm = modprobe();
  const std::string mach_mod = "snd_soc_" + kMachines[c % kMachines.size()] + msfx;
  t = t0 + 10 * kMs + rng_.range(0, 2000) * kUs;
  emit(t, mm, "module_load", {{"module", mach_mod}});
  driver_register(t += 50 * kUs, mm, mach_drv, "platform", false, mach_mod);
  for (auto& gr : groups) {
    const auto d = static_cast<uint32_t>(deferred_.size());
    gr.def = d;
    deferred_.push_back(Deferred{gr.mach, mach_drv, gr.reason, true, fmt::format("sof{}", gr.gi), kNever});
    t += rng_.range(20, 60) * kUs;
    emit(t, mm, "probe_start", {{"dev", gr.mach}, {"drv", mach_drv}});
    emit(t += rng_.range(20, 60) * kUs, mm, "card_bind_start", {{"dev", gr.mach}});
    emit(t += rng_.range(10, 40) * kUs, mm, "defer_reason", {{"dev", gr.mach}, {"reason", gr.reason}});
    emit(t += rng_.range(10, 40) * kUs, mm, "card_bind_end", {{"dev", gr.mach}, {"ret", -517}});
    emit(t += rng_.range(5, 20) * kUs, mm, "probe_end",
         {{"dev", gr.mach}, {"drv", mach_drv}, {"ret", -517}, {"outcome", "deferred"}});
    emit(t, mm, "defer_add", {{"dev", gr.mach}});
    ext_defer(t, d);
  }
  emit(t += 150 * kUs, mm, "module_init_done", {{"module", mach_mod}, {"ret", 0}});
  const uint64_t mach_done = t;

  // Provider work items / firmware callbacks. Plan the time each reaches its codec,
  // so the first codec of the chunk loads the codec module and the others find it.
  for (auto& gr : groups) {
    uint64_t fw = rng_.range(40, 350) * kMs;
    gr.codec_t = std::max(gr.ready_t + fw + 3 * kMs, mach_done + kMs);
  }
  std::vector<Group*> order;
  for (auto& gr : groups) order.push_back(&gr);
  std::sort(order.begin(), order.end(), [](const Group* a, const Group* b) { return a->codec_t < b->codec_t; });
  uint64_t codec_driver_ready = kNever;
  const std::string codec_mod = kCodecDrivers[c % kCodecDrivers.size()] + msfx;
  for (Group* gp : order) {
    Group& gr = *gp;
    const Task& kw = gr.kworker;
    if (codec_driver_ready != kNever && gr.codec_t <= codec_driver_ready)
      gr.codec_t = codec_driver_ready + rng_.range(50, 500) * kUs;
    // Start: work_start / firmware callback start; firmware; DSP boot; platform component.
    uint64_t s = gr.ready_t;
    if (gr.fw_cb) {
      s = gr.codec_t - 3 * kMs;
      emit(s, kw, "fw_done", {{"id", gr.fw_id}, {"ret", 0}});
    } else {
      emit(s, kw, "work_start", {{"work", gr.work}, {"func", "sof_probe_work"}});
      if (gr.optional_fw) {
        const uint64_t id = next_fw_++;
        emit(s += 100 * kUs, kw, "fw_request",
             {{"id", id}, {"mode", "sync"}, {"name", fmt::format("intel/sof/sof-{}-ext.bin", plat)}, {"dev", gr.prov}});
        emit(s += rng_.range(200, 900) * kUs, kw, "fw_done", {{"id", id}, {"ret", -2}});
      }
      const uint64_t id = next_fw_++;
      emit(s += 100 * kUs, kw, "fw_request",
           {{"id", id}, {"mode", "sync"}, {"name", fmt::format("intel/sof/sof-{}.ri", plat)}, {"dev", gr.prov}});
      emit(std::max(s + 100 * kUs, gr.codec_t - 3 * kMs), kw, "fw_done", {{"id", id}, {"ret", 0}});
    }
    s = gr.codec_t - 2 * kMs;
    emit(s, kw, "resource", {{"name", fmt::format("sof-dsp-booted:{}", gr.prov)}, {"dev", gr.prov}});
    json dais = json::array(
        {fmt::format("SSP0 Pin.{}", gr.gi), fmt::format("iDisp1 Pin.{}", gr.gi), fmt::format("DMIC Pin.{}", gr.gi)});
    emit(s += 500 * kUs, kw, "component_add", {{"name", gr.prov}, {"dev", gr.prov}, {"dais", dais}});
    if (gr.fw_cb && !gr.stranded) gr.dai_t = s;
    // Codec device and its driver.
    s = gr.codec_t;
    emit(s, kw, "device_add", {{"dev", gr.codec}, {"bus", "hdaudio"}, {"parent", gr.prov}});
    json codec_dais =
        json::array({fmt::format("Analog Codec DAI.{}", gr.gi), fmt::format("Digital Codec DAI.{}", gr.gi)});
    auto codec_probe = [&](uint64_t& u, const Task& task) {
      emit(u += 20 * kUs, task, "probe_start", {{"dev", gr.codec}, {"drv", codec_drv}});
      if (gr.codec_fw) {
        const uint64_t id = next_fw_++;
        emit(u += 100 * kUs, task, "fw_request",
             {{"id", id},
              {"mode", "nowait"},
              {"name", fmt::format("hda-jack-retask-{}.fw", gr.gi)},
              {"dev", gr.codec},
              {"cb", "hda_fw_cb"}});
        const Task cb{500 + static_cast<int>(gr.gi % G), fmt::format("kworker/1:{}", gr.gi % G + 20), 1};
        const uint64_t cs = u + rng_.range(5, 30) * kMs;
        emit(cs, cb, "fw_done", {{"id", id}, {"ret", 0}});
        emit(cs + rng_.range(50, 300) * kUs, cb, "fw_cb_end", {{"id", id}});
      }
      emit(u += rng_.range(500, 3000) * kUs, task, "component_add",
           {{"name", gr.codec}, {"dev", gr.codec}, {"dais", codec_dais}});
      if (!gr.fw_cb && !gr.stranded) gr.dai_t = u;
      bind(u += rng_.range(50, 200) * kUs, task, gr.codec, codec_drv);
    };
    if (codec_driver_ready == kNever) {
      const uint64_t req = next_req_++;
      std::string alias = codec_mod;
      std::replace(alias.begin(), alias.end(), '_', '-');
      emit(s += 50 * kUs, kw, "module_request", {{"name", alias}, {"wait", true}, {"id", req}});
      Task cm = modprobe();
      uint64_t u = s + rng_.range(2, 10) * kMs;
      emit(u, cm, "module_load", {{"module", codec_mod}, {"req", req}});
      driver_register(u += 50 * kUs, cm, codec_drv, "hdaudio", false, codec_mod);
      codec_probe(u, cm);
      emit(u += 100 * kUs, cm, "module_init_done", {{"module", codec_mod}, {"ret", 0}});
      codec_driver_ready = u;
      s = u + 20 * kUs;
    } else {
      codec_probe(s, kw);
    }
    if (gr.fw_cb)
      emit(s + 100 * kUs, kw, "fw_cb_end", {{"id", gr.fw_id}});
    else
      emit(s + 100 * kUs, kw, "work_end", {{"work", gr.work}});
  }
  for (const auto& gr : groups) deferred_[gr.def].avail = gr.dai_t;

  // Ordinary modules throughout the chunk window.
  struct PlainDev {
    std::string dev, bus;
    bool rejected = false;
    int supplier = -1;  // index into devs of the device it waits for
    uint64_t bound_t = kNever;
  };
  struct PlainMod {
    std::string drv, mod, bus;
    bool async;
    uint64_t t;
    std::vector<uint32_t> devs;
  };
  std::vector<PlainDev> devs;
  std::vector<PlainMod> mods;
  const uint32_t nmods = 2 * G;
  for (uint32_t i = 0; i < nmods; ++i) {
    const PlainKind& kind = kPlain[rng_.range(0, kPlain.size() - 1)];
    PlainMod m;
    const size_t k = rng_.range(0, kind.drivers.size() - 1);  // driver k matches device name k
    const std::string& base = kind.drivers[k];
    m.drv = base + sfx + (i == 0 ? std::string() : fmt::format("-{}", i));
    m.mod = base + msfx + (i == 0 ? std::string() : fmt::format("_{}", i));
    std::replace(m.mod.begin(), m.mod.end(), '-', '_');
    m.bus = kind.bus;
    m.async = rng_.chance(0.2);
    m.t = t0 + 15 * kMs + i * (430 * kMs / nmods) + rng_.range(0, 5000) * kUs;
    const uint32_t n = static_cast<uint32_t>(rng_.range(1, 4));
    for (uint32_t j = 0; j < n; ++j) {
      PlainDev d;
      const uint32_t p = next_plain_++;
      if (m.bus == "pci") {
        const uint32_t dom = p / (32 * 254 * 3), bus = 1 + (p / (32 * 3)) % 254, dev = (p / 3) % 32;
        d.dev = fmt::format("{:04x}:{:02x}:{:02x}.{}", dom, bus, dev, p % 3);
      } else if (m.bus == "i2c") {
        d.dev = fmt::format("i2c-{}:{:02x}", kind.names[k], p);
      } else {
        d.dev = fmt::format("{}.{}", kind.names[k], p);
      }
      d.bus = m.bus;
      d.rejected = rng_.chance(0.05);
      boot_device(d.dev, kind.bus);
      m.devs.push_back(static_cast<uint32_t>(devs.size()));
      devs.push_back(std::move(d));
    }
    mods.push_back(std::move(m));
  }
  // Some sync probes wait for a supplier that a later module binds (or never
  // binds: it was rejected). Suppliers are picked among devices that do not
  // wait themselves.
  std::vector<uint8_t> waits(devs.size(), 0);
  for (size_t i = 0; i + 1 < mods.size(); ++i)
    if (!mods[i].async)
      for (uint32_t d : mods[i].devs) waits[d] = !devs[d].rejected && rng_.chance(0.12);
  for (size_t i = 0; i + 1 < mods.size(); ++i)
    for (uint32_t d : mods[i].devs) {
      if (!waits[d]) continue;
      for (int tries = 0; tries < 8 && devs[d].supplier < 0; ++tries) {
        const PlainMod& later = mods[rng_.range(i + 1, mods.size() - 1)];
        const uint32_t s = later.devs[rng_.range(0, later.devs.size() - 1)];
        if (!waits[s]) devs[d].supplier = static_cast<int>(s);
      }
    }
  // Bind times first (suppliers are in later modules), then emission.
  struct Probe {
    uint32_t dev;
    uint64_t start, end;
    const Task* task;
  };
  std::vector<std::vector<Probe>> probes(mods.size());
  std::vector<Task> tasks(mods.size()), async_tasks(mods.size());
  for (size_t i = 0; i < mods.size(); ++i) {
    PlainMod& m = mods[i];
    tasks[i] = modprobe();
    async_tasks[i] = Task{200 + static_cast<int>(i), fmt::format("kworker/u8:{}", 40 + i), static_cast<int>(i % 2)};
    uint64_t u = m.t + 60 * kUs;
    uint64_t a = u + 100 * kUs;
    for (uint32_t d : m.devs) {
      Probe p;
      p.dev = d;
      p.task = m.async ? &async_tasks[i] : &tasks[i];
      uint64_t& clock = m.async ? a : u;
      p.start = clock += rng_.range(20, 80) * kUs;
      p.end = clock += rng_.range(50, 1500) * kUs;
      if (!devs[d].rejected && devs[d].supplier < 0) devs[d].bound_t = p.end;
      probes[i].push_back(p);
    }
  }
  for (size_t i = 0; i < mods.size(); ++i) {
    const PlainMod& m = mods[i];
    const Task& mt = tasks[i];
    emit(m.t, mt, "module_load", {{"module", m.mod}});
    driver_register(m.t + 50 * kUs, mt, m.drv, m.bus.c_str(), m.async, m.mod);
    uint64_t last = m.t + 50 * kUs;
    for (const Probe& p : probes[i]) {
      const PlainDev& d = devs[p.dev];
      json ps = {{"dev", d.dev}, {"drv", m.drv}};
      if (m.async) ps["async"] = true;
      emit(p.start, *p.task, "probe_start", std::move(ps));
      if (d.rejected) {
        emit(p.end, *p.task, "probe_end", {{"dev", d.dev}, {"drv", m.drv}, {"ret", -19}, {"outcome", "rejected"}});
      } else if (d.supplier >= 0) {
        const PlainDev& sup = devs[static_cast<size_t>(d.supplier)];
        const std::string reason = fmt::format("supplier {} not ready", sup.dev);
        emit(p.start + (p.end - p.start) / 2, *p.task, "defer_reason", {{"dev", d.dev}, {"reason", reason}});
        emit(p.end, *p.task, "probe_end", {{"dev", d.dev}, {"drv", m.drv}, {"ret", -517}, {"outcome", "deferred"}});
        emit(p.end, *p.task, "defer_add", {{"dev", d.dev}});
        const auto di = static_cast<uint32_t>(deferred_.size());
        deferred_.push_back(Deferred{d.dev, m.drv, reason, false, {}, sup.bound_t});
        ext_defer(p.end, di);
      } else {
        bind(p.end, *p.task, d.dev, m.drv);
      }
      if (!m.async) last = p.end;
    }
    emit(last + 100 * kUs, mt, "module_init_done", {{"module", m.mod}, {"ret", 0}});
  }
  worker(t0);
  uint64_t end = 0;
  for (const auto& e : buf_) end = std::max(end, e.t);
  return end;
}

// Runs deferred_probe_work_func over this chunk's triggers and deferrals.
void Generator::worker(uint64_t t0) {
  std::sort(ext_.begin(), ext_.end(),
            [](const Ext& a, const Ext& b) { return a.t != b.t ? a.t < b.t : a.seq < b.seq; });
  const Task& w = worker_task_;
  size_t i = 0;
  bool queued = false;
  uint64_t queued_at = 0;  // when the work becomes runnable (trigger + workqueue latency)
  worker_free_ = std::max(worker_free_, t0);
  std::vector<uint64_t> trigger_times;  // every trigger, for the race check
  auto splice = [&] {
    for (uint32_t d : pending_) active_.push_back(d);
    pending_.clear();
  };
  auto on_trigger = [&](uint64_t t) {
    trigger_times.push_back(t);
    splice();
    if (!queued && !active_.empty()) {
      queued = true;
      queued_at = t + rng_.range(20, 80) * kUs;
    }
  };
  auto apply = [&](const Ext& e) {
    if (e.trigger)
      on_trigger(e.t);
    else
      pending_.push_back(e.deferred);
  };
  auto triggered_in = [&](uint64_t a, uint64_t b) {
    auto it = std::upper_bound(trigger_times.begin(), trigger_times.end(), a);
    return it != trigger_times.end() && *it <= b;
  };
  for (;;) {
    const uint64_t next_ext = i < ext_.size() ? ext_[i].t : kNever;
    const uint64_t run_at = queued ? std::max(queued_at, worker_free_) : kNever;
    if (next_ext == kNever && run_at == kNever) break;
    if (next_ext <= run_at) {
      apply(ext_[i++]);
      continue;
    }
    queued = false;
    uint64_t now = run_at;
    emit(now, w, "deferred_work_start");
    while (!active_.empty()) {
      while (i < ext_.size() && ext_[i].t <= now) apply(ext_[i++]);
      const uint32_t di = active_.front();
      active_.pop_front();
      const Deferred& d = deferred_[di];
      emit(now += 5 * kUs, w, "defer_del", {{"dev", d.dev}});
      const uint64_t start = now += rng_.range(5, 15) * kUs;
      emit(start, w, "probe_start", {{"dev", d.dev}, {"drv", d.drv}});
      const uint64_t lookup = start + rng_.range(20, 60) * kUs;
      const bool ok = d.avail <= lookup;
      // Other tasks' events up to the lookup happened "meanwhile".
      while (i < ext_.size() && ext_[i].t <= lookup) apply(ext_[i++]);
      if (d.card) emit(start + 10 * kUs, w, "card_bind_start", {{"dev", d.dev}});
      if (ok) {
        now = lookup + rng_.range(500, 3000) * kUs;
        if (d.card) {
          emit(now - 100 * kUs, w, "snd_card_register", {{"dev", d.dev}, {"index", next_card_++}, {"id", d.card_id}});
          emit(now - 50 * kUs, w, "card_bind_end", {{"dev", d.dev}, {"ret", 0}});
        }
        while (i < ext_.size() && ext_[i].t <= now) apply(ext_[i++]);
        emit(now, w, "probe_end", {{"dev", d.dev}, {"drv", d.drv}, {"ret", 0}, {"outcome", "bound"}});
        emit(now, w, "bound", {{"dev", d.dev}, {"drv", d.drv}});
        trigger(now, w, "bound");
        on_trigger(now);
      } else {
        emit(lookup, w, "defer_reason", {{"dev", d.dev}, {"reason", d.reason}});
        now = lookup + rng_.range(20, 80) * kUs;
        if (d.card) emit(now - 10 * kUs, w, "card_bind_end", {{"dev", d.dev}, {"ret", -517}});
        while (i < ext_.size() && ext_[i].t <= now) apply(ext_[i++]);
        emit(now, w, "probe_end", {{"dev", d.dev}, {"drv", d.drv}, {"ret", -517}, {"outcome", "deferred"}});
        emit(now, w, "defer_add", {{"dev", d.dev}});
        pending_.push_back(di);
        if (triggered_in(start, now)) {  // deferred_trigger_count moved during the probe
          trigger(now, w, "race");
          on_trigger(now);
        }
      }
    }
    emit(now += 10 * kUs, w, "deferred_work_end");
    worker_free_ = now + 5 * kUs;
  }
  ext_.clear();
}

uint64_t Generator::flush(reprobe::TraceWriter& w) {
  std::stable_sort(buf_.begin(), buf_.end(),
                   [](const Ev& a, const Ev& b) { return a.t != b.t ? a.t < b.t : a.seq < b.seq; });
  for (auto& e : buf_) {
    if (e.trigger) e.j["count"] = ++trigger_count_;
    must(w.event(e.j));
  }
  const uint64_t n = buf_.size();
  buf_.clear();
  return n;
}

uint64_t Generator::write(const std::string& path) {
  // The body goes to a side file first: the boot section (every device_add)
  // is only known once all chunks are generated.
  const std::string body_path = path + ".body.tmp";
  uint64_t body_events = 0;
  uint64_t t_end = 0;
  trigger_count_ = 2;  // the two late_initcall triggers come first
  {
    std::ofstream body(body_path, std::ios::binary | std::ios::trunc);
    if (!body) throw std::runtime_error("cannot create " + body_path);
    reprobe::TraceWriter w(body);
    uint64_t t = 2 * kSec;
    for (uint32_t c = 0;; ++c) {
      const uint64_t boot_events = boot_.size() + 4;
      if (c > 0 && body_events + boot_events + 40 >= target_) break;
      const uint64_t end = chunk(c, t);
      body_events += flush(w);
      t = end + rng_.range(1, 20) * kMs;
    }
    // deferred_probe_timeout_work_func(): 10 s after the last driver_register.
    const Task tw{40, "kworker/0:1", 0};
    const uint64_t tf = std::max(last_register_ + 10 * kSec, t);
    emit(tf, tw, "timeout_fired");
    ext_trigger(tf, tw, "timeout");
    worker(tf);
    for (const auto& e : buf_) t_end = std::max(t_end, e.t);
    body_events += flush(w);
    if (!body) throw std::runtime_error("write failed: " + body_path);
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error("cannot create " + path);
  reprobe::TraceWriter w(out);
  json h = json::object();
  h["format"] = "reprobe-trace";
  h["version"] = 1;
  h["source"] = "synthetic";
  h["kernel"] = json::object({{"release", "6.1.0-27-amd64"}});
  h["clock"] = "boottime_ns";
  h["hooks"] = json::object();
  h["scenario"] = "bench-synthetic";
  h["description"] = fmt::format(
      "gen-bench-trace: {} devices enumerated at boot, sound groups deferring on their "
      "provider's late components, ordinary modules, stranded devices",
      boot_.size());
  must(w.header(h));
  const Task init{1, "swapper/0", 0};
  const uint64_t span = 800 * kMs;
  for (size_t k = 0; k < boot_.size(); ++k) {
    const uint64_t t = 100 * kMs + span * k / boot_.size();
    json e = {{"t", t},
              {"cpu", init.cpu},
              {"tid", init.tid},
              {"comm", init.comm},
              {"ev", "device_add"},
              {"dev", boot_[k].dev},
              {"bus", boot_[k].bus}};
    must(w.event(e));
  }
  const json base = {{"t", kSec}, {"cpu", init.cpu}, {"tid", init.tid}, {"comm", init.comm}};
  auto at = [&](const char* ev, json extra) {
    json e = base;
    e["ev"] = ev;
    for (auto& [k, v] : extra.items()) e[k] = v;
    must(w.event(e));
  };
  at("late_initcall", json::object());
  at("trigger", {{"cause", "late_initcall"}, {"count", 1}});
  at("trigger", {{"cause", "late_initcall"}, {"count", 2}});
  at("timeout_armed", {{"secs", 10}});
  {
    std::ifstream body(body_path, std::ios::binary);
    out << body.rdbuf();
  }
  std::remove(body_path.c_str());
  w.end(0, 0, t_end + kMs);
  out.flush();
  if (!out) throw std::runtime_error("write failed: " + path);
  return boot_.size() + 4 + body_events;
}

}  // namespace

int main(int argc, char** argv) {
  std::string out;
  uint64_t events = 1'000'000, seed = 2026;
  bool verify = true;
  std::vector<std::string> pos;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--seed" && i + 1 < argc)
      seed = std::stoull(argv[++i]);
    else if (a == "--no-verify")
      verify = false;
    else if (a == "-h" || a == "--help") {
      std::cout << "usage: gen-bench-trace OUT [EVENTS] [--seed S] [--no-verify]\n"
                   "Writes a deterministic synthetic reprobe trace of about EVENTS events (default 1000000;\n"
                   "it grows by whole chunks of a few thousand events, at least one chunk), then reads it\n"
                   "back with read_trace_file() unless --no-verify.\n";
      return 0;
    } else
      pos.push_back(a);
  }
  if (pos.empty() || pos.size() > 2) {
    std::cerr << "usage: gen-bench-trace OUT [EVENTS] [--seed S] [--no-verify]\n";
    return 2;
  }
  out = pos[0];
  if (pos.size() == 2) events = std::stoull(pos[1]);
  try {
    Generator g(seed, events);
    const uint64_t n = g.write(out);
    std::cerr << fmt::format("gen-bench-trace: wrote {} events to {}\n", n, out);
  } catch (const std::exception& e) {
    std::cerr << "gen-bench-trace: " << e.what() << "\n";
    return 2;
  }
  if (verify) {
    auto tr = reprobe::read_trace_file(out);
    if (!tr) {
      std::cerr << "gen-bench-trace: verification failed: " << tr.error().str() << "\n";
      return 1;
    }
    size_t deferrals = 0, probes = 0;
    for (const auto& e : tr->events) {
      probes += e.kind == reprobe::EventKind::probe_start;
      deferrals += e.kind == reprobe::EventKind::probe_end && e.outcome == reprobe::ProbeOutcome::deferred;
    }
    std::cerr << fmt::format(
        "gen-bench-trace: verified: {} events, {} devices, {} probe attempts, {} deferrals, {} warnings\n",
        tr->events.size(), tr->devices.size(), probes, deferrals, tr->warnings.size());
    for (const auto& w : tr->warnings) std::cerr << "warning: " << w << "\n";
  }
  return 0;
}
