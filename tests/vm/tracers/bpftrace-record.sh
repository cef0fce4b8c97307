#!/bin/sh
# Stand-in for `reprobe record` in the VM harness: same command line and the same
# contract (header line once attached, one JSON object per line, clean end line on
# SIGINT), implemented with Debian's bpftrace.  NOT the reprobe trace format -- it
# only proves the --tracer path of run-scenario.sh and that kprobes / fentry /
# module BTF / tracepoints work in the guest kernel.
#
#   tests/vm/run-scenario.sh sof-late-component \
#       --tracer tests/vm/tracers/bpftrace-record.sh --with /usr/bin/bpftrace
#
# usage: bpftrace-record.sh record -o FILE [--kprobe-only]
#   --kprobe-only  use kprobes/kretprobes instead of fentry/fexit (kfunc/kretfunc)
set -u
[ "${1:-}" = record ] && shift
out=/dev/stdout
mode=fentry
while [ $# -gt 0 ]; do
	case "$1" in
	-o) out=$2; shift 2 ;;
	--kprobe-only) mode=kprobe; shift ;;
	*) echo "bpftrace-record.sh: ignoring argument $1" >&2; shift ;;
	esac
done
command -v bpftrace >/dev/null || { echo "bpftrace-record.sh: bpftrace not found (run-scenario.sh --with /usr/bin/bpftrace)" >&2; exit 1; }

# Probes shared by both modes: tracepoints and the kprobe-only targets (the .part.0
# clones of dd.c's partially inlined functions, kernel-model.md §2.3).  bpftrace 0.17
# wildcards (kprobe:driver_deferred_probe_trigger*) skip the clones, and dd.c only
# calls the clones, so the names come from kallsyms.
common='
BEGIN {
	printf("{\"type\":\"header\",\"source\":\"bpftrace-stand-in\",\"mode\":\"%s\",\"ts_ns\":%llu}\n", "MODE", nsecs);
}
TRIGGER_PROBES {
	printf("{\"type\":\"trigger\",\"ts_ns\":%llu,\"fn\":\"%s\"}\n", nsecs, func);
}
ADD_PROBES {
	printf("{\"type\":\"deferred_add\",\"ts_ns\":%llu,\"fn\":\"%s\",\"dev\":\"%s\"}\n", nsecs, func,
	       str(((struct device *)arg0)->kobj.name));
}
tracepoint:module:module_load {
	printf("{\"type\":\"module_load\",\"ts_ns\":%llu,\"name\":\"%s\"}\n", nsecs, str(args->name));
}
tracepoint:module:module_request {
	printf("{\"type\":\"module_request\",\"ts_ns\":%llu,\"name\":\"%s\",\"wait\":%d}\n", nsecs, str(args->name), args->wait);
}
tracepoint:workqueue:workqueue_execute_start /WQFILTER/ {
	printf("{\"type\":\"work_start\",\"ts_ns\":%llu,\"fn\":\"%s\"}\n", nsecs, ksym(args->function));
}
tracepoint:workqueue:workqueue_execute_end /WQFILTER/ {
	printf("{\"type\":\"work_end\",\"ts_ns\":%llu,\"fn\":\"%s\"}\n", nsecs, ksym(args->function));
}
END {
	printf("{\"type\":\"end\",\"ts_ns\":%llu}\n", nsecs);
}
'

fentry='
kfunc:vmlinux:really_probe {
	printf("{\"type\":\"probe_start\",\"ts_ns\":%llu,\"dev\":\"%s\",\"drv\":\"%s\"}\n", nsecs,
	       str(args->dev->kobj.name), str(args->drv->name));
}
kretfunc:vmlinux:really_probe {
	printf("{\"type\":\"probe_end\",\"ts_ns\":%llu,\"dev\":\"%s\",\"ret\":%d}\n", nsecs,
	       str(args->dev->kobj.name), retval);
}
kfunc:vmlinux:driver_bound {
	printf("{\"type\":\"bound\",\"ts_ns\":%llu,\"dev\":\"%s\"}\n", nsecs, str(args->dev->kobj.name));
}
kfunc:vmlinux:deferred_probe_timeout_work_func {
	printf("{\"type\":\"timeout\",\"ts_ns\":%llu}\n", nsecs);
}
kfunc:vmlinux:deferred_probe_extend_timeout {
	printf("{\"type\":\"extend_timeout\",\"ts_ns\":%llu}\n", nsecs);
}
'

