# enact-two-providers -- one card, two late providers (run-enacted.sh).
#
# Provider A = reprobe_dsp mode=work: binds at once, registers component
# "reprobe-dsp" (CPU DAI reprobe-dsp-dai) from reprobe_dsp_probe_work ~300 ms
# later.  Provider B = reprobe_amp mode=fw: binds at once, registers component
# "reprobe-amp" (codec DAI reprobe-amp-dai) from the request_firmware_nowait()
# callback reprobe_amp_fw_cb ~700 ms later.  reprobe_machine codec2=reprobe-amp
# has two dai_links and needs both DAIs; it is loaded right after the providers
# and defers ("card registration failed"; ASoC names only the first missing DAI).
# Neither late registration triggers; deferred_probe_timeout=1 fired before.
#
# Expected real outcome (6.1, stock): no card; reprobe-machine deferred.
# Enacted: component-kick / provider-kick bind it after B's registration (A's kick
# retries it too early); periodic:500 at the first tick after B; sync-provider
# (both providers do their late work inside probe: mode=inline / inline-fw, 300 ms
# and firmware + 700 ms) binds it on its first probe, ~1 s later.
#@append deferred_probe_timeout=1
#@preload snd-soc-core
#@settle 1
#@enact stock component-kick provider-kick periodic:500 sync-provider
#@expect !card:reprobe deferred:reprobe-machine !bound:reprobe-machine component:reprobe-dsp component:reprobe-amp
#@enact-expect bound:reprobe-dsp bound:reprobe-amp component:reprobe-dsp component:reprobe-amp consistent:reprobe/reprobe-machine
load snd-soc-dmic
load reprobe_dsp mode="$(pmode work)" delay_ms=300
load reprobe_amp mode="$(pmode fw)" delay_ms=700
load reprobe_machine codec2=reprobe-amp
wait_component reprobe-dsp 10
wait_component reprobe-amp 10
wait_card reprobe 3 || true
