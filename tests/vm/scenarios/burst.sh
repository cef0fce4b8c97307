# burst -- kernel-side driver-core event burst for the "0 drops at 50 k events/s"
# goal (issue 3 §4), driven by bench/vm_burst.sh; not a deferred-probe scenario.
#
# Loads tests/vm/modules/reprobe_burst (platform driver "reprobe-burst", per
# thread a device that binds, reprobe-burst.N, and one whose probe defers through
# dev_err_probe(), reprobe-burst.(1000+N)) and runs timed bursts from kthreads,
# one per online CPU unless reprobe.burst_threads=N: per iteration
#   bind   device_release_driver + device_driver_attach (unbind, really_probe
#          entry/exit, driver_bound, trigger, the deferred_probe_work_func run that
#          retries the deferring devices);
#   defer  device_attach of the deferring device (really_probe +517, dev_err_probe
#          reason, driver_deferred_probe_add);
#   mixed  both;
#   reason SYNTHETIC: dev_err_probe() on the deferring device in a tight loop,
#          outside any probe (one defer_reason event per call; the cheapest hooked
#          exported function, to find the rate where drops begin).
# Kernel command line knobs (run-scenario.sh --append): reprobe.burst_modes
# (comma list, default "bind"), reprobe.burst_ms (10000), reprobe.burst_threads
# (0 = online CPUs), reprobe.burst_iters (0 = duration only), reprobe.burst_gap_s
# (2, pause before and between bursts), reprobe.burst_nice (0: nice value of the
# kthreads; -20 leaves a tracer's reader almost no CPU during the burst).
#
# Writes /out/burst.txt: a "params" line, then per burst
#   burst rep=R mode=M threads=T nice=K iterations=N start_ns=S end_ns=E
#         elapsed_ns=D errors=0 per_thread=a,b uptime0=U0 uptime1=U1
# start_ns/end_ns are the module's CLOCK_BOOTTIME ns (first thread start, last
# thread end), the clock of the trace "t".
# With a tracer (/tmp/trace.ndjson exists) /out/trace-growth.txt samples the trace
# size every 0.25 s ("UPTIME BYTES", busybox stat: no read of the file) from before
# the first burst until it has not grown for 2 s after the last one (at most 180 s):
# how far the recorder's output lags behind the burst and how long it takes to drain.
# No dynamic debug (dd.c dev_dbg per probe would turn the burst into a printk
# benchmark).
#
# Expected: the bind devices bound, the deferring devices on the deferred list,
# every burst with errors=0.
#@append deferred_probe_timeout=1
#@dyndbg
#@settle 1
#@timeout 900
#@expect bound:reprobe-burst.0 deferred:reprobe-burst.1000 module:reprobe_burst
R=/out/burst.txt
MODES=$(param burst_modes bind)
MS=$(param burst_ms 10000)
THREADS=$(param burst_threads 0)
ITERS=$(param burst_iters 0)
GAP=$(param burst_gap_s 2)
NICE=$(param burst_nice 0)
echo "params modes=$MODES duration_ms=$MS threads=$THREADS nice=$NICE iterations=$ITERS online_cpus=$(grep -c '^processor' /proc/cpuinfo)" > "$R"

load reprobe_burst
P=/sys/module/reprobe_burst/parameters
[ -e /sys/bus/platform/drivers/reprobe-burst/reprobe-burst.0 ] ||
	{ echo "reprobe-burst.0 not bound after modprobe" >&2; exit 1; }
echo "$MS" > "$P/duration_ms"
echo "$THREADS" > "$P/threads"
echo "$ITERS" > "$P/iterations"
echo "$NICE" > "$P/nice"

T=/tmp/trace.ndjson
if [ -e "$T" ]; then
	( while [ ! -e /tmp/burst-sampler.stop ]; do
		echo "$(uptime_s) $(stat -c %s "$T")"
		sleep 0.25
	done ) > /out/trace-growth.txt &
	SAMPLER=$!
fi

rep=1
for m in $(echo "$MODES" | tr ',' ' '); do
	sleep "$GAP"
	echo "$m" > "$P/mode" || { echo "bad mode $m" >&2; exit 1; }
	step "burst $rep: mode $m, ${MS} ms"
	u0=$(uptime_s)
	echo 1 > "$P/run" || { echo "burst $rep ($m) failed to run" >&2; exit 1; }
	u1=$(uptime_s)
	res=$(cat "$P/result")
	echo "burst rep=$rep $res uptime0=$u0 uptime1=$u1" >> "$R"
	step "burst $rep done: $res"
	case " $res " in
	*" errors=0 "*) ;;
	*) echo "burst $rep ($m) reported errors: $res" >&2; exit 1 ;;
	esac
	rep=$((rep + 1))
done

if [ -n "${SAMPLER:-}" ]; then
	# the recorder drains its ring after the burst: wait until the trace stops growing
	prev=-1 same=0 n=0
	while [ "$same" -lt 8 ] && [ "$n" -lt 720 ]; do
		sleep 0.25
		sz=$(stat -c %s "$T")
		if [ "$sz" = "$prev" ]; then same=$((same + 1)); else same=0; fi
		prev=$sz n=$((n + 1))
	done
	touch /tmp/burst-sampler.stop
	wait "$SAMPLER"
	step "trace stopped growing at $prev bytes"
fi
