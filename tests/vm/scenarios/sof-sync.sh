# sof-sync -- control case: the provider registers its component synchronously
# inside its probe (mode=sync), before the machine module is loaded.
#
# Expected real outcome (6.1): the machine binds on its first probe; card
# "reprobe" in /proc/asound/cards; nothing in devices_deferred.
#@append deferred_probe_timeout=1
#@preload snd-soc-core
#@settle 1
#@expect card:reprobe bound:reprobe-machine !deferred:reprobe-machine bound:reprobe-dsp
load snd-soc-dmic
load reprobe_dsp mode=sync
load reprobe_machine
wait_card reprobe 10