fentry_soc='
kfunc:snd_soc_core:snd_soc_add_component {
	printf("{\"type\":\"component_add\",\"ts_ns\":%llu,\"name\":\"%s\",\"dev\":\"%s\"}\n", nsecs,
	       str(args->component->name), str(args->component->dev->kobj.name));
}
'
fentry_snd='
kretfunc:snd:snd_card_register {
	/* bpftrace 0.17 cannot resolve struct snd_card (module BTF) fields in kretfunc args */
	printf("{\"type\":\"card_register\",\"ts_ns\":%llu,\"ret\":%d}\n", nsecs, retval);
}
'
kprobe_soc='
kprobe:snd_soc_add_component {
	printf("{\"type\":\"component_add\",\"ts_ns\":%llu,\"name\":\"%s\"}\n", nsecs,
	       str(((struct snd_soc_component *)arg0)->name));
}
'
kprobe_snd='
kretprobe:snd_card_register {
	printf("{\"type\":\"card_register\",\"ts_ns\":%llu,\"ret\":%d}\n", nsecs, retval);
}
'

kprobe='
kprobe:really_probe {
	@rp[tid] = arg0;
	printf("{\"type\":\"probe_start\",\"ts_ns\":%llu,\"dev\":\"%s\",\"drv\":\"%s\"}\n", nsecs,
	       str(((struct device *)arg0)->kobj.name), str(((struct device_driver *)arg1)->name));
}
kretprobe:really_probe /@rp[tid]/ {
	printf("{\"type\":\"probe_end\",\"ts_ns\":%llu,\"dev\":\"%s\",\"ret\":%d}\n", nsecs,
	       str(((struct device *)@rp[tid])->kobj.name), retval);
	delete(@rp[tid]);
}
kprobe:driver_bound {
	printf("{\"type\":\"bound\",\"ts_ns\":%llu,\"dev\":\"%s\"}\n", nsecs, str(((struct device *)arg0)->kobj.name));
}
kprobe:deferred_probe_timeout_work_func {
	printf("{\"type\":\"timeout\",\"ts_ns\":%llu}\n", nsecs);
}
kprobe:deferred_probe_extend_timeout {
	printf("{\"type\":\"extend_timeout\",\"ts_ns\":%llu}\n", nsecs);
}
'

if [ "$mode" = fentry ]; then prog="$common$fentry"; else prog="$common$kprobe"; fi
# module functions only when the module is loaded (a missing target fails the whole
# bpftrace program; the real tracer attaches lazily on module load instead)
if [ -d /sys/module/snd_soc_core ]; then
	if [ "$mode" = fentry ]; then prog="$prog$fentry_soc"; else prog="$prog$kprobe_soc"; fi
else
	echo "bpftrace-record.sh: snd_soc_core not loaded, no component_add events" >&2
fi
if [ -d /sys/module/snd ]; then
	if [ "$mode" = fentry ]; then prog="$prog$fentry_snd"; else prog="$prog$kprobe_snd"; fi
else
	echo "bpftrace-record.sh: snd not loaded, no card_register events" >&2
fi
# workqueue events only for the work functions that matter (ksym() is resolved in
# user space, so filter on the addresses from kallsyms)
wqfilter=$(grep -E ' (deferred_probe_work_func|deferred_probe_timeout_work_func|request_firmware_work_func)$' /proc/kallsyms |
	awk '{ printf "%sargs->function == 0x%s", (n++ ? " || " : ""), $1 }')
[ -n "$wqfilter" ] || wqfilter=0
clones() { # NAME -> "kprobe:NAME,kprobe:NAME.part.0" (what kallsyms has)
	grep -E " $1(\\.[a-z]+\\.[0-9]+)?\$" /proc/kallsyms | awk '{ print "kprobe:" $3 }' | sort -u | paste -sd, -
}
trigger_probes=$(clones driver_deferred_probe_trigger)
add_probes=$(clones driver_deferred_probe_add)
[ -n "$trigger_probes" ] && [ -n "$add_probes" ] || { echo "bpftrace-record.sh: dd.c symbols not in kallsyms" >&2; exit 1; }
echo "bpftrace-record.sh: trigger probes $trigger_probes; add probes $add_probes" >&2
prog=$(printf '%s' "$prog" | sed "s/\"MODE\"/\"$mode\"/; s/WQFILTER/$wqfilter/; s/TRIGGER_PROBES/$trigger_probes/; s/ADD_PROBES/$add_probes/")
# stdout + -B none: unbuffered, so the header is in the file as soon as everything is
# attached (BEGIN runs after attachment) and a killed run leaves complete lines.
# (bpftrace -o FILE buffers the BEGIN output until exit.)  -q: no "Attaching N probes"
# line in the trace.
export BPFTRACE_NO_CPP_DEMANGLE=1 BPFTRACE_STRLEN=64
exec bpftrace -q -B none -e "$prog" > "$out"
