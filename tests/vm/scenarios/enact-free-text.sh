# enact-free-text -- the deferral reason is free text that names no resource.
#
# reprobe_dsp mode=work (component ~300 ms after its bind); reprobe_machine
# wait_for=reprobe-dsp wait_msg=1 checks the DSP's component before registering
# the card and defers with dev_err_probe(-EPROBE_DEFER, "DSP firmware not ready")
# -- nothing in the reason names the component it waits for (reprobe has to infer
# the need from timing, not from the text).
#
# Expected real outcome (6.1, stock): no card; reprobe-machine deferred with
# reason "DSP firmware not ready".  Enacted: component-kick, provider-kick,
# periodic:500 and sync-provider all bind it.
#@append deferred_probe_timeout=1
#@preload snd-soc-core
#@settle 1
#@enact stock component-kick provider-kick periodic:500 sync-provider
#@expect !card:reprobe deferred:reprobe-machine component:reprobe-dsp
#@enact-expect bound:reprobe-dsp component:reprobe-dsp consistent:reprobe/reprobe-machine
load snd-soc-dmic
load reprobe_dsp mode="$(pmode work)" delay_ms=300
load reprobe_machine wait_for=reprobe-dsp wait_msg=1
wait_component reprobe-dsp 10
wait_card reprobe 3 || true
