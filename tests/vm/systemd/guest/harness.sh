#!/bin/bash
# Runs in the systemd guest as reprobe-vm-harness.service (after basic.target): waits
# until the scenario's outcome is there (WAIT_FOR: card:ID or component:NAME, at most
# WAIT_S), then -- with the boot capture -- until reprobe-boot.service has stopped by
# itself (idle), collects the ground truth like the busybox guest (tests/vm/guest/lib.sh),
# the trace and the unit timestamps, sends /out as a tar over ttyS1 and reboots.
. /reprobe/conf
mkdir -p /out
. /reprobe/lib.sh
STATUS=ok
fail_status() { [ "$STATUS" = ok ] && STATUS="$*"; log "ERROR: $*"; }
log "harness start"
t0=$(uptime_s)
case "$WAIT_FOR" in
card:*) while ! card_ids | grep -qx "${WAIT_FOR#card:}"; do
		[ "$(elapsed_since "$t0")" -lt "$WAIT_S" ] || break
		sleep 0.1
	done ;;
component:*) while ! grep -qx "${WAIT_FOR#component:}" /sys/kernel/debug/asoc/components 2>/dev/null; do
		[ "$(elapsed_since "$t0")" -lt "$WAIT_S" ] || break
		sleep 0.1
	done ;;
esac
log "waited for $WAIT_FOR: $(elapsed_ms_since "$t0") ms"
sleep "$SETTLE"
if [ "$CAPTURE" = 1 ]; then
	while systemctl is-active -q reprobe-boot.service; do
		[ "$(elapsed_since "$t0")" -lt 300 ] || { fail_status "reprobe-boot.service still active"; break; }
		sleep 0.2
	done
	systemctl show reprobe-boot.service -p Result -p ExecMainStatus > /out/boot-unit.txt
	grep -qx 'ExecMainStatus=0' /out/boot-unit.txt || fail_status "reprobe-boot.service: $(tr '\n' ' ' < /out/boot-unit.txt)"
	traces=$(ls /var/log/reprobe/boot-*.trace 2>/dev/null)
	[ "$(echo "$traces" | wc -w)" = 1 ] || fail_status "expected one boot trace, have: $traces"
	cp $traces /out/trace.ndjson 2>/dev/null
	journalctl -b -o short-monotonic -u reprobe-boot.service > /out/tracer.log 2>&1
	# a capture started in the initramfs (reprobe boot enable --initramfs) logs there
	[ ! -e /run/reprobe/initramfs.log ] || cp /run/reprobe/initramfs.log /out/initramfs.log
	cp /reprobe/boot-enable.txt /out/ 2>/dev/null
	reprobe boot status > /out/boot-status.txt 2>&1
fi
# microseconds since boot (CLOCK_MONOTONIC, as the kernel's printk times)
for u in reprobe-boot.service systemd-udevd.service systemd-udev-trigger.service sysinit.target multi-user.target; do
	echo "$u $(systemctl show "$u" -p ActiveEnterTimestampMonotonic --value) $(systemctl show "$u" -p InactiveExitTimestampMonotonic --value)"
done > /out/unit-times.txt
cp /reprobe/switch-root-uptime.txt /out/
journalctl -b -o short-monotonic > /out/journal.txt 2>&1
cat /proc/cmdline > /out/cmdline.txt
uname -r > /out/kernel.txt
collect_ground_truth
echo "$STATUS" > /out/status.txt
log "harness done: $STATUS"
tar -C /out -cf /tmp/out.tar .
size=$(stat -c %s /tmp/out.tar)
sum=$(sha256sum /tmp/out.tar | cut -d' ' -f1)
stty -F /dev/ttyS1 raw -echo 2>/dev/null
cat /tmp/out.tar > /dev/ttyS1
echo "REPROBE-XFER size=$size sha256=$sum"
echo "REPROBE-DONE"
sync
systemctl reboot --force --force
