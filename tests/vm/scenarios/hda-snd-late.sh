# hda-snd-late -- hda without #@preload (issue 18 item 4): `snd` is loaded after the
# recorder started, then snd-hda-intel (kernel-model.md §5.1). The recorder must attach
# its hook in the new module (snd_card_register, kprobe tier) when the module loads.
# Before the fix it never did: available_filter_functions, read once at start, did not
# list the functions of a module loaded later, so none of snd's functions counted as
# kprobeable and the group was given up until the next load of snd; the first systemd
# guest boot trace had no snd_card_register for that reason.
#
# The scenario waits for the recorder's "attached sound hooks in module snd" (its log is
# /out/tracer.log) before loading snd-hda-intel: the attach takes seconds under TCG
# (re-reading kallsyms and available_filter_functions, loading a BPF object), longer than
# one `modprobe snd-hda-intel` takes from loading snd to registering the card, so what the
# same modprobe run does right after loading a module can still be missed (docs/boot-capture.md).
#
# Expected real outcome (6.1): as hda (card "Intel", nothing deferred); the trace has the
# card registration.
#@append deferred_probe_timeout=1
#@settle 1
#@expect card:Intel driver:snd_hda_intel module:snd_hda_codec_generic deferred:none
#@expect-trace ev:snd_card_register
load snd
t0=$(uptime_s)
until grep -q "attached sound hooks in module snd$" /out/tracer.log 2>/dev/null; do
	[ "$(elapsed_since "$t0")" -lt 60 ] || { echo "the recorder did not attach its hooks in snd within 60 s" >&2; break; }
	sleep 0.2
done
step "recorder attached in snd after $(elapsed_ms_since "$t0") ms"
load snd-hda-intel
wait_card Intel 30
