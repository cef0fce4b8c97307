# fentry-fallback -- the kick scenario with the recorder's fentry/fexit attach of
# really_probe and driver_bound refused (fault injection through the kernel
# command line: an unknown NAME=VALUE parameter becomes init's environment, the
# guest tracer inherits REPROBE_BPF_REFUSE_FENTRY).  `reprobe record` must fall
# back to kprobe/kretprobe on those functions (a second BPF object sharing the
# maps), say so in the header's hook tiers, and still capture a trace that
# replays exactly: the fallback path a kernel takes when it refuses a trampoline
# (notrace, ftrace conflicts, argument limits).
#
# The recorder also runs with --follow-work vmstat_update: the vmstat timer queues
# that work outside any probe, so its items are recorded only through the BPF-side
# name match (bpf_snprintf "%ps" + FNV-1a, work_by_name) -- the path that follows
# azx_probe_work / sof_probe_work in modules loaded after the recorder started.
#
# Expected real outcome (6.1): as kick -- card "reprobe" present;
# reprobe-machine bound; devices_deferred empty.
#@append deferred_probe_timeout=1 REPROBE_BPF_REFUSE_FENTRY=really_probe,driver_bound
#@preload snd-soc-core
#@settle 1
#@expect card:reprobe bound:reprobe-machine !deferred:reprobe-machine bound:reprobe-kick
#@record-args --follow-work vmstat_update
#@expect-trace hook:probe_start=kprobe hook:probe_end=kprobe hook:bound=kprobe hook:unbind=fentry work:vmstat_update
load snd-soc-dmic
load reprobe_dsp mode=work delay_ms="$(param delay_ms 300)"
load reprobe_machine
wait_component reprobe-dsp 10
sleep 0.5
load reprobe_kick
wait_card reprobe 10
