# kick -- sof-late-component, then an unrelated successful bind.
#
# As sof-late-component (provider mode=work delay_ms=300, machine defers and
# is stranded).  Once the component exists, reprobe_kick is loaded: its
# platform device "reprobe-kick" binds, driver_bound() fires
# driver_deferred_probe_trigger(), deferred_probe_work_func retries
# reprobe-machine, the card registers.
#
# Expected real outcome (6.1): card "reprobe" present; reprobe-machine bound;
# devices_deferred empty.
#@append deferred_probe_timeout=1
#@preload snd-soc-core
#@settle 1
#@expect card:reprobe bound:reprobe-machine !deferred:reprobe-machine bound:reprobe-kick
#@expect dmesg:platform reprobe-machine: Retrying from deferred list
load snd-soc-dmic
load reprobe_dsp mode=work delay_ms="$(param delay_ms 300)"
load reprobe_machine
wait_component reprobe-dsp 10
sleep 0.5
load reprobe_kick
wait_card reprobe 10
