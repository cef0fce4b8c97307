# async-deferred-retry -- the deferred worker's retry of an async driver runs on
# __device_attach_async_helper (issue 13 item 5).
#
# As kick, with driver_async_probe=reprobe-machine on the command line: the
# machine driver probes asynchronously.  Its first probe (from driver_register,
# __driver_attach_async_helper) defers; reprobe_kick's bind triggers; the
# deferred worker's bus_probe_device() -> __device_attach(dev, allow_async=true)
# skips the async driver in its synchronous pass, prints "scheduling asynchronous
# probe" and schedules __device_attach_async_helper, which binds the machine on
# an async kworker while the worker moves on.
#
# Expected real outcome (6.1): card "reprobe"; reprobe-machine bound; both of its
# probes flagged async in the trace.
#@append deferred_probe_timeout=1 driver_async_probe=reprobe-machine
#@preload snd-soc-core
#@settle 1
#@expect card:reprobe bound:reprobe-machine !deferred:reprobe-machine bound:reprobe-kick
#@expect dmesg:reprobe-machine: scheduling asynchronous probe
#@expect-trace async:reprobe-machine !async:reprobe-kick
load snd-soc-dmic
load reprobe_dsp mode=work delay_ms="$(param delay_ms 300)"
load reprobe_machine
wait_component reprobe-dsp 10
sleep 0.5
load reprobe_kick
wait_card reprobe 10
