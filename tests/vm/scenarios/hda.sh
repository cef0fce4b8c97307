# hda -- real snd-hda-intel on qemu's intel-hda + hda-duplex codec
# (kernel-model.md §5.1).
#
# modprobe snd-hda-intel: azx_probe binds the PCI function (returns 0, card
# not yet there), azx_probe_work (system_wq) probes the codec bus, creates the
# hdaudio codec device, request_module()s its driver (the kernel runs
# /sbin/modprobe = busybox for "hdaudio:v1AF40022..." and/or
# snd-hda-codec-generic), the codec binds, snd_card_register() makes card
# "Intel" live.  No -EPROBE_DEFER anywhere.
#
# Expected real outcome (6.1): card "Intel" (driver HDA-Intel) present; the PCI
# audio function bound to snd_hda_intel; snd_hda_codec_generic loaded by
# request_module; nothing deferred.
#@append deferred_probe_timeout=1
#@preload snd-hda-codec
#@settle 1
#@expect card:Intel driver:snd_hda_intel module:snd_hda_codec_generic deferred:none
load snd-hda-intel
wait_card Intel 30
