# timeout-rescue -- the one-shot deferred_probe_timeout trigger rescues the card.
#
# Booted with deferred_probe_timeout=5; the harness keeps the timer pending
# until the scenario starts (#@dpt keepalive: a no-device driver_register
# every second, which deferred_probe_extend_timeout turns into "fire 5 s from
# now").  Then as sof-late-component: provider (mode=work, 300 ms) and machine
# load (each driver_register pushes the timer to now+5 s); the machine defers;
# the component appears 300 ms later; ~5 s after the machine's
# driver_register deferred_probe_timeout_work_func runs: timeout=0, trigger,
# flush -> the machine is retried and binds.  6.1 prints "deferred probe
# pending" only for devices still pending after that flush -- none here.
#
# Expected real outcome (6.1): card "reprobe" present ~5 s after the machine
# module load; devices_deferred empty; no "deferred probe pending" line.
#@append deferred_probe_timeout=5
#@dpt keepalive
#@preload snd-soc-core
#@settle 1
#@expect card:reprobe bound:reprobe-machine !deferred:reprobe-machine
#@expect dmesg:platform reprobe-machine: Retrying from deferred list
#@expect !dmesg:deferred probe pending
load snd-soc-dmic
load reprobe_dsp mode=work delay_ms="$(param delay_ms 300)"
load reprobe_machine
wait_component reprobe-dsp 10
wait_card reprobe 15
