# overhead-bench -- tracer overhead benchmark (issue 3 §4), driven by
# bench/vm_overhead.sh; not a deferred-probe scenario.
#
# Two measurements in one boot, written to /out/overhead.txt (guest boottime
# seconds from /proc/uptime, 10 ms resolution, same clock as the trace "t"):
#  1. snd-hda-intel bind latency: modprobe snd-hda-intel -> card "Intel" listed in
#     /proc/asound/cards (polled every 10 ms), reprobe.hda_reps times; between reps
#     snd_hda_intel and snd_hda_codec_generic are removed so every rep is the same
#     cold path (module load, azx_probe, azx_probe_work, request_module of the
#     codec driver, codec bind, snd_card_register).
#  2. bind/unbind stress of platform device "reprobe-kick" (driver "reprobe-kick",
#     module reprobe_kick bind=1): reprobe.loop_n iterations of
#     "echo reprobe-kick > .../unbind; echo reprobe-kick > .../bind" (shell builtins,
#     no fork), reprobe.loop_reps times.  Each bind: really_probe entry/exit,
#     driver_bound, driver_deferred_probe_del, driver_deferred_probe_trigger, and the
#     deferred_probe_work_func run it queues; each unbind: device_release_driver.
#
# Expected: card Intel present at the end; reprobe-kick bound; nothing deferred.
#@append deferred_probe_timeout=1
#@preload snd-hda-codec
#@dyndbg
#@settle 1
#@timeout 600
#@expect card:Intel bound:reprobe-kick deferred:none
R=/out/overhead.txt
HDA_REPS=$(param hda_reps 5)
LOOP_N=$(param loop_n 5000)
LOOP_REPS=$(param loop_reps 5)
echo "params hda_reps=$HDA_REPS loop_n=$LOOP_N loop_reps=$LOOP_REPS" > "$R"

has_intel() { grep -q '\[Intel *\]' /proc/asound/cards 2>/dev/null; }

i=1
while [ "$i" -le "$HDA_REPS" ]; do
	if [ "$i" -gt 1 ]; then
		rmmod snd_hda_intel || { echo "rmmod snd_hda_intel failed" >&2; exit 1; }
		rmmod snd_hda_codec_generic 2>/dev/null
		n=0; while has_intel && [ $n -lt 500 ]; do sleep 0.01; n=$((n+1)); done
		sleep 0.3
	fi
	step "hda rep $i: modprobe snd-hda-intel"
	t0=$(uptime_s)
	modprobe snd-hda-intel || { echo "modprobe snd-hda-intel failed" >&2; exit 1; }
	t1=$(uptime_s)
	n=0; while ! has_intel && [ $n -lt 3000 ]; do sleep 0.01; n=$((n+1)); done
	t2=$(uptime_s)
	has_intel || { echo "card Intel did not appear (rep $i)" >&2; exit 1; }
	echo "hda rep=$i t0=$t0 modprobe_done=$t1 card=$t2" >> "$R"
	step "hda rep $i: card Intel present"
	i=$((i+1))
done

load reprobe_kick
D=/sys/bus/platform/drivers/reprobe-kick
[ -e "$D/reprobe-kick" ] || { echo "reprobe-kick not bound after modprobe" >&2; exit 1; }
sleep 0.3
r=1
while [ "$r" -le "$LOOP_REPS" ]; do
	step "loop rep $r: $LOOP_N x unbind/bind reprobe-kick"
	t0=$(uptime_s)
	k=0
	while [ "$k" -lt "$LOOP_N" ]; do
		echo reprobe-kick > "$D/unbind"
		echo reprobe-kick > "$D/bind"
		k=$((k+1))
	done
	t1=$(uptime_s)
	echo "loop rep=$r n=$LOOP_N t0=$t0 t1=$t1" >> "$R"
	sleep 0.3
	r=$((r+1))
done
[ -e "$D/reprobe-kick" ] || { echo "reprobe-kick not bound at the end" >&2; exit 1; }
step "overhead-bench done"
