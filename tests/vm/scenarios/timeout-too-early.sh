# timeout-too-early -- the deferred_probe_timeout trigger fires before the
# component exists, so it cannot rescue the card (and never fires again).
#
# Booted with deferred_probe_timeout=1, timer kept pending until the scenario
# (#@dpt keepalive).  Provider mode=work with delay_ms=3000 (a slow DSP boot),
# machine right after: it defers; ~1 s later the timer fires, retries it, it
# defers again (still no DAI) and 6.1 logs "deferred probe pending" for it;
# the component appears ~2 s later and nothing triggers.
#
# Expected real outcome (6.1): no card; reprobe-machine in devices_deferred;
# dmesg has "reprobe-machine: deferred probe pending".
#@append deferred_probe_timeout=1
#@dpt keepalive
#@preload snd-soc-core
#@settle 2
#@expect !card:reprobe deferred:reprobe-machine !bound:reprobe-machine component:reprobe-dsp
#@expect dmesg:reprobe-machine: deferred probe pending
load snd-soc-dmic
load reprobe_dsp mode=work delay_ms=3000
load reprobe_machine
wait_component reprobe-dsp 10
