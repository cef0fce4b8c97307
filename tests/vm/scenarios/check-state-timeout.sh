# check-state-timeout -- a power-domain consumer whose provider never comes
# fails with -110 when the deferred_probe_timeout fires (issue 13 item 2).
#
# Booted with deferred_probe_timeout=2; the harness keeps the timer pending
# until the scenario starts (#@dpt keepalive).  reprobe_pmdomain registers
# device + driver "reprobe-pd-consumer"; its probe asks
# driver_deferred_probe_check_state() (as genpd does for a missing provider):
# -EPROBE_DEFER while the timer is pending, so it defers (its driver_register
# pushed the timer to now+2 s).  deferred_probe_timeout_work_func then sets the
# timeout to 0 and triggers: the retry's check_state returns -ETIMEDOUT
# ("deferred probe timeout, ignoring dependency"), the probe fails with -110 and
# the device leaves the deferred lists (no "deferred probe pending" for it).
#
# Expected real outcome (6.1): reprobe-pd-consumer not bound, not deferred;
# dmesg shows the check_state warning and the -110 failure.
#@append deferred_probe_timeout=2
#@dpt keepalive
#@preload snd-soc-core
#@settle 1
#@no-rescue
#@target reprobe-pd-consumer
#@expect !bound:reprobe-pd-consumer !deferred:reprobe-pd-consumer
#@expect dmesg:reprobe-pd-consumer: deferred probe timeout, ignoring dependency
#@expect dmesg:failed with error -110
#@expect !dmesg:reprobe-pd-consumer: deferred probe pending
load reprobe_pmdomain
sleep 3.5
