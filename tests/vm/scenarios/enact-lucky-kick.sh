# enact-lucky-kick -- an unrelated late bind rescues the card by luck (as kick).
#
# reprobe_dsp mode=work (300 ms), machine defers; once the component exists
# (+0.5 s) reprobe_kick binds an unrelated device, its driver_bound() trigger
# retries the machine and the card registers.
#
# Expected real outcome (6.1, stock): card "reprobe"; nothing deferred.  Enacted:
# every policy binds it, the kick policies earlier than the lucky bind.
#@append deferred_probe_timeout=1
#@preload snd-soc-core
#@settle 1
#@enact stock component-kick provider-kick periodic:500 sync-provider
#@expect card:reprobe bound:reprobe-machine !deferred:reprobe-machine bound:reprobe-kick
#@enact-expect bound:reprobe-dsp bound:reprobe-kick component:reprobe-dsp consistent:reprobe/reprobe-machine
load snd-soc-dmic
load reprobe_dsp mode="$(pmode work)" delay_ms=300
load reprobe_machine
wait_component reprobe-dsp 10
sleep 0.5
load reprobe_kick
wait_card reprobe 10
