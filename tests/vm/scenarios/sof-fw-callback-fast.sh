# sof-fw-callback-fast -- as sof-fw-callback, but the firmware callback
# registers the component at once (delay_ms=0).  This is a real race between
# the firmware kworker (request_firmware_work_func -> reprobe_dsp_fw_cb) and the
# machine module load (modprobe reprobe_machine -> driver_register -> probe):
# when the callback wins, the machine binds on its first probe and card
# "reprobe" appears; when the machine probe wins, it defers and is stranded
# like sof-fw-callback (nothing triggers afterwards; deferred_probe_timeout=1
# fired before the scenario).
#
# Expected real outcome (6.1): usually the card binds (measured: see
# tests/vm/README.md); either outcome is legitimate, so the only assertions
# are that the provider bound and its component exists, and that the outcome
# is self-consistent (card present <=> machine bound <=> not deferred).
#@append deferred_probe_timeout=1
#@preload snd-soc-core
#@settle 1
#@expect bound:reprobe-dsp component:reprobe-dsp consistent:reprobe/reprobe-machine
load snd-soc-dmic
load reprobe_dsp mode=fw delay_ms="$(param delay_ms 0)"
load reprobe_machine
wait_component reprobe-dsp 10
