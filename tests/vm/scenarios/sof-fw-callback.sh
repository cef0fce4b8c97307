# sof-fw-callback -- provider registers its component from a
# request_firmware_nowait() completion callback (the pattern of drivers that
# load DSP firmware asynchronously; kernel-model.md §3 rationale (a)).
#
# reprobe_dsp (mode=fw) requests reprobe/dsp.bin (in the initramfs
# /lib/firmware) with request_firmware_nowait() and returns 0 (bound, trigger
# with nothing pending).  request_firmware_work_func runs in a system_wq
# kworker, loads the file and calls reprobe_dsp_fw_cb, which sleeps
# delay_ms=300 (firmware boot) and registers the component.  The machine is
# loaded right after the provider and defers (+517); the registration from the
# callback triggers nothing; deferred_probe_timeout=1 fired before the scenario.
#
# Expected real outcome (6.1): no card; reprobe-machine in devices_deferred.
#@append deferred_probe_timeout=1
#@preload snd-soc-core
#@settle 2
#@expect !card:reprobe deferred:reprobe-machine !bound:reprobe-machine bound:reprobe-dsp component:reprobe-dsp
#@expect-trace hook:defer_reason.asoc_component=kprobe
#@expect dmesg:reprobe: firmware reprobe/dsp.bin loaded
load snd-soc-dmic
load reprobe_dsp mode=fw delay_ms="$(param delay_ms 300)"
load reprobe_machine
wait_component reprobe-dsp 10
