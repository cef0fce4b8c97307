// The synthetic example scenarios shipped in examples/*.trace. Each follows
// docs/kernel-model.md event for event; comments give the kernel code path.
#include "examples/scenarios.h"

namespace reprobe::examples {

namespace {

const Task kInit{1, "swapper/0", 0};
const Task kModprobe1{400, "modprobe", 1};
const Task kModprobe2{401, "modprobe", 0};
const Task kModprobe3{402, "modprobe", 1};
const Task kKworkerProbe{60, "kworker/u8:2", 1};   // SOF/HDA probe work
const Task kKworkerDefer{61, "kworker/u8:3", 0};   // deferred_probe_work_func
const Task kKworkerTimeout{40, "kworker/0:1", 0};  // deferred_probe_timeout_work_func

const char* kPci = "0000:00:1f.3";
const char* kSofDrv = "sof-audio-pci-intel-tgl";
const char* kMachDev = "skl_hda_dsp_generic";
const char* kMachDrv = "skl_hda_dsp_generic";
const char* kMachReason = "ASoC: CPU DAI Analog CPU DAI not registered";

nlohmann::ordered_json sof_dais() {
  return {"Analog CPU DAI", "Digital CPU DAI", "iDisp1 Pin", "iDisp2 Pin", "iDisp3 Pin"};
}

void boot(ScenarioBuilder& b, double late_initcall_s, bool with_timeout) {
  b.at(ms(500), kInit).ev("device_add", {{"dev", kPci}, {"bus", "pci"}});
  // An ACPI-enumerated generic machine device that exists long before the DSP is up
  // (the RFC's "generic ACPI-enumerated machine driver").
  b.at(ms(600), kInit).ev("device_add", {{"dev", kMachDev}, {"bus", "platform"}});
  b.at(sec(late_initcall_s), kInit).ev("late_initcall");
  b.trigger(sec(late_initcall_s), kInit, "late_initcall");
  b.trigger(sec(late_initcall_s), kInit, "late_initcall");
  if (with_timeout) b.at(sec(late_initcall_s), kInit).ev("timeout_armed", {{"secs", 10}});
}

// sof_pci_probe(): schedule sof_probe_work and return 0 -> the PCI device is bound at once.
void sof_pci_module(ScenarioBuilder& b, uint64_t t, uint64_t work_id) {
  b.at(t, kModprobe1).ev("module_load", {{"module", "snd_sof_pci_intel_tgl"}});
  b.at(t + ms(0.1), kModprobe1).ev("driver_register", {{"drv", kSofDrv}, {"bus", "pci"}});
  b.at(t + ms(0.2), kModprobe1).ev("probe_start", {{"dev", kPci}, {"drv", kSofDrv}});
  b.at(t + ms(1.0), kModprobe1).ev("work_queue", {{"work", work_id}, {"func", "sof_probe_work"}});
  b.at(t + ms(1.1), kModprobe1).ev("probe_end", {{"dev", kPci}, {"drv", kSofDrv}, {"ret", 0}, {"outcome", "bound"}});
  b.at(t + ms(1.1), kModprobe1).ev("bound", {{"dev", kPci}, {"drv", kSofDrv}});
  b.trigger(t + ms(1.1), kModprobe1, "bound");
  b.at(t + ms(1.3), kModprobe1).ev("module_init_done", {{"module", "snd_sof_pci_intel_tgl"}, {"ret", 0}});
}

// The machine driver module registers; its probe calls devm_snd_soc_register_card(),
// snd_soc_bind_card() finds no CPU DAI and returns -EPROBE_DEFER.
void machine_module_deferred(ScenarioBuilder& b, uint64_t t) {
  b.at(t, kModprobe2).ev("module_load", {{"module", "snd_soc_skl_hda_dsp"}});
  b.at(t + ms(0.1), kModprobe2).ev("driver_register", {{"drv", kMachDrv}, {"bus", "platform"}});
  b.probe(t + ms(0.2), t + ms(0.6), kModprobe2, kMachDev, kMachDrv, -517, kMachReason, true);
  b.at(t + ms(1.0), kModprobe2).ev("module_init_done", {{"module", "snd_soc_skl_hda_dsp"}, {"ret", 0}});
}

// Deferred-work retry of the machine device after some bind triggered.
void machine_retry(ScenarioBuilder& b, uint64_t t, int ret, const std::string& reason) {
  b.at(t, kKworkerDefer).ev("deferred_work_start");
  b.at(t, kKworkerDefer).ev("defer_del", {{"dev", kMachDev}});
  b.probe(t + ms(0.1), t + ms(0.5), kKworkerDefer, kMachDev, kMachDrv, ret, reason, true);
  if (ret == 0)
    b.at(t + ms(0.45), kKworkerDefer).ev("snd_card_register", {{"dev", kMachDev}, {"index", 0}, {"id", "sofhdadsp"}});
  b.at(t + ms(0.6), kKworkerDefer).ev("deferred_work_end");
}

}  // namespace

ScenarioBuilder sof_late_component() {
  ScenarioBuilder b("sof-late-component", "6.1.0-27-amd64",
                    "seed 000: SOF registers its DSP component from sof_probe_work after its PCI probe returned; "
                    "the machine driver deferred; the last bind (HDA codec) happens before the component; modules "
                    "load after the 10 s deferred_probe_timeout window");
  boot(b, 1.0, true);
  b.at(sec(11.0), kKworkerTimeout).ev("timeout_fired");
  b.trigger(sec(11.0), kKworkerTimeout, "timeout");
  const uint64_t t0 = sec(25.0);
  sof_pci_module(b, t0, 1);
  b.at(t0 + ms(2), kKworkerProbe).ev("work_start", {{"work", 1}, {"func", "sof_probe_work"}});
  b.at(t0 + ms(10), kKworkerProbe)
      .ev("fw_request", {{"id", 1}, {"mode", "sync"}, {"name", "intel/sof/sof-tgl.ri"}, {"dev", kPci}});
  b.at(t0 + ms(80), kKworkerProbe).ev("fw_done", {{"id", 1}, {"ret", 0}});
  machine_module_deferred(b, t0 + ms(100));
  // hda_codec_probe_bus(): codec device + request_module + bind (a trigger, before the component exists).
  b.at(t0 + ms(150), kKworkerProbe).ev("device_add", {{"dev", "ehdaudio0D2"}, {"bus", "hdaudio"}, {"parent", kPci}});
  b.at(t0 + ms(150.1), kKworkerProbe).ev("module_request", {{"name", "snd-soc-hdac-hda"}, {"wait", true}, {"id", 1}});
  b.at(t0 + ms(160), kModprobe3).ev("module_load", {{"module", "snd_soc_hdac_hda"}, {"req", 1}});
  b.at(t0 + ms(160.1), kModprobe3).ev("driver_register", {{"drv", "hdac_hda_codec"}, {"bus", "hdaudio"}});
  b.at(t0 + ms(160.2), kModprobe3).ev("probe_start", {{"dev", "ehdaudio0D2"}, {"drv", "hdac_hda_codec"}});
  b.at(t0 + ms(169.9), kModprobe3)
      .ev("component_add",
          {{"name", "ehdaudio0D2"}, {"dev", "ehdaudio0D2"}, {"dais", {"Analog Codec DAI", "Digital Codec DAI"}}});
  b.at(t0 + ms(170), kModprobe3)
      .ev("probe_end", {{"dev", "ehdaudio0D2"}, {"drv", "hdac_hda_codec"}, {"ret", 0}, {"outcome", "bound"}});
  b.at(t0 + ms(170), kModprobe3).ev("bound", {{"dev", "ehdaudio0D2"}, {"drv", "hdac_hda_codec"}});
  b.trigger(t0 + ms(170), kModprobe3, "bound");
  machine_retry(b, t0 + ms(170.1), -517, kMachReason);
  b.at(t0 + ms(171), kModprobe3).ev("module_init_done", {{"module", "snd_soc_hdac_hda"}, {"ret", 0}});
  // sof_probe_continue(): DSP booted, platform component registered -- no driver-core trigger.
  b.at(t0 + ms(300), kKworkerProbe).ev("resource", {{"name", "sof-dsp-booted"}, {"dev", kPci}});
  b.at(t0 + ms(350), kKworkerProbe).ev("component_add", {{"name", kPci}, {"dev", kPci}, {"dais", sof_dais()}});
  b.at(t0 + ms(360), kKworkerProbe).ev("work_end", {{"work", 1}});
  return b;
}

ScenarioBuilder sof_fw_callback() {
  ScenarioBuilder b("sof-fw-callback", "6.1.0-27-amd64",
                    "seed 000 (b): the provider registers its component from a request_firmware_nowait() callback; "
                    "the machine driver deferred before it; nothing binds afterwards");
  boot(b, 1.0, true);
  b.at(sec(11.0), kKworkerTimeout).ev("timeout_fired");
  b.trigger(sec(11.0), kKworkerTimeout, "timeout");
  const uint64_t t0 = sec(20.0);
  b.at(t0, kModprobe1).ev("module_load", {{"module", "snd_sof_pci_intel_tgl"}});
  b.at(t0 + ms(0.1), kModprobe1).ev("driver_register", {{"drv", kSofDrv}, {"bus", "pci"}});
  b.at(t0 + ms(0.2), kModprobe1).ev("probe_start", {{"dev", kPci}, {"drv", kSofDrv}});
  b.at(t0 + ms(0.8), kModprobe1)
      .ev("fw_request",
          {{"id", 7}, {"mode", "nowait"}, {"name", "intel/sof/sof-tgl.ri"}, {"dev", kPci}, {"cb", "sof_fw_ready_cb"}});
  b.at(t0 + ms(1.1), kModprobe1).ev("probe_end", {{"dev", kPci}, {"drv", kSofDrv}, {"ret", 0}, {"outcome", "bound"}});
  b.at(t0 + ms(1.1), kModprobe1).ev("bound", {{"dev", kPci}, {"drv", kSofDrv}});
  b.trigger(t0 + ms(1.1), kModprobe1, "bound");
  b.at(t0 + ms(1.3), kModprobe1).ev("module_init_done", {{"module", "snd_sof_pci_intel_tgl"}, {"ret", 0}});
  machine_module_deferred(b, t0 + ms(40));
  const Task cb{62, "kworker/1:2", 1};
  b.at(t0 + ms(95), cb).ev("fw_done", {{"id", 7}, {"ret", 0}});
  b.at(t0 + ms(220), cb).ev("resource", {{"name", "sof-dsp-booted"}, {"dev", kPci}});
  b.at(t0 + ms(240), cb).ev("component_add", {{"name", kPci}, {"dev", kPci}, {"dais", sof_dais()}});
  b.at(t0 + ms(241), cb).ev("fw_cb_end", {{"id", 7}});
  return b;
}

ScenarioBuilder spdif_race() {
  ScenarioBuilder b(
      "spdif-race", "5.10.0-33-amd64",
      "seed 003: spdif-dit registers its codec and binds inside kirkwood-spdif's lookup->defer window; "
      "only the deferred_trigger_count re-trigger (2014 race fix) retries it; 5.10 has no deferred_probe_timeout");
  const Task m1{500, "modprobe", 0}, m2{501, "modprobe", 1}, m3{502, "modprobe", 1};
  b.at(ms(300), kInit).ev("device_add", {{"dev", "kirkwood-spdif-audio.1"}, {"bus", "platform"}});
  b.at(ms(310), kInit).ev("device_add", {{"dev", "mvebu-audio.1"}, {"bus", "platform"}});
  b.at(ms(320), kInit).ev("device_add", {{"dev", "spdif-dit"}, {"bus", "platform"}});
  b.at(sec(1.0), kInit).ev("late_initcall");
  b.trigger(sec(1.0), kInit, "late_initcall");
  b.trigger(sec(1.0), kInit, "late_initcall");
  b.at(ms(3000), m1).ev("module_load", {{"module", "snd_soc_kirkwood_spdif"}});
  b.at(ms(3000.1), m1).ev("driver_register", {{"drv", "kirkwood-spdif-audio"}, {"bus", "platform"}});
  b.probe(ms(3000.2), ms(3000.6), m1, "kirkwood-spdif-audio.1", "kirkwood-spdif-audio", -517,
          "ASoC: CPU DAI mvebu-audio.1 not registered", true);
  b.at(ms(3100), m2).ev("module_load", {{"module", "snd_soc_kirkwood"}});
  b.at(ms(3100.1), m2).ev("driver_register", {{"drv", "mvebu-audio"}, {"bus", "platform"}});
  b.at(ms(3100.2), m2).ev("probe_start", {{"dev", "mvebu-audio.1"}, {"drv", "mvebu-audio"}});
  b.at(ms(3100.25), m2)
      .ev("component_add", {{"name", "mvebu-audio.1"}, {"dev", "mvebu-audio.1"}, {"dais", {"mvebu-audio.1"}}});
  b.at(ms(3100.3), m2)
      .ev("probe_end", {{"dev", "mvebu-audio.1"}, {"drv", "mvebu-audio"}, {"ret", 0}, {"outcome", "bound"}});
  b.at(ms(3100.3), m2).ev("bound", {{"dev", "mvebu-audio.1"}, {"drv", "mvebu-audio"}});
  b.trigger(ms(3100.3), m2, "bound");
  // Deferred work retries kirkwood-spdif: the CODEC lookup fails at +0.2 ms, the probe returns at +2.0 ms.
  b.at(ms(3100.35), kKworkerDefer).ev("deferred_work_start");
  b.at(ms(3100.35), kKworkerDefer).ev("defer_del", {{"dev", "kirkwood-spdif-audio.1"}});
  b.at(ms(3100.4), kKworkerDefer)
      .ev("probe_start", {{"dev", "kirkwood-spdif-audio.1"}, {"drv", "kirkwood-spdif-audio"}});
  b.at(ms(3100.5), kKworkerDefer).ev("card_bind_start", {{"dev", "kirkwood-spdif-audio.1"}});
  b.at(ms(3100.6), kKworkerDefer)
      .ev("defer_reason", {{"dev", "kirkwood-spdif-audio.1"}, {"reason", "ASoC: CODEC DAI dit-hifi not registered"}});
  // Meanwhile, on another CPU, the spdif-dit module registers the codec and binds: the trigger finds an empty pending
  // list.
  b.at(ms(3101.0), m3).ev("module_load", {{"module", "snd_soc_spdif_tx"}});
  b.at(ms(3101.1), m3).ev("driver_register", {{"drv", "spdif-dit"}, {"bus", "platform"}});
  b.at(ms(3101.2), m3).ev("probe_start", {{"dev", "spdif-dit"}, {"drv", "spdif-dit"}});
  b.at(ms(3101.3), m3).ev("component_add", {{"name", "spdif-dit"}, {"dev", "spdif-dit"}, {"dais", {"dit-hifi"}}});
  b.at(ms(3101.4), m3).ev("probe_end", {{"dev", "spdif-dit"}, {"drv", "spdif-dit"}, {"ret", 0}, {"outcome", "bound"}});
  b.at(ms(3101.4), m3).ev("bound", {{"dev", "spdif-dit"}, {"drv", "spdif-dit"}});
  b.trigger(ms(3101.4), m3, "bound");
  b.at(ms(3102.3), kKworkerDefer).ev("card_bind_end", {{"dev", "kirkwood-spdif-audio.1"}, {"ret", -517}});
  b.at(ms(3102.4), kKworkerDefer)
      .ev("probe_end",
          {{"dev", "kirkwood-spdif-audio.1"}, {"drv", "kirkwood-spdif-audio"}, {"ret", -517}, {"outcome", "deferred"}});
  b.at(ms(3102.4), kKworkerDefer).ev("defer_add", {{"dev", "kirkwood-spdif-audio.1"}});
  b.trigger(ms(3102.4), kKworkerDefer, "race");
  b.at(ms(3102.5), kKworkerDefer).ev("defer_del", {{"dev", "kirkwood-spdif-audio.1"}});
  b.at(ms(3102.6), kKworkerDefer)
      .ev("probe_start", {{"dev", "kirkwood-spdif-audio.1"}, {"drv", "kirkwood-spdif-audio"}});
  b.at(ms(3102.7), kKworkerDefer).ev("card_bind_start", {{"dev", "kirkwood-spdif-audio.1"}});
  b.at(ms(3103.5), kKworkerDefer)
      .ev("snd_card_register", {{"dev", "kirkwood-spdif-audio.1"}, {"index", 0}, {"id", "SPDIF"}});
  b.at(ms(3103.6), kKworkerDefer).ev("card_bind_end", {{"dev", "kirkwood-spdif-audio.1"}, {"ret", 0}});
  b.at(ms(3103.7), kKworkerDefer)
      .ev("probe_end",
          {{"dev", "kirkwood-spdif-audio.1"}, {"drv", "kirkwood-spdif-audio"}, {"ret", 0}, {"outcome", "bound"}});
  b.at(ms(3103.7), kKworkerDefer).ev("bound", {{"dev", "kirkwood-spdif-audio.1"}, {"drv", "kirkwood-spdif-audio"}});
  b.trigger(ms(3103.7), kKworkerDefer, "bound");
  b.at(ms(3103.8), kKworkerDefer).ev("deferred_work_end");
  return b;
}

ScenarioBuilder timeout_rescue() {
  ScenarioBuilder b("timeout-rescue", "6.1.0-27-amd64",
                    "the component arrives inside the deferred_probe_timeout window: on 6.1 the one-shot timeout "
                    "trigger binds the card, on 5.10 (no timeout) it stays stranded");
  boot(b, 1.0, true);
  const uint64_t t0 = sec(2.0);
  sof_pci_module(b, t0, 1);
  b.at(t0 + ms(0.1), kModprobe1).ev("timeout_extended", {{"secs", 10}});
  b.at(t0 + ms(2), kKworkerProbe).ev("work_start", {{"work", 1}, {"func", "sof_probe_work"}});
  machine_module_deferred(b, t0 + ms(100));
  b.at(t0 + ms(100.1), kModprobe2).ev("timeout_extended", {{"secs", 10}});
  b.at(t0 + ms(400), kKworkerProbe).ev("component_add", {{"name", kPci}, {"dev", kPci}, {"dais", sof_dais()}});
  b.at(t0 + ms(410), kKworkerProbe).ev("work_end", {{"work", 1}});
  // deferred_probe_timeout_work_func(): 10 s after the last driver_register.
  const uint64_t tf = t0 + ms(100.1) + sec(10);
  b.at(tf, kKworkerTimeout).ev("timeout_fired");
  b.trigger(tf, kKworkerTimeout, "timeout");
  machine_retry(b, tf + ms(0.05), 0, "");
  return b;
}

ScenarioBuilder async_probe() {
  ScenarioBuilder b("async-probe", "6.1.0-27-amd64",
                    "seed 002: an asynchronously probed codec (PROBE_PREFER_ASYNCHRONOUS) binds while the machine "
                    "driver is between its codec lookup and its return to the driver core");
  const Task m1{600, "modprobe", 0}, m2{601, "modprobe", 1}, async{90, "kworker/u8:5", 1};
  const char* codec = "i2c-10EC5682:00";
  const char* mach = "sof_rt5682";
  b.at(ms(400), kInit).ev("device_add", {{"dev", codec}, {"bus", "i2c"}});
  b.at(ms(410), kInit).ev("device_add", {{"dev", mach}, {"bus", "platform"}});
  b.at(sec(1.0), kInit).ev("late_initcall");
  b.trigger(sec(1.0), kInit, "late_initcall");
  b.trigger(sec(1.0), kInit, "late_initcall");
  b.at(sec(1.0), kInit).ev("timeout_armed", {{"secs", 10}});
  // The codec driver registers with async probing: driver_register returns at once,
  // the probe runs later from an async worker.
  b.at(ms(4000), m1).ev("module_load", {{"module", "snd_soc_rt5682_i2c"}});
  b.at(ms(4000.1), m1).ev("driver_register", {{"drv", "rt5682"}, {"bus", "i2c"}, {"async", true}});
  b.at(ms(4000.1), m1).ev("timeout_extended", {{"secs", 10}});
  b.at(ms(4000.3), m1).ev("module_init_done", {{"module", "snd_soc_rt5682_i2c"}, {"ret", 0}});
  // The machine driver registers at almost the same time and looks up the codec first.
  b.at(ms(4000.5), m2).ev("module_load", {{"module", "snd_soc_sof_rt5682"}});
  b.at(ms(4000.6), m2).ev("driver_register", {{"drv", mach}, {"bus", "platform"}});
  b.at(ms(4000.6), m2).ev("timeout_extended", {{"secs", 10}});
  b.at(ms(4000.7), m2).ev("probe_start", {{"dev", mach}, {"drv", mach}});
  b.at(ms(4000.8), m2).ev("card_bind_start", {{"dev", mach}});
  b.at(ms(4000.9), m2).ev("defer_reason", {{"dev", mach}, {"reason", "ASoC: CODEC DAI rt5682-aif1 not registered"}});
  b.at(ms(4000.2), async).ev("probe_start", {{"dev", codec}, {"drv", "rt5682"}, {"async", true}});
  b.at(ms(4003.0), async)
      .ev("component_add", {{"name", codec}, {"dev", codec}, {"dais", {"rt5682-aif1", "rt5682-aif2"}}});
  b.at(ms(4003.2), async).ev("probe_end", {{"dev", codec}, {"drv", "rt5682"}, {"ret", 0}, {"outcome", "bound"}});
  b.at(ms(4003.2), async).ev("bound", {{"dev", codec}, {"drv", "rt5682"}});
  b.trigger(ms(4003.2), async, "bound");
  b.at(ms(4005.5), m2).ev("card_bind_end", {{"dev", mach}, {"ret", -517}});
  b.at(ms(4005.6), m2).ev("probe_end", {{"dev", mach}, {"drv", mach}, {"ret", -517}, {"outcome", "deferred"}});
  b.at(ms(4005.6), m2).ev("defer_add", {{"dev", mach}});
  b.trigger(ms(4005.6), m2, "race");
  b.at(ms(4005.8), m2).ev("module_init_done", {{"module", "snd_soc_sof_rt5682"}, {"ret", 0}});
  b.at(ms(4005.7), kKworkerDefer).ev("deferred_work_start");
  b.at(ms(4005.7), kKworkerDefer).ev("defer_del", {{"dev", mach}});
  b.at(ms(4005.8), kKworkerDefer).ev("probe_start", {{"dev", mach}, {"drv", mach}});
  b.at(ms(4005.9), kKworkerDefer).ev("card_bind_start", {{"dev", mach}});
  b.at(ms(4008.5), kKworkerDefer).ev("snd_card_register", {{"dev", mach}, {"index", 0}, {"id", "sofrt5682"}});
  b.at(ms(4008.6), kKworkerDefer).ev("card_bind_end", {{"dev", mach}, {"ret", 0}});
  b.at(ms(4008.8), kKworkerDefer).ev("probe_end", {{"dev", mach}, {"drv", mach}, {"ret", 0}, {"outcome", "bound"}});
  b.at(ms(4008.8), kKworkerDefer).ev("bound", {{"dev", mach}, {"drv", mach}});
  b.trigger(ms(4008.8), kKworkerDefer, "bound");
  b.at(ms(4008.9), kKworkerDefer).ev("deferred_work_end");
  b.at(ms(14000.6), kKworkerTimeout).ev("timeout_fired");
  b.trigger(ms(14000.6), kKworkerTimeout, "timeout");
  return b;
}

ScenarioBuilder hda_healthy() {
  ScenarioBuilder b("hda-healthy", "6.1.0-27-amd64",
                    "legacy snd-hda-intel: azx_probe() queues azx_probe_work and returns 0; the work creates the codec "
                    "device, request_module()s its driver, which binds, then snd_card_register(); no deferral");
  const char* pci = "0000:00:1b.0";
  b.at(ms(450), kInit).ev("device_add", {{"dev", pci}, {"bus", "pci"}});
  b.at(sec(1.0), kInit).ev("late_initcall");
  b.trigger(sec(1.0), kInit, "late_initcall");
  b.trigger(sec(1.0), kInit, "late_initcall");
  b.at(sec(1.0), kInit).ev("timeout_armed", {{"secs", 10}});
  const uint64_t t0 = sec(3.0);
  b.at(t0, kModprobe1).ev("module_load", {{"module", "snd_hda_intel"}});
  b.at(t0 + ms(0.1), kModprobe1).ev("driver_register", {{"drv", "snd_hda_intel"}, {"bus", "pci"}});
  b.at(t0 + ms(0.1), kModprobe1).ev("timeout_extended", {{"secs", 10}});
  b.at(t0 + ms(0.2), kModprobe1).ev("probe_start", {{"dev", pci}, {"drv", "snd_hda_intel"}});
  b.at(t0 + ms(2.0), kModprobe1).ev("work_queue", {{"work", 3}, {"func", "azx_probe_work"}});
  b.at(t0 + ms(2.1), kModprobe1)
      .ev("probe_end", {{"dev", pci}, {"drv", "snd_hda_intel"}, {"ret", 0}, {"outcome", "bound"}});
  b.at(t0 + ms(2.1), kModprobe1).ev("bound", {{"dev", pci}, {"drv", "snd_hda_intel"}});
  b.trigger(t0 + ms(2.1), kModprobe1, "bound");
  b.at(t0 + ms(2.3), kModprobe1).ev("module_init_done", {{"module", "snd_hda_intel"}, {"ret", 0}});
  b.at(t0 + ms(2.5), kKworkerProbe).ev("work_start", {{"work", 3}, {"func", "azx_probe_work"}});
  b.at(t0 + ms(30), kKworkerProbe).ev("device_add", {{"dev", "hdaudioC0D0"}, {"bus", "hdaudio"}, {"parent", pci}});
  b.at(t0 + ms(30.1), kKworkerProbe)
      .ev("module_request", {{"name", "snd-hda-codec-generic"}, {"wait", true}, {"id", 1}});
  b.at(t0 + ms(45), kModprobe2).ev("module_load", {{"module", "snd_hda_codec_generic"}, {"req", 1}});
  b.at(t0 + ms(45.1), kModprobe2).ev("driver_register", {{"drv", "snd_hda_codec_generic"}, {"bus", "hdaudio"}});
  b.at(t0 + ms(45.1), kModprobe2).ev("timeout_extended", {{"secs", 10}});
  b.at(t0 + ms(45.2), kModprobe2).ev("probe_start", {{"dev", "hdaudioC0D0"}, {"drv", "snd_hda_codec_generic"}});
  b.at(t0 + ms(60), kModprobe2)
      .ev("probe_end", {{"dev", "hdaudioC0D0"}, {"drv", "snd_hda_codec_generic"}, {"ret", 0}, {"outcome", "bound"}});
  b.at(t0 + ms(60), kModprobe2).ev("bound", {{"dev", "hdaudioC0D0"}, {"drv", "snd_hda_codec_generic"}});
  b.trigger(t0 + ms(60), kModprobe2, "bound");
  b.at(t0 + ms(60.5), kModprobe2).ev("module_init_done", {{"module", "snd_hda_codec_generic"}, {"ret", 0}});
  b.at(t0 + ms(90), kKworkerProbe).ev("snd_card_register", {{"dev", pci}, {"index", 0}, {"id", "Intel"}});
  b.at(t0 + ms(91), kKworkerProbe).ev("work_end", {{"work", 3}});
  b.at(t0 + ms(45.1) + sec(10), kKworkerTimeout).ev("timeout_fired");
  b.trigger(t0 + ms(45.1) + sec(10), kKworkerTimeout, "timeout");
  return b;
}

const std::vector<Example>& all() {
  static const std::vector<Example> v = {
      {"sof-late-component", sof_late_component, sec(60)},
      {"sof-fw-callback", sof_fw_callback, sec(60)},
      {"spdif-race", spdif_race, sec(20)},
      {"timeout-rescue", timeout_rescue, sec(20)},
      {"async-probe", async_probe, sec(20)},
      {"hda-healthy", hda_healthy, sec(20)},
  };
  return v;
}

}  // namespace reprobe::examples
