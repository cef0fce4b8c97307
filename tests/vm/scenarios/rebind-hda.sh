# rebind-hda -- `reprobe record --rebind 0000:00:01.0` on a machine whose card is up and
# whose modules stay loaded (the booted laptop where PipeWire holds snd_hda_intel, issue 18).
#
# snd-hda-intel is loaded and card "Intel" is live before the recorder starts (#@preload).
# The recorder writes 0000:00:01.0 (qemu's intel-hda) to
# /sys/bus/pci/drivers/snd_hda_intel/unbind and then to .../bind under trace: the driver
# core releases the device (unbind, the card and codec go away) and probes it again
# (azx_probe, azx_probe_work, the codec, the card), with no module unloaded; the recorder
# stops by itself after --until-idle (3 s default with --rebind).
#
# Expected real outcome (6.1): card "Intel" present again, snd_hda_intel still loaded,
# nothing deferred. The replay of the capture binds the card under stock with exact
# fidelity; the trace has the unbind.
#@append deferred_probe_timeout=1
#@preload snd-hda-intel
#@record-args --rebind 0000:00:01.0
#@settle 1
#@expect card:Intel driver:snd_hda_intel module:snd_hda_intel deferred:none
step "waiting for the recorder's rebind"
settle 8
