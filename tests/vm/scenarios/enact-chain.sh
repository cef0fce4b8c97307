# enact-chain -- late provider C -> codec D that defers on C -> card needs D.
#
# C = reprobe_dsp mode=work (component "reprobe-dsp" from its work item ~300 ms
# after its bind).  D = reprobe_amp wait_for=reprobe-dsp: its probe defers with
# dev_err_probe(-EPROBE_DEFER, "waiting for provider reprobe-dsp component") until
# C's component exists; once bound it registers its own codec component
# "reprobe-amp" + DAI inside probe.  The machine (codec2=reprobe-amp) needs C's and
# D's DAIs.  Stock: D and the machine defer, C's late component triggers nothing.
#
# Expected real outcome (6.1, stock): no card; reprobe-amp and reprobe-machine
# deferred.  Enacted: component-kick (C's component retries D, D's in-probe
# component + bind retry the machine), provider-kick (C's work end), periodic:500,
# sync-provider (C mode=inline: its work body, 300 ms, inside probe; D and the
# machine bind on their first probe).
#@append deferred_probe_timeout=1
#@preload snd-soc-core
#@settle 1
#@enact stock component-kick provider-kick periodic:500 sync-provider
#@expect !card:reprobe deferred:reprobe-machine deferred:reprobe-amp !bound:reprobe-amp component:reprobe-dsp
#@enact-expect bound:reprobe-dsp component:reprobe-dsp consistent:reprobe/reprobe-machine
load snd-soc-dmic
load reprobe_dsp mode="$(pmode work)" delay_ms=300
load reprobe_amp mode=sync wait_for=reprobe-dsp
load reprobe_machine codec2=reprobe-amp
wait_component reprobe-dsp 10
wait_card reprobe 3 || true
