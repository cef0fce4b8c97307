# asoc-rebind -- ASoC re-binds a card when a component it used comes back (issue 13 item 6:
# unbind_card_list; the DSP-recovery / unload-reload case).
#
# reprobe_dsp (mode=work) registers its component 100 ms after its probe; the machine is
# loaded once the component is there and binds at once: card "reprobe". Then the DSP is
# unbound through sysfs (its driver's unbind; a module the card holds cannot be removed):
# devres unregisters the component, snd_soc_del_component_unlocked() unbinds the card that
# had probed it (component->card: the ALSA card is freed, the machine device stays bound)
# and puts it on unbind_card_list. Bound again, the DSP's probe queues its work, which
# registers the component 100 ms later; snd_soc_add_component() then calls
# snd_soc_try_rebind_card(), which binds the card again from that work item -- no probe of
# the machine device, no deferred-probe trigger involved.
#
# Expected real outcome (6.1, 6.12): card "reprobe" present at the end; the machine bound
# once (one probe attempt), its card registered twice; nothing deferred. The replay of
# the capture re-binds the card from the component registration (exact fidelity counts
# the card registrations).
#@append deferred_probe_timeout=1
#@preload snd-soc-core
#@settle 1
#@expect card:reprobe bound:reprobe-machine bound:reprobe-dsp component:reprobe-dsp !deferred:reprobe-machine
load snd-soc-dmic
load reprobe_dsp mode=work delay_ms=100
wait_component reprobe-dsp 10
load reprobe_machine
wait_card reprobe 10 || exit 1
step "unbind reprobe-dsp: its component goes, ASoC unbinds card reprobe"
echo reprobe-dsp > /sys/bus/platform/drivers/reprobe-dsp/unbind || exit 1
if card_ids | grep -qx reprobe; then
	echo "card reprobe still present after the DSP's unbind" >&2
	exit 1
fi
step "card reprobe is gone"
step "bind reprobe-dsp: its probe work registers the component again"
echo reprobe-dsp > /sys/bus/platform/drivers/reprobe-dsp/bind || exit 1
wait_card reprobe 10 || exit 1
