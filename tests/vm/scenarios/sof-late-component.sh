# sof-late-component -- SOF's probe_work pattern (kernel-model.md §5.2, §5.6).
#
# reprobe_dsp (mode=work) binds at once (probe returns 0 -> driver_bound ->
# trigger with nothing pending) and registers its ASoC component from a work
# item delay_ms=300 later.  The machine module is loaded right after the
# provider: its probe runs while the CPU DAI "reprobe-dsp-dai" does not exist
# yet, devm_snd_soc_register_card returns -EPROBE_DEFER (really_probe +517),
# the device goes on the pending list.  The component registration is not a
# probe, so nothing triggers a retry; deferred_probe_timeout=1 has already
# fired before the scenario (harness waits), so the timeout cannot rescue it.
#
# Expected real outcome (6.1): no card; reprobe-machine stays in
# devices_deferred ("reprobe-machine: card registration failed").
#@append deferred_probe_timeout=1
#@preload snd-soc-core
#@settle 2
#@recipe-target reprobe-machine
#@expect !card:reprobe deferred:reprobe-machine !bound:reprobe-machine bound:reprobe-dsp component:reprobe-dsp bound:dmic-codec
#@expect-trace hook:defer_reason.asoc_component=kprobe
load snd-soc-dmic
load reprobe_dsp mode=work delay_ms="$(param delay_ms 300)"
load reprobe_machine
wait_component reprobe-dsp 10
