# sof-late-component-machine-first -- the machine driver is there first (e.g.
# a generic ACPI-enumerated machine driver probing early, kernel-model.md §3).
#
# reprobe_machine loads first: its probe defers (+517, no CPU DAI yet, the
# provider module is not even loaded).  Then reprobe_dsp (mode=work,
# delay_ms=300) binds: driver_bound -> trigger -> the machine is retried from
# deferred_probe_work_func, but the component is still 300 ms away, so it
# defers again and lands back on the pending list.  The late component
# registration triggers nothing.
#
# Expected real outcome (6.1): no card; reprobe-machine in devices_deferred
# (2 probe attempts, both deferred).
#@append deferred_probe_timeout=1
#@preload snd-soc-core
#@settle 2
#@expect !card:reprobe deferred:reprobe-machine !bound:reprobe-machine bound:reprobe-dsp component:reprobe-dsp
#@expect dmesg:platform reprobe-machine: Retrying from deferred list
load snd-soc-dmic
load reprobe_machine
load reprobe_dsp mode=work delay_ms="$(param delay_ms 300)"
wait_component reprobe-dsp 10
