# enact-race-window -- a provider binds inside the consumer's lookup->defer window.
#
# reprobe_machine wait_for=reprobe-dsp window_ms=800 is loaded in the background:
# its probe looks up the DSP component (missing), stays in probe 800 ms, then
# defers ("waiting for reprobe-dsp component").  300 ms after that modprobe
# starts, reprobe_dsp mode=sync binds and registers its component inside the
# window: its driver_bound() trigger finds the pending list empty, but
# deferred_trigger_count moved while the machine was probing, so
# driver_probe_device() re-triggers right after adding it (58b116bce136) and the
# retry binds the card.
#
# Expected real outcome (6.1, stock): card "reprobe"; nothing deferred.  Every
# enacted policy binds it as well (no late work: provider-kick never kicks).
#@append deferred_probe_timeout=1
#@preload snd-soc-core
#@settle 1
#@enact stock component-kick provider-kick periodic:500
#@expect card:reprobe bound:reprobe-machine !deferred:reprobe-machine
#@expect dmesg:platform reprobe-machine: Retrying from deferred list
#@enact-expect bound:reprobe-dsp component:reprobe-dsp consistent:reprobe/reprobe-machine
load snd-soc-dmic
load reprobe_machine wait_for=reprobe-dsp window_ms=800 &
machine_pid=$!
sleep 0.3
load reprobe_dsp mode=sync
wait "$machine_pid" || exit 1
wait_card reprobe 5 || true
