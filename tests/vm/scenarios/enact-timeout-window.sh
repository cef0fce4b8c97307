# enact-timeout-window -- deferred_probe_timeout still pending when the card defers.
#
# Booted with deferred_probe_timeout=4, timer kept pending until the scenario
# (#@dpt keepalive).  reprobe_dsp mode=work (component ~300 ms after its bind),
# machine right after: it defers; the component arrives; ~4 s after the last
# driver_register (the machine's) deferred_probe_timeout_work_func triggers and
# the retry binds the card.
#
# Expected real outcome (6.1, stock): card ~4 s after the machine load.  Enacted:
# component-kick / provider-kick / periodic:500 / sync-provider bind it earlier;
# stock:timeout=2 (cmdline deferred_probe_timeout=2) ~2 s after the machine load;
# no-timeout (cmdline deferred_probe_timeout=-1: no timer, see docs/fidelity.md)
# strands it.
#@append deferred_probe_timeout=4
#@dpt keepalive
#@preload snd-soc-core
#@settle 1
#@enact stock component-kick provider-kick periodic:500 sync-provider stock:timeout=2 no-timeout
#@expect card:reprobe bound:reprobe-machine !deferred:reprobe-machine
#@enact-expect bound:reprobe-dsp component:reprobe-dsp consistent:reprobe/reprobe-machine
load snd-soc-dmic
load reprobe_dsp mode="$(pmode work)" delay_ms=300
load reprobe_machine
wait_component reprobe-dsp 10
wait_card reprobe 7 || true
