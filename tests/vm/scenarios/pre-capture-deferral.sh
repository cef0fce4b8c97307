# pre-capture-deferral -- a device that deferred before the recorder started is
# retried by the next bind the recorder sees (issue 13 item 1).
#
# snd-soc-dmic and reprobe_machine are preloaded, i.e. before the tracer starts:
# the machine's probe defers (+517, the provider module is not loaded, no CPU
# DAI) and it lands on deferred_probe_pending_list.  With deferred_probe_timeout=1
# the timer fires before the tracer starts too (#@dpt wait): the machine is
# retried, defers again ("deferred probe pending") and stays pending.  The
# recorder's start snapshot lists it in devices_deferred.  The scenario then loads
# the provider with mode=sync (component registered inside its probe): its bind
# -> driver_bound() -> driver_deferred_probe_trigger() -> deferred_probe_work_func
# retries the machine, which binds.  A model that keeps the pre-capture deferral
# off the pending list would strand the machine.
#
# Expected real outcome (6.1): card "reprobe"; reprobe-machine bound on its first
# probe inside the capture; devices_deferred empty.
#@append deferred_probe_timeout=1
#@preload snd-soc-core snd-soc-dmic reprobe_machine
#@settle 1
#@expect card:reprobe bound:reprobe-machine !deferred:reprobe-machine bound:reprobe-dsp
#@expect dmesg:platform reprobe-machine: Retrying from deferred list
load reprobe_dsp mode=sync
wait_card reprobe 10
