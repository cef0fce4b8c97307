# replug-in-use -- `reprobe record --replug snd_hda_intel` while a process holds the card
# open (what PipeWire/PulseAudio do on a booted laptop, issue 18): the module cannot be
# unloaded, so the recorder must refuse before tracing, name the holder and suggest
# --rebind, and exit 2 -- never record a trace that silently lacks the re-probe.
#
# The scenario keeps /dev/snd/controlC0 open from a background `sleep` (comm "sleep"), runs
# the recorder under test ($TRACER, the harness's own tracer records alongside) with
# --replug snd_hda_intel and checks its exit status and message; then the card must still be
# there (nothing was unloaded).
#
# Expected real outcome (6.1): exit 2, stderr names "snd_hda_intel is in use", the process
# "sleep" and "--rebind"; card "Intel" present.
#@append deferred_probe_timeout=1
#@preload snd-hda-intel
#@settle 1
#@expect card:Intel driver:snd_hda_intel module:snd_hda_intel
wait_card Intel 30 || exit 1
sleep 600 < /dev/snd/controlC0 &
holder=$!
sleep 0.5
step "reprobe record --replug snd_hda_intel with the card open (pid $holder)"
rc=0
"$TRACER" record -o /tmp/replug-in-use.trace --replug snd_hda_intel 2> /out/replug-in-use.err || rc=$?
cat /out/replug-in-use.err
kill "$holder"
[ "$rc" = 2 ] || { echo "record --replug on a module in use: exit $rc, want 2" >&2; exit 1; }
for want in "snd_hda_intel is in use" "sleep (pid $holder, /dev/snd/controlC0)" "--rebind"; do
	grep -qF -- "$want" /out/replug-in-use.err || { echo "record --replug: stderr lacks '$want'" >&2; exit 1; }
done
[ ! -e /tmp/replug-in-use.trace ] || { echo "record --replug wrote a trace though it refused" >&2; exit 1; }
step "record --replug refused as expected"
