# async-probe -- kick, with the provider and the kick probing asynchronously.
#
# As kick, but two of the probes run from dd.c's async helpers on an async
# kworker instead of the modprobe task (kernel-model.md §1.8):
#   * reprobe_dsp is loaded with the module parameter async_probe=1
#     (module_requested_async_probing): its driver_register() finds the device
#     already there, __driver_attach() schedules __driver_attach_async_helper;
#     do_init_module() does not wait for it, hence the short sleep before the
#     machine (its component still comes delay_ms=300 after the probe);
#   * reprobe_kick prefer_async=1 sets probe_type = PROBE_PREFER_ASYNCHRONOUS:
#     the driver registers first, the device_add() that follows skips it in the
#     synchronous pass and schedules __device_attach_async_helper
#     (do_init_module() waits for it: async_synchronize_full()).
# reprobe-machine and dmic-codec probe synchronously; the machine defers, the
# kick's bind triggers its retry from deferred_probe_work_func (not async).
#
# Expected real outcome (6.1): card "reprobe" present; reprobe-machine bound;
# devices_deferred empty; dd.c says which probes were asynchronous. The trace
# (#@expect-trace, checked by check-replay.sh) must flag exactly those
# probe_starts as async and both drivers' driver_register as async.
#@append deferred_probe_timeout=1
#@preload snd-soc-core
#@settle 1
#@expect card:reprobe bound:reprobe-machine !deferred:reprobe-machine bound:reprobe-kick bound:reprobe-dsp
#@expect dmesg:reprobe-dsp: probing driver reprobe-dsp asynchronously
#@expect dmesg:reprobe-kick: scheduling asynchronous probe
#@expect-trace async:reprobe-dsp async:reprobe-kick !async:reprobe-machine !async:dmic-codec
#@expect-trace driver-async:reprobe-dsp driver-async:reprobe-kick !driver-async:reprobe-machine !driver-async:dmic-codec
load snd-soc-dmic
load reprobe_dsp mode=work delay_ms="$(param delay_ms 300)" async_probe=1
sleep 0.1
load reprobe_machine
wait_component reprobe-dsp 10
sleep 0.5
load reprobe_kick prefer_async=1
wait_card reprobe 10
