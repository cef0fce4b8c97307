# bpf-features -- which BPF attach types work in the guest kernel (not a
# deferred-probe scenario).  Needs bpftrace in the guest:
#   tests/vm/run-scenario.sh bpf-features --with /usr/bin/bpftrace
# Writes /out/bpf-features.txt: "<probe kind> <target> ok|FAIL" per line plus
# `bpftrace --info`; the log of each attempt goes to scenario.out.
#
# Expected real outcome (Debian 6.1): kprobe, kretprobe, fentry/fexit (kfunc/
# kretfunc) on vmlinux and on module BTF (snd_soc_core), tracepoints all ok.
#@append deferred_probe_timeout=1
#@dpt none
#@preload snd-soc-core
#@settle 0
#@expect dmesg:reprobe-vm: scenario bpf-features end
command -v bpftrace >/dev/null || { echo "bpftrace not in the guest (use --with /usr/bin/bpftrace)" >&2; exit 1; }
export BPFTRACE_NO_CPP_DEMANGLE=1
try() { # KIND PROGRAM
	_t0=$(uptime_s)
	if timeout 120 bpftrace -e "$2 BEGIN { exit(); }" > /tmp/bt.out 2>&1; then r=ok; else r=FAIL; fi
	echo "$1 $r ($(elapsed_ms_since "$_t0") ms)" >> /out/bpf-features.txt
	step "bpftrace $1: $r"
	sed 's/^/    /' /tmp/bt.out
}
step "bpftrace --info"
bpftrace --info > /out/bpftrace-info.txt 2>&1
try kprobe:really_probe 'kprobe:really_probe { }'
try kretprobe:really_probe 'kretprobe:really_probe { printf("%d\n", retval); }'
try kprobe-wildcard:driver_deferred_probe_trigger* 'kprobe:driver_deferred_probe_trigger* { }'
bpftrace -l 'kprobe:driver_deferred_probe_*' > /out/bpftrace-list-dd.txt 2>&1
try kprobe:driver_deferred_probe_trigger.part.0 'kprobe:driver_deferred_probe_trigger.part.0 { }'
try kprobe-quoted:driver_deferred_probe_trigger.part.0 'kprobe:"driver_deferred_probe_trigger.part.0" { }'
try fentry:really_probe 'kfunc:really_probe { }'
try fexit:really_probe 'kretfunc:really_probe { printf("%d\n", retval); }'
try fentry:driver_bound 'kfunc:driver_bound { printf("%s\n", str(args->dev->kobj.name)); }'
try fentry-module:snd_soc_core:snd_soc_add_component 'kfunc:snd_soc_core:snd_soc_add_component { printf("%s\n", str(args->component->name)); }'
try fexit-module:snd:snd_card_register 'kretfunc:snd:snd_card_register { printf("%d\n", retval); }'
try kprobe-module:snd_soc_add_component 'kprobe:snd_soc_add_component { }'
try tracepoint:module:module_request 'tracepoint:module:module_request { printf("%s\n", str(args->name)); }'
try tracepoint:workqueue:workqueue_execute_start 'tracepoint:workqueue:workqueue_execute_start { }'
try fentry-7args:request_firmware_nowait 'kfunc:request_firmware_nowait { }'
try fentry-variadic:dev_err_probe 'kfunc:dev_err_probe { }'
try kprobe-variadic:dev_err_probe 'kprobe:dev_err_probe { }'
ls /sys/kernel/btf > /out/btf-list.txt
