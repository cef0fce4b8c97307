# replug-hda -- `reprobe record --replug snd_hda_intel` on a machine whose card is
# already up (the "already-booted laptop" use of the recorder).
#
# snd-hda-intel is loaded and its card "Intel" is live before the recorder starts
# (#@preload). The recorder is started with --replug snd_hda_intel (run-suite.sh
# passes it via --record-args): it runs `modprobe -r snd_hda_intel` and
# `modprobe snd_hda_intel` under trace, so the capture shows the whole probe
# sequence again (driver_register, azx_probe, azx_probe_work, the codec, the card),
# then stops by itself after --until-idle (3 s default with --replug).
#
# Expected real outcome (6.1): card "Intel" present again; nothing deferred. The
# replay of the capture binds the card under stock with exact fidelity.
#@append deferred_probe_timeout=1
#@preload snd-hda-intel
#@record-args --replug snd_hda_intel
#@settle 1
#@expect card:Intel driver:snd_hda_intel deferred:none
step "waiting for the recorder's replug"
wait_card Intel 30
settle 6
